"""The word index under search's text index: words of the value text, a vocabulary searchable at C speed, and postings word -> values. No Qt."""

from __future__ import annotations

from typing import Sequence

import numpy as np

_SEP_BYTE = b"\x1e"  # separates words in the vocabulary (and values in the text): never part of a word

#: Bytes that make up words: ASCII letters, digits and ``_`` (as regex ``\w``), and every byte of a
#: multi-byte UTF-8 character, so ``zürich`` and ``東京`` are words. A term made only of word bytes
#: lies inside one word wherever it occurs; any other byte separates words.
WORD_BYTES = np.zeros(256, bool)
WORD_BYTES[np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", np.uint8)] = True
WORD_BYTES[0x80:] = True
_WORD_SET = frozenset(np.flatnonzero(WORD_BYTES).tolist())
_WORD_TABLE = WORD_BYTES.astype(np.uint8).tobytes()  # for bytes.translate: 1 for word bytes

#: A segment of postings covers at most this many consecutive values, so it stores them as uint16.
SEGMENT_VALUES = 1 << 16

_P = 0x100000001B3  # the multiplier of the words' polynomial hash (odd, so invertible mod 2**64)
_MASK64 = (1 << 64) - 1
_tables = (np.ones(1, np.uint64), np.ones(1, np.uint64))


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``P**i`` and ``P**-i`` mod 2**64 for ``i <= n``: grown on demand, shared by the indexing
    threads of several files (replaced as one tuple, so a thread never sees one table grown)."""
    global _tables
    tables = _tables
    if len(tables[0]) <= n:
        size = max(n + 1, 2 * len(tables[0]), 1 << 16)
        p = np.full(size, _P, np.uint64)
        p[0] = 1
        q = np.full(size, pow(_P, -1, 1 << 64), np.uint64)
        q[0] = 1
        tables = _tables = (np.cumprod(p, dtype=np.uint64), np.cumprod(q, dtype=np.uint64))
    return tables


def split_words(text: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The words of ``text`` (lower-cased UTF-8) as ``(starts, ends, hashes, gaps)``: byte offsets,
    a 64-bit hash of each word's bytes and one of the bytes between it and the next word (to the
    end of ``text`` for the last), computed for all words at once with numpy (no Python per word)."""
    n = len(text)
    # 1 for a word byte, 0 for others, with a separator on either side: words start and end where it changes.
    w = np.frombuffer((_SEP_BYTE + text + _SEP_BYTE).translate(_WORD_TABLE), np.int8)
    edges = np.flatnonzero(w[1:] != w[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if not len(starts):
        empty = np.zeros(0, np.uint64)
        return starts, ends, empty, empty
    powers, inverse = _power_tables(n)
    # Prefix sums of (byte + 1) * P**i: the hash of text[a:b] is the difference, brought back to P**0.
    s = np.empty(n + 1, np.uint64)
    s[0] = 0
    np.multiply(np.frombuffer(text, np.uint8), powers[:n], out=s[1:], dtype=np.uint64)
    s[1:] += powers[:n]
    np.cumsum(s[1:], out=s[1:])
    gap_ends = np.append(starts[1:], n)
    return starts, ends, _range_hash(s, inverse, starts, ends), _range_hash(s, inverse, ends, gap_ends)


def _range_hash(s: np.ndarray, inverse: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    h = s.take(b) - s.take(a)
    h *= inverse.take(a)
    h ^= (b - a).astype(np.uint64) << np.uint64(48)
    return h


def hash_bytes(data: bytes) -> int:
    """`split_words`'s hash of ``data``, in Python (for the few bytes of a search term)."""
    h, p = 0, 1
    for c in data:
        h = (h + (c + 1) * p) & _MASK64
        p = (p * _P) & _MASK64
    return h ^ (len(data) << 48)


def follower_signature(gaps: np.ndarray, next_ids: np.ndarray) -> np.ndarray:
    """8 bits of what follows a word: the bytes up to the next word and that word's id. A phrase's
    candidates are the values where its words follow each other with its separators, give or take
    one chance in 256 per pair of words."""
    h = np.asarray(gaps, np.uint64) ^ (np.asarray(next_ids, np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    h = h * np.uint64(0xD6E8FEB86659FD93)
    return (h >> np.uint64(56)).astype(np.uint8)


def pieces(needle: bytes) -> tuple[list[tuple[bytes, bool, bool]], list[bytes]]:
    """The words of a search term, each with whether the term has a separator right before it and
    right after it, and the separators between them:
    ``b"az.ai"`` -> ``([(b"az", False, True), (b"ai", True, False)], [b"."])``."""
    out: list[tuple[bytes, bool, bool]] = []
    gaps: list[bytes] = []
    start, gap = None, 0
    for i, c in enumerate(needle):
        if c in _WORD_SET:
            if start is None:
                if out:
                    gaps.append(needle[gap:i])
                start = i
        elif start is not None:
            out.append((needle[start:i], start > 0, True))
            start, gap = None, i
    if start is not None:
        out.append((needle[start:], start > 0, False))
    return out, gaps


#: What the bytes right before and right after a word are, in 2 bits each, kept per posting: a
#: term that ends or starts with punctuation (``ai.`` or ``.inf``, typed on the way to
#: ``az.ai.inference``) then matches only the words next to its class, where the follower
#: signature (whole gap and next word) cannot tell.
GAP_END, GAP_DOT, GAP_SPACE, GAP_OTHER = 0, 1, 2, 3
GAP_CLASS = np.full(256, GAP_OTHER, np.uint8)
GAP_CLASS[ord(".")] = GAP_DOT
GAP_CLASS[np.frombuffer(b" \t\n\r", np.uint8)] = GAP_SPACE
GAP_CLASS[_SEP_BYTE[0]] = GAP_END


def gap_classes(text: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """For each word of ``text`` (from `split_words`): the `GAP_CLASS` of the byte before it times
    4 plus that of the byte after it (`GAP_END` at either end of ``text``)."""
    padded = np.frombuffer(_SEP_BYTE + text + _SEP_BYTE, np.uint8)
    return (GAP_CLASS[padded[starts]] << np.uint8(2)) | GAP_CLASS[padded[ends + 1]]


def trailing_gap_class(needle: bytes) -> int | None:
    """The `GAP_CLASS` of the byte after the last word of a term that goes on past it
    (``b"ai."`` -> `GAP_DOT`), or None when the term ends with a word or has none."""
    end = len(needle)
    while end and needle[end - 1] not in _WORD_SET:
        end -= 1
    return int(GAP_CLASS[needle[end]]) if 0 < end < len(needle) else None


def leading_gap_class(needle: bytes) -> int | None:
    """The `GAP_CLASS` of the byte before the first word of a term that starts before it
    (``b".inf"`` -> `GAP_DOT`), or None when the term starts with a word or has none."""
    start = 0
    while start < len(needle) and needle[start] not in _WORD_SET:
        start += 1
    return int(GAP_CLASS[needle[start - 1]]) if 0 < start < len(needle) else None


def gaps_wanted(before: int | None, after: int | None) -> np.ndarray | None:
    """The `gap_classes` values (bool per 4-bit value) a word needs to have ``before`` and
    ``after`` on its sides (None: any class there); None when both are None."""
    if before is None and after is None:
        return None
    values = np.arange(16)
    wanted = np.ones(16, bool)
    if before is not None:
        wanted &= (values >> 2) == before
    if after is not None:
        wanted &= (values & 3) == after
    return wanted


def is_one_word(needle: bytes) -> bool:
    """True when every byte of ``needle`` is a word byte: it can only occur inside one word."""
    return bool(needle) and all(c in _WORD_SET for c in needle)


# --- characters of each value ------------------------------------------------------------------

#: The 64 bytes whose presence each value records in a bit: ASCII letters (lower-cased text) and
#: digits, ``_``, common punctuation, and bit 63 for any byte of a multi-byte character. A
#: one-byte term among them is answered from these bits alone: a single letter occurs in nearly
#: every word, so the postings of those words would be most of the index.
_CHAR_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789_.,:;-/@#$%&*+=?!'\"()[]{}<>"
CHAR_BITS = np.zeros(256, np.uint64)
CHAR_BITS[np.frombuffer(_CHAR_BYTES, np.uint8)] = np.left_shift(np.uint64(1), np.arange(len(_CHAR_BYTES), dtype=np.uint64))
CHAR_BITS[0x80:] = np.uint64(1) << np.uint64(63)
assert len(_CHAR_BYTES) == 63


def char_masks(text: bytes, starts: np.ndarray) -> np.ndarray:
    """One uint64 per value of ``text`` (values starting at ``starts``, each ending with a
    separator): the `CHAR_BITS` of the bytes it holds."""
    if not len(starts):
        return np.zeros(0, np.uint64)
    return np.bitwise_or.reduceat(CHAR_BITS[np.frombuffer(text, np.uint8)], starts)


def char_bit(needle: bytes) -> int | None:
    """The bit that answers a one-byte term, or None."""
    if len(needle) == 1 and needle[0] < 0x80:
        bit = int(CHAR_BITS[needle[0]])
        return bit or None
    return None


# --- vocabulary --------------------------------------------------------------------------------


class Vocabulary:
    """The distinct words, in a few byte strings (``\\x1e`` before and after each word) that a term is
    searched in with ``bytes.find``: a vocabulary is far smaller than the text it comes from.
    Word ids count up from 0 as words arrive. One writer; readers use `snapshot`."""

    def __init__(self) -> None:
        self.count = 0
        self._chunks: list[tuple[int, bytes, np.ndarray]] = []  # (first id, blob, start of each word)
        self._table = HashTable()

    def ids(self, text: bytes, starts: np.ndarray, ends: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """The word id of each word of ``text`` (from `split_words`), adding the new words."""
        found = self._table.get(hashes)
        unknown = np.flatnonzero(found < 0)
        if len(unknown):
            new_hashes, first, inverse = np.unique(hashes[unknown], return_index=True, return_inverse=True)
            new_ids = np.arange(self.count, self.count + len(new_hashes), dtype=np.int64)
            found[unknown] = new_ids[inverse.reshape(-1)]
            where = unknown[first]  # one occurrence of each new word
            self._add_words([text[a:b] for a, b in zip(starts[where].tolist(), ends[where].tolist())])
            self._table.add(new_hashes, new_ids)
        return found.astype(np.uint32)

    def _add_words(self, words: list[bytes]) -> None:
        blob = _SEP_BYTE + _SEP_BYTE.join(words) + _SEP_BYTE
        lengths = np.fromiter(map(len, words), np.int64, len(words)) + 1
        starts = np.empty(len(words), np.int64)
        starts[0] = 1
        np.cumsum(lengths[:-1], out=starts[1:])
        starts[1:] += 1
        self._chunks.append((self.count, blob, starts))
        self.count += len(words)
        # Merge small neighbours, so a search looks through a few blobs at amortized linear copying.
        while len(self._chunks) >= 2:
            (a_id, a, a_starts), (_, b, b_starts) = self._chunks[-2], self._chunks[-1]
            if len(a) > 2 * len(b):
                break
            self._chunks[-2:] = [(a_id, a + b, np.concatenate([a_starts, b_starts + len(a)]))]

    def snapshot(self) -> tuple[int, tuple[tuple[int, bytes, np.ndarray], ...]]:
        return self.count, tuple(self._chunks)

    @property
    def nbytes(self) -> int:
        return sum(len(b) + s.nbytes for _, b, s in self._chunks) + self._table.nbytes


class HashTable:
    """64-bit hash -> id, open addressing in two numpy arrays: looked up and filled for whole
    arrays at once, with no Python object per entry (kept at most half full: 32 to 64 bytes an entry)."""

    def __init__(self, bits: int = 12) -> None:
        self._bits = bits
        self._keys = np.zeros(1 << bits, np.uint64)  # 0: an empty slot
        self._values = np.zeros(1 << bits, np.int64)
        self._count = 0
        self._zero = -1  # the value of the hash 0, which has no slot

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        return self._keys.nbytes + self._values.nbytes

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - self._bits)).astype(np.int64)

    def get(self, hashes: np.ndarray) -> np.ndarray:
        """The id of each hash, -1 for those not in the table."""
        keys = hashes
        out = np.full(len(keys), -1, np.int64)
        zero = keys == 0
        out[zero] = self._zero
        todo = np.flatnonzero(~zero)
        slot = self._slots(keys[todo])
        mask = (1 << self._bits) - 1
        while len(todo):
            k = self._keys.take(slot)
            hit = k == keys[todo]
            out[todo[hit]] = self._values.take(slot[hit])
            more = ~hit & (k != 0)  # another key in this slot: probe the next one
            todo, slot = todo[more], (slot[more] + 1) & mask
        return out

    def add(self, hashes: np.ndarray, values: np.ndarray) -> None:
        """Add hashes that are not in the table (distinct)."""
        if (self._count + len(hashes)) * 2 > len(self._keys):
            old = np.flatnonzero(self._keys)
            keys, vals = self._keys[old], self._values[old]
            while (self._count + len(hashes)) * 2 > 1 << self._bits:
                self._bits += 1
            self._keys, self._values = np.zeros(1 << self._bits, np.uint64), np.zeros(1 << self._bits, np.int64)
            self._count = int(self._zero >= 0)
            self._put(keys, vals)
        zero = hashes == 0
        if zero.any():
            self._zero = int(values[zero][0])
            self._count += 1
            hashes, values = hashes[~zero], values[~zero]
        self._put(hashes, values)

    def _put(self, keys: np.ndarray, values: np.ndarray) -> None:
        slot = self._slots(keys)
        mask = (1 << self._bits) - 1
        todo = np.arange(len(keys))
        while len(todo):
            taken = self._keys.take(slot) != 0
            slot[taken] = (slot[taken] + 1) & mask
            free = np.flatnonzero(~taken)
            # One key per free slot this round; the others find it taken next round.
            _, first = np.unique(slot[free], return_index=True)
            won = free[first]
            self._keys[slot[won]] = keys[todo[won]]
            self._values[slot[won]] = values[todo[won]]
            self._count += len(won)
            left = np.ones(len(todo), bool)
            left[won] = False
            todo, slot = todo[left], slot[left]


def matching_words(chunks: Sequence[tuple[int, bytes, np.ndarray]], word: bytes, after_sep: bool, before_sep: bool) -> np.ndarray:
    """Ids (sorted) of the words containing ``word``; ``after_sep``: starting with it; ``before_sep``:
    ending with it (both: equal to it)."""
    needle = (_SEP_BYTE if after_sep else b"") + word + (_SEP_BYTE if before_sep else b"")
    skip = 1 if after_sep else 0  # from the hit to the word's first byte
    found: list[np.ndarray] = []
    for first_id, blob, starts in chunks:
        hits = blob.count(needle)
        if not hits:
            continue
        if hits > 2048:
            # Many hits (a short piece of a word): compare the whole blob with numpy instead of a loop.
            a = np.frombuffer(blob, np.uint8)
            m = len(a) - len(needle) + 1
            at = a[:m] == needle[0]
            for i in range(1, len(needle)):
                at &= a[i : m + i] == needle[i]
            pos = np.flatnonzero(at)
        else:
            out: list[int] = []
            add, find = out.append, blob.find
            pos_ = find(needle)
            while pos_ >= 0:
                add(pos_)
                # One hit per word is enough: go on from the end of this word.
                nxt = pos_ + len(needle) - 1 if before_sep else find(_SEP_BYTE, pos_ + len(needle))
                if nxt < 0:
                    break
                pos_ = find(needle, nxt)
            pos = np.asarray(out, np.int64)
        ids = np.searchsorted(starts, pos + skip, side="right") - 1
        found.append(np.unique(ids) + first_id)
    if not found:
        return np.zeros(0, np.int64)
    return np.unique(np.concatenate(found)) if len(found) > 1 else found[0]


# --- postings ------------------------------------------------------------------------------------


class Segment:
    """Postings of values ``first .. first + SEGMENT_VALUES``: the values of word ``words[i]`` are
    ``first + offsets[ptr[i] : ptr[i + 1]]``, ascending, each with the `follower_signature` of
    the word there and the `gap_classes` around it, 4 bits a posting (a word followed by
    several others in one value is listed once for each)."""

    __slots__ = ("first", "words", "ptr", "offsets", "followers", "gaps", "count")

    def __init__(self, first: int, word_ids: np.ndarray, values: np.ndarray, followers: np.ndarray, gaps: np.ndarray) -> None:
        key = (word_ids.astype(np.uint64) << np.uint64(28)) | ((values - first).astype(np.uint64) << np.uint64(12))
        key |= gaps.astype(np.uint64) << np.uint64(8)
        key |= followers
        key.sort()
        keep = np.ones(len(key), bool)
        keep[1:] = key[1:] != key[:-1]
        key = key[keep]
        w = (key >> np.uint64(28)).astype(np.uint32)
        starts = np.ones(len(w), bool)
        starts[1:] = w[1:] != w[:-1]
        at = np.flatnonzero(starts)
        self.first = first
        self.count = len(key)
        self.words = w[at]
        self.ptr = np.append(at, len(w)).astype(np.uint32)
        self.offsets = (key >> np.uint64(12)).astype(np.uint16)
        self.followers = key.astype(np.uint8)
        classes = np.zeros(len(key) + len(key) % 2, np.uint8)
        classes[: len(key)] = (key >> np.uint64(8)).astype(np.uint8) & 15
        self.gaps = classes[0::2] | (classes[1::2] << 4)

    @property
    def nbytes(self) -> int:
        return self.words.nbytes + self.ptr.nbytes + self.offsets.nbytes + self.followers.nbytes + self.gaps.nbytes

    def _gaps_of(self, index: np.ndarray) -> np.ndarray:
        return (self.gaps[index >> 1] >> ((index & 1) * 4).astype(np.uint8)) & 15

    def _all_gaps(self) -> np.ndarray:
        """Every posting's gap classes, unpacked (two nibbles a byte)."""
        return np.column_stack((self.gaps & 15, self.gaps >> 4)).ravel()[: self.count]

    def mark(
        self, ids: np.ndarray, id_hit: np.ndarray | None, out: np.ndarray, followed: np.ndarray | None = None,
        gaps: np.ndarray | None = None,
    ) -> None:
        """Set ``out[value]`` for the values holding any of the words ``ids`` (sorted; ``id_hit``
        the same as a bool per word id, or None when there are few), followed by what
        ``followed`` (bool per signature; None: anything) accepts, with `gap_classes` that
        ``gaps`` (bool per 4-bit value; None: any) accepts."""
        if not len(self.words):
            return
        if id_hit is None:
            at = np.searchsorted(self.words, ids).clip(0, len(self.words) - 1)
            at = at[self.words[at] == ids]
            if not len(at):
                return
            begin, end = self.ptr[at].astype(np.int64), self.ptr[at + 1].astype(np.int64)
            lengths = end - begin
            total = int(lengths.sum())
            index = np.repeat(begin - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths) + np.arange(total)
            if followed is not None:
                index = index[followed[self.followers[index]]]
            if gaps is not None:
                index = index[gaps[self._gaps_of(index)]]
            offsets = self.offsets[index]
        else:
            hit = id_hit[self.words]
            if not hit.any():
                return
            entries = np.repeat(hit, np.diff(self.ptr))
            if followed is not None:
                entries &= followed[self.followers]
            if gaps is not None:
                entries &= gaps[self._all_gaps()]
            offsets = self.offsets[entries]
        # Through a bool per value of the segment: no 64-bit index per posting.
        local = np.zeros(SEGMENT_VALUES, bool)
        local[offsets] = True
        view = out[self.first : self.first + SEGMENT_VALUES]
        view |= local[: len(view)]
