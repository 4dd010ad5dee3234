"""A text index over span details (attributes, events, status messages) for search. No Qt.

What is indexed, per span, as *entries* ``(key, value)``:

* each attribute: its key and its value as text;
* each event: its name as a key with no value, and each event attribute as ``(key, value)``;
* the status message, under the key ``otel.status_description``.

The text of each distinct (key, value) pair is indexed once (a conversation repeats its system
prompt and earlier messages in every model call), lower-cased. A string value of `SPLIT_CHARS`
or more holding a JSON array (``gen_ai.input.messages``: the conversation so far) is indexed as
its top-level elements, one pair each, so each message is indexed once however many calls repeat
it; a history that continues a recent one of the same key is parsed only past what they share.
A phrase is therefore found within one message, not across two. A value holding JSON (message
content, ``input.value``, tool arguments) is indexed as its unescaped keys and strings, one
``key: value`` per line, so ``"Paris"`` inside content matches ``paris`` and phrases match
across JSON escapes. Values longer than `MAX_VALUE_CHARS` are indexed up to that length only.

New value text is *sealed* a few hundred KB at a time: split into words (`words`: runs of
letters, digits, ``_`` and non-ASCII characters) and kept zstd-compressed in 16 KB chunks. A
query term is a substring of a value when:

* it is one word's worth of characters: it lies inside one word, so the words of the
  vocabulary that contain it (``bytes.find`` over the vocabulary, far smaller than the text)
  lead to the pairs through the postings word -> pairs. Exact, no text read;
* it spans words or punctuation (``az.ai``, ``"overdue invoice"``): the pairs holding all its
  words, each followed by the next with the term's separator (an 8-bit signature per posting),
  and, when the term starts or ends with punctuation (``.inf``, ``ai.``), with that class of
  byte before its first word or after its last (2 bits each per posting: end of value, ``.``,
  whitespace, other), are candidates; only the chunks holding candidates are decompressed and
  searched.

Text not sealed yet is searched as it is. Pairs lead to rows through an inverted index (the
rows of each pair, ascending). Keys (``key:``, and free text found in a key or an event name)
lead to rows through each row's *shape*, its set of keys, which all spans of one kind share.
Nothing per span or per word runs in Python. ``feedback:`` is answered by the file's
`viewer.feedback.logic.FeedbackIndex`.

Rows are indexed as a prefix ``0 .. rows``, batch by batch, by one writer thread
(`add_batch`, `index_batches`); any thread may query meanwhile and sees a consistent
snapshot. `evaluate` combines the timeline columns with the text index: rows not indexed yet
stay undecided, so results only ever refine.
"""

from __future__ import annotations

import bisect
import ctypes
import json
import mmap
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence, Union

import msgspec
import numpy as np
import zstandard

from tracefile.format import (
    KIND_SPAN_DETAILS,
    ContentIndex,
    ScanReport,
    SpanDetails,
    TraceFileError,
    common_prefix,
    decode_frame,
    index_content,
    frame_payload,
    scan_frames,
)

from . import words
from .columns import Evaluation, evaluate_columns
from .query import Field, Node, Query, Term
from ..text_limits import shallow

#: Longest text indexed per value (characters, after JSON is unescaped); the rest is not searched.
MAX_VALUE_CHARS = 65_536
#: Key under which a span's status message is indexed.
STATUS_MESSAGE_KEY = "otel.status_description"

_SEP = b"\x1e"
_SEP_STR = "\x1e"
#: Pairs remembered for finding repeats. Past this many the table starts over, which bounds its
#: memory (at most 64 MB) when most values are unique, like ids; a value repeated after that is
#: stored once more.
_DEDUP_PAIRS = 1 << 20
_JSON_DEPTH = 4
#: Entries moved at a time when the inverted index is merged.
_MOVE_ENTRIES = 1 << 22
#: A phrase's next word may be any of this many words for its signatures to narrow the candidates.
_MAX_FOLLOWERS = 48
#: A string value from this long holding a JSON array is indexed element by element: each call of
#: a conversation repeats the messages so far, and each message is then indexed once.
SPLIT_CHARS = 1024
#: Long array values remembered with their elements' pairs (exact repeats, like tool definitions),
#: and earlier histories per key that a new one may continue.
_GROUPS = 1 << 14
_RECENT = 4



# --- values as text ----------------------------------------------------------------------------


def value_text(value: Any) -> str:
    """The searchable text of an attribute value (before lower-casing and the length cap).

    Lists and maps nested deeper than `MAX_DEPTH` (an attribute nested 990 levels deep raised
    RecursionError here) are searched down to that depth.
    """
    if isinstance(value, (list, tuple, dict)):
        value = shallow(value)
    if isinstance(value, str):
        if value[:1] in ("{", "[") and value[-1:] in ("}", "]"):
            try:
                parsed = json.loads(value)
            except (ValueError, RecursionError):
                return value
            lines: list[str] = []
            _flatten(shallow(parsed), "", lines, 0)
            return "\n".join(lines)
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "\n".join(value_text(v) for v in value)
    if isinstance(value, dict):
        lines = []
        _flatten(value, "", lines, 0)
        return "\n".join(lines)
    return ""  # bytes and other opaque values have no text to search


def _flatten(obj: Any, prefix: str, out: list[str], depth: int) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            _flatten(v, f"{k}: ", out, depth)
    elif isinstance(obj, list):
        for v in obj:
            _flatten(v, prefix, out, depth)
    elif isinstance(obj, str):
        # Tool-call arguments arrive as JSON inside JSON: unescape those too.
        if depth < _JSON_DEPTH and obj[:1] in ("{", "[") and obj[-1:] in ("}", "]"):
            try:
                inner = json.loads(obj)
            except (ValueError, RecursionError):
                pass
            else:
                if prefix:
                    out.append(prefix.rstrip())
                _flatten(shallow(inner), "", out, depth + 1)
                return
        out.append(prefix + obj)
    elif obj is None:
        out.append(prefix + "null")
    else:
        out.append(prefix + value_text(obj))


_ELEMENT = json.JSONDecoder().raw_decode
_SPACE = re.compile(r"[ \t\n\r]*")


def split_array(text: str, prior: tuple[list[tuple[int, int]], int] | None = None):
    """The top-level elements of the JSON array ``text``: ``(bounds, reused, parsed, tail)``, or
    None when ``text`` does not start as a JSON array.

    ``bounds`` holds each element's ``(start, end)`` in ``text``, ``parsed`` the decoded values of
    those past the first ``reused``. ``tail`` is None for a whole array; for one cut short (a
    recorder's length limit), or with anything else after its first elements, it is where the
    text stops being one, and ``text[tail:]`` is left as text.

    ``prior`` is ``(bounds, shared)`` of an earlier text whose first ``shared`` characters equal
    ``text``'s: its elements that end within them are taken as they are (``reused``) and only the
    rest is parsed.
    """
    bounds: list[tuple[int, int]] = []
    parsed: list[Any] = []
    n = len(text)
    space = _SPACE.match
    if prior is not None:
        earlier, shared = prior
        k = bisect.bisect_right(earlier, shared, key=lambda b: b[1])
        if k and earlier[k - 1][1] == shared and text[shared - 1] not in '}]"el':
            k -= 1  # a number that ends where the texts stop agreeing may go on in this one
        bounds = earlier[:k]
    reused = len(bounds)
    if bounds:
        pos = space(text, bounds[-1][1]).end()  # at the comma or bracket after them
        if pos >= n or text[pos] not in ",]":
            return bounds, reused, parsed, bounds[-1][1]
    else:
        pos = space(text).end()
        if text[pos : pos + 1] != "[":
            return None
        after = space(text, pos + 1).end()
        if text[after : after + 1] == "]":
            pos = after
    # pos is at "[" or ",": an element follows; at "]": the array ends.
    while text[pos] in "[,":
        start = space(text, pos + 1).end()
        try:
            value, end = _ELEMENT(text, start)
        except (ValueError, RecursionError):
            return (bounds, reused, parsed, start) if bounds else None
        bounds.append((start, end))
        parsed.append(value)
        pos = space(text, end).end()
        if pos >= n or text[pos] not in ",]":
            return bounds, reused, parsed, end
    if space(text, pos + 1).end() != n:
        return (bounds, reused, parsed, pos) if bounds else None
    return bounds, reused, parsed, None


def _parsed_text(value: Any) -> str:
    """The searchable text of one decoded element of a JSON array value, as `value_text` makes
    the text of the whole array: its lines."""
    lines: list[str] = []
    _flatten(shallow(value), "", lines, 0)
    return "\n".join(lines)


def _expand(found: np.ndarray, counts: np.ndarray, groups: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Entries with the items ``groups`` holds replaced by their element pairs, and the rows' new counts."""
    sizes = np.ones(len(found), np.int64)
    where = np.fromiter(groups, np.int64, len(groups))
    sizes[where] = [len(groups[j]) for j in where.tolist()]
    pairs = np.repeat(found, sizes)
    ends = np.cumsum(sizes)
    for j, ids in groups.items():
        pairs[ends[j] - len(ids) : ends[j]] = ids
    rows = np.repeat(np.arange(len(counts)), counts)
    return pairs, np.bincount(rows, weights=sizes, minlength=len(counts)).astype(np.int64)


# --- growable columns --------------------------------------------------------------------------


class _Column:
    """An append-only numpy array. Readers hold ``(data, n)`` pairs; appends never touch ``data[:n]``."""

    def __init__(self, dtype: Any) -> None:
        self.data = np.empty(1024, dtype)
        self.n = 0

    def extend(self, values: np.ndarray | Sequence[int]) -> None:
        k = len(values)
        if self.n + k > len(self.data):
            grown = np.empty(max(self.n + k, len(self.data) * 3 // 2), self.data.dtype)
            grown[: self.n] = self.data[: self.n]
            self.data = grown  # readers of the old array keep it alive
        self.data[self.n : self.n + k] = values
        self.n += k

    def view(self) -> np.ndarray:
        return self.data[: self.n]


@dataclass(frozen=True)
class _Snapshot:
    """What a query sees: everything indexed up to one moment."""

    rows: int
    value_start: np.ndarray  # int64 (pairs + 1): pair p's text is text[value_start[p] : value_start[p + 1] - 1]
    keys: tuple[str, ...]  # lower-cased keys and event names
    pair_key: np.ndarray  # uint32 (pairs,)
    # Value text of pairs 0 .. sealed: zstd chunks (first pair, offset of its first byte, compressed bytes),
    # searched through the word index; of pairs sealed .. pairs: `open_text`, from `open_base`, scanned.
    sealed: int
    chunks: tuple[tuple[int, int, bytes], ...]
    chunk_first: np.ndarray  # int64 (chunks,): the first pair of each chunk
    open_text: bytes
    open_base: int
    # Words of the sealed text: the vocabulary, and postings word -> pairs (segments, then a tail).
    vocabulary: tuple[tuple[int, bytes, np.ndarray], ...]
    word_count: int
    segments: tuple[words.Segment, ...]
    tail_word: np.ndarray  # uint32
    tail_pair: np.ndarray  # uint32
    tail_follower: np.ndarray  # uint8
    tail_gap: np.ndarray  # uint8: `words.gap_classes` of the word
    pair_chars: np.ndarray  # uint64 (sealed,): `words.CHAR_BITS` of the bytes each sealed value holds
    # Entries (row, pair), as an inverted index: the rows of pair p are main_rows[main_ptr[p] : main_ptr[p + 1]],
    # ascending, plus those in the tail of entries added since the last compaction.
    main_rows: np.ndarray  # uint32
    main_ptr: np.ndarray  # int64 (pairs at compaction + 1,)
    entry_pair: np.ndarray  # uint32
    entry_row: np.ndarray  # uint32
    # Each row's set of keys ("shape"): spans of one kind share it, so key queries touch shapes, not entries.
    row_shape: np.ndarray  # uint32 (rows,)
    shape_ptr: np.ndarray  # int64 (shapes + 1,): shape s has keys shape_keys[shape_ptr[s] : shape_ptr[s + 1]]
    shape_keys: np.ndarray  # uint32

    @property
    def pairs(self) -> int:
        return len(self.value_start) - 1


class TextIndex:
    """Searchable text of the span details of rows ``0 .. rows``. One writer, many readers."""

    #: The tail of unsorted entries is merged into the inverted index when it is this big, or a quarter of it.
    COMPACT_ENTRIES = 1 << 20
    #: New value text is sealed (split into words) about this many bytes at a time, at most
    #: `SEAL_PAIRS` values, and compressed in chunks of about `CHUNK_BYTES`: the unit the
    #: candidates of a phrase are checked in.
    SEAL_BYTES = 256 << 10
    SEAL_PAIRS = 1 << 14
    CHUNK_BYTES = 16 << 10

    def __init__(self, max_value_chars: int = MAX_VALUE_CHARS, *, split_arrays: bool = True) -> None:
        self.max_value_chars = max_value_chars
        #: Index a long JSON array value as its top-level elements (False: whole, as one value).
        self.split_arrays = split_arrays
        # The element pairs of long array values seen (hash of (key, value) -> pair ids), and the
        # last few of each key with their element bounds, for histories that continue them.
        self._groups: dict[int, np.ndarray] = {}
        self._recent: dict[str, list[tuple[str, list[tuple[int, int]], np.ndarray]]] = {}
        self.batches = 0  # timeline batches indexed (the writer's resume point)
        self.damaged = 0  # batches whose details could not be read (their rows have no text)
        self._keys: list[str] = []
        self._key_id: dict[str, int] = {}
        # hash of (key, raw value) -> pair id. Keyed by the hash, not the pair: holding the pairs
        # would keep a second copy of every distinct value alive. 64-bit collisions are not a concern.
        self._pair_by_hash = words.HashTable()
        self._shape_id: dict[bytes, int] = {}  # sorted key ids (uint32 bytes) -> shape id
        self._pending = bytearray()  # value text of pairs not sealed yet
        self._sealed = 0
        self._chunks: list[tuple[int, int, bytes]] = []
        self._chunk_first = _Column(np.int64)
        self._compressor = zstandard.ZstdCompressor(level=1)
        self._vocabulary = words.Vocabulary()
        self._segments: list[words.Segment] = []
        self._tail_first = 0  # the first pair of the postings' tail
        self._tail_word = _Column(np.uint32)
        self._tail_pair = _Column(np.uint32)
        self._tail_follower = _Column(np.uint8)
        self._tail_gap = _Column(np.uint8)
        self._pair_chars = _Column(np.uint64)  # one per sealed value: which of words.CHAR_BITS it holds
        self._value_start = _Column(np.int64)
        self._value_start.extend([0])
        self._pair_key = _Column(np.uint32)
        self._main_rows = np.zeros(0, np.uint32)
        self._main_ptr = np.zeros(1, np.int64)
        self._entry_pair = _Column(np.uint32)
        self._entry_row = _Column(np.uint32)
        self._row_shape = _Column(np.uint32)
        self._shape_ptr = _Column(np.int64)
        self._shape_ptr.extend([0])
        self._shape_keys = _Column(np.uint32)
        self._rows = 0
        self._shape(b"")  # shape 0: no keys
        self._snap = self._publish()

    # -- writing (one thread) --------------------------------------------------------------------

    @property
    def rows(self) -> int:
        """Rows indexed: ``0 .. rows``."""
        return self._snap.rows

    def add_batch(self, first_row: int, count: int, details: SpanDetails | _DetailsView | None) -> None:
        """Index the ``count`` spans of one batch, rows ``first_row ..``; ``details`` None: no text."""
        if first_row != self._rows:
            raise ValueError(f"batch starts at row {first_row}, expected {self._rows}")
        pairs: list[int] = []
        counts = np.zeros(count, np.int64)
        if details is not None:
            # The hot path: every (key, value) item of the batch in one list, then C-level map()s
            # look up the pairs seen before; only new pairs take the Python path.
            items: list[tuple[str, Any]] = []
            extend, add = items.extend, items.append
            status = details.status_message
            for i, (attributes, events) in enumerate(zip(details.attributes, details.events)):
                before = len(items)
                extend(attributes.items())
                for ev in events:
                    add((ev.name, None))
                    if ev.attributes:
                        extend(ev.attributes.items())
                message = status.get(i)
                if message:
                    add((STATUS_MESSAGE_KEY, message))
                counts[i] = len(items) - before
            try:
                hashes = list(map(hash, items))
            except TypeError:  # a list nested in a value
                hashes = list(map(_hash_item, items))
            # Keyed by hash alone, (k, 1), (k, 1.0) and (k, True) are one pair: the first one's text
            # stands for all three. Rare enough, and exact equality would cost a Python call per item.
            h = np.array(hashes, np.int64).view(np.uint64)
            found = self._pair_by_hash.get(h)
            missing = np.flatnonzero(found < 0)
            groups: dict[int, np.ndarray] = {}
            if len(missing) and self.split_arrays:
                # Long JSON arrays (a conversation so far) are indexed message by message.
                groups = self._array_groups(items, hashes, missing.tolist())
                if groups:
                    missing = missing[~np.isin(missing, np.fromiter(groups, np.int64, len(groups)))]
            if len(missing):
                found[missing] = self._pairs_of([items[j] for j in missing.tolist()], h[missing])
            pairs = found
            if groups:
                pairs, counts = _expand(found, counts, groups)
        pair_arr = np.asarray(pairs, np.uint32)
        rows = np.repeat(np.arange(first_row, first_row + count, dtype=np.uint32), counts)
        self._row_shape.extend(self._shapes(pair_arr, rows - np.uint32(first_row), counts))
        self._entry_pair.extend(pair_arr)
        self._entry_row.extend(rows)
        self._rows = first_row + count
        self.batches += 1
        self._seal(everything=False)
        # A quarter of the index at most, so merging does not double the memory it takes.
        if self._entry_pair.n >= max(self.COMPACT_ENTRIES, len(self._main_rows) // 4):
            self._compact()
            self._snap = self._publish()
            _release_freed_memory()  # the arrays the merge replaced, and the decoded batches
        else:
            self._snap = self._publish()
            if self.batches % 64 == 0:
                _release_freed_memory()

    def finish(self) -> None:
        """Seal the text added and merge the entries into the inverted index (when the writer has
        caught up with the file)."""
        self._seal(everything=True)
        if self._entry_pair.n >= max(65_536, len(self._main_rows) // 4):
            self._compact()
            self._snap = self._publish()
            _release_freed_memory()
        else:
            self._snap = self._publish()

    def _shapes(self, pairs: np.ndarray, local_rows: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The shape id of each row of a batch."""
        out = np.zeros(len(counts), np.uint32)
        if not len(pairs):
            return out
        keys = self._pair_key.view()[pairs]
        order = np.lexsort((keys, local_rows))
        keys, rows = keys[order], local_rows[order]
        keep = np.ones(len(keys), bool)
        keep[1:] = (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])
        keys, rows = keys[keep], rows[keep]
        ends = np.searchsorted(rows, np.arange(len(counts), dtype=np.uint32), side="right").tolist()
        raw = keys.astype("<u4").tobytes()
        get, start = self._shape_id.get, 0
        for i, end in enumerate(ends):
            if end > start:
                sig = raw[start * 4 : end * 4]
                s = get(sig)
                out[i] = self._shape(sig) if s is None else s
                start = end
        return out

    def _shape(self, sig: bytes) -> int:
        s = self._shape_id[sig] = self._shape_ptr.n - 1
        keys = np.frombuffer(sig, "<u4")
        self._shape_keys.extend(keys)
        self._shape_ptr.extend([self._shape_keys.n])
        return s

    def _compact(self) -> None:
        """Merge the tail of entries into the inverted index (a stable counting sort by pair)."""
        npairs = self._pair_key.n
        tail_pair, tail_row = self._entry_pair.view(), self._entry_row.view()
        old_ptr, old_rows = self._main_ptr, self._main_rows
        old_counts = np.zeros(npairs, np.int32)
        old_counts[: len(old_ptr) - 1] = np.diff(old_ptr)
        tail_counts = np.bincount(tail_pair, minlength=npairs).astype(np.int32)
        ptr = np.zeros(npairs + 1, np.int64)
        np.cumsum(old_counts + tail_counts, out=ptr[1:])
        rows = np.empty(int(ptr[-1]), np.uint32)
        if len(old_rows):
            # Each pair's old rows move right by the rows of pairs before it in the tail; a few
            # million entries at a time, which bounds the index arrays this takes.
            old = len(old_ptr) - 1
            shift = ptr[:old] - old_ptr[:-1]
            cuts = np.unique(np.searchsorted(old_ptr, np.arange(0, len(old_rows), _MOVE_ENTRIES), side="right") - 1)
            for a, b in zip(cuts.tolist(), cuts[1:].tolist() + [old]):
                e0, e1 = int(old_ptr[a]), int(old_ptr[b])
                rows[_ranges(shift[a:b] + e0, old_counts[a:b], e1 - e0)] = old_rows[e0:e1]
            del shift
        order = _stable_order(tail_pair)
        tail_start = np.concatenate([[0], np.cumsum(tail_counts)[:-1]])
        # Tail rows are newer, so they follow the old ones of their pair.
        rows[_ranges(ptr[:-1] + old_counts - tail_start, tail_counts, len(order))] = tail_row[order]
        self._main_rows, self._main_ptr = rows, ptr
        self._entry_pair, self._entry_row = _Column(np.uint32), _Column(np.uint32)

    def _key(self, key: str) -> int:
        k = self._key_id.get(key)
        if k is None:
            k = self._key_id[key] = len(self._keys)
            self._keys.append(key.lower())
        return k

    def _pairs_of(self, items: list[tuple[str, Any]], h: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
        """The pair ids of ``items`` (with hashes ``h``, none known yet; repeats among them share a
        pair), made in the order they first occur. ``texts``: the items' value texts, when known."""
        distinct, first, inverse = np.unique(h, return_index=True, return_inverse=True)
        rank = np.empty(len(first), np.int64)
        rank[np.argsort(first)] = np.arange(len(first))
        order = np.sort(first).tolist()
        p0 = self._new_pairs([items[j] for j in order], None if texts is None else [texts[j] for j in order])
        if len(self._pair_by_hash) + len(distinct) > _DEDUP_PAIRS:
            self._pair_by_hash = words.HashTable()
        self._pair_by_hash.add(distinct, p0 + rank)
        return p0 + rank[inverse.reshape(-1)]

    def _array_groups(self, items: list[tuple[str, Any]], hashes: list[int], candidates: list[int]) -> dict[int, np.ndarray]:
        """Of the items ``candidates`` (not known as pairs), those whose value is a long JSON array,
        each as the pairs of its top-level elements: item index -> pair ids. A history that
        continues a recent one of its key (`_recent`) is parsed only past the messages they share."""
        out: dict[int, np.ndarray] = {}
        for j in candidates:
            key, value = items[j]
            if type(value) is not str or len(value) < SPLIT_CHARS or value[:1] != "[":
                continue
            known = self._groups.get(hashes[j])
            if known is None:
                known = self._split(key, value)
                if known is None:
                    continue  # not an array after all: indexed whole
                if len(self._groups) >= _GROUPS:
                    self._groups.clear()
                self._groups[hashes[j]] = known
            out[j] = known
        return out

    def _split(self, key: str, value: str) -> np.ndarray | None:
        """The pairs of the top-level elements of ``value`` (None: not a JSON array)."""
        recent = self._recent.setdefault(key, [])
        prior, shared = None, 0
        for earlier in recent:
            c = common_prefix(value, earlier[0])
            if c > shared:
                prior, shared = earlier, c
        split = split_array(value, None if prior is None else (prior[1], shared))
        if split is None:
            return None
        bounds, reused, parsed, tail = split
        if tail is not None and not value[tail:].strip():
            tail = None
        ids = np.empty(len(bounds) + (tail is not None), np.int64)
        if reused:
            ids[:reused] = prior[2][:reused]
        new_items = [(key, value[a:b]) for a, b in bounds[reused:]]
        if tail is not None:
            new_items.append((key, value[tail:]))
        if new_items:
            h = np.array([hash(item) for item in new_items], np.int64).view(np.uint64)
            found = self._pair_by_hash.get(h)
            todo = np.flatnonzero(found < 0).tolist()
            if todo:
                # The text of new pairs only (a message seen in another conversation has its pair):
                # an element's decoded value, flattened; the cut tail as it is.
                texts = [_parsed_text(parsed[k]) if k < len(parsed) else new_items[k][1] for k in todo]
                found[todo] = self._pairs_of([new_items[k] for k in todo], h[todo], texts)
            ids[reused:] = found
        recent.append((value, bounds, ids))
        if len(recent) > _RECENT:
            del recent[0]
        return ids

    def _new_pairs(self, items: list[tuple[str, Any]], texts: list[str] | None = None) -> int:
        """Add pairs (their value text pending); returns the id of the first, the others follow.
        ``texts``: their value texts, when already made (else `value_text` of each value)."""
        key_ids: list[int] = []
        lengths: list[int] = []
        pending, key, cap = self._pending, self._key, self.max_value_chars
        for i, (k, value) in enumerate(items):
            if texts is not None:
                text = texts[i][:cap].lower()
            else:
                text = value_text(value)[:cap].lower() if value is not None else ""
            if _SEP_STR in text:
                text = text.replace(_SEP_STR, " ")
            data = text.encode("utf-8", "replace") + _SEP
            pending += data
            key_ids.append(key(k))
            lengths.append(len(data))
        p0 = self._pair_key.n
        self._pair_key.extend(key_ids)
        self._value_start.extend(np.cumsum(lengths) + self._value_start.data[p0])
        return p0

    def _seal(self, everything: bool) -> None:
        """Move the pending text into sealed chunks: its words into the word index, the text itself
        compressed. Only a full `SEAL_BYTES` or `SEAL_PAIRS` at a time, unless ``everything``."""
        value_start = self._value_start.view()
        while self._sealed < self._pair_key.n:
            first = self._sealed
            base = int(value_start[first])
            last = min(self._pair_key.n, first + self.SEAL_PAIRS)
            # Up to the value that reaches SEAL_BYTES, or SEAL_PAIRS values.
            k = int(np.searchsorted(value_start[first + 1 : last + 1], base + self.SEAL_BYTES))
            if k < last - first:
                cut = first + k + 1
            elif last - first >= self.SEAL_PAIRS or everything:
                cut = last
            else:
                break
            size = int(value_start[cut]) - base
            text = bytes(self._pending[:size])
            del self._pending[:size]
            local_start = value_start[first:cut] - base
            self._add_words(first, cut, text, local_start)
            # Chunks start at a value: at the first value past each CHUNK_BYTES.
            at = np.unique(np.searchsorted(local_start, np.arange(0, size, self.CHUNK_BYTES), side="left"))
            at = at[at < cut - first]
            compress_ = self._compressor.compress
            for i, j in zip(at.tolist(), at[1:].tolist() + [cut - first]):
                begin, end = int(local_start[i]), int(local_start[j]) if j < cut - first else size
                # A copy: zstandard's result keeps the allocation of the worst case, 3 times the size here.
                packed = bytes(memoryview(compress_(text[begin:end])))
                self._chunks.append((first + i, base + begin, packed))
            self._chunk_first.extend(at + first)
            self._sealed = cut

    def _add_words(self, first: int, cut: int, text: bytes, local_start: np.ndarray) -> None:
        """Postings of the words of values ``first .. cut`` (``text``, starting at ``local_start``)."""
        starts, ends, hashes, gaps = words.split_words(text)
        ids = self._vocabulary.ids(text, starts, ends, hashes)
        pair = np.searchsorted(local_start, starts, side="right") + (first - 1)
        followers = words.follower_signature(gaps, np.append(ids[1:], np.uint32(0)))
        if cut - self._tail_first > words.SEGMENT_VALUES:
            self._segments.append(words.Segment(self._tail_first, self._tail_word.view(), self._tail_pair.view(),
                                                self._tail_follower.view(), self._tail_gap.view()))  # fmt: skip
            self._tail_first = first
            self._tail_word, self._tail_pair = _Column(np.uint32), _Column(np.uint32)
            self._tail_follower, self._tail_gap = _Column(np.uint8), _Column(np.uint8)
        self._tail_word.extend(ids)
        self._tail_pair.extend(pair)
        self._tail_follower.extend(followers)
        self._tail_gap.extend(words.gap_classes(text, starts, ends))
        self._pair_chars.extend(words.char_masks(text, local_start))

    def _publish(self) -> _Snapshot:
        vocab_count, vocabulary = self._vocabulary.snapshot()
        return _Snapshot(
            rows=self._rows, value_start=self._value_start.view(), keys=tuple(self._keys), pair_key=self._pair_key.view(),
            sealed=self._sealed, chunks=tuple(self._chunks), chunk_first=self._chunk_first.view(),
            open_text=bytes(self._pending), open_base=int(self._value_start.data[self._sealed]),
            vocabulary=vocabulary, word_count=vocab_count, segments=tuple(self._segments),
            tail_word=self._tail_word.view(), tail_pair=self._tail_pair.view(), tail_follower=self._tail_follower.view(),
            tail_gap=self._tail_gap.view(),
            pair_chars=self._pair_chars.view(),
            main_rows=self._main_rows, main_ptr=self._main_ptr,
            entry_pair=self._entry_pair.view(), entry_row=self._entry_row.view(),
            row_shape=self._row_shape.view(), shape_ptr=self._shape_ptr.view(), shape_keys=self._shape_keys.view(),
        )  # fmt: skip

    # -- reading (any thread) ----------------------------------------------------------------------

    @property
    def text_bytes(self) -> int:
        """Bytes of value text indexed (before compression)."""
        return int(self._snap.value_start[-1])

    @property
    def memory_bytes(self) -> int:
        """Approximate memory of the index (text, words and arrays; not the writer's lookup tables)."""
        s = self._snap
        arrays = (s.value_start, s.pair_key, s.chunk_first, s.tail_word, s.tail_pair, s.tail_follower, s.tail_gap, s.pair_chars,
                  s.main_rows, s.main_ptr,
                  s.entry_pair, s.entry_row, s.row_shape, s.shape_ptr, s.shape_keys)  # fmt: skip
        return (sum(len(c) for _, _, c in s.chunks) + len(s.open_text) + sum(a.nbytes for a in arrays)
                + sum(len(b) + st.nbytes for _, b, st in s.vocabulary) + sum(g.nbytes for g in s.segments))  # fmt: skip

    def _value_hits(self, s: _Snapshot, needle: bytes, within: np.ndarray | None = None) -> np.ndarray:
        """Bool per pair: does its value's text contain ``needle`` (lower-cased UTF-8)? Pairs not in
        ``within`` (bool per pair) may be left out."""
        hit = np.zeros(s.pairs, bool)
        if not needle:
            hit[:] = True
            return hit
        if s.open_text:
            self._scan(s, s.open_text, s.open_base, needle, hit)
        if not s.sealed:
            return hit
        bit = words.char_bit(needle)
        if bit is not None:
            hit[: s.sealed] |= (s.pair_chars[: s.sealed] & np.uint64(bit)) != 0
            return hit
        if words.is_one_word(needle):
            # Inside one word wherever it occurs: the words that contain it are the answer.
            self._mark_words(s, words.matching_words(s.vocabulary, needle, False, False), hit)
            return hit
        # Across words or punctuation: the values holding all its words, each followed by the next
        # one with the separator between them (as far as 8-bit signatures tell), then their text.
        candidates = np.ones(s.sealed, bool) if within is None else within[: s.sealed].copy()
        parts, gaps = words.pieces(needle)
        matches = [words.matching_words(s.vocabulary, *part) for part in parts]
        # A term that starts or ends with punctuation next to a word: that word has its class there.
        first_gap, last_gap = words.leading_gap_class(needle), words.trailing_gap_class(needle)
        for i, ids in enumerate(matches):
            if not len(ids):
                return hit
            followed = None
            if i + 1 < len(matches) and len(matches[i + 1]) <= _MAX_FOLLOWERS:
                followed = np.zeros(256, bool)
                gap = np.full(len(matches[i + 1]), words.hash_bytes(gaps[i]), np.uint64)
                followed[words.follower_signature(gap, matches[i + 1])] = True
            found = np.zeros(s.pairs, bool)
            gaps_ok = words.gaps_wanted(first_gap if i == 0 else None, last_gap if i + 1 == len(matches) else None)
            self._mark_words(s, ids, found, followed, gaps_ok)
            candidates &= found[: s.sealed]
            if not candidates.any():
                return hit
        # Only values holding every character of the term (as far as their bits tell) can hold it.
        need = np.bitwise_or.reduce(words.CHAR_BITS[np.frombuffer(needle, np.uint8)])
        candidates &= (s.pair_chars[: s.sealed] & need) == need
        self._verify(s, needle, candidates, hit)
        return hit

    @staticmethod
    def _scan(s: _Snapshot, text: bytes, base: int, needle: bytes, hit: np.ndarray, wanted: np.ndarray | None = None) -> None:
        """Set ``hit`` for the pairs whose text (in ``text``, from offset ``base``) holds ``needle``."""
        found: list[int] = []
        add, find = found.append, text.find
        pos = find(needle)
        while pos >= 0:
            add(pos)
            # One hit per value is enough: go on after this value's separator.
            end = find(_SEP, pos + len(needle))
            if end < 0:
                break
            pos = find(needle, end + 1)
        if found:
            ids = np.searchsorted(s.value_start, np.asarray(found, np.int64) + base, side="right") - 1
            if wanted is not None:
                ids = ids[wanted[ids]]
            hit[ids] = True

    def _verify(self, s: _Snapshot, needle: bytes, candidates: np.ndarray, hit: np.ndarray) -> None:
        """Set ``hit`` for the ``candidates`` (bool per sealed pair) whose text holds ``needle``,
        decompressing only the chunks that hold candidates."""
        which = np.unique(np.searchsorted(s.chunk_first, np.flatnonzero(candidates), side="right") - 1)
        unpack = zstandard.ZstdDecompressor().decompress  # per call: a decompressor is not for two threads
        for c in which.tolist():
            _, base, packed = s.chunks[c]
            self._scan(s, unpack(packed), base, needle, hit, candidates)

    @staticmethod
    def _mark_words(
        s: _Snapshot, ids: np.ndarray, out: np.ndarray, followed: np.ndarray | None = None, gaps: np.ndarray | None = None
    ) -> None:
        """Set ``out`` for the sealed pairs holding any of the words ``ids``, followed by what
        ``followed`` accepts (bool per `words.follower_signature`; None: anything), with the
        `words.gap_classes` that ``gaps`` accepts (see `words.gaps_wanted`; None: any)."""
        if not len(ids):
            return
        many = len(ids) > 64
        id_hit = None
        if many or len(s.tail_word):
            id_hit = np.zeros(s.word_count, bool)
            id_hit[ids] = True
        for segment in s.segments:
            segment.mark(ids, id_hit if many else None, out, followed, gaps)
        if len(s.tail_word):
            entries = id_hit[s.tail_word]
            if followed is not None:
                entries &= followed[s.tail_follower]
            if gaps is not None:
                entries &= gaps[s.tail_gap]
            out[s.tail_pair[entries]] = True

    def _rows_of_pairs(self, s: _Snapshot, pair_hit: np.ndarray, mask: np.ndarray) -> None:
        """Set ``mask`` for the rows holding any pair in ``pair_hit`` (bool per pair)."""
        indexed = len(s.main_ptr) - 1
        hits = np.flatnonzero(pair_hit[:indexed])
        if len(hits):
            starts, lengths = s.main_ptr[hits], np.diff(s.main_ptr)[hits]
            total = int(lengths.sum())
            if total * 8 < len(s.main_rows):
                # Few entries: gather their ranges.
                keep = lengths > 0
                starts, lengths = starts[keep], lengths[keep]
                offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
                mask[s.main_rows[np.arange(total, dtype=np.int64) + offsets]] = True
            elif total:
                mask[s.main_rows[np.repeat(pair_hit[:indexed], np.diff(s.main_ptr))]] = True
        if len(s.entry_pair):
            mask[s.entry_row[pair_hit[s.entry_pair]]] = True

    def _rows_of_keys(self, s: _Snapshot, key_hit: np.ndarray, mask: np.ndarray) -> None:
        """Set ``mask`` for the rows having any key in ``key_hit`` (bool per key)."""
        if not key_hit.any():
            return
        hit = key_hit[s.shape_keys]
        nonempty = np.flatnonzero(np.diff(s.shape_ptr) > 0)
        shape_hit = np.zeros(len(s.shape_ptr) - 1, bool)
        if len(nonempty):
            shape_hit[nonempty] = np.logical_or.reduceat(hit, s.shape_ptr[nonempty])
        mask |= shape_hit[s.row_shape]

    def term_rows(self, text: str) -> np.ndarray:
        """Bool per indexed row: does ``text`` (any case) occur in a key, value or event name?"""
        s = self._snap
        needle = text.lower()
        mask = np.zeros(s.rows, bool)
        self._rows_of_keys(s, np.fromiter((needle in k for k in s.keys), bool, count=len(s.keys)), mask)
        value_hit = self._value_hits(s, needle.encode("utf-8", "replace"))
        if value_hit.any():
            self._rows_of_pairs(s, value_hit, mask)
        return mask

    def field_rows(self, key: str, value: str | None) -> np.ndarray:
        """Bool per indexed row for ``key:value``: an attribute (or event attribute) named ``key`` (any
        case) whose value contains ``value``; ``value`` None: has the key, or an event of that name."""
        s = self._snap
        mask = np.zeros(s.rows, bool)
        low = key.lower()
        key_hit = np.fromiter((k == low for k in s.keys), bool, count=len(s.keys))
        if value is None:
            self._rows_of_keys(s, key_hit, mask)
        elif key_hit.any():
            pair_hit = key_hit[s.pair_key]
            pair_hit &= self._value_hits(s, value.lower().encode("utf-8", "replace"), pair_hit)
            self._rows_of_pairs(s, pair_hit, mask)
        return mask


def _hash_item(kv: tuple[str, Any]) -> int:
    try:
        return hash(kv)
    except TypeError:
        return hash((kv[0], _frozen(shallow(kv[1]))))  # a value nested 990 deep raised RecursionError


def _frozen(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(map(_frozen, value))
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    return value


def _ranges(shift: np.ndarray, counts: np.ndarray, total: int) -> np.ndarray:
    """``arange(total) + repeat(shift, counts)``, in 32 bits when it fits (this runs over every entry)."""
    dtype = np.uint32 if total + int(shift.max(initial=0)) < 1 << 32 else np.int64
    out = np.repeat(shift.astype(dtype), counts)
    out += np.arange(total, dtype=dtype)
    return out


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """``argsort(keys, kind="stable")`` for uint32 keys, as one or two 16-bit radix passes (several times faster)."""
    if not len(keys) or int(keys.max()) < 1 << 16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    high = np.argsort((keys[low] >> 16).astype(np.uint16), kind="stable")
    return low[high]


# --- reading a file's details ------------------------------------------------------------------


def index_batches(
    text: TextIndex,
    data,
    batches: Sequence,
    *,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int], None] | None = None,
    content: ContentIndex | None = None,
) -> int:
    """Index ``batches`` (`tracefile.format.columns.BatchRef`, in row order) from the file bytes ``data``,
    starting at ``text.batches``. ``progress(rows)`` is called after each batch. Returns the
    number of batches indexed. A details frame that cannot be read leaves its rows without text.
    ``content`` is the file's content index (`TimelineReader.content`), for texts kept in its
    content store; without one, the file's content frames are found first.
    """
    if content is None:
        content = index_content(data)
    done = 0
    for ref in batches[text.batches :]:
        if cancelled is not None and cancelled():
            break
        details = None
        if ref.details_offset is not None:
            try:
                details = _decode_details(data, ref.details_offset, content)
            except TraceFileError:
                text.damaged += 1
        if details is not None and details.count != ref.count:
            details, text.damaged = None, text.damaged + 1
        text.add_batch(ref.first_row, ref.count, details)
        done += 1
        if done % 64 == 0 and ref.details_offset is not None:
            _drop_pages(data, ref.details_offset)
        if progress is not None:
            progress(text.rows)
    else:
        text.finish()
    return done


def _drop_pages(data, end: int) -> None:
    """Unmap the pages of a mapped file before ``end`` (read already): they would otherwise count in
    the process's memory until the map is closed, the whole file's size at the end."""
    if isinstance(data, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        length = end - end % mmap.PAGESIZE
        if length > 0:
            try:
                data.madvise(mmap.MADV_DONTNEED, 0, length)
            except (OSError, ValueError):
                pass


def _release_freed_memory() -> None:
    """Hand memory freed by decoded batches and merged arrays back to the system: glibc keeps it
    in the indexing thread's malloc arena otherwise (at 1M spans, 250 MB more than the index holds)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


_Value = Union[str, int, float, bool, None, tuple, msgspec.msgpack.Ext]


class _EventView(msgspec.Struct, array_like=True, gc=False):
    time_unix_nano: int
    name: str
    attributes: dict[str, _Value] = {}


class _DetailsView(msgspec.Struct, array_like=True, gc=False):
    """What search reads of a ``span-details`` frame (`tracefile.schema.SpanDetails`): array
    values decode as tuples, which hash, so known (key, value) pairs are found without Python
    code per value; links are left undecoded."""

    batch_id: int
    count: int
    attributes: list[dict[str, _Value]]
    events: list[list[_EventView]]
    links: msgspec.Raw
    status_message: dict[int, str] = {}
    trace_state: msgspec.Raw = msgspec.Raw(b"\x80")
    dropped: msgspec.Raw = msgspec.Raw(b"\x80")
    content_store: int = 0
    event_lists: msgspec.Raw = msgspec.Raw(b"\x80")


_VIEW = msgspec.msgpack.Decoder(_DetailsView)


def _resolve_view(view: _DetailsView, data, content: ContentIndex | None) -> None:
    """Replace the content references of a decoded view (MessagePack ext values) by their texts."""
    index = content if content is not None else ContentIndex()
    index.resolve_maps(data, view.content_store, [*view.attributes, *(e.attributes for span in view.events for e in span)])


def _decode_details(data, offset: int, content: ContentIndex | None) -> _DetailsView | SpanDetails:
    for ref in scan_frames(data, ScanReport(), start=offset):
        # A damaged frame is skipped by the scan: what follows it belongs to another batch.
        if ref.offset == offset and ref.kind == KIND_SPAN_DETAILS:
            try:
                view = _VIEW.decode(frame_payload(data, ref))
            except (msgspec.DecodeError, ValueError, RecursionError):
                # Values the view does not take (maps, bytes) or damage: the format's own decoder
                # takes the first, and reports the second.
                obj = decode_frame(data, ref, content=content)
                if isinstance(obj, SpanDetails):
                    return obj
            else:
                if bytes(view.event_lists) != b"\x80":  # events kept as lists in the content store
                    obj = decode_frame(data, ref, content=content)
                    if isinstance(obj, SpanDetails):
                        return obj
                if view.content_store:  # references are only in frames with a store
                    _resolve_view(view, data, content)
                return view
        break
    raise TraceFileError(f"no intact span details frame at byte {offset}", offset)


# --- evaluation ----------------------------------------------------------------------------------


def evaluate(query: Query | Node | None, index, text: TextIndex | None, feedback=None) -> Evaluation:
    """Evaluate ``query`` over every row of ``index`` with the columns, the text index and the
    file's feedback (a `viewer.feedback.logic.FeedbackIndex`: ``feedback:``, and free text in its
    labels, comments and evaluators).

    Rows the text index has not reached yet are undecided for the sub-terms that need span
    details: ``mask`` may include them, ``certain`` does not. Once every row is indexed, the
    result is exact.
    """
    n = index.n
    done = min(text.rows, n) if text is not None else 0
    pending = np.zeros(n, bool)
    pending[done:] = True
    complete = done >= n

    def details(node: Node) -> tuple[np.ndarray, np.ndarray]:
        m = np.zeros(n, bool)
        if isinstance(node, Field) and node.key == "feedback":
            if feedback is not None and len(feedback.marks) == n:
                m = feedback.matching(node.value or "")
            return m, m
        if text is not None:
            hit = text.term_rows(node.text) if isinstance(node, Term) else text.field_rows(node.key, node.value)
            m[: min(len(hit), n)] = hit[:n]
        if isinstance(node, Term) and feedback is not None and len(feedback.marks) == n:
            m |= feedback.text_rows(node.text)  # free text matches feedback labels and comments too
        if complete:
            return m, m
        return m, m | pending

    return evaluate_columns(query, index, details=details)
