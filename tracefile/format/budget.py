"""The decode budget: what a frame's payload may cost to decode, checked before it is decoded.

A MessagePack byte can become a 64-byte Python object (``0x80`` is an empty map), so a
small, valid payload can ask for gigabytes: 200 million empty maps fit in 147 KB of zstd.
`check_payload` walks the MessagePack headers without building anything and refuses a
payload whose items, nesting or declared lengths break the limits of docs/FORMAT.md §5.1.
The walk is compiled (`_budget.pyx`, about 1 GB/s); where no C compiler was found the
same walk runs in Python.
"""

from __future__ import annotations

from .schema import FRAME_HEADER_SIZE, MAX_FRAME_DEPTH, MAX_FRAME_ITEMS, MAX_ITEMS_PER_BYTE

try:
    from ._budget import walk as _walk
except ImportError:  # no compiler at install time
    _walk = None


def item_budget(stored_len: int) -> int:
    """How many MessagePack items a frame whose payload takes ``stored_len`` bytes in the file may hold."""
    return min(MAX_FRAME_ITEMS, MAX_ITEMS_PER_BYTE * (FRAME_HEADER_SIZE + stored_len))


def check_payload(payload, max_items: int, max_depth: int = MAX_FRAME_DEPTH) -> str | None:
    """None when ``payload`` (one MessagePack array) fits the budget, else what breaks it and where."""
    walk = _walk if _walk is not None else walk_python
    return walk(payload, max_items, max_depth)


# Bytes that follow the type byte, for the fixed-size types (0 for the one-byte ones).
_FIXED = {0xC0: 0, 0xC2: 0, 0xC3: 0, 0xCA: 4, 0xCB: 8, 0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8,
          0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8, 0xD4: 2, 0xD5: 3, 0xD6: 5, 0xD7: 9, 0xD8: 17}  # fmt: skip
# Length-prefixed bytes (str, bin, ext): size of the length field, plus one for ext's type byte.
_SIZED = {0xC4: (1, 0), 0xC5: (2, 0), 0xC6: (4, 0), 0xC7: (1, 1), 0xC8: (2, 1), 0xC9: (4, 1),
          0xD9: (1, 0), 0xDA: (2, 0), 0xDB: (4, 0)}  # fmt: skip


def walk_python(payload, max_items: int, max_depth: int) -> str | None:
    """`check_payload` in Python: the reference for the compiled walk, which must agree with it."""
    data = bytes(payload)
    size = len(data)
    if size == 0 or not (0x90 <= data[0] <= 0x9F or data[0] in (0xDC, 0xDD)):
        return "the payload is not a MessagePack array"
    pos = 0
    items = 0
    stack: list[int] = []  # items still to come in each open container
    remaining = 1
    while True:
        if pos >= size:
            return f"the payload ends inside a value at byte {pos}"
        start = pos
        b = data[pos]
        pos += 1
        items += 1
        if items > max_items:
            return f"more than {max_items:,} items (at byte {start})"
        n = -1  # elements of a container, else -1
        if b <= 0x7F or b >= 0xE0:
            pass
        elif b <= 0x8F:
            n = 2 * (b & 0x0F)
        elif b <= 0x9F:
            n = b & 0x0F
        elif b <= 0xBF:
            pos += b & 0x1F
        elif b in _FIXED:
            pos += _FIXED[b]
        elif b in _SIZED:
            width, extra = _SIZED[b]
            if pos + width > size:
                return f"the payload ends inside a length at byte {pos}"
            length = int.from_bytes(data[pos : pos + width], "big")
            if length > size:
                return f"a value at byte {start} runs past the payload's end"
            pos += width + extra + length
        elif b in (0xDC, 0xDD, 0xDE, 0xDF):
            width = 2 if b in (0xDC, 0xDE) else 4
            if pos + width > size:
                return f"the payload ends inside a length at byte {pos}"
            n = int.from_bytes(data[pos : pos + width], "big") * (2 if b >= 0xDE else 1)
            pos += width
        else:
            return f"byte 0x{b:02x} at {start} is not MessagePack"
        if pos > size:
            return f"a value at byte {start} runs past the payload's end"
        if n > 0:
            # Every element takes at least one byte: a longer claim is damage, not data.
            if n > size - pos:
                return f"a container at byte {start} claims {n:,} items, more than the {size - pos:,} bytes left"
            stack.append(remaining - 1)
            if len(stack) > max_depth:
                return f"values nest deeper than {max_depth} levels (at byte {start})"
            remaining = n
            continue
        remaining -= 1
        while remaining == 0:
            if not stack:
                return None
            remaining = stack.pop()
