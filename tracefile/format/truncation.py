"""How a recorded value is cut to a size limit, and how a reader counts what the ``…[truncated N chars]`` marker says was cut."""

from __future__ import annotations

import re
from typing import AnyStr

#: Ends a value that was cut; ``n`` counts the characters left out.
TRUNCATION_MARKER = "…[truncated {n:,} chars]"
#: A marker anywhere in a text; group 1 is its count, with thousands separators.
TRUNCATION_RE = re.compile(r"…\[truncated ([0-9][0-9,]*) chars\]")
_MARKER_TAIL = re.compile(TRUNCATION_RE.pattern + r"\Z")
_MARKER_END = " chars]"
_LONGEST_MARKER = 48  # a count beyond a trillion characters does not occur


def truncation_marker(n: int) -> str:
    """The marker that ends a string from which ``n`` characters were cut."""
    return TRUNCATION_MARKER.format(n=n)


def truncate(text: str, max_length: int | None) -> str:
    """``text`` if it fits in ``max_length`` characters, else its start plus ``…[truncated N chars]``.

    The result never exceeds ``max_length``, marker included, and ``N`` is the number
    of characters cut. A text this function already cut is not cut twice: its marker's
    count grows instead. A limit too small for the marker keeps the start alone.
    ``None`` means no limit. Only the kept prefix is copied, so this is cheap for very
    large strings.
    """
    if max_length is None or len(text) <= max_length:
        return text
    body, dropped = split_marker(text)
    return cut(body[: max(max_length, 0)], len(body) + dropped, max_length)


def cut(head: AnyStr, total: int, max_length: int) -> AnyStr:
    """At most ``max_length`` characters for a string of ``total`` characters that starts with ``head``:
    as much of ``head`` as fits before the marker, which counts the rest.

    ``head`` need only be as long as the part that can be kept (``max_length``), so a
    caller can slice a huge string, or keep a scanned prefix, without copying the rest.
    For ``bytes``, lengths are in bytes and the marker is UTF-8.
    """
    if total <= max_length and len(head) == total:
        return head
    # The longest marker is the one for cutting all ``total`` characters; size the kept part for it.
    longest = truncation_marker(total)
    keep = max_length - (len(longest) if type(head) is str else len(longest.encode()))
    if keep < 0:
        return head[: max(max_length, 0)]  # no room for the marker: still never longer than asked
    keep = min(keep, len(head))
    marker = truncation_marker(total - keep)
    return head[:keep] + (marker if type(head) is str else marker.encode())  # type: ignore[operator]


def split_marker(text: str) -> tuple[str, int]:
    """``text`` without a marker at its end, and the count that marker gave (0: none)."""
    if text.endswith(_MARKER_END):
        m = _MARKER_TAIL.search(text, max(0, len(text) - _LONGEST_MARKER))
        if m is not None:
            return text[: m.start()], int(m.group(1).replace(",", ""))
    return text, 0


def truncated_chars(text: str) -> int:
    """How many characters the recorder cut from ``text``, per its markers (0: none)."""
    return sum(int(m.group(1).replace(",", "")) for m in TRUNCATION_RE.finditer(text))
