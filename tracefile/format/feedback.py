"""Which span a feedback record judges: the one rule of FORMAT.md §2.4, shared by every reader.

    match, span = find_span(fb, by_span_id=..., by_response_id=..., root_of_trace=...)

A record names its span by ``span_id``; failing that by ``response_id`` (the span whose
``gen_ai.response.id`` attribute equals it); failing that it judges the root span (the one without
a parent) of ``trace_id``. When several spans match at one step, the one written last in the file
is meant. `find_span` makes that decision from three lookups, so that a reader holding span objects
(`join_feedback`) and one holding timeline columns (the viewer) decide alike.

Because the last span written wins, a file that grows never needs searching again from its start:
look only in what was appended, with ``weakest`` set to the match found before, and take the new
match when there is one.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Callable, Iterable, TypeVar

from ..genai import names
from .model import Span
from .schema import Feedback

#: The span attribute a record's ``response_id`` is compared with.
RESPONSE_ID = names.GEN_AI_RESPONSE_ID

T = TypeVar("T")


class Match(IntEnum):
    """How a record found its span; a stronger match is never replaced by a weaker one."""

    NONE = 0
    TRACE_ROOT = 1
    RESPONSE_ID = 2
    SPAN_ID = 3


def find_span(
    fb: Feedback,
    *,
    by_span_id: Callable[[str], T | None],
    by_response_id: Callable[[str], T | None],
    root_of_trace: Callable[[str], T | None],
    weakest: Match = Match.TRACE_ROOT,
) -> tuple[Match, T | None]:
    """The span ``fb`` judges, and how it was found; ``(Match.NONE, None)`` when no span matches.

    Each lookup returns the last span written with that key, or None: ``by_span_id`` takes
    16 lowercase hex digits, ``root_of_trace`` 32 (the trace's span without a parent),
    ``by_response_id`` the response id as recorded. Lookups for matches weaker than ``weakest``
    are not made.
    """
    if fb.span_id and (span := by_span_id(fb.span_id.lower())) is not None:
        return Match.SPAN_ID, span
    if weakest <= Match.RESPONSE_ID and fb.response_id and (span := by_response_id(fb.response_id)) is not None:
        return Match.RESPONSE_ID, span
    if weakest <= Match.TRACE_ROOT and fb.trace_id and (span := root_of_trace(fb.trace_id.lower())) is not None:
        return Match.TRACE_ROOT, span
    return Match.NONE, None


def join_feedback(spans: list[Span], feedback: Iterable[Feedback]) -> None:
    """Append each record to the ``feedback`` of the span it judges (`find_span`); ``spans`` are in file order."""
    feedback = list(feedback)
    if not feedback:
        return
    # Later spans overwrite earlier ones: the last span written wins.
    by_span: dict[str, Span] = {}
    roots: dict[str, Span] = {}
    for s in spans:
        by_span[s.span_id] = s
        if not s.parent_span_id:
            roots[s.trace_id] = s
    by_response: dict[str, Span] | None = None

    def response(rid: str) -> Span | None:
        # Made when a record first needs it: it reads every span's attributes (decoding them, in a lazy load).
        nonlocal by_response
        if by_response is None:
            by_response = {}
            for s in spans:
                found = s.attributes.get(RESPONSE_ID)
                if isinstance(found, str) and found:
                    by_response[found] = s
        return by_response.get(rid)

    for fb in feedback:
        _, target = find_span(fb, by_span_id=by_span.get, by_response_id=response, root_of_trace=roots.get)
        if target is not None:
            if not target.feedback:
                target.feedback = []
            target.feedback.append(fb)
