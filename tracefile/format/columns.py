"""Columnar, timeline-only reading for very large files.

`TimelineReader` reads only ``spans`` frames (span-details frames are skipped
without being decompressed) into numpy arrays, one entry per span, with no
Python object per span. Details of one span are decoded on demand with
`TimelineReader.span()`. The reader can resume where it stopped, which is how
a viewer follows a file that is still being written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .content import ContentIndex
from .errors import TraceFileError
from .framing import FrameRef, ScanReport, check_file_header, frame_at, scan_frames
from .model import Span
from .reader import Batch, batch_spans, decode_frame, open_buffer
from .schema import (
    FILE_HEADER_SIZE,
    KIND_CONTENT,
    KIND_FEEDBACK,
    KIND_FILE_INFO,
    KIND_INDEX,
    KIND_SPAN_DETAILS,
    KIND_SPANS,
    Feedback,
    SpanColumns,
)

# Column name -> numpy dtype of its packed little-endian encoding.
_DTYPES = {
    "start_time": "<u8", "duration": "<u8", "name": "<u4", "kind": "u1", "status_code": "u1",
    "flags": "<u4", "resource": "<u2", "scope": "<u2",
    "category": "u1", "model": "<u4", "input_tokens": "<u4", "output_tokens": "<u4",
    "cache_read_tokens": "<u4", "reasoning_tokens": "<u4",
}  # fmt: skip
_OPTIONAL = ("category", "model", "input_tokens", "output_tokens", "cache_read_tokens", "reasoning_tokens")
_SKIPPED = frozenset({KIND_SPAN_DETAILS, KIND_CONTENT})
_WIDTHS = {k: np.dtype(dt).itemsize for k, dt in _DTYPES.items()}
#: What `TimelineReader._add_columns` keeps per batch besides its columns.
_BATCH_META = ("remap", "base_time", "count")


@dataclass
class BatchRef:
    """Where the frames of one batch are, and which rows they became."""

    spans_offset: int
    details_offset: int | None
    first_row: int
    count: int


@dataclass
class Timeline:
    """All spans of a file as columns. Ids are kept as raw bytes viewed as integers:
    equal ids compare equal, and `span_id_hex` turns them back into text."""

    trace_id: np.ndarray  # (n, 2) uint64: the 16 id bytes
    span_id: np.ndarray  # (n,) uint64
    parent_span_id: np.ndarray  # (n,) uint64, 0 for a root span
    start: np.ndarray  # (n,) uint64 unix ns
    end: np.ndarray  # (n,) uint64 unix ns
    name: np.ndarray  # (n,) uint32 index into names
    kind: np.ndarray  # (n,) uint8
    status: np.ndarray  # (n,) uint8
    batch: np.ndarray  # (n,) uint32 index into batches
    category: np.ndarray  # (n,) uint8 tracefile.genai.CATEGORY_*
    model: np.ndarray  # (n,) uint32: 0 for none, else 1 + index into names
    input_tokens: np.ndarray  # (n,) uint32
    output_tokens: np.ndarray  # (n,) uint32
    cache_read_tokens: np.ndarray  # (n,) uint32, part of input_tokens
    reasoning_tokens: np.ndarray  # (n,) uint32, part of output_tokens
    names: list[str] = field(default_factory=list)
    batches: list[BatchRef] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.span_id)

    @staticmethod
    def span_id_hex(value: int) -> str:
        return int(value).to_bytes(8, "little").hex()

    @staticmethod
    def span_id_key(hex_id: str) -> int | None:
        """The `span_id` column's integer for a hex span id (its 8 bytes read little-endian);
        None when ``hex_id`` is not 16 hex digits. The inverse of `span_id_hex`."""
        try:
            raw = bytes.fromhex(hex_id)
        except ValueError:
            return None
        return int.from_bytes(raw, "little") if len(raw) == 8 else None

    @staticmethod
    def trace_id_hex(value: np.ndarray) -> str:
        return value.tobytes().hex()


def _empty_timeline() -> Timeline:
    return Timeline(
        trace_id=np.zeros((0, 2), np.uint64), span_id=np.zeros(0, np.uint64), parent_span_id=np.zeros(0, np.uint64),
        start=np.zeros(0, np.uint64), end=np.zeros(0, np.uint64), name=np.zeros(0, np.uint32),
        kind=np.zeros(0, np.uint8), status=np.zeros(0, np.uint8), batch=np.zeros(0, np.uint32),
        category=np.zeros(0, np.uint8), model=np.zeros(0, np.uint32), input_tokens=np.zeros(0, np.uint32),
        output_tokens=np.zeros(0, np.uint32), cache_read_tokens=np.zeros(0, np.uint32),
        reasoning_tokens=np.zeros(0, np.uint32),
    )  # fmt: skip


_KNOWN = frozenset({KIND_SPANS, KIND_FEEDBACK, KIND_FILE_INFO, KIND_INDEX})


class TimelineReader:
    """Reads a .tracy file's timeline columns, and later whatever was appended since."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self.offset = FILE_HEADER_SIZE
        self.timeline = _empty_timeline()
        self.feedback: list[Feedback] = []
        self.warnings: list[str] = []
        self.truncated = False
        self._name_index: dict[str, int] = {}
        self._header_ok = False
        #: Batches whose span-details frame was found on the last read, after their rows were shown
        #: (the file ended inside it or just before it): spans decoded before then lack details.
        self.late_details: list[int] = []
        #: Batches whose span-details frame turned out damaged when decoded (reported in `warnings`).
        self.damaged_details: set[int] = set()
        self._lost: dict[int, str] = {}  # batch -> why its details could not be read
        #: The file's content frames (docs/FORMAT.md §2.6), noted as the scan passes them and
        #: decoded only when a span's details refer to them.
        self.content = ContentIndex()
        # The last batch, while its details frame may still be on its way: (its batch index, where
        # its spans frame ends). Its rows are shown without details until that frame arrives.
        self._open: tuple[int, int] | None = None

    def read(
        self,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> int:
        """Read frames from where the last call stopped. Returns the number of new spans.

        ``progress(done_bytes, total_bytes)`` is called now and then;
        ``cancelled()`` returning True stops early (what was read is kept).
        """
        with open_buffer(self.path) as data:
            if not self._header_ok:
                if check_file_header(data, self.path) is None:
                    self.truncated = True
                    return 0
                self._header_ok = True
            total = len(data)
            report = ScanReport(end=self.offset)
            parts: dict[str, list] = {k: [] for k in ("trace_id", "span_id", "parent_span_id", *_DTYPES, *_BATCH_META)}
            batches: list[BatchRef] = []
            row = len(self.timeline)
            first_batch = len(self.timeline.batches)
            self.late_details = []
            pending: BatchRef | None = None
            pending_end = -1
            if self._open is not None and self._open[1] == self.offset:
                pending, pending_end = self.timeline.batches[self._open[0]], self._open[1]
            self._open = None
            # Details frames are skipped unread; their checksums are checked when a span is opened.
            frames = scan_frames(data, report, start=self.offset, path=self.path, trust_kinds=_SKIPPED)
            for i, ref in enumerate(frames):
                if ref.kind == KIND_CONTENT:
                    self.content.add(data, ref.offset, ref.stored_len)
                    continue
                if ref.kind == KIND_SPAN_DETAILS:
                    if pending is not None and pending.details_offset is None:
                        pending.details_offset = ref.offset
                        if pending.first_row < len(self.timeline):
                            self.late_details.append(int(self.timeline.batch[pending.first_row]))
                    continue
                if ref.kind not in _KNOWN:
                    continue  # a newer writer's kind: skipped, and no end to the batch before it (FORMAT.md §2.3)
                pending = None
                if ref.kind == KIND_SPANS:
                    cols = self._decode(data, ref, report)
                    if cols is None:
                        continue
                    self._add_columns(cols, parts)
                    pending, pending_end = BatchRef(ref.offset, None, row, cols.count), ref.end
                    batches.append(pending)
                    row += cols.count
                elif ref.kind == KIND_FEEDBACK:
                    fb = self._decode(data, ref, report)
                    if fb is not None:
                        self.feedback.extend(fb.records)
                if i % 64 == 0:
                    if progress is not None:
                        progress(ref.end, total)
                    if cancelled is not None and cancelled():
                        break
            self.offset = report.end
            # The file ends inside the last batch's details frame, or just before it: its rows are
            # shown now, as load() shows them, and the details are joined to them if they arrive.
            if pending is not None and pending.details_offset is None and report.end == pending_end:
                index = first_batch + len(batches) - 1 if batches and batches[-1] is pending else self._batch_of(pending)
                self._open = (index, pending_end)
            self.truncated = report.truncated_at is not None
            self.warnings.extend(report.warnings)
            if progress is not None:
                progress(total, total)
        return self._append(parts, batches)

    def _batch_of(self, ref: BatchRef) -> int:
        return int(self.timeline.batch[ref.first_row])

    def _decode(self, data, ref: FrameRef, report: ScanReport):
        # Rows with impossible values come back readable (a name index out of range reads as
        # "<bad name index 9999>"), so one bad row never costs the file.
        found: list = []
        try:
            obj = decode_frame(data, ref, found)
        except TraceFileError as exc:
            report.warnings.append(str(exc))
            report.damaged.append((ref.offset, ref.end, str(exc)))
            return None
        report.warnings.extend(map(str, found))
        return obj

    def _add_columns(self, cols: SpanColumns, parts: dict[str, list]) -> None:
        """Keep one batch's packed columns as they are, and what joining them needs: the batch's
        string table mapped to the file's, its base time and its count. `_append` turns every
        batch read into arrays at once, so a batch costs no numpy call (an interactive app writes
        batches of a few spans)."""
        n = cols.count
        index = self._name_index
        names = self.timeline.names
        remap = []
        for s in cols.strings:
            g = index.get(s)
            if g is None:
                g = index[s] = len(names)
                names.append(s)
            remap.append(g)
        parts["remap"].append(remap)
        parts["base_time"].append(cols.base_time)
        parts["count"].append(n)
        parts["trace_id"].append(cols.trace_id)
        parts["span_id"].append(cols.span_id)
        parts["parent_span_id"].append(cols.parent_span_id)
        for k in _DTYPES:
            raw = getattr(cols, k)
            if not raw and n and k in _OPTIONAL:
                raw = bytes(n * _WIDTHS[k])
            parts[k].append(raw)

    def _append(self, parts: dict[str, list], batches: list[BatchRef]) -> int:
        if not batches:
            return 0
        t = self.timeline
        first_batch = len(t.batches)
        counts = np.fromiter(parts.pop("count"), np.int64, len(batches))
        remaps = parts.pop("remap")
        bases = parts.pop("base_time")
        grow = len(t) > 0

        def joined(key: str, dtype) -> np.ndarray:
            # One copy of a column's packed bytes into one writable buffer; its pieces go with it.
            return np.frombuffer(bytearray().join(parts.pop(key)), dtype)

        def column(key: str, old: np.ndarray | None, dtype, new: np.ndarray | None = None) -> np.ndarray:
            # One copy per column, straight into its type, after the old rows when the file grew. With
            # 10M spans, every extra copy of the columns is most of a gigabyte of fresh memory, which
            # costs peak memory and (page faults) about a second per gigabyte on a small VM.
            if new is None:
                new = joined(key, _DTYPES.get(key, "<u8"))
            if grow and old is not None:
                return np.concatenate([old, new], dtype=dtype)
            return new if new.dtype == dtype else new.astype(dtype)

        name = joined("name", "<u4")
        model = joined("model", "<u4")
        start = joined("start_time", "<u8")
        _to_file(name, model, start, remaps, bases, counts)
        end = joined("duration", "<u8")
        end += start
        added = len(start)
        trace_ids = joined("trace_id", "<u8").reshape(-1, 2)
        self.timeline = Timeline(
            trace_id=np.concatenate([t.trace_id, trace_ids]) if grow else trace_ids,
            span_id=column("span_id", t.span_id, np.uint64),
            parent_span_id=column("parent_span_id", t.parent_span_id, np.uint64),
            start=np.concatenate([t.start, start]) if grow else start,
            end=np.concatenate([t.end, end]) if grow else end,
            name=column("name", t.name, np.uint32, name),
            kind=column("kind", t.kind, np.uint8),
            status=column("status_code", t.status, np.uint8),
            batch=column("batch", t.batch, np.uint32, np.repeat(np.arange(first_batch, first_batch + len(batches), dtype=np.uint32), counts)),
            category=column("category", t.category, np.uint8),
            model=column("model", t.model, np.uint32, model),
            input_tokens=column("input_tokens", t.input_tokens, np.uint32),
            output_tokens=column("output_tokens", t.output_tokens, np.uint32),
            cache_read_tokens=column("cache_read_tokens", t.cache_read_tokens, np.uint32),
            reasoning_tokens=column("reasoning_tokens", t.reasoning_tokens, np.uint32),
            names=t.names,
            batches=t.batches + batches,
        )
        return added

    def details_problem(self, batch: int) -> str | None:
        """Why the spans of ``batch`` have no attributes, events or links, or None when they have
        them (or may still get them: the file ends at its spans frame, a writer is running). Known
        once `batch_spans` has read the batch."""
        lost = self._lost.get(batch)
        if lost is not None:
            return lost
        ref = self.timeline.batches[batch]
        if ref.details_offset is None and (self._open is None or self._open[0] != batch):
            return f"the file holds no span-details frame after the spans frame at byte {ref.spans_offset}"
        return None

    def span(self, row: int) -> Span:
        """Decode every field of the span at ``row`` (reads its two frames only)."""
        ref = self.timeline.batches[int(self.timeline.batch[row])]
        return self.batch_spans(int(self.timeline.batch[row]))[row - ref.first_row]

    def batch_spans(self, batch: int) -> list[Span]:
        """Decode every span of one batch (its rows are ``first_row`` onwards, in order), with the
        texts its details keep in the content store."""
        ref = self.timeline.batches[batch]
        with open_buffer(self.path) as data:
            cols = decode_frame(data, frame_at(data, ref.spans_offset, KIND_SPANS))
            details = None
            if ref.details_offset is not None:
                # Only the frame at that offset: a damaged one is lost, never replaced by the next.
                try:
                    details = decode_frame(data, frame_at(data, ref.details_offset, KIND_SPAN_DETAILS), content=self.content)
                    if details.count != cols.count or details.batch_id != cols.batch_id:
                        raise TraceFileError(
                            f"span-details frame at byte {ref.details_offset} holds batch {details.batch_id:#x} "
                            f"of {details.count} spans, its spans frame batch {cols.batch_id:#x} of {cols.count}",
                            ref.details_offset,
                        )
                except TraceFileError as exc:
                    details = None
                    if batch not in self.damaged_details:
                        self.damaged_details.add(batch)
                        self._lost[batch] = str(exc)
                        self.warnings.append(
                            f"{exc}; the details of {cols.count} spans (spans frame at byte {ref.spans_offset}) "
                            "are lost, their timing and names are kept"
                        )
        return batch_spans(Batch(cols, details, ref.spans_offset, ref.details_offset))


def _to_file(name: np.ndarray, model: np.ndarray, start: np.ndarray, remaps: list[list[int]], bases: list[int],
             counts: np.ndarray) -> None:
    """Turn the joined batches' name and model indexes (into each batch's string table) into indexes
    into the file's, and their start times (after each batch's base time) into Unix nanoseconds,
    in place. Batch by batch when batches are big (no temporary the size of the columns: at 10M spans
    each would be 80 MB of fresh memory); at once when they are small (an interactive app's)."""
    if len(counts) * 64 <= len(start):
        at = 0
        for remap, base, n in zip(remaps, bases, counts.tolist()):
            if n:
                r = np.array(remap, np.uint32)
                end = at + n
                if len(r):
                    name[at:end] = r[name[at:end]]
                    m = model[at:end]
                    used = m > 0
                    if used.any():
                        m[used] = r[m[used] - 1] + 1
                start[at:end] += np.uint64(base)
            at += n
        return
    remap = np.fromiter((g for r in remaps for g in r), np.uint32)
    table_at = np.repeat(np.cumsum([0, *map(len, remaps[:-1])], dtype=np.uint32), counts)
    if len(remap):
        name[:] = remap[name + table_at]
        used = model > 0
        model[used] = remap[model[used] - 1 + table_at[used]] + 1
    start += np.repeat(np.fromiter(bases, np.uint64, len(bases)), counts)


def read_timeline(path: str | os.PathLike[str]) -> Timeline:
    """The timeline columns of a whole file."""
    reader = TimelineReader(path)
    reader.read()
    return reader.timeline
