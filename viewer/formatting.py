"""How the viewer writes durations, times, sizes, token counts and plurals. No Qt here."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Iterable


def format_duration(ns: int | float | None) -> str:
    """A duration in nanoseconds, in the unit a human would pick: ``850 ns``, ``12.3 µs``, ``1.25 s``, ``2 m 05 s``."""
    if ns is None or (isinstance(ns, float) and math.isnan(ns)) or ns < 0:
        return "–"
    if ns < 1_000:
        return f"{int(ns)} ns"
    for unit, scale, limit in (("µs", 1e3, 1000), ("ms", 1e6, 1000), ("s", 1e9, 60)):
        text = _three_digits(ns / scale)
        if float(text) < limit:
            return f"{text} {unit}"
    seconds = max(60, round(ns / 1e9))
    if seconds < 3600:
        return f"{seconds // 60} m {seconds % 60:02d} s"
    hours, rest = divmod(seconds, 3600)
    if hours < 24:
        return f"{hours} h {rest // 60:02d} m"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"


def _three_digits(value: float) -> str:
    """About three significant digits: ``1.25``, ``12.5``, ``125``."""
    if round(value, 2) < 10:
        return f"{value:.2f}"
    if round(value, 1) < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def _local(unix_ns: int, tz=None) -> datetime | None:
    if not unix_ns or unix_ns < 0:
        return None
    try:
        return datetime.fromtimestamp(unix_ns // 1_000_000_000, tz=tz)
    except (OverflowError, OSError, ValueError):
        return None


def format_timestamp(unix_ns: int, *, with_date: bool = True, tz=None) -> str:
    """Local wall-clock time with milliseconds: ``2025-11-25 22:12:03.123`` (or just ``22:12:03.123``)."""
    dt = _local(unix_ns, tz)
    if dt is None:
        return "–"
    return dt.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S") + f".{(unix_ns // 1_000_000) % 1000:03d}"


def format_date(unix_ns: int, *, tz=None) -> str:
    """Local calendar date: ``2025-11-25``."""
    dt = _local(unix_ns, tz)
    return "–" if dt is None else dt.strftime("%Y-%m-%d")


def common_date(times_ns: Iterable[int], *, tz=None) -> str | None:
    """The local date all these timestamps fall on, or None if they span several days (or none)."""
    dates = {format_date(t, tz=tz) for t in times_ns}
    return dates.pop() if len(dates) == 1 else None


def format_offset(ns: int) -> str:
    """Time since the start of the trace: ``+12.3 ms`` (``0`` for the first span)."""
    if ns == 0:
        return "0"
    if ns < 0:
        return "−" + format_duration(-ns)
    return "+" + format_duration(ns)


def format_size(num_bytes: int) -> str:
    """``532 bytes``, ``12.3 KiB``, ``4.50 MiB``."""
    if num_bytes < 1024:
        return f"{num_bytes} byte" + ("" if num_bytes == 1 else "s")
    value = float(num_bytes)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        text = _three_digits(value)
        if float(text) < 1024 or unit == "TiB":
            return f"{text} {unit}"
    raise AssertionError("unreachable")


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def format_tokens(n: int) -> str:
    """A token count, short: ``950``, ``12.4k``, ``1.25M``; ``–`` for none."""
    if n <= 0:
        return "–"
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.2f}M"
