"""Reading .tracy files: whole-file `load()`, streaming `iter_spans()`, and frame-level access.

Readers never raise anything but TraceFileError. Damage in the middle of a
file is skipped and reported as a warning (or raised with ``strict=True``);
an incomplete last frame is always just a warning, since a writer may still be
appending to the file.
"""

from __future__ import annotations

import gc
import mmap
import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import msgspec

from .content import ContentIndex, ext_hook, refs_made
from .lazy import AttributeSource, LazyAttributes, LazySpanDetails
from .errors import TraceFileError
from .feedback import join_feedback
from .framing import FrameRef, ScanReport, check_file_header, frame_payload, scan_frames
from .meaning import Finding, repair_columns
from .model import Span, SpanLink, TraceFile
from .packing import unpack
from .schema import (
    FILE_HEADER_SIZE,
    KIND_FEEDBACK,
    KIND_CONTENT,
    KIND_FILE_INFO,
    KIND_INDEX,
    KIND_SPAN_DETAILS,
    KIND_SPANS,
    FeedbackBatch,
    FileInfo,
    Index,
    Resource,
    SpanColumns,
    SpanDetails,
)

_DECODERS = {
    KIND_SPANS: msgspec.msgpack.Decoder(SpanColumns),
    KIND_SPAN_DETAILS: msgspec.msgpack.Decoder(SpanDetails, ext_hook=ext_hook),
    KIND_FEEDBACK: msgspec.msgpack.Decoder(FeedbackBatch),
    KIND_FILE_INFO: msgspec.msgpack.Decoder(FileInfo),
    KIND_INDEX: msgspec.msgpack.Decoder(Index),
}
_LAZY_DETAILS = msgspec.msgpack.Decoder(LazySpanDetails, ext_hook=ext_hook)


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while building many objects that hold no cycles.

    Loading allocates millions of containers, and each allocation burst would
    otherwise trigger collections that rescan everything loaded so far (a
    quarter of load() time on the benchmark corpus).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def open_buffer(path: str | os.PathLike[str]):
    """Map a file read-only; yields a bytes-like object. Raises TraceFileError if it cannot be read."""
    p = os.fspath(path)
    try:
        f = open(p, "rb")
    except OSError as exc:
        raise TraceFileError(f"{p}: cannot open: {exc.strerror or exc}") from None
    with f:
        try:
            size = os.fstat(f.fileno()).st_size
            buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except (OSError, ValueError) as exc:
            raise TraceFileError(f"{p}: cannot read: {exc}") from None
        try:
            yield buf
        finally:
            if isinstance(buf, mmap.mmap):
                try:
                    buf.close()
                except BufferError:
                    # A caller still holds a view into the map; the OS frees it with the last reference.
                    pass


def decode_frame(
    data, ref: FrameRef, findings: list[Finding] | None = None, content: ContentIndex | None = None, *, lazy: bool = False
) -> Any:
    """Decompress and decode one intact frame; TraceFileError if its payload is not what its kind promises.

    Decoding stays within the budget of docs/FORMAT.md §5.1 (`frame_payload`). Rows of a
    ``spans`` frame that hold impossible values are made readable (`meaning.repair_columns`);
    what was wrong is added to ``findings`` when one is given. References to the content store
    in a ``span-details`` frame are replaced by their texts, found through ``content`` (the
    file's content frames before this one); without it, or when an entry is missing or damaged,
    by a "content lost" marker. With ``lazy``, a ``span-details`` frame decodes to a
    `LazySpanDetails`: its attribute maps stay undecoded (their references too).
    """
    payload = frame_payload(data, ref)
    decoder = _LAZY_DETAILS if lazy and ref.kind == KIND_SPAN_DETAILS else _DECODERS.get(ref.kind)
    if decoder is None:
        return None
    refs = refs_made()
    try:
        obj = decoder.decode(payload)
    # ValueError covers invalid UTF-8 in strings; RecursionError absurdly nested values.
    except (msgspec.DecodeError, ValueError, RecursionError) as exc:
        raise TraceFileError(f"{ref.kind_name} frame at byte {ref.offset} does not decode: {exc}", ref.offset) from None
    if isinstance(obj, (SpanColumns, SpanDetails)):
        _check_batch(obj, ref)
    if refs_made() != refs:
        if isinstance(obj, LazySpanDetails):  # (a SpanDetails too) its attribute maps are decoded later
            (content or _NO_CONTENT).resolve_events(data, obj)
        elif isinstance(obj, SpanDetails):
            (content or _NO_CONTENT).resolve(data, obj)
    if isinstance(obj, SpanColumns):
        found = repair_columns(obj, ref.offset)
        if found and findings is not None:
            findings.extend(found)
    return obj


_NO_CONTENT = ContentIndex()


def _check_batch(obj: SpanColumns | SpanDetails, ref: FrameRef) -> None:
    """Reject frames whose columns disagree with their count (malformed writer output)."""
    n = obj.count
    if isinstance(obj, SpanColumns):
        widths = (
            ("trace_id", 16), ("span_id", 8), ("parent_span_id", 8), ("start_time", 8), ("duration", 8),
            ("name", 4), ("kind", 1), ("status_code", 1), ("flags", 4), ("resource", 2), ("scope", 2),
        )  # fmt: skip
        for field, width in widths:
            if len(getattr(obj, field)) != n * width:
                raise TraceFileError(f"spans frame at byte {ref.offset}: column {field} has the wrong length", ref.offset)
        for field, width in (("category", 1), ("model", 4), ("input_tokens", 4), ("output_tokens", 4),
                             ("cache_read_tokens", 4), ("reasoning_tokens", 4)):
            if len(getattr(obj, field)) not in (0, n * width):
                raise TraceFileError(f"spans frame at byte {ref.offset}: column {field} has the wrong length", ref.offset)
    elif not (len(obj.attributes) == len(obj.events) == len(obj.links) == n):
        raise TraceFileError(f"span-details frame at byte {ref.offset}: lists disagree with count {n}", ref.offset)


@dataclass(slots=True)
class Batch:
    """One spans frame with its span-details frame (None when that was lost)."""

    columns: SpanColumns
    details: SpanDetails | None  # a LazySpanDetails from a lazy read
    offset: int
    details_offset: int | None
    #: The file's content frames, for the attribute maps of lazy details.
    content: ContentIndex | None = None


def iter_records(
    data, report: ScanReport, *, details: bool = True, strict: bool = False, path: str = "<buffer>",
    start: int = FILE_HEADER_SIZE, lazy: bool = False,
) -> Iterator[Batch | FeedbackBatch | FileInfo | Index]:
    """Decode the frames of a file in order, pairing each spans frame with its details.

    With ``details=False`` span-details frames are skipped without being
    decompressed: the fast path for drawing a timeline. With ``lazy``, details come as
    `LazySpanDetails` (attribute maps undecoded), and each batch carries the file's content
    frames, copied, to decode them from after the file is closed.
    """  # fmt: skip
    pending: Batch | None = None
    findings: list[Finding] = []
    content = ContentIndex(detached=lazy)
    for ref in scan_frames(data, report, start=start, strict=strict, path=path, verify=True):
        if ref.kind == KIND_CONTENT:
            if details:
                content.add(data, ref.offset, ref.stored_len)
            continue
        if ref.kind == KIND_SPAN_DETAILS and not details:
            if pending is not None:
                pending.details_offset = ref.offset
            continue
        if ref.kind not in _DECODERS:
            continue  # a newer writer's frame kind: skip it, as the spec requires
        try:
            obj = decode_frame(data, ref, findings, content, lazy=lazy)
        except TraceFileError as exc:
            if strict:
                raise TraceFileError(f"{path}: {exc}", exc.offset) from None
            report.warnings.append(str(exc))
            report.damaged.append((ref.offset, ref.end, str(exc)))
            continue
        if findings:
            report.warnings.extend(map(str, findings))
            findings.clear()
        if isinstance(obj, SpanDetails):
            if pending is not None and pending.columns.batch_id == obj.batch_id and pending.details is None:
                if obj.count != pending.columns.count:
                    report.warnings.append(
                        f"span-details frame at byte {ref.offset} has {obj.count} rows, its spans frame "
                        f"{pending.columns.count}; skipped"
                    )
                    continue
                pending.details = obj
                pending.details_offset = ref.offset
            else:
                report.warnings.append(f"span-details frame at byte {ref.offset} has no spans frame before it; skipped")
            continue
        if pending is not None:
            yield _finish(pending, report, details)
            pending = None
        if isinstance(obj, SpanColumns):
            pending = Batch(obj, None, ref.offset, None, content if lazy else None)
        else:
            yield obj
    if pending is not None:
        yield _finish(pending, report, details)


def _finish(batch: Batch, report: ScanReport, details: bool) -> Batch:
    if details and batch.details is None:
        report.warnings.append(
            f"the details of {batch.columns.count} spans (spans frame at byte {batch.offset}) are missing; "
            "their timing and names are kept"
        )
    return batch


def batch_spans(batch: Batch, resources: dict[bytes, Resource] | None = None) -> list[Span]:
    """Turn one decoded batch into Span objects."""
    c = batch.columns
    d = batch.details
    n = c.count
    names = c.strings
    tid = c.trace_id.hex()
    sid = c.span_id.hex()
    pid = c.parent_span_id.hex()
    base = c.base_time
    starts = [base + t for t in unpack("Q", c.start_time)]
    durations = unpack("Q", c.duration)
    name_idx = unpack("I", c.name)
    flags = unpack("I", c.flags)
    res_idx = unpack("H", c.resource)
    scope_idx = unpack("H", c.scope)
    kinds = c.kind
    status = c.status_code
    res_list = c.resources
    if resources is not None:
        res_list = [resources.setdefault(msgspec.msgpack.encode(r), r) for r in res_list]
    scopes = c.scopes
    zero = "0" * 16
    if d is None:
        attributes = [{} for _ in range(n)]
        events = [[] for _ in range(n)]
        links = [[]] * n  # only read, never handed out
        status_msg = trace_state = dropped = {}
    else:
        attributes, events, links = d.attributes, d.events, d.links
        status_msg, trace_state, dropped = d.status_message, d.trace_state, d.dropped
        if type(d) is LazySpanDetails:
            source = AttributeSource(batch.content or _NO_CONTENT, d.content_store)
            attributes = [LazyAttributes(raw, source) for raw in attributes]
    tids = [tid[k : k + 32] for k in range(0, 32 * n, 32)]
    sids = [sid[k : k + 16] for k in range(0, 16 * n, 16)]
    pids = [pid[k : k + 16] for k in range(0, 16 * n, 16)]
    span_names = [names[k] for k in name_idx]
    span_res = [res_list[k] for k in res_idx]
    span_scopes = [scopes[k] for k in scope_idx]
    # Positional construction in Span's field order: it is the hot loop of load().
    out = [
        Span(t, s, "" if p == zero else p, nm, kd, st, st + du, sc, "", at, ev, [], rs, sp, "", fl)
        for t, s, p, nm, kd, st, du, sc, at, ev, rs, sp, fl in zip(
            tids, sids, pids, span_names, kinds, starts, durations, status, attributes, events, span_res, span_scopes, flags
        )
    ]
    if d is not None:
        # Event times are stored relative to their span's start.
        for ev, st in zip(events, starts):
            for e in ev:
                e.time_unix_nano += st
    # Rows out of range are skipped (a negative one would silently pick a span from the end).
    for i, msg in status_msg.items():
        if 0 <= i < n:
            out[i].status_message = msg
    for i, ts in trace_state.items():
        if 0 <= i < n:
            out[i].trace_state = ts
    for i, (da, de, dl) in dropped.items():
        if not 0 <= i < n:
            continue
        span = out[i]
        span.dropped_attributes, span.dropped_events, span.dropped_links = da, de, dl
    for i, lk in enumerate(links):
        if lk:
            out[i].links = [
                SpanLink(x.trace_id.hex(), x.span_id.hex(), x.trace_state, x.attributes, x.dropped_attributes, x.flags)
                for x in lk
            ]
    return out


def _safe_batch_spans(batch: Batch, resources: dict, report: ScanReport, strict: bool, path: str) -> list[Span]:
    try:
        return batch_spans(batch, resources)
    except (IndexError, KeyError, ValueError) as exc:
        # CRC-valid but inconsistent (a buggy writer): string or resource indices out of range.
        msg = f"spans frame at byte {batch.offset} refers to entries it does not hold ({exc}); skipped"
        if strict:
            raise TraceFileError(f"{path}: {msg}", batch.offset) from None
        report.warnings.append(msg)
        report.damaged.append((batch.offset, batch.offset, msg))
        return []


def load(path: str | os.PathLike[str], *, strict: bool = False, lazy: bool = False) -> TraceFile:
    """Read a whole .tracy file: resources, spans with every field, feedback and warnings.

    Feedback is joined to the spans it judges (`tracefile.format.feedback`: by span id, else
    ``gen_ai.response.id``, else the trace's root). Raises TraceFileError for a file that is not
    ours; damaged frames are skipped with a warning, or raise with ``strict``.

    With ``lazy``, each span's ``attributes`` is a `LazyAttributes` mapping, decoded the first
    time it is used (a map whose bytes turn out not to decode then holds only `LOST_KEY`, saying
    why). ``strict`` decodes everything now.
    """
    p = os.fspath(path)
    report = ScanReport()
    spans: list[Span] = []
    feedback = []
    writers = []
    resources: dict[bytes, Resource] = {}
    with open_buffer(p) as data, gc_paused():
        version = check_file_header(data, p)
        size = len(data)
        if version is None:
            return TraceFile(path=p, size=size, version=(0, 0), truncated=True,
                             warnings=[f"file ends inside its header ({size} bytes); the writer is still starting"])  # fmt: skip
        for rec in iter_records(data, report, strict=strict, path=p, lazy=lazy and not strict):
            if isinstance(rec, Batch):
                spans.extend(_safe_batch_spans(rec, resources, report, strict, p))
            elif isinstance(rec, FeedbackBatch):
                feedback.extend(rec.records)
            elif isinstance(rec, FileInfo):
                writers.append(rec)
        join_feedback(spans, feedback)
        return TraceFile(
            path=p, size=size, version=version, spans=spans, resources=list(resources.values()), feedback=feedback,
            writers=writers, warnings=report.warnings, truncated=report.truncated_at is not None,
        )  # fmt: skip


def iter_spans(path: str | os.PathLike[str], *, strict: bool = False, lazy: bool = False) -> Iterator[Span]:
    """Stream the spans of a file batch by batch, without holding them all in memory.

    Warnings are not returned; use `load()` or `scan()` when they matter. ``lazy`` as for `load()`.
    """
    p = os.fspath(path)
    report = ScanReport()
    resources: dict[bytes, Resource] = {}
    with open_buffer(p) as data:
        if check_file_header(data, p) is None:
            return
        for rec in iter_records(data, report, strict=strict, path=p, lazy=lazy and not strict):
            if isinstance(rec, Batch):
                yield from _safe_batch_spans(rec, resources, report, strict, p)
