"""The format's integer column encoding: little-endian packed arrays, both ways."""

from __future__ import annotations

import sys
from array import array

_BIG_ENDIAN_HOST = sys.byteorder == "big"
assert array("I").itemsize == 4 and array("H").itemsize == 2 and array("Q").itemsize == 8


def packed(typecode: str, values: list[int]) -> bytes:
    """Pack integers as a little-endian array (the format's column encoding)."""
    arr = array(typecode, values)
    if _BIG_ENDIAN_HOST:
        arr.byteswap()
    return arr.tobytes()


def optional_column(values: list[int]) -> bytes:
    """A u32 column that the format lets writers leave empty when every value is zero."""
    return packed("I", values) if any(values) else b""


def unpack(typecode: str, data: bytes) -> list[int]:
    """Unpack a little-endian packed column into a list of ints."""
    arr = array(typecode)
    arr.frombytes(data)
    if _BIG_ENDIAN_HOST:
        arr.byteswap()
    return arr.tolist()
