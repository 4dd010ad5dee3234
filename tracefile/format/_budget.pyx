# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The decode budget's walk over MessagePack headers, compiled (`tracefile.format.budget.walk_python` is its reference)."""

from libc.stdint cimport uint64_t

DEF STACK = 1024

# What each type byte is, in one table lookup: _SKIP[b] >= 0 is a value of 1 + _SKIP[b]
# bytes; -1 a map and -2 an array whose count is in the byte (fixmap, fixarray);
# -3/-4 a map/array with a 2/4-byte count (-5, -6 for the 4-byte ones); -10 - w a str/bin
# with a w-byte length; -20 - w an ext (length, then a type byte); -99 no such type.
cdef int _SKIP[256]


cdef void _fill() noexcept:
    cdef int b
    for b in range(256):
        if b <= 0x7F or b >= 0xE0:
            _SKIP[b] = 0
        elif b <= 0x8F:
            _SKIP[b] = -1
        elif b <= 0x9F:
            _SKIP[b] = -2
        elif b <= 0xBF:
            _SKIP[b] = b & 0x1F
        else:
            _SKIP[b] = -99
    _SKIP[0xC0] = 0; _SKIP[0xC2] = 0; _SKIP[0xC3] = 0
    _SKIP[0xCA] = 4; _SKIP[0xCB] = 8
    _SKIP[0xCC] = 1; _SKIP[0xCD] = 2; _SKIP[0xCE] = 4; _SKIP[0xCF] = 8
    _SKIP[0xD0] = 1; _SKIP[0xD1] = 2; _SKIP[0xD2] = 4; _SKIP[0xD3] = 8
    _SKIP[0xD4] = 2; _SKIP[0xD5] = 3; _SKIP[0xD6] = 5; _SKIP[0xD7] = 9; _SKIP[0xD8] = 17
    _SKIP[0xC4] = -11; _SKIP[0xC5] = -12; _SKIP[0xC6] = -14
    _SKIP[0xD9] = -11; _SKIP[0xDA] = -12; _SKIP[0xDB] = -14
    _SKIP[0xC7] = -21; _SKIP[0xC8] = -22; _SKIP[0xC9] = -24
    _SKIP[0xDE] = -3; _SKIP[0xDF] = -5
    _SKIP[0xDC] = -4; _SKIP[0xDD] = -6


_fill()


def walk(payload, Py_ssize_t max_items, int max_depth):
    cdef const unsigned char[::1] view = payload
    cdef Py_ssize_t size = view.shape[0]
    if size == 0:
        return "the payload is not a MessagePack array"
    cdef const unsigned char* d = &view[0]
    cdef Py_ssize_t pos = 0, items = 0, n, start
    cdef uint64_t length
    cdef Py_ssize_t remaining = 1
    cdef Py_ssize_t stack[STACK]
    cdef int depth = 0
    cdef int width, t
    cdef unsigned char b
    if max_depth >= STACK:
        max_depth = STACK - 1
    if not ((0x90 <= d[0] <= 0x9F) or d[0] == 0xDC or d[0] == 0xDD):
        return "the payload is not a MessagePack array"
    while True:
        if pos >= size:
            return f"the payload ends inside a value at byte {pos}"
        start = pos
        b = d[pos]
        pos += 1
        items += 1
        if items > max_items:
            return f"more than {max_items:,} items (at byte {start})"
        t = _SKIP[b]
        if t >= 0:
            pos += t
            if pos > size:
                return f"a value at byte {start} runs past the payload's end"
            remaining -= 1
            while remaining == 0:
                if depth == 0:
                    return None
                depth -= 1
                remaining = stack[depth]
            continue
        if t == -1:
            n = 2 * (b & 0x0F)
        elif t == -2:
            n = b & 0x0F
        elif t >= -6:
            width = 2 if (t == -3 or t == -4) else 4
            if pos + width > size:
                return f"the payload ends inside a length at byte {pos}"
            n = 0
            for _ in range(width):
                n = (n << 8) | d[pos]
                pos += 1
            if t == -3 or t == -5:
                n *= 2
        elif t >= -24:
            width = (-t) % 10
            if pos + width > size:
                return f"the payload ends inside a length at byte {pos}"
            length = 0
            for _ in range(width):
                length = (length << 8) | d[pos]
                pos += 1
            if length > <uint64_t>size:
                return f"a value at byte {start} runs past the payload's end"
            pos += <Py_ssize_t>length + (1 if t <= -20 else 0)
            if pos > size:
                return f"a value at byte {start} runs past the payload's end"
            remaining -= 1
            while remaining == 0:
                if depth == 0:
                    return None
                depth -= 1
                remaining = stack[depth]
            continue
        else:
            return f"byte 0x{b:02x} at {start} is not MessagePack"
        if n > 0:
            # Every element takes at least one byte: a longer claim is damage, not data.
            if n > size - pos:
                return f"a container at byte {start} claims {n:,} items, more than the {size - pos:,} bytes left"
            stack[depth] = remaining - 1
            depth += 1
            if depth > max_depth:
                return f"values nest deeper than {max_depth} levels (at byte {start})"
            remaining = n
            continue
        remaining -= 1
        while remaining == 0:
            if depth == 0:
                return None
            depth -= 1
            remaining = stack[depth]
