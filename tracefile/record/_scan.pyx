# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Compiled form of the exporter's per-span loop (`tracefile.record.convert`).

`scan` reads a batch of OpenTelemetry SDK spans through the same private
fields as the Python loop and returns the same values, with the timeline
columns already packed. It handles only the common shape: SDK spans whose
attributes are BoundedAttributes and whose events and links are
BoundedLists, with SpanKind and StatusCode members. For anything else it
returns None and the caller runs the Python loop, which is the reference:
tests check that both give identical frames.

It is built when the package is installed on a machine with a C compiler;
without one, the Python loop runs alone.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.dict cimport PyDict_GetItem, PyDict_SetItem
from cpython.list cimport PyList_Append, PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_AsUnsignedLongLong
from cpython.object cimport PyObject
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

from tracefile import genai

cdef extern from *:
    """
    /* An unsigned int of up to 128 bits as 16 big-endian bytes; -1 with an exception if it does not fit. */
    static int tracy_u128_be(PyObject *v, unsigned char *out) {
        if (!PyLong_Check(v)) { PyErr_SetString(PyExc_TypeError, "trace id is not an int"); return -1; }
    #if PY_VERSION_HEX >= 0x030D0000
        Py_ssize_t n = PyLong_AsNativeBytes(v, out, 16,
            Py_ASNATIVEBYTES_BIG_ENDIAN | Py_ASNATIVEBYTES_UNSIGNED_BUFFER | Py_ASNATIVEBYTES_REJECT_NEGATIVE);
        if (n < 0) return -1;
        if (n > 16) { PyErr_SetString(PyExc_OverflowError, "trace id does not fit in 128 bits"); return -1; }
        return 0;
    #else
        return _PyLong_AsByteArray((PyLongObject *)v, out, 16, 0, 0);
    #endif
    }
    static void tracy_u64_be(unsigned long long v, unsigned char *out) {
        for (int k = 7; k >= 0; k--) { out[k] = (unsigned char)(v & 0xFF); v >>= 8; }
    }
    """
    int tracy_u128_be(object v, unsigned char *out) except -1
    void tracy_u64_be(unsigned long long v, unsigned char *out)

cdef str _OPERATION = genai.names.GEN_AI_OPERATION_NAME
cdef str _INPUT = genai.INPUT_TOKEN_KEYS[0]
cdef str _PROMPT = genai.INPUT_TOKEN_KEYS[1]
cdef str _OUTPUT = genai.OUTPUT_TOKEN_KEYS[0]
cdef str _COMPLETION = genai.OUTPUT_TOKEN_KEYS[1]
cdef str _RESPONSE_MODEL = genai.MODEL_KEYS[0]
cdef str _REQUEST_MODEL = genai.MODEL_KEYS[1]
cdef dict _OPCAT = genai._OPERATIONS
cdef frozenset _PART_TOKEN_KEYS = frozenset(genai.CACHE_READ_TOKEN_KEYS + genai.REASONING_TOKEN_KEYS)
cdef frozenset _DIALECT_KEYS = genai.dialects.MARKERS
cdef int _OTHER = genai.CATEGORY_OTHER
cdef int _FUNCTION = genai.CATEGORY_FUNCTION
cdef object _tokens = genai.tokens
cdef object _model = genai.model
cdef tuple _CACHE_KEYS = genai.CACHE_READ_TOKEN_KEYS
cdef tuple _REASONING_KEYS = genai.REASONING_TOKEN_KEYS
cdef tuple _INPUT_KEYS = genai.INPUT_TOKEN_KEYS
cdef tuple _OUTPUT_KEYS = genai.OUTPUT_TOKEN_KEYS


cdef inline int _member(object obj, tuple members) except -2:
    """The value of ``obj`` if it is one of ``members`` (an enum's members in value order), else -1."""
    cdef Py_ssize_t k
    for k in range(PyTuple_GET_SIZE(members)):
        if <PyObject *>obj is PyTuple_GET_ITEM(members, k):
            return <int>k
    return -1


cdef inline int _index(dict names, object key) except -1:
    """``key``'s index in the batch's string table, added if new."""
    cdef PyObject *found = PyDict_GetItem(names, key)
    cdef Py_ssize_t n
    if found is not NULL:
        return <int><object>found
    n = len(names)
    PyDict_SetItem(names, key, n)
    return <int>n


cdef tuple _NAME_PREFIXES = genai._NAME_PREFIXES
cdef tuple _HTTP_KEYS = genai.HTTP_KEYS
cdef tuple _DATABASE_KEYS = genai.DATABASE_KEYS
cdef str _FUNCTION_KEY = genai.FUNCTION_KEY


cdef int _category_of(str name, dict plain) except -1:
    """`genai.conventions_category` (same rules, same order), without its Python call."""
    cdef object found
    op = plain.get(_OPERATION)
    if type(op) is str:
        found = _OPCAT.get(op)
        if found is not None:
            return found
    for key in _HTTP_KEYS:
        if key in plain:
            return genai.CATEGORY_HTTP
    for key in _DATABASE_KEYS:
        if key in plain:
            return genai.CATEGORY_DATABASE
    for prefix, found in _NAME_PREFIXES:
        if name.startswith(prefix):
            return found
    if _FUNCTION_KEY in plain:
        return genai.CATEGORY_FUNCTION
    return genai.CATEGORY_OTHER


cdef class _Seen:
    """The index of a span's resource or scope: the last few objects by identity, then ``lookup``."""

    cdef list objects
    cdef list indexes
    cdef object lookup

    def __cinit__(self, lookup):
        self.objects = []
        self.indexes = []
        self.lookup = lookup

    cdef int index(self, object obj) except -1:
        cdef Py_ssize_t k
        cdef int r
        for k in range(PyList_GET_SIZE(self.objects)):
            if <PyObject *>obj is PyList_GET_ITEM(self.objects, k):
                return <int><object>PyList_GET_ITEM(self.indexes, k)
        r = self.lookup(obj)
        if PyList_GET_SIZE(self.objects) < 16:
            self.objects.append(obj)  # held here, so an id is never reused while the batch is scanned
            self.indexes.append(r)
        return r


cdef inline bint _is_u32(object v):
    return type(v) is int and 0 <= v <= 0xFFFFFFFF


def scan(
    list spans,
    dict names,
    object span_type,
    object attributes_type,
    object list_type,
    object trace_state_type,
    tuple kinds,
    tuple codes,
    object resource_index,
    object scope_index,
    uint32_t no_parent_flags,
    uint32_t remote_parent_flags,
    object dialect_fill,
):
    """The Python loop of `convert`, for a batch of SDK spans; None if a span is of another shape.

    ``kinds`` and ``codes`` are SpanKind's and StatusCode's members in value order;
    ``dialect_fill`` is `convert.dialect_fill`; ``resource_index`` and ``scope_index`` map a span's resource or scope object to its
    index in the batch (called only when it changes from one span to the next).
    """
    cdef Py_ssize_t n = PyList_GET_SIZE(spans)
    cdef Py_ssize_t i
    cdef bytes trace_id = PyBytes_FromStringAndSize(NULL, 16 * n)
    cdef bytes span_id = PyBytes_FromStringAndSize(NULL, 8 * n)
    cdef bytes parent_id = PyBytes_FromStringAndSize(NULL, 8 * n)
    cdef bytes start_col = PyBytes_FromStringAndSize(NULL, 8 * n)
    cdef bytes duration_col = PyBytes_FromStringAndSize(NULL, 8 * n)
    cdef bytes name_col = PyBytes_FromStringAndSize(NULL, 4 * n)
    cdef bytes kind_col = PyBytes_FromStringAndSize(NULL, n)
    cdef bytes status_col = PyBytes_FromStringAndSize(NULL, n)
    cdef bytes flag_col = PyBytes_FromStringAndSize(NULL, 4 * n)
    cdef bytes res_col = PyBytes_FromStringAndSize(NULL, 2 * n)
    cdef bytes scope_col = PyBytes_FromStringAndSize(NULL, 2 * n)
    cdef bytes cat_col = PyBytes_FromStringAndSize(NULL, n)
    cdef bytes model_col = PyBytes_FromStringAndSize(NULL, 4 * n)
    cdef bytes in_col = PyBytes_FromStringAndSize(NULL, 4 * n)
    cdef bytes out_col = PyBytes_FromStringAndSize(NULL, 4 * n)
    cdef unsigned char *tid_p = <unsigned char *>PyBytes_AS_STRING(trace_id)
    cdef unsigned char *sid_p = <unsigned char *>PyBytes_AS_STRING(span_id)
    cdef unsigned char *pid_p = <unsigned char *>PyBytes_AS_STRING(parent_id)
    cdef uint64_t *start_p = <uint64_t *>PyBytes_AS_STRING(start_col)
    cdef uint64_t *dur_p = <uint64_t *>PyBytes_AS_STRING(duration_col)
    cdef uint32_t *name_p = <uint32_t *>PyBytes_AS_STRING(name_col)
    cdef uint8_t *kind_p = <uint8_t *>PyBytes_AS_STRING(kind_col)
    cdef uint8_t *status_p = <uint8_t *>PyBytes_AS_STRING(status_col)
    cdef uint32_t *flag_p = <uint32_t *>PyBytes_AS_STRING(flag_col)
    cdef uint16_t *res_p = <uint16_t *>PyBytes_AS_STRING(res_col)
    cdef uint16_t *scope_p = <uint16_t *>PyBytes_AS_STRING(scope_col)
    cdef uint8_t *cat_p = <uint8_t *>PyBytes_AS_STRING(cat_col)
    cdef uint32_t *model_p = <uint32_t *>PyBytes_AS_STRING(model_col)
    cdef uint32_t *in_p = <uint32_t *>PyBytes_AS_STRING(in_col)
    cdef uint32_t *out_p = <uint32_t *>PyBytes_AS_STRING(out_col)

    cdef list attributes = []
    cdef list events = []
    cdef list event_counts = []
    cdef list links = []
    cdef dict raw_links = {}
    cdef dict status_message = {}
    cdef dict trace_state = {}
    cdef dict dropped = {}
    cdef dict cache_read = {}
    cdef dict reasoning = {}

    cdef object span, ctx, tid, parent, ts, status, attrs, span_events, span_links, q, e, ea
    cdef object last_tid = None
    cdef _Seen seen_res = _Seen(resource_index)
    cdef _Seen seen_sc = _Seen(scope_index)
    cdef object t_in, t_out, m, description, start_obj, end_obj
    cdef dict plain
    cdef uint64_t start, end, base = 0xFFFFFFFFFFFFFFFF, max_end = 0
    cdef long long da, de, dl
    cdef int kind, code, cat, r = 0, s = 0
    cdef Py_ssize_t ne

    for i in range(n):
        span = <object>PyList_GET_ITEM(spans, i)
        if not isinstance(span, span_type):
            return None
        ctx = span._context
        if not isinstance(ctx, tuple) or PyTuple_GET_SIZE(ctx) < 5:
            return None
        tid = <object>PyTuple_GET_ITEM(ctx, 0)
        if tid is last_tid and i:
            memcpy(tid_p + 16 * i, tid_p + 16 * (i - 1), 16)
        else:
            tracy_u128_be(tid, tid_p + 16 * i)
            last_tid = tid
        tracy_u64_be(PyLong_AsUnsignedLongLong(<object>PyTuple_GET_ITEM(ctx, 1)), sid_p + 8 * i)
        ts = <object>PyTuple_GET_ITEM(ctx, 4)
        if ts is not None:
            if type(ts) is trace_state_type:
                if ts._dict:
                    trace_state[i] = ts
            elif ts:
                trace_state[i] = ts

        parent = span._parent
        if parent is None:
            tracy_u64_be(0, pid_p + 8 * i)
            flag_p[i] = no_parent_flags
        else:
            if not isinstance(parent, tuple) or PyTuple_GET_SIZE(parent) < 3:
                return None
            tracy_u64_be(PyLong_AsUnsignedLongLong(<object>PyTuple_GET_ITEM(parent, 1)), pid_p + 8 * i)
            flag_p[i] = remote_parent_flags if <object>PyTuple_GET_ITEM(parent, 2) else no_parent_flags

        start_obj = span._start_time
        if not start_obj:
            start_obj = 0
        start = PyLong_AsUnsignedLongLong(start_obj)
        end_obj = span._end_time
        end = PyLong_AsUnsignedLongLong(end_obj) if end_obj else start
        if end < start:
            end = start
        start_p[i] = start
        dur_p[i] = end - start
        if start < base:
            base = start
        if end > max_end:
            max_end = end

        name = span._name
        if type(name) is not str:
            return None  # the Python loop makes it text
        name_p[i] = _index(names, name)
        kind = _member(span._kind, kinds)
        status = span._status
        code = _member(status._status_code, codes)
        if kind < 0 or code < 0:
            return None
        kind_p[i] = <uint8_t>kind
        status_p[i] = <uint8_t>code
        description = status._description
        if description:
            status_message[i] = description

        r = seen_res.index(span._resource)
        if r > 0xFFFF:
            return None
        res_p[i] = <uint16_t>r
        s = seen_sc.index(span._instrumentation_scope)
        if s > 0xFFFF:
            return None
        scope_p[i] = <uint16_t>s

        attrs = span._attributes
        span_events = span._events
        span_links = span._links
        if type(attrs) is not attributes_type or type(span_events) is not list_type or type(span_links) is not list_type:
            return None
        plain = attrs._dict
        da = attrs.dropped
        de = span_events.dropped
        dl = span_links.dropped
        if da or de or dl:
            dropped[i] = (da, de, dl)

        # genai.category, genai.tokens and genai.model, with their common cases inline (as in convert).
        cat = _category_of(name, plain)
        t_in = plain.get(_INPUT)
        if not _is_u32(t_in):
            t_in = _tokens(plain, _INPUT_KEYS) if t_in is not None or _PROMPT in plain else 0
        t_out = plain.get(_OUTPUT)
        if not _is_u32(t_out):
            t_out = _tokens(plain, _OUTPUT_KEYS) if t_out is not None or _COMPLETION in plain else 0
        m = plain.get(_RESPONSE_MODEL)
        if type(m) is not str or not m:
            m = _model(plain) if m is not None or _REQUEST_MODEL in plain else ""
        if (cat == _OTHER or cat == _FUNCTION) and not _DIALECT_KEYS.isdisjoint(plain):
            got = dialect_fill(plain, cat, m, t_in, t_out)  # another dialect (OpenInference, ...)
            if got is not None:
                cat, m, t_in, t_out, c, rs = got
                if c:
                    cache_read[i] = c
                if rs:
                    reasoning[i] = rs
        cat_p[i] = <uint8_t>cat
        in_p[i] = <uint32_t>t_in
        out_p[i] = <uint32_t>t_out
        if (t_in or t_out) and not _PART_TOKEN_KEYS.isdisjoint(plain):
            t = _tokens(plain, _CACHE_KEYS)
            if t:
                cache_read[i] = t
            t = _tokens(plain, _REASONING_KEYS)
            if t:
                reasoning[i] = t
        model_p[i] = <uint32_t>(_index(names, m) + 1) if m else 0
        attributes.append(plain)

        q = span_events._dq
        ne = len(q)
        event_counts.append(ne)
        if ne:
            for e in q:
                ea = e._attributes
                if type(ea) is not attributes_type:
                    return None
                name = e._name
                if type(name) is not str:
                    return None
                events.append((e._timestamp - start_obj, name, ea._dict, ea.dropped))
        q = span_links._dq
        links.append([])
        if q:
            raw_links[i] = q

    if n == 0:
        base = 0
    for i in range(n):
        start_p[i] -= base
    return (
        trace_id, span_id, parent_id, start_col, duration_col, name_col, kind_col, status_col, flag_col,
        res_col, scope_col, cat_col, model_col, in_col, out_col, cache_read, reasoning,
        attributes, events, event_counts, links, raw_links, status_message, trace_state, dropped,
        base, max_end,
    )
