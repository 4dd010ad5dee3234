"""Whether a model span matches a parsed query: the viewer's search rules over `tracefile.format.Span` objects.

The viewer answers the same queries over numpy columns and a text index; this module answers
them span by span, for tools that hold spans in memory (`tracy push --query`). It follows the
viewer's rules:

* free text is a case-insensitive substring of the span name, an attribute key or value, an
  event name or event attribute, the status message, or a feedback label, comment or evaluator;
  a value holding JSON is searched as its keys and strings, so ``paris`` finds ``"Paris"`` in
  message content;
* ``key:value``: an attribute or event attribute named ``key`` whose value contains ``value``
  (``key:`` alone: the span has it);
* ``name:``, ``model:``, ``status:``, ``kind:``, ``category:`` and the comparisons
  (``duration>2s``, ``trace_duration<1s``, ``tokens>1000``) use the same category, model and token
  rules as the file's columns (`tracefile.genai.summary`);
* ``feedback:`` (any), ``feedback:evaluated`` (an evaluator's verdict) and ``feedback:<word>``
  (in a label, comment or evaluator name). ``feedback:positive`` and ``feedback:negative`` need
  the viewer's thumbs rule and raise `QueryError` here.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..format.model import Span
from ..format.schema import SPAN_KIND_NAMES, STATUS_NAMES
from ..genai import CATEGORY_NAMES, summary
from ..genai.feedback import is_user_feedback
from .query import And, Compare, Field, Node, Not, Or, Query, QueryError, Term

_JSON_DEPTH = 4
_SENTIMENT_WORDS = ("positive", "negative", "up", "down", "good", "bad", "👍", "👎")


def check_supported(query: Query) -> None:
    """Raise `QueryError` for terms only the viewer can answer (``feedback:positive``, ``feedback:negative``)."""
    for node in _walk(query.root):
        if isinstance(node, Field) and node.key == "feedback" and (node.value or "").lower() in _SENTIMENT_WORDS:
            where = query.text.find(f"feedback:{node.value}")
            raise QueryError(
                f"feedback:{node.value} needs the viewer's thumbs rule; outside the viewer use feedback:, "
                "feedback:evaluated or feedback:<word in the label or comment>",
                max(where, 0),
            )


def matching_traces(query: Query, spans: Iterable[Span]) -> set[str]:
    """The ids of the traces that have at least one span matching ``query`` (every trace for the empty query)."""
    spans = list(spans)
    if query.root is None:
        return {s.trace_id for s in spans}
    check_supported(query)
    bounds: dict[str, list[int]] = {}
    for s in spans:
        b = bounds.get(s.trace_id)
        if b is None:
            bounds[s.trace_id] = [s.start_time, s.end_time]
        else:
            b[0], b[1] = min(b[0], s.start_time), max(b[1], s.end_time)
    found: set[str] = set()
    for s in spans:
        if s.trace_id in found:
            continue
        start, end = bounds[s.trace_id]
        if matches(query.root, s, end - start):
            found.add(s.trace_id)
    return found


def matches(node: Node | None, span: Span, trace_duration: int = 0) -> bool:
    """True when ``span`` matches ``node`` (None, the empty query, matches every span).
    ``trace_duration`` (ns) answers ``trace_duration`` comparisons."""
    if node is None:
        return True
    return _Match(span, trace_duration).eval(node)


class _Match:
    def __init__(self, span: Span, trace_duration: int) -> None:
        self.span = span
        self.trace_duration = trace_duration
        self._summary = None
        self._texts: list[str] | None = None

    @property
    def summary(self):
        if self._summary is None:
            self._summary = summary(self.span.name, self.span.attributes)
        return self._summary

    def eval(self, node: Node) -> bool:
        if isinstance(node, Term):
            needle = node.text.lower()
            return any(needle in t for t in self.texts())
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Compare):
            return _compare(self.number(node.field), node.op, node.value)
        if isinstance(node, Not):
            return not self.eval(node.child)
        if isinstance(node, And):
            return all(self.eval(c) for c in node.children)
        if isinstance(node, Or):
            return any(self.eval(c) for c in node.children)
        raise TypeError(f"not a query node: {node!r}")

    def texts(self) -> list[str]:
        if self._texts is None:
            s = self.span
            out = [s.name, s.status_message]
            for attrs in (s.attributes, *(e.attributes for e in s.events)):
                for k, v in attrs.items():
                    out.append(k)
                    out.append(value_text(v))
            out.extend(e.name for e in s.events)
            for fb in s.feedback:
                out.extend((fb.label, fb.comment, fb.evaluator))
            self._texts = [t.lower() for t in out if t]
        return self._texts

    def field(self, node: Field) -> bool:
        s, key, value = self.span, node.key, node.value
        if key == "name":
            return (value or "").lower() in s.name.lower()
        if key == "model":
            model = self.summary.model
            return bool(model) if value is None else value.lower() in model.lower()
        if key == "status":
            return STATUS_NAMES[s.status_code].lower() == value if 0 <= s.status_code < 3 else False
        if key == "kind":
            return 0 <= s.kind < len(SPAN_KIND_NAMES) and SPAN_KIND_NAMES[s.kind] == value
        if key == "category":
            return CATEGORY_NAMES[self.summary.category] == value
        if key == "feedback":
            if value is None:
                return bool(s.feedback)
            word = value.lower()
            if word == "evaluated":
                return any(not is_user_feedback(fb) for fb in s.feedback)
            return any(word in t.lower() for fb in s.feedback for t in (fb.label, fb.comment, fb.evaluator))
        for attrs in (s.attributes, *(e.attributes for e in s.events)):
            if key in attrs:
                if value is None or value.lower() in value_text(attrs[key]).lower():
                    return True
        return False

    def number(self, name: str) -> int:
        s = self.span
        if name == "duration":
            return s.end_time - s.start_time
        if name == "trace_duration":
            return self.trace_duration
        if name == "input_tokens":
            return self.summary.input_tokens
        if name == "output_tokens":
            return self.summary.output_tokens
        return self.summary.input_tokens + self.summary.output_tokens


def _compare(a: int, op: str, b: int) -> bool:
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    return a == b


def value_text(value: Any) -> str:
    """The searchable text of an attribute value: a JSON string as its keys and strings, one per line."""
    if isinstance(value, str):
        if value[:1] in ("{", "[") and value[-1:] in ("}", "]"):
            try:
                parsed = json.loads(value)
            except (ValueError, RecursionError):
                return value
            lines: list[str] = []
            _flatten(parsed, lines, 0)
            return "\n".join(lines)
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple, dict)):
        lines = []
        _flatten(value, lines, 0)
        return "\n".join(lines)
    return ""


def _flatten(obj: Any, out: list[str], depth: int) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append(str(k))
            _flatten(v, out, depth + 1) if depth < _JSON_DEPTH else out.append(json.dumps(v))
    elif isinstance(obj, list):
        for v in obj:
            _flatten(v, out, depth + 1) if depth < _JSON_DEPTH else out.append(json.dumps(v))
    elif obj is not None:
        out.append(value_text(obj) if not isinstance(obj, str) else obj)


def _walk(node: Node | None):
    if node is None:
        return
    yield node
    if isinstance(node, Not):
        yield from _walk(node.child)
    elif isinstance(node, (And, Or)):
        for c in node.children:
            yield from _walk(c)
