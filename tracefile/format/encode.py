"""Writing trace-model spans (from a reader or an importer) back into .tracy frames."""

from __future__ import annotations

import os
from typing import Any, Iterable, Iterator, Sequence

import msgspec

from .. import genai
from .model import Span
from .packing import optional_column, packed
from .schema import Event, Feedback, Link, Resource, Scope, SpanColumns, SpanDetails
from .framing import FrameTooLarge
from .writer import TraceWriter, new_batch_id

BATCH_SIZE = 512


#: How deep a value written from the model may nest, as the recorder's (`tracefile.record.values.MAX_DEPTH`):
#: a payload nested past FORMAT.md §5.1's 64 levels is refused by readers, so an imported value nested
#: deeper is cut here, where it is written, and never costs its batch's details.
MAX_VALUE_DEPTH = 32
DEEPER = f"…[nested deeper than {MAX_VALUE_DEPTH} levels]"
_CONTAINERS = (list, tuple, dict)


def _capped(value: Any, depth: int = 1) -> Any:
    t = type(value)
    if t is list or t is tuple:
        return DEEPER if depth > MAX_VALUE_DEPTH else [_capped(x, depth + 1) for x in value]
    if t is dict:
        return DEEPER if depth > MAX_VALUE_DEPTH else {k: _capped(x, depth + 1) for k, x in value.items()}
    return value


def shallow(attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` with values nested past `MAX_VALUE_DEPTH` cut; the same dict when none nests (the usual case)."""
    if not any(type(v) in _CONTAINERS for v in attrs.values()):
        return attrs
    return {k: _capped(v) for k, v in attrs.items()}


def model_to_frames(spans: Sequence[Span], batch_id: int) -> tuple[SpanColumns, SpanDetails]:
    """The spans and span-details payloads for one batch of model spans."""
    names: dict[str, int] = {}
    resources: dict[bytes, int] = {}
    scopes: dict[bytes, int] = {}
    res_list: list[Resource] = []
    scope_list: list[Scope] = []
    res_col, scope_col = [], []
    status_message: dict[int, str] = {}
    trace_state: dict[int, str] = {}
    dropped: dict[int, tuple[int, int, int]] = {}
    for i, s in enumerate(spans):
        rk = msgspec.msgpack.encode(s.resource)
        if rk not in resources:
            resources[rk] = len(res_list)
            res_list.append(msgspec.structs.replace(s.resource, attributes=shallow(s.resource.attributes)))
        res_col.append(resources[rk])
        sk = msgspec.msgpack.encode(s.scope)
        if sk not in scopes:
            scopes[sk] = len(scope_list)
            scope_list.append(s.scope)
        scope_col.append(scopes[sk])
        if s.status_message:
            status_message[i] = s.status_message
        if s.trace_state:
            trace_state[i] = s.trace_state
        if s.dropped_attributes or s.dropped_events or s.dropped_links:
            dropped[i] = (s.dropped_attributes, s.dropped_events, s.dropped_links)

    base = min((s.start_time for s in spans), default=0)
    summaries = [genai.summary(s.name, s.attributes) for s in spans]  # conventions, then other dialects
    columns = SpanColumns(
        batch_id=batch_id,
        count=len(spans),
        base_time=base,
        strings=[],
        resources=res_list,
        scopes=scope_list,
        trace_id=b"".join(bytes.fromhex(s.trace_id.rjust(32, "0")) for s in spans),
        span_id=b"".join(bytes.fromhex(s.span_id.rjust(16, "0")) for s in spans),
        parent_span_id=b"".join(bytes.fromhex(s.parent_span_id.rjust(16, "0")) for s in spans),
        start_time=packed("Q", [s.start_time - base for s in spans]),
        duration=packed("Q", [max(0, s.end_time - s.start_time) for s in spans]),
        name=packed("I", [names.setdefault(s.name, len(names)) for s in spans]),
        kind=bytes(s.kind for s in spans),
        status_code=bytes(s.status_code for s in spans),
        flags=packed("I", [s.flags for s in spans]),
        resource=packed("H", res_col),
        scope=packed("H", scope_col),
        category=bytes(g.category for g in summaries),
        model=packed("I", [names.setdefault(g.model, len(names)) + 1 if g.model else 0 for g in summaries]),
        input_tokens=packed("I", [g.input_tokens for g in summaries]),
        output_tokens=packed("I", [g.output_tokens for g in summaries]),
        cache_read_tokens=optional_column([g.cache_read_tokens for g in summaries]),
        reasoning_tokens=optional_column([g.reasoning_tokens for g in summaries]),
    )
    columns.strings = list(names)
    details = SpanDetails(
        batch_id=batch_id,
        count=len(spans),
        attributes=[shallow(s.attributes) for s in spans],
        events=[[Event(e.time_unix_nano - s.start_time, e.name, shallow(e.attributes), e.dropped_attributes) for e in s.events]
                for s in spans],  # fmt: skip
        links=[
            [
                Link(bytes.fromhex(lk.trace_id.rjust(32, "0")), bytes.fromhex(lk.span_id.rjust(16, "0")), lk.trace_state,
                     shallow(lk.attributes), lk.dropped_attributes, lk.flags)  # fmt: skip
                for lk in s.links
            ]
            for s in spans
        ],
        status_message=status_message,
        trace_state=trace_state,
        dropped=dropped,
    )
    return columns, details


def write_spans(
    path: str | os.PathLike[str],
    spans: Iterable[Span],
    feedback: Sequence[Feedback] = (),
    *,
    compression: bool = True,
    writer: str = "tracy-convert",
    format_version: tuple[int, int] | None = None,
) -> int:
    """Append model spans (and feedback records) to a .tracy file in batches. Returns the span count.
    ``format_version`` is the version of a new file (the writer's default when None)."""
    total = 0
    options = {} if format_version is None else {"format_version": format_version}
    with TraceWriter(path, compression=compression, writer=writer, **options) as w:
        for batch in batched(spans):
            total += _flush(w, batch)
        if feedback:
            w.write_feedback(list(feedback))
    return total


def batched(spans: Iterable[Span], size: int = BATCH_SIZE) -> Iterator[list[Span]]:
    """``spans`` in lists of ``size`` (the last one shorter), as they come: a stream stays a stream."""
    batch: list[Span] = []
    for s in spans:
        batch.append(s)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _flush(w: TraceWriter, batch: list[Span]) -> int:
    columns, details = model_to_frames(batch, new_batch_id())
    try:
        w.write_spans(columns, details, min(s.start_time for s in batch), max(s.end_time for s in batch))
    except FrameTooLarge:  # more than a frame may hold (FORMAT.md §5.1): write it in halves
        if len(batch) == 1:
            raise
        half = len(batch) // 2
        return _flush(w, batch[:half]) + _flush(w, batch[half:])
    return len(batch)
