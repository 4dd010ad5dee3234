"""Helpers the JSON importers share: sniffing and parsing a file, padding ids, counting skipped records."""

from __future__ import annotations

import functools
import json
from typing import Any, Callable

from ..format.errors import TraceFileError

_HEX = frozenset("0123456789abcdefABCDEF")
#: How many skip reasons one warning spells out before it only counts.
_REASONS_SHOWN = 3


def looks_like_json(head: bytes) -> bool:
    """True when the first bytes could start a JSON object or array (after a BOM and whitespace)."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"{", b"[")


def too_deep(path: str) -> TraceFileError:
    """The error for JSON nested deeper than a parser can follow: no JSON format can be read from
    it, so it names none (a format's importer would otherwise claim the file as its own)."""
    return TraceFileError(
        f"{path}: JSON nested deeper than tracy can read (thousands of levels of arrays or objects); "
        "no trace format nests more than a few dozen"
    )


def load_json(path: str, head: bytes) -> Any | None:
    """The whole file parsed as one JSON document, or None when it is not one (not JSON, or JSON
    Lines). Raises `too_deep` for JSON nested past what the parser follows."""
    if not looks_like_json(head):
        return None
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().removeprefix(b"\xef\xbb\xbf"))
    except ValueError:  # JSONDecodeError and bad UTF-8 are both ValueErrors
        return None
    except RecursionError:
        raise too_deep(path) from None
    except OSError as exc:
        raise TraceFileError(f"{path}: cannot read: {exc.strerror or exc}") from None


def hex_id(value: Any, width: int) -> str:
    """A hex id left-padded to ``width`` digits and lower-cased; raises ValueError if it is not hex.

    Jaeger and Zipkin drop leading zeros ("2", "c26551047c72d19") and write 64-bit trace ids.
    """
    if not isinstance(value, str) or not value or len(value) > width or not _HEX.issuperset(value):
        raise ValueError(f"not a {width}-digit hex id: {value!r}")
    return value.lower().rjust(width, "0")


def microseconds(value: Any, what: str) -> int:
    """A non-negative integer count of microseconds (Jaeger and Zipkin times), as nanoseconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{what} is not a number of microseconds: {value!r}")
    return int(value) * 1000


class Skips:
    """Broken records an importer left out, turned into one warning: "3 spans skipped: span 17: missing id; ..."."""

    def __init__(self, what: str = "span") -> None:
        self.what = what
        self.reasons: list[str] = []

    def add(self, where: str, reason: str) -> None:
        self.reasons.append(f"{where}: {reason}")

    def warning(self) -> list[str]:
        n = len(self.reasons)
        if not n:
            return []
        shown = "; ".join(self.reasons[:_REASONS_SHOWN])
        more = f"; and {n - _REASONS_SHOWN} more" if n > _REASONS_SHOWN else ""
        return [f"{n} {self.what}{'' if n == 1 else 's'} skipped: {shown}{more}"]


def describe_start(path: str, head: bytes) -> str:
    """What the first bytes of a file in no known format look like, for the error message."""
    if not head:
        return "the file is empty"
    text = head.removeprefix(b"\xef\xbb\xbf")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        decoded = text[: exc.start].decode("utf-8") if exc.start >= len(text) - 3 else None
    if decoded is None or any(ord(c) < 32 and c not in "\t\r\n" for c in decoded):
        return "is binary, starting with " + " ".join(f"0x{b:02x}" for b in head[:8])
    snippet = " ".join(decoded.split())[:24]
    out = f"starts with {json.dumps(snippet, ensure_ascii=False)}"
    if looks_like_json(head):
        try:
            with open(path, "rb") as f:
                json.loads(f.read().removeprefix(b"\xef\xbb\xbf"))
        except ValueError as exc:
            return f"{out}, but is not valid JSON ({exc})"
        except OSError:
            pass
        return f"{out}: JSON, but not in a shape any of them uses"
    return out


def never_raises(what: str) -> Callable:
    """Wrap an importer's ``read`` so that input it did not foresee is a TraceFileError naming the format, never a traceback."""

    def wrap(read: Callable) -> Callable:
        @functools.wraps(read)
        def guarded(path: str, head: bytes):
            try:
                return read(path, head)
            except TraceFileError:
                raise
            except (AttributeError, KeyError, TypeError, ValueError, IndexError, RecursionError) as exc:
                raise TraceFileError(f"{path}: looks like {what} but cannot be read: {type(exc).__name__}: {exc}") from None

        return guarded

    return wrap
