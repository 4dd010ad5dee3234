# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Compiled form of the exporter's per-span loop (`tracefile.record.convert`).

`scan` reads a batch of OpenTelemetry SDK spans through the same private
fields as the Python loop and returns the same values, with the timeline
columns already packed. It handles only the common shape: SDK spans whose
attributes are BoundedAttributes and whose events and links are
BoundedLists, with SpanKind and StatusCode members. For anything else it
returns None and the caller runs the Python loop, which is the reference:
tests check that both give identical frames.

`scan_otlp` gives the same values for the spans of an OTLP protobuf
ExportTraceServiceRequest, read from its bytes (`tracefile.record.ingest`);
its reference is the protobuf library followed by `ingest.model_frames`.

It is built when the package is installed on a machine with a C compiler;
without one, the Python loops run alone.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.dict cimport PyDict_GetItem, PyDict_SetItem
from cpython.list cimport PyList_Append, PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_AsUnsignedLongLong
from cpython.object cimport PyObject
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

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


cdef int _summarize(Py_ssize_t i, str name, dict plain, dict names, object dialect_fill, dict cache_read, dict reasoning,
                    uint8_t *cat_p, uint32_t *model_p, uint32_t *in_p, uint32_t *out_p) except -1:
    """Span ``i``'s GenAI summary columns: genai.category, genai.tokens and genai.model with their
    common cases inline (as in convert), then another dialect's (OpenInference, ...) when the
    conventions find nothing."""
    cdef int cat = _category_of(name, plain)
    cdef object t_in, t_out, m, got, t
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
        got = dialect_fill(plain, cat, m, t_in, t_out)
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
    return 0


cdef class _Columns:
    """What both scanners fill for a batch of ``n`` spans: the fifteen packed columns, written
    in place through typed pointers, and the per-span tables beside them. `result` is the tuple
    `convert._Scanned` takes."""

    cdef bytes trace_id
    cdef bytes span_id
    cdef bytes parent_id
    cdef bytes start_col
    cdef bytes duration_col
    cdef bytes name_col
    cdef bytes kind_col
    cdef bytes status_col
    cdef bytes flag_col
    cdef bytes res_col
    cdef bytes scope_col
    cdef bytes cat_col
    cdef bytes model_col
    cdef bytes in_col
    cdef bytes out_col
    cdef unsigned char *tid_p
    cdef unsigned char *sid_p
    cdef unsigned char *pid_p
    cdef uint64_t *start_p
    cdef uint64_t *dur_p
    cdef uint32_t *name_p
    cdef uint8_t *kind_p
    cdef uint8_t *status_p
    cdef uint32_t *flag_p
    cdef uint16_t *res_p
    cdef uint16_t *scope_p
    cdef uint8_t *cat_p
    cdef uint32_t *model_p
    cdef uint32_t *in_p
    cdef uint32_t *out_p
    cdef list attributes
    cdef list events
    cdef list event_counts
    cdef list links
    cdef dict raw_links
    cdef dict status_message
    cdef dict trace_state
    cdef dict dropped
    cdef dict cache_read
    cdef dict reasoning

    def __cinit__(self, Py_ssize_t n):
        self.trace_id = PyBytes_FromStringAndSize(NULL, 16 * n)
        self.span_id = PyBytes_FromStringAndSize(NULL, 8 * n)
        self.parent_id = PyBytes_FromStringAndSize(NULL, 8 * n)
        self.start_col = PyBytes_FromStringAndSize(NULL, 8 * n)
        self.duration_col = PyBytes_FromStringAndSize(NULL, 8 * n)
        self.name_col = PyBytes_FromStringAndSize(NULL, 4 * n)
        self.kind_col = PyBytes_FromStringAndSize(NULL, n)
        self.status_col = PyBytes_FromStringAndSize(NULL, n)
        self.flag_col = PyBytes_FromStringAndSize(NULL, 4 * n)
        self.res_col = PyBytes_FromStringAndSize(NULL, 2 * n)
        self.scope_col = PyBytes_FromStringAndSize(NULL, 2 * n)
        self.cat_col = PyBytes_FromStringAndSize(NULL, n)
        self.model_col = PyBytes_FromStringAndSize(NULL, 4 * n)
        self.in_col = PyBytes_FromStringAndSize(NULL, 4 * n)
        self.out_col = PyBytes_FromStringAndSize(NULL, 4 * n)
        self.tid_p = <unsigned char *>PyBytes_AS_STRING(self.trace_id)
        self.sid_p = <unsigned char *>PyBytes_AS_STRING(self.span_id)
        self.pid_p = <unsigned char *>PyBytes_AS_STRING(self.parent_id)
        self.start_p = <uint64_t *>PyBytes_AS_STRING(self.start_col)
        self.dur_p = <uint64_t *>PyBytes_AS_STRING(self.duration_col)
        self.name_p = <uint32_t *>PyBytes_AS_STRING(self.name_col)
        self.kind_p = <uint8_t *>PyBytes_AS_STRING(self.kind_col)
        self.status_p = <uint8_t *>PyBytes_AS_STRING(self.status_col)
        self.flag_p = <uint32_t *>PyBytes_AS_STRING(self.flag_col)
        self.res_p = <uint16_t *>PyBytes_AS_STRING(self.res_col)
        self.scope_p = <uint16_t *>PyBytes_AS_STRING(self.scope_col)
        self.cat_p = <uint8_t *>PyBytes_AS_STRING(self.cat_col)
        self.model_p = <uint32_t *>PyBytes_AS_STRING(self.model_col)
        self.in_p = <uint32_t *>PyBytes_AS_STRING(self.in_col)
        self.out_p = <uint32_t *>PyBytes_AS_STRING(self.out_col)
        self.attributes = []
        self.events = []
        self.event_counts = []
        self.links = []
        self.raw_links = {}
        self.status_message = {}
        self.trace_state = {}
        self.dropped = {}
        self.cache_read = {}
        self.reasoning = {}

    cdef tuple result(self, Py_ssize_t n, uint64_t base, uint64_t max_end):
        """The columns and tables, start times made relative to the batch's earliest (``base``)."""
        cdef Py_ssize_t i
        if n == 0:
            base = 0
        for i in range(n):
            self.start_p[i] -= base
        return (
            self.trace_id, self.span_id, self.parent_id, self.start_col, self.duration_col, self.name_col, self.kind_col,
            self.status_col, self.flag_col, self.res_col, self.scope_col, self.cat_col, self.model_col, self.in_col,
            self.out_col, self.cache_read, self.reasoning, self.attributes, self.events, self.event_counts, self.links,
            self.raw_links, self.status_message, self.trace_state, self.dropped, base, max_end,
        )


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
    cdef _Columns c = _Columns(n)

    cdef object span, ctx, tid, parent, ts, status, attrs, span_events, span_links, q, e, ea
    cdef object last_tid = None
    cdef _Seen seen_res = _Seen(resource_index)
    cdef _Seen seen_sc = _Seen(scope_index)
    cdef object description, start_obj, end_obj
    cdef dict plain
    cdef uint64_t start, end, base = 0xFFFFFFFFFFFFFFFF, max_end = 0
    cdef long long da, de, dl
    cdef int kind, code, r = 0, s = 0
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
            memcpy(c.tid_p + 16 * i, c.tid_p + 16 * (i - 1), 16)
        else:
            tracy_u128_be(tid, c.tid_p + 16 * i)
            last_tid = tid
        tracy_u64_be(PyLong_AsUnsignedLongLong(<object>PyTuple_GET_ITEM(ctx, 1)), c.sid_p + 8 * i)
        ts = <object>PyTuple_GET_ITEM(ctx, 4)
        if ts is not None:
            if type(ts) is trace_state_type:
                if ts._dict:
                    c.trace_state[i] = ts
            elif ts:
                c.trace_state[i] = ts

        parent = span._parent
        if parent is None:
            tracy_u64_be(0, c.pid_p + 8 * i)
            c.flag_p[i] = no_parent_flags
        else:
            if not isinstance(parent, tuple) or PyTuple_GET_SIZE(parent) < 3:
                return None
            tracy_u64_be(PyLong_AsUnsignedLongLong(<object>PyTuple_GET_ITEM(parent, 1)), c.pid_p + 8 * i)
            c.flag_p[i] = remote_parent_flags if <object>PyTuple_GET_ITEM(parent, 2) else no_parent_flags

        start_obj = span._start_time
        if not start_obj:
            start_obj = 0
        start = PyLong_AsUnsignedLongLong(start_obj)
        end_obj = span._end_time
        end = PyLong_AsUnsignedLongLong(end_obj) if end_obj else start
        if end < start:
            end = start
        c.start_p[i] = start
        c.dur_p[i] = end - start
        if start < base:
            base = start
        if end > max_end:
            max_end = end

        name = span._name
        if type(name) is not str:
            return None  # the Python loop makes it text
        c.name_p[i] = _index(names, name)
        kind = _member(span._kind, kinds)
        status = span._status
        code = _member(status._status_code, codes)
        if kind < 0 or code < 0:
            return None
        c.kind_p[i] = <uint8_t>kind
        c.status_p[i] = <uint8_t>code
        description = status._description
        if description:
            c.status_message[i] = description

        r = seen_res.index(span._resource)
        if r > 0xFFFF:
            return None
        c.res_p[i] = <uint16_t>r
        s = seen_sc.index(span._instrumentation_scope)
        if s > 0xFFFF:
            return None
        c.scope_p[i] = <uint16_t>s

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
            c.dropped[i] = (da, de, dl)

        _summarize(i, name, plain, names, dialect_fill, c.cache_read, c.reasoning, c.cat_p, c.model_p, c.in_p, c.out_p)
        c.attributes.append(plain)

        q = span_events._dq
        ne = len(q)
        c.event_counts.append(ne)
        if ne:
            for e in q:
                ea = e._attributes
                if type(ea) is not attributes_type:
                    return None
                name = e._name
                if type(name) is not str:
                    return None
                c.events.append((e._timestamp - start_obj, name, ea._dict, ea.dropped))
        q = span_links._dq
        c.links.append([])
        if q:
            c.raw_links[i] = q

    return c.result(n, base, max_end)


# ---------------------------------------------------------------------------------------------
# OTLP protobuf, straight into the same columns

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport int32_t, int64_t


class _Declined(Exception):
    """The request is not of the common shape `scan_otlp` reads; the reference path reads it."""


#: Container values nested deeper than this are left to the reference path, which cuts them
#: (`format.encode.MAX_VALUE_DEPTH`) or refuses the request as protobuf does.
cdef int _MAX_DEPTH = 32


cdef inline int _varint(const uint8_t *p, Py_ssize_t end, Py_ssize_t *pos, uint64_t *out) except -1:
    cdef uint64_t v = 0
    cdef unsigned int shift = 0
    cdef uint8_t b
    cdef Py_ssize_t i = pos[0]
    while i < end and shift < 64:
        b = p[i]
        i += 1
        v |= (<uint64_t>(b & 0x7F)) << shift
        if b < 0x80:
            pos[0] = i
            out[0] = v
            return 0
        shift += 7
    raise _Declined("a varint runs past its message")


cdef inline int _field(const uint8_t *p, Py_ssize_t end, Py_ssize_t *pos, uint32_t *num, int *wt,
                       uint64_t *val, Py_ssize_t *start) except -1:
    """One field at ``pos``: its number and wire type; ``val`` is a varint's or a fixed field's value
    or a length-delimited field's length (its bytes start at ``start``). ``pos`` moves past it."""
    cdef uint64_t tag
    _varint(p, end, pos, &tag)
    if tag >> 3 == 0 or tag >> 3 > 0x1FFFFFFF:
        raise _Declined("bad field number")
    num[0] = <uint32_t>(tag >> 3)
    wt[0] = <int>(tag & 7)
    if wt[0] == 0:
        _varint(p, end, pos, val)
    elif wt[0] == 1:
        if end - pos[0] < 8:
            raise _Declined("short fixed64")
        memcpy(val, p + pos[0], 8)  # little-endian hosts only (convert.NATIVE)
        pos[0] += 8
    elif wt[0] == 5:
        if end - pos[0] < 4:
            raise _Declined("short fixed32")
        val[0] = 0
        memcpy(val, p + pos[0], 4)
        pos[0] += 4
    elif wt[0] == 2:
        _varint(p, end, pos, val)
        if val[0] > <uint64_t>(end - pos[0]):
            raise _Declined("a field runs past its message")
        start[0] = pos[0]
        pos[0] += <Py_ssize_t>val[0]
    else:
        raise _Declined("group wire type")
    return 0


cdef inline int _want(int wt, int expected) except -1:
    if wt != expected:
        raise _Declined("unexpected wire type")
    return 0


cdef inline str _str(const uint8_t *p, Py_ssize_t start, uint64_t n):
    return PyUnicode_DecodeUTF8(<const char *>(p + start), <Py_ssize_t>n, NULL)  # strict, as protobuf is


cdef object _any(const uint8_t *p, Py_ssize_t pos, Py_ssize_t end, int depth):
    """An AnyValue as the attribute value the model holds (None when no value is set)."""
    cdef object v = None
    cdef uint32_t num, last = 0
    cdef int wt
    cdef uint64_t val
    cdef Py_ssize_t s
    cdef double d
    cdef dict kv
    while pos < end:
        _field(p, end, &pos, &num, &wt, &val, &s)
        if num == 1:
            _want(wt, 2)
            v = _str(p, s, val)
        elif num == 2:
            _want(wt, 0)
            v = val != 0
        elif num == 3:
            _want(wt, 0)
            v = <int64_t>val
        elif num == 4:
            _want(wt, 1)
            memcpy(&d, &val, 8)
            v = d
        elif num == 5 or num == 6:
            _want(wt, 2)
            if last == num or depth > _MAX_DEPTH:
                raise _Declined("a merged or deep container")  # protobuf merges a repeated message field
            if num == 5:  # ArrayValue: values = 1
                v = _array(p, s, s + <Py_ssize_t>val, depth)
            else:  # KeyValueList: values = 1
                kv = {}
                _kvs(kv, p, s, s + <Py_ssize_t>val, depth + 1, 1)
                v = kv
        elif num == 7:
            _want(wt, 2)
            v = PyBytes_FromStringAndSize(<const char *>(p + s), <Py_ssize_t>val)
        last = num
    return v


cdef list _array(const uint8_t *p, Py_ssize_t pos, Py_ssize_t end, int depth):
    cdef list out = []
    cdef uint32_t num
    cdef int wt
    cdef uint64_t val
    cdef Py_ssize_t s
    while pos < end:
        _field(p, end, &pos, &num, &wt, &val, &s)
        if num == 1:
            _want(wt, 2)
            out.append(_any(p, s, s + <Py_ssize_t>val, depth + 1))
    return out


cdef int _kvs(dict out, const uint8_t *p, Py_ssize_t pos, Py_ssize_t end, int depth, uint32_t field) except -1:
    """Every KeyValue (field ``field``) of the message in [pos, end) into ``out``; other fields are skipped."""
    cdef uint32_t num
    cdef int wt
    cdef uint64_t val
    cdef Py_ssize_t s
    while pos < end:
        _field(p, end, &pos, &num, &wt, &val, &s)
        if num == field:
            _want(wt, 2)
            _kv(out, p, s, s + <Py_ssize_t>val, depth)
    return 0


cdef int _kv(dict out, const uint8_t *p, Py_ssize_t pos, Py_ssize_t end, int depth) except -1:
    cdef uint32_t num
    cdef int wt
    cdef uint64_t val
    cdef Py_ssize_t s
    cdef str key = ""
    cdef object value = None
    cdef bint seen = False
    while pos < end:
        _field(p, end, &pos, &num, &wt, &val, &s)
        if num == 1:
            _want(wt, 2)
            key = _str(p, s, val)
        elif num == 2:
            _want(wt, 2)
            if seen:
                raise _Declined("a merged value")
            seen = True
            value = _any(p, s, s + <Py_ssize_t>val, depth)
    out[key] = value
    return 0


cdef bytes _id_bytes(const uint8_t *p, Py_ssize_t s, uint64_t n, uint64_t size, bint required):
    if n == 0 and not required:
        return None
    if n != size:
        raise _Declined("an id of the wrong size")  # the reference path says which span and why
    return PyBytes_FromStringAndSize(<const char *>(p + s), <Py_ssize_t>n)


cdef tuple _event(const uint8_t *p, Py_ssize_t pos, Py_ssize_t end):
    """(time, name, attributes, dropped) of an Event; the time is absolute here."""
    cdef uint32_t num
    cdef int wt
    cdef uint64_t val, t = 0
    cdef Py_ssize_t s
    cdef str name = ""
    cdef dict attrs = {}
    cdef uint32_t dropped = 0
    while pos < end:
        _field(p, end, &pos, &num, &wt, &val, &s)
        if num == 1:
            _want(wt, 1)
            t = val
        elif num == 2:
            _want(wt, 2)
            name = _str(p, s, val)
        elif num == 3:
            _want(wt, 2)
            _kv(attrs, p, s, s + <Py_ssize_t>val, 1)
        elif num == 4:
            _want(wt, 0)
            dropped = <uint32_t>val
    return (t, name, attrs, dropped)


cdef tuple _link(const uint8_t *p, Py_ssize_t pos, Py_ssize_t end):
    """A Link as the format's Link array."""
    cdef uint32_t num
    cdef int wt
    cdef uint64_t val
    cdef Py_ssize_t s
    cdef bytes tid = None, sid = None
    cdef str ts = ""
    cdef dict attrs = {}
    cdef uint32_t dropped = 0, flags = 0
    while pos < end:
        _field(p, end, &pos, &num, &wt, &val, &s)
        if num == 1:
            _want(wt, 2)
            tid = _id_bytes(p, s, val, 16, True)
        elif num == 2:
            _want(wt, 2)
            sid = _id_bytes(p, s, val, 8, True)
        elif num == 3:
            _want(wt, 2)
            ts = _str(p, s, val)
        elif num == 4:
            _want(wt, 2)
            _kv(attrs, p, s, s + <Py_ssize_t>val, 1)
        elif num == 5:
            _want(wt, 0)
            dropped = <uint32_t>val
        elif num == 6:
            _want(wt, 5)
            flags = <uint32_t>val
    if tid is None or sid is None:
        raise _Declined("a link without ids")
    return (tid, sid, ts, attrs, dropped, flags)


def scan_otlp(
    bytes body,
    dict names,
    object resource_index,
    object scope_index,
    object dialect_fill,
):
    """An OTLP ExportTraceServiceRequest, read from its protobuf bytes into what `scan` returns
    (links already as the format's Link arrays, trace states as text); None when the request is
    not of the common shape (a malformed or unusual message, a span the reference path leaves
    out), so that the reference path (the protobuf library, then the model) reads it and says why.

    ``resource_index(attributes, schema_url, dropped)`` and ``scope_index(name, version,
    schema_url, attributes)`` give the batch's index of each ResourceSpans' resource and each
    ScopeSpans' scope.
    """
    try:
        return _scan_otlp(body, names, resource_index, scope_index, dialect_fill)
    except (_Declined, UnicodeDecodeError, OverflowError):
        return None


cdef tuple _scan_otlp(bytes body, dict names, object resource_index, object scope_index, object dialect_fill):
    cdef const uint8_t *p = <const uint8_t *>PyBytes_AS_STRING(body)
    cdef Py_ssize_t end = len(body)
    cdef Py_ssize_t pos = 0, s, rs_pos, rs_end, ss_pos, ss_end, q
    cdef uint32_t num
    cdef int wt
    cdef uint64_t val
    cdef list spans_at = []  # (offset, end, resource, scope) of every span, in order
    cdef list scope_spans
    cdef dict rattrs, sattrs
    cdef str schema, sname, sversion, sschema
    cdef uint32_t rdropped
    cdef int r, sc
    cdef bint seen

    while pos < end:
        _field(p, end, &pos, &num, &wt, &val, &s)
        if num != 1:
            continue
        _want(wt, 2)
        rs_pos = s
        rs_end = s + <Py_ssize_t>val
        # ResourceSpans: resource = 1, scope_spans = 2, schema_url = 3, in any order.
        rattrs = {}
        rdropped = 0
        schema = ""
        scope_spans = []
        seen = False
        q = rs_pos
        while q < rs_end:
            _field(p, rs_end, &q, &num, &wt, &val, &s)
            if num == 1:
                _want(wt, 2)
                if seen:
                    raise _Declined("a merged resource")
                seen = True
                _resource_into(rattrs, &rdropped, p, s, s + <Py_ssize_t>val)
            elif num == 2:
                _want(wt, 2)
                scope_spans.append((s, s + <Py_ssize_t>val))
            elif num == 3:
                _want(wt, 2)
                schema = _str(p, s, val)
        r = resource_index(rattrs, schema, rdropped)
        if r > 0xFFFF:
            raise _Declined("too many resources")
        for ss_pos, ss_end in scope_spans:
            # ScopeSpans: scope = 1, spans = 2, schema_url = 3.
            sname = sversion = sschema = ""
            sattrs = {}
            seen = False
            first = len(spans_at)
            q = ss_pos
            while q < ss_end:
                _field(p, ss_end, &q, &num, &wt, &val, &s)
                if num == 1:
                    _want(wt, 2)
                    if seen:
                        raise _Declined("a merged scope")
                    seen = True
                    sname, sversion = _scope_into(sattrs, p, s, s + <Py_ssize_t>val)
                elif num == 2:
                    _want(wt, 2)
                    spans_at.append([s, s + <Py_ssize_t>val, r, 0])
                elif num == 3:
                    _want(wt, 2)
                    sschema = _str(p, s, val)
            if len(spans_at) > first:
                sc = scope_index(sname, sversion, sschema, sattrs)
                if sc > 0xFFFF:
                    raise _Declined("too many scopes")
                for k in range(first, len(spans_at)):
                    spans_at[k][3] = sc
    return _spans(p, spans_at, names, dialect_fill)


cdef int _resource_into(dict attrs, uint32_t *dropped, const uint8_t *p, Py_ssize_t pos, Py_ssize_t end) except -1:
    cdef uint32_t num
    cdef int wt
    cdef uint64_t val
    cdef Py_ssize_t s
    while pos < end:
        _field(p, end, &pos, &num, &wt, &val, &s)
        if num == 1:
            _want(wt, 2)
            _kv(attrs, p, s, s + <Py_ssize_t>val, 1)
        elif num == 2:
            _want(wt, 0)
            dropped[0] = <uint32_t>val
    return 0


cdef tuple _scope_into(dict attrs, const uint8_t *p, Py_ssize_t pos, Py_ssize_t end):
    cdef uint32_t num
    cdef int wt
    cdef uint64_t val
    cdef Py_ssize_t s
    cdef str name = "", version = ""
    while pos < end:
        _field(p, end, &pos, &num, &wt, &val, &s)
        if num == 1:
            _want(wt, 2)
            name = _str(p, s, val)
        elif num == 2:
            _want(wt, 2)
            version = _str(p, s, val)
        elif num == 3:
            _want(wt, 2)
            _kv(attrs, p, s, s + <Py_ssize_t>val, 1)
        elif num == 4:
            _want(wt, 0)
    return name, version


cdef tuple _spans(const uint8_t *p, list spans_at, dict names, object dialect_fill):
    cdef Py_ssize_t n = len(spans_at)
    cdef Py_ssize_t i, pos, end, s
    cdef _Columns c = _Columns(n)

    cdef uint32_t num, da, de, dl, flags, fl
    cdef int wt
    cdef uint64_t val, start, end_t, base = 0xFFFFFFFFFFFFFFFF, max_end = 0
    cdef int64_t kind, code
    cdef bint has_tid, has_sid, has_pid, seen_status
    cdef str name, ts, description
    cdef dict plain
    cdef list span_events, span_links
    cdef object start_obj
    cdef tuple e
    cdef Py_ssize_t q, st_end

    for i in range(n):
        at = spans_at[i]
        pos = at[0]
        end = at[1]
        c.res_p[i] = <uint16_t><int>at[2]
        c.scope_p[i] = <uint16_t><int>at[3]
        has_tid = has_sid = has_pid = seen_status = False
        name = ts = description = ""
        kind = code = 0
        start = end_t = 0
        da = de = dl = flags = 0
        plain = {}
        span_events = []
        span_links = []
        memset(c.pid_p + 8 * i, 0, 8)
        while pos < end:
            _field(p, end, &pos, &num, &wt, &val, &s)
            if num == 1:
                _want(wt, 2)
                if val != 16:
                    raise _Declined("trace id size")
                memcpy(c.tid_p + 16 * i, p + s, 16)
                has_tid = True
            elif num == 2:
                _want(wt, 2)
                if val != 8:
                    raise _Declined("span id size")
                memcpy(c.sid_p + 8 * i, p + s, 8)
                has_sid = True
            elif num == 3:
                _want(wt, 2)
                ts = _str(p, s, val)
            elif num == 4:
                _want(wt, 2)
                if val == 0:
                    memset(c.pid_p + 8 * i, 0, 8)
                elif val == 8:
                    memcpy(c.pid_p + 8 * i, p + s, 8)
                else:
                    raise _Declined("parent id size")
            elif num == 5:
                _want(wt, 2)
                name = _str(p, s, val)
            elif num == 6:
                _want(wt, 0)
                kind = <int32_t>val
            elif num == 7:
                _want(wt, 1)
                start = val
            elif num == 8:
                _want(wt, 1)
                end_t = val
            elif num == 9:
                _want(wt, 2)
                _kv(plain, p, s, s + <Py_ssize_t>val, 1)
            elif num == 10:
                _want(wt, 0)
                da = <uint32_t>val
            elif num == 11:
                _want(wt, 2)
                span_events.append(_event(p, s, s + <Py_ssize_t>val))
            elif num == 12:
                _want(wt, 0)
                de = <uint32_t>val
            elif num == 13:
                _want(wt, 2)
                span_links.append(_link(p, s, s + <Py_ssize_t>val))
            elif num == 14:
                _want(wt, 0)
                dl = <uint32_t>val
            elif num == 15:
                _want(wt, 2)
                if seen_status:
                    raise _Declined("a merged status")
                seen_status = True
                q = s
                st_end = s + <Py_ssize_t>val
                while q < st_end:
                    _field(p, st_end, &q, &num, &wt, &val, &s)
                    if num == 2:
                        _want(wt, 2)
                        description = _str(p, s, val)
                    elif num == 3:
                        _want(wt, 0)
                        code = <int32_t>val
            elif num == 16:
                _want(wt, 5)
                flags = <uint32_t>val
        if not has_tid or not has_sid:
            raise _Declined("a span without ids")
        kind = kind - 1 if kind > 0 else 0  # OTLP numbers kinds from 1 (SPAN_KIND_INTERNAL)
        if kind > 255 or code < 0 or code > 255:
            raise _Declined("a kind or status code the format has no place for")
        c.kind_p[i] = <uint8_t>kind
        c.status_p[i] = <uint8_t>code
        c.flag_p[i] = flags
        if end_t < start:
            end_t = start
        c.start_p[i] = start
        c.dur_p[i] = end_t - start
        if start < base:
            base = start
        if end_t > max_end:
            max_end = end_t
        c.name_p[i] = _index(names, name)
        if description:
            c.status_message[i] = description
        if ts:
            c.trace_state[i] = ts
        if da or de or dl:
            c.dropped[i] = (da, de, dl)
        _summarize(i, name, plain, names, dialect_fill, c.cache_read, c.reasoning, c.cat_p, c.model_p, c.in_p, c.out_p)
        c.attributes.append(plain)
        c.event_counts.append(len(span_events))
        if span_events:
            start_obj = start
            for e in span_events:
                c.events.append((e[0] - start_obj, e[1], e[2], e[3]))
        c.links.append([])
        if span_links:
            c.raw_links[i] = span_links

    return c.result(n, base, max_end)
