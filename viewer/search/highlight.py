"""The words of a search to mark in the Chat and Inspector panes, and where they occur in a text (no Qt).

    terms = highlight_terms(parse('weather -status:error model:gpt "short story"'))
    # ['short story', 'weather', 'gpt']
    for start, end in find_spans(text, terms):
        mark(start, end)
"""

from __future__ import annotations

import re
from typing import Iterable

from .query import And, Compare, Field, Node, Not, Or, Query, QueryError, Term, parse

#: Terms shorter than this are not marked: one letter would light up every line.
MIN_LENGTH = 2
#: At most this many places are marked in one text (the first ones): enough to see, cheap to paint.
MAX_SPANS = 2000
#: ``feedback:`` values that name a kind of verdict, not words in it.
_FEEDBACK_KINDS = ("positive", "negative", "evaluated")
#: Builtin keys whose values are words that may appear in the text.
_TEXT_KEYS = ("name", "model")


def highlight_terms(query: Query | Node | None) -> list[str]:
    """The plain words and phrases a query looks for, to mark where they occur: free text,
    ``name:``/``model:``/``key:value`` values and ``feedback:<word>``; not what it excludes
    (``-word``, ``NOT``), nor comparisons, status, kind or category. Longest first, no repeats
    (ignoring case), none shorter than `MIN_LENGTH`."""
    found: list[str] = []

    def walk(node: Node | None) -> None:
        if node is None or isinstance(node, (Not, Compare)):
            return
        if isinstance(node, (And, Or)):
            for child in node.children:
                walk(child)
        elif isinstance(node, Term):
            found.append(node.text)
        elif isinstance(node, Field) and node.value is not None:
            if node.key in _TEXT_KEYS or node.key not in ("status", "kind", "category", "feedback", "has"):
                found.append(node.value)
            elif node.key == "feedback" and node.value.lower() not in _FEEDBACK_KINDS:
                found.append(node.value)

    walk(query.root if isinstance(query, Query) else query)
    seen: set[str] = set()
    out = []
    for term in sorted(found, key=len, reverse=True):
        term = term.strip()
        if len(term) >= MIN_LENGTH and term.lower() not in seen:
            seen.add(term.lower())
            out.append(term)
    return out


def terms_of(text: str) -> list[str]:
    """`highlight_terms` of the search box's text; none while the text does not parse."""
    try:
        return highlight_terms(parse(text))
    except QueryError:
        return []


def find_spans(text: str, terms: Iterable[str], limit: int = MAX_SPANS) -> list[tuple[int, int]]:
    """``(start, end)`` of each place in ``text`` where one of ``terms`` occurs, ignoring case, in order,
    without overlaps (a longer term wins where two start together); at most ``limit``."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words or not text:
        return []
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out = []
    for m in pattern.finditer(text):
        if m.end() > m.start():
            out.append((m.start(), m.end()))
            if len(out) >= limit:
                break
    return out
