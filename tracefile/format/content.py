"""The content store (docs/FORMAT.md §2.6): long texts stored once per file, referred to by small ids.

A chat span repeats the whole conversation so far in ``gen_ai.input.messages``; the next call's
value is the previous one plus a message or two. A writer of format 2 therefore moves each long
string attribute value (of a span or an event) out of its ``span-details`` frame into a
``content`` frame, as an *entry* that continues an earlier entry of the same writer:

    text(entry) = text(entry.base)[:entry.keep] + entry.text

and leaves a reference (a MessagePack ext of type `EXT_CONTENT` holding the entry's number) in
its place. The content frame goes in the same ``write()`` as the batch, before it, so a crash
never leaves a reference without its content.

`ContentWriter` is one writer's memory of what it stored (bounded; several writers share a file,
each with its own store id). `ContentIndex` finds and decodes entries for a reader, lazily: the
timeline never touches content frames; details resolve their references when decoded.
"""

from __future__ import annotations

import collections
import random
import struct
import threading
from dataclasses import dataclass
from typing import Any, Iterable

import msgspec
import zstandard

from .budget import check_payload, item_budget
from .errors import TraceFileError
from .schema import FRAME_HEADER_SIZE, MAX_FRAME_RAW, Event, SpanDetails

#: MessagePack ext type of a content reference; its data is the entry number, big-endian, in 1, 2, 4 or 8 bytes.
EXT_CONTENT = 1
#: Strings of at least this many characters go to the content store; shorter ones stay inline, where
#: zstd already finds repeats within the batch (at 256 the standard corpus gained 1% in size and
#: cost 55% more export time: scripts/bench_format.py).
MIN_CHARS = 1024
#: A continuation is only worth its reference when it keeps at least this many characters.
MIN_KEEP = 64
#: A span with at least this many events keeps them in the content store as one list (the older
#: GenAI layout records each message of the conversation so far as an event of every model call).
#: Fewer stay inline, where zstd finds their repeats within the batch: at 8 the standard corpus
#: grew by a fifth and cost twice the export time; a 30-turn recorded run gains 0.93x -> 0.74x.
MIN_EVENTS = 32
#: The attribute key event lists are matched under (no attribute has it).
EVENTS_KEY = "\x00events"
#: Characters before the end of a text that identify it (`ContentWriter`).
_ANCHOR = 48
#: A chain of continuations is followed at most this far (a longer one is damage).
MAX_CHAIN = 1 << 20

CODEC_PLAIN = 0
CODEC_ZSTD = 1
#: store u64, first u64, count u32, codec u8, 3 reserved bytes, raw_len u32
PREFIX = struct.Struct("<QQIB3xI")


def content_lost(what: str) -> str:
    """The text a reader shows in place of content it cannot find or decode."""
    return f"…[content lost: {what}]"


class ContentEntry(msgspec.Struct, array_like=True, gc=False):
    """One stored text: ``text`` after the first ``keep`` characters of entry ``base`` (-1: none).
    A text is a str, or bytes (a span's event list), continuing a base of the same type."""

    base: int
    keep: int
    text: Any  # str or bytes: checked when decoded (msgspec has no str | bytes union)


_ENTRIES = msgspec.msgpack.Decoder(list[ContentEntry])
_ENCODER = msgspec.msgpack.Encoder()


class ContentRef:
    """A reference read from a span-details frame, before it is resolved."""

    __slots__ = ("seq",)

    def __init__(self, seq: int) -> None:
        self.seq = seq

    def __repr__(self) -> str:
        return f"ContentRef({self.seq})"


def ref_ext(seq: int) -> msgspec.msgpack.Ext:
    n = 1 if seq < 0x100 else 2 if seq < 0x10000 else 4 if seq < 0x100000000 else 8
    return msgspec.msgpack.Ext(EXT_CONTENT, seq.to_bytes(n, "big"))


# --- writing ----------------------------------------------------------------------------------


def _common_prefix_py(a: str | bytes, b: str | bytes) -> int:
    """How many leading characters (or bytes) ``a`` and ``b`` share (the reference for `_text.common_prefix`)."""
    if type(a) is not type(b):
        return 0
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # binary search over prefix comparisons, each done by C code
        mid = (lo + hi + 1) // 2
        if a.startswith(b[lo:mid], lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


try:
    from . import _text
    from ._text import common_prefix
except ImportError:  # pragma: no cover - the package was installed without a C compiler
    _text = None
    common_prefix = _common_prefix_py


def _tail(text: str, end: int) -> int:
    return hash(text[max(0, end - _ANCHOR) : end])


class ContentWriter:
    """One writer's content store: numbers new entries, and remembers (bounded by ``max_chars``
    of remembered text) which texts it stored, to continue them. Not thread-safe: the trace
    writer calls it under its lock, in file order.

    A new text is matched, in order, against:

    * an earlier text equal to it (found by its length and last characters): no new entry;
    * the last `RECENT` texts stored under the same attribute key: the one it shares the longest
      beginning with (the previous call's history, in a conversation);
    * when that leaves most of it new, an earlier text that it continues from the end of one of
      its last `}` (a history whose earlier turn was not among the recent ones: conversations
      interleaved in one app), found by the characters before that point.
    """

    RECENT = 4

    def __init__(self, max_chars: int = 32 << 20, store: int | None = None) -> None:
        self.store = store if store is not None else random.getrandbits(63) | 1
        self.next = 0
        self.max_chars = max_chars
        self._ends: dict[tuple[int, int], tuple[int, str]] = {}
        self._recent: dict[str, list[tuple[int, str]]] = {}
        self._order: collections.deque[tuple[int, int, tuple]] = collections.deque()
        self._chars = 0

    # A failed append must forget what it stored. Its numbers are not given again: part of the
    # append may be in the file, and an entry number means one text in a store.
    def mark(self) -> int:
        return self.next

    def rollback(self, mark: int) -> None:
        self._ends = {k: v for k, v in self._ends.items() if v[0] < mark}
        self._recent = {k: [x for x in v if x[0] < mark] for k, v in self._recent.items()}
        while self._order and self._order[-1][0] >= mark:
            self._chars -= self._order.pop()[1]

    def _remember(self, seq: int, key: str, text: str) -> None:
        n = len(text)
        ends = ((n, _tail(text, n)), (n - 1, _tail(text, n - 1)))
        for k in ends:
            self._ends[k] = (seq, text)
        recent = self._recent.setdefault(key, [])
        recent.append((seq, text))
        if len(recent) > self.RECENT:
            del recent[0]
        self._order.append((seq, n, ends))
        self._chars += n
        while self._chars > self.max_chars and len(self._order) > 1:
            old, chars, old_ends = self._order.popleft()
            self._chars -= chars
            for k in old_ends:
                if self._ends.get(k, (None,))[0] == old:
                    del self._ends[k]
            for recent in self._recent.values():
                if recent and recent[0][0] == old:
                    del recent[0]

    def add(self, key: str, text: str, entries: list[ContentEntry]) -> int:
        """The entry number for ``text`` (a value of attribute ``key``): an earlier one when it is
        the same text, else a new entry (appended to ``entries``) continuing the earlier text it
        shares the longest beginning with, if that is worth a reference."""
        n = len(text)
        same = self._ends.get((n, _tail(text, n)))
        if same is not None and type(same[1]) is type(text) and same[1] == text:
            return same[0]
        base, keep = -1, 0
        for seq, earlier in self._recent.get(key, ()):
            c = common_prefix(text, earlier)
            if c > keep:
                base, keep = seq, c
        if keep < n // 2 and n >= 2048 and type(text) is str:
            i = n
            for _ in range(16):
                i = text.rfind("}", 0, i)
                if i < MIN_KEEP:
                    break
                found = self._ends.get((i + 1, _tail(text, i + 1)))
                if found is not None:
                    c = common_prefix(text, found[1])
                    if c > keep:
                        base, keep = found[0], c
                        break
        seq = self.next
        self.next += 1
        if keep < MIN_KEEP:
            entries.append(ContentEntry(-1, 0, text))
        else:
            entries.append(ContentEntry(base, keep, text[keep:]))
        self._remember(seq, key, text)
        return seq

    def extract(self, details: SpanDetails) -> tuple[SpanDetails, int, list[ContentEntry]]:
        """``details`` with its long string values (span and event attributes, top level) replaced by
        references, the number of the first new entry, and the new entries."""
        return _assemble(self, details, *self._extract(details))

    def _extract(self, details: SpanDetails) -> tuple[list | None, list | None, int, list[ContentEntry]]:
        entries: list[ContentEntry] = []
        first = self.next
        minimum = MIN_CHARS
        attributes = details.attributes
        new_attrs = None
        for i, attrs in enumerate(attributes):
            if type(attrs) is not dict or not attrs:
                continue
            long = [k for k, v in attrs.items() if type(v) is str and len(v) >= minimum]
            if long:
                d = dict(attrs)
                for k in long:
                    d[k] = ref_ext(self.add(k, d[k], entries))
                if new_attrs is None:
                    new_attrs = list(attributes)
                new_attrs[i] = d
        new_events = None
        for i, span_events in enumerate(details.events):
            for j, e in enumerate(span_events):
                attrs = e[2] if type(e) is tuple else e.attributes
                if type(attrs) is not dict or not attrs:
                    continue
                long = [k for k, v in attrs.items() if type(v) is str and len(v) >= minimum]
                if not long:
                    continue
                d = dict(attrs)
                for k in long:
                    d[k] = ref_ext(self.add(k, d[k], entries))
                if new_events is None:
                    new_events = [list(x) for x in details.events]
                new_events[i][j] = (e[0], e[1], d, e[3]) if type(e) is tuple else msgspec.structs.replace(e, attributes=d)
        return new_attrs, new_events, first, entries


def _assemble(writer, details: SpanDetails, new_attrs, new_events, first: int, entries: list) -> tuple[SpanDetails, int, list]:
    events = new_events if new_events is not None else details.events
    lists = None
    for i, span_events in enumerate(events):
        if len(span_events) < MIN_EVENTS:
            continue
        body, times = _event_list(span_events)
        if lists is None:
            lists = {}
            if new_events is None:
                events = list(events)
        lists[i] = (ref_ext(writer.add(EVENTS_KEY, body, entries)), times)
        events[i] = []
    if new_attrs is None and events is details.events:
        return details, first, entries
    replaced = msgspec.structs.replace(
        details,
        attributes=new_attrs if new_attrs is not None else details.attributes,
        events=events,
        content_store=writer.store,
        event_lists=lists or {},
    )
    return replaced, first, entries


_TIMES = struct.Struct("<q")


def _event_list(span_events: list) -> tuple[bytes, bytes]:
    """A span's events as a content text (each event's ``[name, attributes, dropped_attributes]``,
    MessagePack, back to back) and their times (packed little-endian i64: the first from the
    span's start, each next from the one before)."""
    bodies = [(e[1], e[2], e[3]) if type(e) is tuple else (e.name, e.attributes, e.dropped_attributes) for e in span_events]
    times = [e[0] if type(e) is tuple else e.time_unix_nano for e in span_events]
    encoded = _ENCODER.encode(bodies)
    body = encoded[_array_header_size(len(bodies)) :]
    deltas = [times[0]] + [b - a for a, b in zip(times, times[1:])]
    return body, struct.pack(f"<{len(deltas)}q", *deltas)


def _array_header_size(n: int) -> int:
    return 1 if n < 16 else 3 if n < 0x10000 else 5


def array_header(n: int) -> bytes:
    """A MessagePack array header for ``n`` items."""
    if n < 16:
        return bytes([0x90 | n])
    if n < 0x10000:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


class _CompiledWriter:
    """`ContentWriter`'s interface over the compiled writer (`_text.ContentWriter`)."""

    def __init__(self, max_chars: int = 32 << 20, store: int | None = None) -> None:
        self._w = _text.ContentWriter(max_chars, store, ContentEntry, msgspec.msgpack.Ext, MIN_CHARS, MIN_KEEP)
        self.mark, self.rollback, self.add = self._w.mark, self._w.rollback, self._w.add

    @property
    def store(self) -> int:
        return self._w.store

    @property
    def next(self) -> int:
        return self._w.next

    def extract(self, details: SpanDetails) -> tuple[SpanDetails, int, list[ContentEntry]]:
        return _assemble(self, details, *self._w.extract(details))


#: The writer the trace writer uses: compiled where the package was built with a C compiler.
PythonContentWriter = ContentWriter
if _text is not None:
    ContentWriter = _CompiledWriter  # type: ignore[misc]


def content_payload(store: int, first: int, entries: list[ContentEntry], compressor: zstandard.ZstdCompressor | None) -> bytes:
    """A content frame's payload (FORMAT.md §2.6): the prefix, then the entries, zstd-compressed
    when a compressor is given."""
    raw = _ENCODER.encode(entries)
    if len(raw) > MAX_FRAME_RAW:
        from .framing import FrameTooLarge

        raise FrameTooLarge(f"{len(raw):,} bytes of content is over the {MAX_FRAME_RAW >> 20} MiB a frame may hold")
    codec = CODEC_PLAIN
    blob = raw
    if compressor is not None:
        packed = compressor.compress(raw)
        if len(raw) <= item_budget(len(packed) + PREFIX.size) or check_payload(raw, item_budget(len(packed) + PREFIX.size)) is None:
            codec, blob = CODEC_ZSTD, packed
    return PREFIX.pack(store, first, len(entries), codec, len(raw)) + blob


# --- reading ----------------------------------------------------------------------------------

_counter = threading.local()


def ext_hook(code: int, data: memoryview) -> Any:
    """msgspec's ext hook for span-details frames: content references become `ContentRef`."""
    if code == EXT_CONTENT and len(data) in (1, 2, 4, 8):
        _counter.refs = getattr(_counter, "refs", 0) + 1
        return ContentRef(int.from_bytes(data, "big"))
    return f"<unknown MessagePack ext type {code}>"


def refs_made() -> int:
    """How many references this thread's decoding has made so far (to tell whether a frame had any)."""
    return getattr(_counter, "refs", 0)


@dataclass(slots=True)
class _Frame:
    offset: int  # of the frame
    first: int
    count: int
    blob: bytes | None = None  # the whole frame, when the index holds its own copy


class ContentIndex:
    """Where each content entry of a file is, and its text on demand.

    `add` takes each content frame as a reader's scan meets it (from the frame's 28-byte prefix,
    without checking or decoding the rest); `text` decodes the frame holding an entry when first
    asked (checking its checksum then), and follows continuations. Entries, and whole texts
    recently resolved, are cached. Thread-safe.
    """

    def __init__(self, cache_frames: int = 32, cache_chars: int = 64 << 20, *, detached: bool = False) -> None:
        #: With ``detached``, `add` copies each content frame (compressed, as stored), so texts
        #: resolve after the file is closed, without its bytes (``data`` None).
        self.detached = detached
        self._frames: dict[int, list[_Frame]] = {}
        self._decoded: collections.OrderedDict[int, list[ContentEntry] | str] = collections.OrderedDict()
        self._texts: collections.OrderedDict[tuple[int, int], str] = collections.OrderedDict()
        self._text_chars = 0
        self._cache_frames = cache_frames
        self._cache_chars = cache_chars
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return sum(len(v) for v in self._frames.values())

    def add(self, data, offset: int, stored_len: int) -> None:
        """Note the content frame at ``offset`` (its payload ``stored_len`` bytes)."""
        if stored_len < PREFIX.size:
            return  # a damaged frame: its entries read as lost
        start = offset + FRAME_HEADER_SIZE
        store, first, count, _, _ = PREFIX.unpack(bytes(data[start : start + PREFIX.size]))
        blob = bytes(data[offset : start + stored_len]) if self.detached else None
        with self._lock:
            self._frames.setdefault(store, []).append(_Frame(offset, first, count, blob))

    def _entries(self, data, frame: _Frame) -> list[ContentEntry] | str:
        """The entries of a content frame, or why they cannot be read."""
        got = self._decoded.get(frame.offset)
        if got is not None:
            self._decoded.move_to_end(frame.offset)
            return got
        try:
            got = decode_content(data, frame.offset) if frame.blob is None else decode_content(frame.blob, 0)
        except TraceFileError as exc:
            got = str(exc)
            if frame.blob is not None:  # checked in its copy: say where it is in the file
                got = got.replace(" at byte 0", f" at byte {frame.offset}")
        self._decoded[frame.offset] = got
        if len(self._decoded) > self._cache_frames:
            self._decoded.popitem(last=False)
        return got

    def _entry(self, data, store: int, seq: int) -> ContentEntry | str:
        frames = self._frames.get(store)
        if not frames:
            return f"entry {seq} of content store {store:#x}: no content frame of that store"
        why = f"entry {seq} of content store {store:#x}: no content frame holds it"
        for frame in reversed(frames):  # the latest frame that claims it (a damaged prefix may claim anything)
            if frame.first <= seq < frame.first + frame.count:
                entries = self._entries(data, frame)
                if isinstance(entries, str):
                    why = f"entry {seq} of content store {store:#x}: {entries}"
                    continue
                k = seq - frame.first
                if k < len(entries):
                    return entries[k]
        return why

    def text(self, data, store: int, seq: int) -> str | bytes:
        """The whole text of entry ``seq`` of ``store`` (bytes for an event list); a `content_lost`
        marker (a str) when it cannot be read."""
        with self._lock:
            cached = self._texts.get((store, seq))
            if cached is not None:
                self._texts.move_to_end((store, seq))
                return cached
            parts: list = []
            kind: type | None = None
            at, upto = seq, -1
            for _ in range(MAX_CHAIN):
                done = self._texts.get((store, at))
                if done is not None and (kind is None or type(done) is kind):
                    if upto > len(done):
                        return content_lost(f"entry {at} of content store {store:#x} is shorter than entry {seq} keeps of it")
                    kind = type(done)
                    parts.append(done if upto < 0 else done[:upto])
                    break
                e = self._entry(data, store, at)
                if isinstance(e, str):
                    return content_lost(e)
                if kind is None:
                    kind = type(e.text)
                elif type(e.text) is not kind:
                    return content_lost(f"entry {at} of content store {store:#x} is not of the kind entry {seq} continues")
                n = e.keep + len(e.text) if upto < 0 else upto
                if n > e.keep + len(e.text) or e.keep < 0:
                    return content_lost(f"entry {at} of content store {store:#x} is shorter than entry {seq} keeps of it")
                if n > e.keep:
                    parts.append(e.text[: n - e.keep])
                    n = e.keep
                if n == 0:
                    break
                if not 0 <= e.base < at:
                    return content_lost(f"entry {at} of content store {store:#x} continues entry {e.base}, which is not before it")
                at, upto = e.base, n
            else:
                return content_lost(f"entry {seq} of content store {store:#x} continues a chain longer than {MAX_CHAIN:,} entries")
            empty = b"" if kind is bytes else ""
            text = empty.join(reversed(parts)) if len(parts) > 1 else parts[0] if parts else empty
            self._texts[(store, seq)] = text
            self._text_chars += len(text)
            while self._text_chars > self._cache_chars and len(self._texts) > 1:
                _, old = self._texts.popitem(last=False)
                self._text_chars -= len(old)
            return text

    def _value(self, data, store: int, v: Any) -> str:
        """The text a reference stands for: a `ContentRef`, or the MessagePack ext a typed decoder
        gives back unresolved."""
        if type(v) is not ContentRef:
            if v.code != EXT_CONTENT or len(v.data) not in (1, 2, 4, 8):
                return content_lost(f"a reference the file does not explain (ext type {v.code})")
            v = ContentRef(int.from_bytes(v.data, "big"))
        if not store:
            return content_lost("a reference in a frame without a content store")
        got = self.text(data, store, v.seq)
        return got if type(got) is str else content_lost(f"entry {v.seq} of content store {store:#x} is an event list, not a text")

    def resolve_maps(self, data, store: int, maps: Iterable[dict]) -> None:
        """Replace, in place, every reference among the values of ``maps`` (attribute maps of one
        span-details frame of ``store``) by its text."""
        for attrs in maps:
            for k, v in attrs.items():
                if type(v) is ContentRef or type(v) is msgspec.msgpack.Ext:
                    attrs[k] = self._value(data, store, v)

    def resolve(self, data, details: SpanDetails) -> None:
        """Replace the references in ``details`` (decoded with `ext_hook`) by their texts, and rows kept
        as event lists by their events, in place."""
        self.resolve_events(data, details)
        self.resolve_maps(data, details.content_store, details.attributes)

    def resolve_events(self, data, details: Any) -> None:
        """`resolve` for the events of ``details`` only (their attributes, and event lists)."""
        store = details.content_store
        for i, listed in details.event_lists.items():
            if 0 <= i < len(details.events) and not details.events[i]:
                details.events[i] = self._events(data, store, listed)
        self.resolve_maps(data, store, [e.attributes for span in details.events for e in span])

    def _events(self, data, store: int, listed: Any) -> list[Event]:
        """A row's events from its event list (FORMAT.md §2.3, field 9); one event named with a
        `content_lost` marker when they cannot be read."""
        try:
            ref, times = listed
        except (TypeError, ValueError):
            return [Event(0, content_lost("an event list entry that is not [reference, times]"))]
        if type(ref) is not ContentRef or type(times) is not bytes or len(times) % 8:
            return [Event(0, content_lost("an event list entry that is not [reference, times]"))]
        if not store:
            return [Event(0, content_lost("an event list in a frame without a content store"))]
        blob = self.text(data, store, ref.seq)
        if type(blob) is not bytes:
            return [Event(0, blob if blob.startswith("…[content lost") else content_lost(f"entry {ref.seq} is a text, not an event list"))]
        n = len(times) // 8
        payload = array_header(n) + blob
        problem = check_payload(payload, item_budget(len(payload)))
        if problem is not None:
            return [Event(0, content_lost(f"the event list of entry {ref.seq} is over the decode budget: {problem}"))]
        try:
            bodies = _EVENT_BODIES.decode(payload)
        except (msgspec.DecodeError, ValueError, RecursionError) as exc:
            return [Event(0, content_lost(f"the event list of entry {ref.seq} does not decode: {exc}"))]
        at = 0
        out = []
        for delta, body in zip(struct.unpack(f"<{n}q", times), bodies):
            at += delta
            out.append(Event(at, body.name, body.attributes, body.dropped_attributes))
        return out


class _EventBody(msgspec.Struct, array_like=True, gc=False):
    name: str
    attributes: dict[str, Any] = {}
    dropped_attributes: int = 0


_EVENT_BODIES = msgspec.msgpack.Decoder(list[_EventBody], ext_hook=ext_hook)


def index_content(data, start: int | None = None) -> ContentIndex:
    """A `ContentIndex` of every content frame of a file's bytes ``data``, found by walking frame
    headers only (other payloads are not read)."""
    from .framing import ScanReport, scan_frames
    from .schema import FILE_HEADER_SIZE, KIND_CONTENT, KIND_SPAN_DETAILS, KIND_SPANS

    index = ContentIndex()
    trusted = frozenset({KIND_CONTENT, KIND_SPAN_DETAILS, KIND_SPANS})
    for ref in scan_frames(data, ScanReport(), start=FILE_HEADER_SIZE if start is None else start, trust_kinds=trusted):
        if ref.kind == KIND_CONTENT:
            index.add(data, ref.offset, ref.stored_len)
    return index


def decode_content(data, offset: int) -> list[ContentEntry]:
    """The entries of the content frame at ``offset``, checked (frame checksum, decode budget).
    Raises TraceFileError saying what is wrong."""
    from .framing import frame_at
    from .schema import KIND_CONTENT

    ref = frame_at(data, offset, KIND_CONTENT)  # checks the payload's checksum
    raw, count = entries_payload(data, ref)
    try:
        entries = _ENTRIES.decode(raw)
    except (msgspec.DecodeError, ValueError, RecursionError) as exc:
        raise TraceFileError(f"content frame at byte {offset} does not decode: {exc}", offset) from None
    if len(entries) != count:
        raise TraceFileError(f"content frame at byte {offset} holds {len(entries)} entries, its prefix says {count}", offset)
    for e in entries:
        if type(e.text) is not str and type(e.text) is not bytes:
            raise TraceFileError(f"content frame at byte {offset} holds an entry that is neither text nor bytes", offset)
    return entries


def entries_payload(data, ref) -> tuple[bytes, int]:
    """The MessagePack array of entries of an intact content frame, decompressed and checked against
    the decode budget, and the count its prefix gives. Raises TraceFileError saying what is wrong."""
    from .schema import FLAG_ZSTD

    offset = ref.offset
    if ref.flags & FLAG_ZSTD or ref.raw_len != ref.stored_len:
        raise TraceFileError(f"content frame at byte {offset} is compressed as a whole; its entries carry their own compression", offset)
    if ref.stored_len < PREFIX.size:
        raise TraceFileError(f"content frame at byte {offset} is shorter than its prefix", offset)
    if ref.stored_len > MAX_FRAME_RAW + PREFIX.size:
        raise TraceFileError(f"content frame at byte {offset} holds {ref.stored_len:,} bytes, over the limit", offset)
    payload = data[ref.payload_offset : ref.end]
    _, _, count, codec, raw_len = PREFIX.unpack_from(payload)
    blob = payload[PREFIX.size :]
    if raw_len > MAX_FRAME_RAW:
        raise TraceFileError(f"content frame at byte {offset} claims {raw_len:,} bytes of entries, over the {MAX_FRAME_RAW >> 20} MiB limit", offset)
    if codec == CODEC_ZSTD:
        try:
            declared = zstandard.frame_content_size(blob)
            if declared >= 0 and declared != raw_len:
                raise TraceFileError(f"content frame at byte {offset}: entries claim {declared} bytes, prefix says {raw_len}", offset)
            from .framing import _decompressor

            raw = _decompressor().decompress(blob, max_output_size=raw_len)
        except (zstandard.ZstdError, MemoryError) as exc:
            raise TraceFileError(f"content frame at byte {offset} does not decompress: {exc}", offset) from None
    elif codec == CODEC_PLAIN:
        raw = bytes(blob)
    else:
        raise TraceFileError(f"content frame at byte {offset} has unknown codec {codec}", offset)
    if len(raw) != raw_len:
        raise TraceFileError(f"content frame at byte {offset}: entries are {len(raw)} bytes, prefix says {raw_len}", offset)
    problem = check_payload(raw, item_budget(ref.stored_len))
    if problem is not None:
        raise TraceFileError(f"content frame at byte {offset} is over the decode budget: {problem}", offset)
    return raw, count


__all__ = ["ContentEntry", "ContentIndex", "ContentRef", "ContentWriter", "EXT_CONTENT"]
