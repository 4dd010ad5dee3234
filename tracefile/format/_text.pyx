# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Compiled text helpers of the content store (`tracefile.format.content`).

`common_prefix(a, b)` is the number of leading characters two strings share, compared a
machine word at a time over CPython's own string storage; `content.common_prefix` is the
Python reference, and tests hold the two to the same answers.
"""

from libc.stdint cimport uint64_t
from libc.string cimport memcmp

cdef extern from "Python.h":
    int PyUnicode_KIND(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    Py_UCS4 PyUnicode_READ(int kind, void *data, Py_ssize_t index)


def common_prefix(a, b):
    """How many leading characters (of two str) or bytes (of two bytes) ``a`` and ``b`` have in common."""
    if type(a) is bytes and type(b) is bytes:
        return _bytes_prefix(a, b)
    if type(a) is not str or type(b) is not str:
        return 0
    return _str_prefix(a, b)


cdef Py_ssize_t _bytes_prefix(bytes a, bytes b):
    cdef Py_ssize_t n = min(len(a), len(b))
    cdef const char *pa = a
    cdef const char *pb = b
    cdef Py_ssize_t i = 0
    while j_block(pa, pb, i, n, 4096):
        i += 4096
    while i + 8 <= n and (<const uint64_t *>(pa + i))[0] == (<const uint64_t *>(pb + i))[0]:
        i += 8
    while i < n and pa[i] == pb[i]:
        i += 1
    return i


cdef Py_ssize_t _str_prefix(str a, str b):
    cdef Py_ssize_t n = min(PyUnicode_GET_LENGTH(a), PyUnicode_GET_LENGTH(b))
    cdef int ka = PyUnicode_KIND(a)
    cdef int kb = PyUnicode_KIND(b)
    cdef const char *pa = <const char *>PyUnicode_DATA(a)
    cdef const char *pb = <const char *>PyUnicode_DATA(b)
    cdef void *da = PyUnicode_DATA(a)
    cdef void *db = PyUnicode_DATA(b)
    cdef Py_ssize_t i = 0, bytes_n, j
    cdef Py_ssize_t step = 4096
    if ka == kb:
        bytes_n = n * ka
        # Whole blocks first (memcmp is vectorised), then the block that differs, a word at a time.
        while j_block(pa, pb, i, bytes_n, step):
            i += step
        while i + 8 <= bytes_n and (<const uint64_t *>(pa + i))[0] == (<const uint64_t *>(pb + i))[0]:
            i += 8
        i //= ka
    while i < n and PyUnicode_READ(ka, da, i) == PyUnicode_READ(kb, db, i):
        i += 1
    return i


cdef inline bint j_block(const char *pa, const char *pb, Py_ssize_t i, Py_ssize_t n, Py_ssize_t step):
    return i + step <= n and memcmp(pa + i, pb + i, step) == 0


# --- the content store's writer, compiled ------------------------------------------------------

from cpython.dict cimport PyDict_GetItem, PyDict_Next, PyDict_SetItem
from cpython.object cimport PyObject
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.tuple cimport PyTuple_GET_ITEM
import collections
import random

cdef enum:
    ANCHOR = 48
    RECENT = 4


cdef inline uint64_t _tail_key(object text, Py_ssize_t end):
    """A key for the ``ANCHOR`` characters (or bytes) before ``end`` of ``text``, and ``end`` itself."""
    cdef int kind
    cdef const unsigned char *p
    if type(text) is bytes:
        kind = 8  # apart from any str's
        p = <const unsigned char *><const char *>(<bytes>text)
        return _fnv(p, end - ANCHOR if end > ANCHOR else 0, end, kind)
    kind = PyUnicode_KIND(text)
    p = <const unsigned char *>PyUnicode_DATA(text)
    return _fnv(p, (end - ANCHOR if end > ANCHOR else 0) * kind, end * kind, kind) ^ (<uint64_t>end * 0x9E3779B97F4A7C15ULL & 0x7FFFFFFFFFFFFFFFULL)


cdef inline uint64_t _fnv(const unsigned char *p, Py_ssize_t start, Py_ssize_t end, int kind):
    cdef uint64_t h = 1469598103934665603ULL ^ <uint64_t>kind
    cdef Py_ssize_t i
    for i in range(start, end):
        h = (h ^ p[i]) * 1099511628211ULL
    return (h ^ (<uint64_t>end * 0x9E3779B97F4A7C15ULL)) & 0x7FFFFFFFFFFFFFFFULL


cdef class ContentWriter:
    """The compiled form of `tracefile.format.content.ContentWriter`: the same matching, in the same
    order, with the same results (the Python class is the reference; tests compare the two)."""

    cdef public object store
    cdef public Py_ssize_t next
    cdef public Py_ssize_t max_chars
    cdef public Py_ssize_t minimum
    cdef public Py_ssize_t min_keep
    cdef dict _ends
    cdef dict _recent
    cdef object _order
    cdef Py_ssize_t _chars
    cdef object _entry
    cdef object _ext

    def __init__(self, Py_ssize_t max_chars, object store, object entry_type, object ext_type, Py_ssize_t minimum, Py_ssize_t min_keep):
        self.store = store if store is not None else random.getrandbits(63) | 1
        self.next = 0
        self.max_chars = max_chars
        self.minimum = minimum
        self.min_keep = min_keep
        self._ends = {}
        self._recent = {}
        self._order = collections.deque()
        self._chars = 0
        self._entry = entry_type
        self._ext = ext_type

    def mark(self):
        return self.next

    def rollback(self, Py_ssize_t mark):
        self._ends = {k: v for k, v in self._ends.items() if v[0] < mark}
        self._recent = {k: [x for x in v if x[0] < mark] for k, v in self._recent.items()}
        while len(self._order) and self._order[len(self._order) - 1][0] >= mark:  # (no negative indexes here)
            self._chars -= self._order.pop()[1]

    cdef _remember(self, Py_ssize_t seq, str key, object text):
        cdef Py_ssize_t n = len(text)
        cdef tuple item = (seq, text)
        cdef object k1 = _tail_key(text, n)
        cdef object k2 = _tail_key(text, n - 1)
        self._ends[k1] = item
        self._ends[k2] = item
        cdef list recent = self._recent.get(key)
        if recent is None:
            recent = self._recent[key] = []
        recent.append(item)
        if len(recent) > RECENT:
            del recent[0]
        self._order.append((seq, n, (k1, k2)))
        self._chars += n
        cdef tuple old
        while self._chars > self.max_chars and len(self._order) > 1:
            old = self._order.popleft()
            self._chars -= old[1]
            for k in old[2]:
                found = self._ends.get(k)
                if found is not None and found[0] == old[0]:
                    del self._ends[k]
            for r in self._recent.values():
                if r and r[0][0] == old[0]:
                    del r[0]

    cpdef Py_ssize_t add(self, str key, object text, list entries) except -1:
        cdef Py_ssize_t n = len(text)
        cdef PyObject *same = PyDict_GetItem(self._ends, _tail_key(text, n))
        if same is not NULL and type((<tuple><object>same)[1]) is type(text) and (<tuple><object>same)[1] == text:
            return (<tuple><object>same)[0]
        cdef Py_ssize_t base = -1, keep = 0, c, i, k
        cdef list recent = self._recent.get(key)
        cdef tuple item
        if recent is not None:
            for k in range(PyList_GET_SIZE(recent)):
                item = <tuple>PyList_GET_ITEM(recent, k)
                c = common_prefix(text, <object>PyTuple_GET_ITEM(item, 1))
                if c > keep:
                    base, keep = <Py_ssize_t><object>PyTuple_GET_ITEM(item, 0), c
        if keep < n // 2 and n >= 2048 and type(text) is str:
            i = n
            for _ in range(16):
                i = text.rfind("}", 0, i)
                if i < self.min_keep:
                    break
                same = PyDict_GetItem(self._ends, _tail_key(text, i + 1))
                if same is not NULL:
                    c = common_prefix(text, (<tuple><object>same)[1])
                    if c > keep:
                        base, keep = (<tuple><object>same)[0], c
                        break
        cdef Py_ssize_t seq = self.next
        self.next += 1
        if keep < self.min_keep:
            entries.append(self._entry(-1, 0, text))
        else:
            entries.append(self._entry(base, keep, text[keep:]))
        self._remember(seq, key, text)
        return seq

    cdef object _ref(self, Py_ssize_t seq):
        cdef int n = 1 if seq < 0x100 else 2 if seq < 0x10000 else 4 if seq < 0x100000000 else 8
        return self._ext(1, (<object>seq).to_bytes(n, "big"))

    cdef dict _replaced(self, dict attrs, list entries):
        """``attrs`` with its long strings replaced by references; None when it has none."""
        cdef Py_ssize_t pos = 0
        cdef PyObject *k
        cdef PyObject *v
        cdef dict out = None
        while PyDict_Next(attrs, &pos, &k, &v):
            if type(<object>v) is str and PyUnicode_GET_LENGTH(<object>v) >= self.minimum:
                if out is None:
                    out = dict(attrs)
                out[<object>k] = self._ref(self.add(<str>k, <str>v, entries))
        return out

    def extract(self, details):
        """`tracefile.format.content.ContentWriter.extract`."""
        cdef list entries = []
        cdef Py_ssize_t first = self.next
        cdef list attributes = details.attributes
        cdef list new_attrs = None
        cdef Py_ssize_t i, j
        cdef dict d
        for i in range(PyList_GET_SIZE(attributes)):
            a = <object>PyList_GET_ITEM(attributes, i)
            if type(a) is not dict or not a:
                continue
            d = self._replaced(<dict>a, entries)
            if d is not None:
                if new_attrs is None:
                    new_attrs = list(attributes)
                new_attrs[i] = d
        cdef list events = details.events
        cdef list new_events = None
        cdef list span_events
        for i in range(PyList_GET_SIZE(events)):
            span_events = <list>PyList_GET_ITEM(events, i)
            for j in range(PyList_GET_SIZE(span_events)):
                e = <object>PyList_GET_ITEM(span_events, j)
                a = e[2] if type(e) is tuple else e.attributes
                if type(a) is not dict or not a:
                    continue
                d = self._replaced(<dict>a, entries)
                if d is None:
                    continue
                if new_events is None:
                    new_events = [list(x) for x in events]
                if type(e) is tuple:
                    new_events[i][j] = (e[0], e[1], d, e[3])
                else:
                    new_events[i][j] = type(e)(e.time_unix_nano, e.name, d, e.dropped_attributes)
        return new_attrs, new_events, first, entries
