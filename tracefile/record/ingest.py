"""Spans that arrive from outside the process, written the way recorded spans are.

An OTLP receiver hands over either the protobuf bytes of an ExportTraceServiceRequest or spans
already decoded into the trace model. Both become the same scanned columns the exporter's scan
makes (`convert._Scanned`), then go through the exporter's own `convert._frames`: the same
`Redactor` over the same fields, the same payloads, one append per batch.

* `otlp_frames` reads protobuf bytes straight into the columns with the compiled scanner
  (`_scan.scan_otlp`), without building a protobuf message or a model span. It declines what
  is not of the common shape (a malformed body, a span with a bad id, a value nested past the
  cap), and the caller then takes the reference path;
* `model_frames` is the reference path: trace-model spans (from `interop.otlp_proto` or
  `interop.otlp_json`) into the same columns, in Python. Tests hold the two to identical frames.
"""

from __future__ import annotations

from typing import Any, Sequence

import msgspec

from .. import genai
from ..format.encode import shallow
from ..format.framing import FrameTooLarge
from ..format.model import Span
from ..format.packing import packed
from ..format.schema import Resource, Scope, SpanColumns, SpanDetails
from ..format.writer import TraceWriter, new_batch_id
from . import convert
from .convert import ENCODE_ERRORS, NATIVE, _Scanned, dialect_fill, storable_frames
from .redact import Redactor

Frames = tuple[SpanColumns, SpanDetails, int]  # the two payloads of a batch, and its latest end time


class _Tables:
    """A batch's resource and scope tables, one entry per distinct resource or scope; resource
    attributes are redacted (and deep values cut) once per entry."""

    def __init__(self, redactor: Redactor | None) -> None:
        self.redactor = redactor
        self.resources: list[Resource] = []
        self.scopes: list[Scope] = []
        self._res: dict[bytes, int] = {}
        self._scopes: dict[bytes, int] = {}

    def resource(self, attributes: dict[str, Any], schema_url: str, dropped: int) -> int:
        key = msgspec.msgpack.encode((attributes, schema_url, dropped))
        r = self._res.get(key)
        if r is None:
            r = self._res[key] = len(self.resources)
            attrs = shallow(attributes)
            if self.redactor is not None:
                attrs = dict(self.redactor.attributes(attrs))
            self.resources.append(Resource(attrs, schema_url, dropped))
        return r

    def scope(self, name: str, version: str, schema_url: str, attributes: dict[str, Any]) -> int:
        key = msgspec.msgpack.encode((name, version, schema_url, attributes))
        s = self._scopes.get(key)
        if s is None:
            s = self._scopes[key] = len(self.scopes)
            self.scopes.append(Scope(name, version, schema_url, shallow(attributes)))
        return s


def otlp_frames(body: bytes, redactor: Redactor | None) -> Frames | None:
    """The payloads of one batch holding every span of an OTLP protobuf ExportTraceServiceRequest,
    read by the compiled scanner; None when it is not built here or declines the request (then
    parse the request and use `model_frames`, which says what is wrong with it)."""
    if not NATIVE:
        return None
    names: dict[str, int] = {}
    tables = _Tables(redactor)
    try:
        got = convert._compiled.scan_otlp(body, names, tables.resource, tables.scope, dialect_fill)  # type: ignore[union-attr]
    except ENCODE_ERRORS:  # an attribute msgpack cannot key a table by: the reference path stores it as text
        return None
    if got is None:
        return None
    return convert._frames(_Scanned(*got), new_batch_id(), names, tables, redactor)  # type: ignore[arg-type]


def model_frames(spans: Sequence[Span], redactor: Redactor | None) -> Frames:
    """The payloads of one batch holding ``spans`` (trace-model spans), redacted as recorded spans are."""
    names: dict[str, int] = {}
    tables = _Tables(redactor)
    return convert._frames(_scan_model(spans, names, tables), new_batch_id(), names, tables, redactor)  # type: ignore[arg-type]


def write_frames(writer: TraceWriter, frames: Frames, redactor: Redactor | None) -> None:
    """Append one batch's payloads. A value MessagePack cannot hold is written as text, as the
    exporter does, never losing the batch. Raises FrameTooLarge (nothing written) when the batch
    is more than a frame may hold: split it."""
    columns, details, max_end = frames
    try:
        writer.write_spans(columns, details, columns.base_time, max_end)
    except ENCODE_ERRORS:
        if writer.closed:
            raise
        columns, details = storable_frames(columns, details, redactor)
        writer.write_spans(columns, details, columns.base_time, max_end)


def write_model_spans(writer: TraceWriter, spans: Sequence[Span], redactor: Redactor | None) -> None:
    """Redact ``spans`` (when there is a ``redactor``) and append them to ``writer``: one batch, or
    halves of it when it is more than a frame may hold (FORMAT.md §5.1)."""
    if not spans:
        return
    try:
        write_frames(writer, model_frames(spans, redactor), redactor)
    except FrameTooLarge:
        if len(spans) == 1:
            raise
        half = len(spans) // 2
        write_model_spans(writer, spans[:half], redactor)
        write_model_spans(writer, spans[half:], redactor)


def _scan_model(spans: Sequence[Span], names: dict[str, int], tables: _Tables) -> _Scanned:
    """Trace-model spans as the columns `convert._scan_python` makes of SDK spans: the reference
    for `_scan.scan_otlp`. Values nested past the format's cap are cut (`format.encode.shallow`)."""
    name_col, model_col, res_col, scope_col, cat_col, in_tok, out_tok = [], [], [], [], [], [], []
    cache_read: dict[int, int] = {}
    reasoning: dict[int, int] = {}
    attributes: list[dict[str, Any]] = []
    events: list[tuple] = []
    event_counts: list[int] = []
    links: list[list[tuple]] = []
    raw_links: dict[int, list[tuple]] = {}
    status_message: dict[int, str] = {}
    trace_state: dict[int, str] = {}
    dropped: dict[int, tuple[int, int, int]] = {}
    last_res = last_sc = None
    r = sc = 0
    for i, s in enumerate(spans):
        name_col.append(names.setdefault(s.name, len(names)))
        if s.resource is not last_res:
            last_res = s.resource
            r = tables.resource(s.resource.attributes, s.resource.schema_url, s.resource.dropped_attributes)
        res_col.append(r)
        if s.scope is not last_sc:
            last_sc = s.scope
            sc = tables.scope(s.scope.name, s.scope.version, s.scope.schema_url, s.scope.attributes)
        scope_col.append(sc)
        attrs = shallow(s.attributes)
        g = genai.summary(s.name, attrs)
        cat_col.append(g.category)
        model_col.append(names.setdefault(g.model, len(names)) + 1 if g.model else 0)
        in_tok.append(g.input_tokens)
        out_tok.append(g.output_tokens)
        if g.cache_read_tokens:
            cache_read[i] = g.cache_read_tokens
        if g.reasoning_tokens:
            reasoning[i] = g.reasoning_tokens
        attributes.append(attrs)
        event_counts.append(len(s.events))
        events.extend((e.time_unix_nano - s.start_time, e.name, shallow(e.attributes), e.dropped_attributes) for e in s.events)
        links.append([])
        if s.links:
            raw_links[i] = [
            (bytes.fromhex(lk.trace_id.rjust(32, "0")), bytes.fromhex(lk.span_id.rjust(16, "0")), lk.trace_state,
             shallow(lk.attributes), lk.dropped_attributes, lk.flags)
            for lk in s.links
        ]  # fmt: skip
        if s.status_message:
            status_message[i] = s.status_message
        if s.trace_state:
            trace_state[i] = s.trace_state
        if s.dropped_attributes or s.dropped_events or s.dropped_links:
            dropped[i] = (s.dropped_attributes, s.dropped_events, s.dropped_links)
    starts = [s.start_time for s in spans]
    ends = [max(s.end_time, s.start_time) for s in spans]
    base = min(starts, default=0)
    return _Scanned(
        trace_id=b"".join(bytes.fromhex(s.trace_id.rjust(32, "0")) for s in spans),
        span_id=b"".join(bytes.fromhex(s.span_id.rjust(16, "0")) for s in spans),
        parent_span_id=b"".join(bytes.fromhex(s.parent_span_id.rjust(16, "0")) for s in spans),
        start_time=packed("Q", [t - base for t in starts]),
        duration=packed("Q", [e - t for t, e in zip(starts, ends)]),
        name=packed("I", name_col),
        kind=bytes(s.kind for s in spans),
        status_code=bytes(s.status_code for s in spans),
        flags=packed("I", [s.flags for s in spans]),
        resource=packed("H", res_col),
        scope=packed("H", scope_col),
        category=bytes(cat_col),
        model=packed("I", model_col),
        input_tokens=packed("I", in_tok),
        output_tokens=packed("I", out_tok),
        cache_read=cache_read,
        reasoning=reasoning,
        attributes=attributes,
        events=events,
        event_counts=event_counts,
        links=links,
        raw_links=raw_links,
        status_message=status_message,
        trace_state=trace_state,  # type: ignore[arg-type]
        dropped=dropped,
        base_time=base,
        max_end=max(ends, default=0),
    )

