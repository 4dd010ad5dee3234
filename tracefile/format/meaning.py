"""What a checksum cannot check: indexes in range, known kinds and codes, unique span ids, no parent cycles.

A frame can pass its CRC and still hold impossible values (a buggy or hostile
writer). docs/FORMAT.md §5.2 says how a reader reads them: `repair_columns` turns
each bad row of a ``spans`` frame into a readable one (an unknown kind reads as
internal, a name index out of range as ``<bad name index 9999>``) and says what it
changed, so one bad row never costs its batch or the file. `details_findings` and
`file_findings` find the rest for ``tracy validate``. Every finding names the frame's
byte offset and the row.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..genai import CATEGORY_NAMES
from .packing import packed
from .schema import SPAN_KIND_NAMES, STATUS_NAMES, Resource, Scope, SpanColumns, SpanDetails

#: An event this far outside its span's time is reported (clocks drift, but not by an hour).
EVENT_SLACK_NS = 3600 * 10**9
#: Findings listed per frame and check; the rest are counted in one more line.
MAX_LISTED = 5


@dataclass(frozen=True, slots=True)
class Finding:
    """One impossible value: the frame it is in (byte offset), its row (None: the whole frame), what is wrong."""

    frame: str
    offset: int
    row: int | None
    message: str
    #: Odd but seen in real traces (Zipkin's shared client/server spans reuse one id; clocks
    #: drift): `tracy validate` lists it without calling the file damaged.
    note: bool = False

    def __str__(self) -> str:
        where = f"{self.frame} frame at byte {self.offset}" + ("" if self.row is None else f", row {self.row}")
        return f"{where}: {self.message}"


def bad_index_text(what: str, index: int) -> str:
    """What a name (or model) index out of range reads as."""
    return f"<bad {what} index {index}>"


def _listed(found: list[Finding], offset: int, frame: str, rows: np.ndarray, message, note: bool = False) -> None:
    for r in rows[:MAX_LISTED]:
        found.append(Finding(frame, offset, int(r), message(int(r)), note))
    if len(rows) > MAX_LISTED:
        found.append(Finding(frame, offset, None, f"and {len(rows) - MAX_LISTED:,} more rows like row {int(rows[0])}", note))


_NATIVE_LITTLE = sys.byteorder == "little"
_CODES = {"<u4": "I", "<u2": "H", "<u8": "Q"}


def _largest(raw: bytes, dtype: str) -> int:
    """The largest value of a packed column: for a small batch (an interactive app's few spans)
    by memoryview's C loop, which costs less than a numpy call; for a big one by numpy."""
    if len(raw) <= 256:
        if dtype == "u1":
            return max(raw)
        if _NATIVE_LITTLE:
            return max(memoryview(raw).cast(_CODES[dtype]))
    return int(np.frombuffer(raw, dtype).max())


_SMALL = 256  # bytes of a column: a few dozen rows


def _small_and_sound(cols: SpanColumns) -> bool:
    """True for a small batch (an interactive app's few spans) with nothing to repair, found by
    one C-level ``max`` per column and no other call: the common case, checked first."""
    if len(cols.start_time) > _SMALL or not _NATIVE_LITTLE or not 0 <= cols.base_time < 1 << 63:
        return False
    n_strings = len(cols.strings)
    for raw, code, limit in (
        (cols.name, "I", n_strings), (cols.model, "I", n_strings + 1), (cols.resource, "H", len(cols.resources)),
        (cols.scope, "H", len(cols.scopes)),
    ):  # fmt: skip
        if raw and max(memoryview(raw).cast(code)) >= limit:
            return False
    for raw, limit in ((cols.kind, len(SPAN_KIND_NAMES)), (cols.status_code, len(STATUS_NAMES)), (cols.category, len(CATEGORY_NAMES))):
        if raw and max(raw) >= limit:
            return False
    if not cols.count:
        return True
    return max(memoryview(cols.start_time).cast("Q")) + max(memoryview(cols.duration).cast("Q")) <= (1 << 63) - 1 - cols.base_time


def repair_columns(cols: SpanColumns, offset: int) -> list[Finding]:
    """Make every row of a (length-checked) ``spans`` frame readable, in place; return what was wrong.

    Costs one vectorised pass per column when nothing is wrong. Out-of-range name, model,
    resource and scope indexes point at placeholders appended to the frame's own tables;
    unknown kinds, status codes and categories read as internal, unset and other.
    """
    if _small_and_sound(cols):
        cols.resources = list(cols.resources)
        cols.scopes = list(cols.scopes)
        return []
    found: list[Finding] = []
    n_strings = len(cols.strings)

    def fix_index(column: str, dtype: str, limit: int, shift: int, add, what: str) -> None:
        raw = getattr(cols, column)
        if not raw or _largest(raw, dtype) < limit + shift:
            return
        arr = np.frombuffer(raw, dtype)
        bad = np.flatnonzero(arr >= limit + shift)
        if not len(bad):
            return
        _listed(found, offset, "spans", bad, lambda r: f"{what} index {int(arr[r]) - shift} is out of range "
                f"(the frame holds {limit}); read as {bad_index_text(what, int(arr[r]) - shift)}")  # fmt: skip
        fixed = arr.astype(np.int64)
        for value in np.unique(arr[bad]):
            fixed[arr == value] = add(int(value) - shift) + shift
        setattr(cols, column, packed({"<u4": "I", "<u2": "H"}[dtype], fixed.tolist()))

    def new_string(what: str):
        def add(index: int) -> int:
            cols.strings.append(bad_index_text(what, index))
            return len(cols.strings) - 1
        return add

    def new_entry(table: list, make):
        def add(index: int) -> int:
            table.append(make(index))
            return len(table) - 1
        return add

    fix_index("name", "<u4", n_strings, 0, new_string("name"), "name")
    fix_index("model", "<u4", n_strings, 1, new_string("model"), "model")
    cols.resources = list(cols.resources)
    cols.scopes = list(cols.scopes)
    fix_index("resource", "<u2", len(cols.resources), 0,
              new_entry(cols.resources, lambda i: Resource({"tracy.bad_resource_index": i})), "resource")  # fmt: skip
    fix_index("scope", "<u2", len(cols.scopes), 0,
              new_entry(cols.scopes, lambda i: Scope(bad_index_text("scope", i))), "scope")  # fmt: skip

    for column, names, read_as in (("kind", SPAN_KIND_NAMES, "internal"), ("status_code", STATUS_NAMES, "unset"),
                                   ("category", CATEGORY_NAMES, "other")):  # fmt: skip
        raw = getattr(cols, column)
        if not raw or _largest(raw, "u1") < len(names):
            continue
        arr = np.frombuffer(raw, np.uint8)
        bad = np.flatnonzero(arr >= len(names))
        if len(bad):
            label = column.replace("_", " ")
            _listed(found, offset, "spans", bad, lambda r: f"{label} {int(arr[r])} is unknown; read as {read_as}")
            fixed = arr.copy()
            fixed[bad] = 0
            setattr(cols, column, fixed.tobytes())

    # Times are unix nanoseconds below 2**63 (OpenTelemetry's int64; the year 2262): a base outside
    # that, or offsets that carry a span past it, would wrap in the viewer's columns, put event times
    # past what MessagePack holds, and fail to encode again in `tracy convert`. Read the base as 0
    # and such rows as starting at the base, with no duration.
    if not 0 <= cols.base_time < 1 << 63:
        found.append(Finding("spans", offset, None, f"base time {cols.base_time} is out of range; read as 0", False))
        cols.base_time = 0
    if cols.count:
        room = (1 << 63) - 1 - cols.base_time
        if _largest(cols.start_time, "<u8") + _largest(cols.duration, "<u8") > room:  # rare: only then look row by row
            starts = np.frombuffer(cols.start_time, "<u8")
            durations = np.frombuffer(cols.duration, "<u8")
            bad = np.array([r for r, (a, b) in enumerate(zip(starts.tolist(), durations.tolist())) if a + b > room], np.int64)
            _listed(found, offset, "spans", bad,
                    lambda r: "start and duration run past the largest time; read as starting at the base time with no duration")  # fmt: skip
            s2, d2 = starts.copy(), durations.copy()
            s2[bad] = 0
            d2[bad] = 0
            cols.start_time, cols.duration = s2.tobytes(), d2.tobytes()
    return found


def details_findings(cols: SpanColumns, details: SpanDetails, offset: int) -> list[Finding]:
    """Rows of a ``span-details`` frame that its ``spans`` frame cannot have: sparse rows out of
    range, events far outside their span's time."""
    found: list[Finding] = []
    n = cols.count
    for field in ("status_message", "trace_state", "dropped"):
        bad = np.array(sorted(r for r in getattr(details, field) if not 0 <= r < n), np.int64)
        if len(bad):
            _listed(found, offset, "span-details", bad, lambda r: f"{field.replace('_', ' ')} for row {r}, "
                    f"but the batch has {n} spans")  # fmt: skip
    durations = np.frombuffer(cols.duration, "<u8")
    far = []
    for row, events in enumerate(details.events[:n]):
        for e in events:
            t = e.time_unix_nano  # relative to the span's start in the file
            if t < -EVENT_SLACK_NS or t > int(durations[row]) + EVENT_SLACK_NS:
                far.append(row)
                break
    if far:
        _listed(found, offset, "span-details", np.array(far), lambda r: "an event lies more than an hour outside its span",
                note=True)
    return found


@dataclass(frozen=True, slots=True)
class RowId:
    """Where one span of a file sits: the offset of its ``spans`` frame and its row."""

    offset: int
    row: int


def file_findings(batches: Iterable[tuple[SpanColumns, int]]) -> list[Finding]:
    """Duplicate span ids and parent cycles over a whole file's ``spans`` frames (columns, offset)."""
    found: list[Finding] = []
    first: dict[bytes, RowId] = {}
    parent_of: dict[bytes, bytes] = {}
    dup_count = 0
    for cols, offset in batches:
        tid, sid, pid = cols.trace_id, cols.span_id, cols.parent_span_id
        for row in range(cols.count):
            key = tid[16 * row : 16 * row + 16] + sid[8 * row : 8 * row + 8]
            seen = first.get(key)
            if seen is not None:
                dup_count += 1
                if dup_count <= MAX_LISTED:
                    found.append(Finding("spans", offset, row, f"span id {sid[8 * row : 8 * row + 8].hex()} is also "
                                         f"the span at row {seen.row} of the spans frame at byte {seen.offset}", True))  # fmt: skip
                continue
            first[key] = RowId(offset, row)
            parent = pid[8 * row : 8 * row + 8]
            if parent != b"\0" * 8:
                parent_of[key] = key[:16] + parent
    if dup_count > MAX_LISTED:
        found.append(Finding("spans", first[next(iter(first))].offset, None,
                             f"and {dup_count - MAX_LISTED:,} more duplicate span ids", True))  # fmt: skip
    # Follow parents from each span; a walk that meets its own path again is a cycle.
    state: dict[bytes, int] = {}  # 1 on the current path, 2 done
    cycles = 0
    for start in parent_of:
        path: list[bytes] = []
        node = start
        while node in parent_of and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if state.get(node) == 1:
            cycles += 1
            loop = path[path.index(node):]
            if cycles <= MAX_LISTED:
                at = first[node]
                ids = " -> ".join(k[16:].hex() for k in loop[:6]) + (" -> ..." if len(loop) > 6 else "")
                found.append(Finding("spans", at.offset, at.row, f"parent cycle of {len(loop)} spans: {ids} -> {node[16:].hex()}"))
        for k in path:
            state[k] = 2
    if cycles > MAX_LISTED:
        found.append(Finding("spans", 0, None, f"and {cycles - MAX_LISTED:,} more parent cycles"))
    return found
