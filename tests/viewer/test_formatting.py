"""Formatting of durations, times and sizes (no Qt)."""

from __future__ import annotations

from datetime import timezone

import pytest

from viewer.formatting import common_date, format_duration, format_offset, format_size, format_timestamp

T0 = 1_764_079_392_000_000_000  # 2025-11-25 14:03:12 UTC


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0 ns"),
        (999, "999 ns"),
        (1_000, "1.00 µs"),
        (38_500, "38.5 µs"),
        (412_500_000, "412 ms"),
        (999_999, "1.00 ms"),  # never "1000 µs"
        (1_830_000_000, "1.83 s"),
        (59_999_000_000, "1 m 00 s"),
        (61_000_000_000, "1 m 01 s"),
        (3_725_000_000_000, "1 h 02 m"),
        (90_000 * 10**9, "1 d 01 h"),
        (-5, "–"),
        (None, "–"),
    ],
)
def test_format_duration(ns, text):
    assert format_duration(ns) == text


def test_format_size_and_offset():
    assert format_size(0) == "0 bytes"
    assert format_size(1) == "1 byte"
    assert format_size(5785) == "5.65 KiB"
    assert format_size(5 * 2**20) == "5.00 MiB"
    assert format_size(2**20 - 1) == "1.00 MiB"
    assert format_offset(0) == "0"
    assert format_offset(12_000_000) == "+12.0 ms"


def test_format_timestamp_local_and_time_only():
    assert format_timestamp(T0 + 123_456_789, tz=timezone.utc) == "2025-11-25 14:03:12.123"
    assert format_timestamp(T0 + 5_000_000, with_date=False, tz=timezone.utc) == "14:03:12.005"
    assert format_timestamp(0) == "–"
    assert common_date([T0, T0 + 3600 * 10**9], tz=timezone.utc) == "2025-11-25"
    assert common_date([T0, T0 + 86400 * 10**9], tz=timezone.utc) is None
    assert common_date([]) is None
