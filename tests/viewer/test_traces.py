"""The viewer's pure logic (no Qt): formatting, trace summaries, span trees, loading."""

from __future__ import annotations

import sys
from datetime import timezone

import pytest

import tracefile
from tracefile import Span
from viewer.loader import load_file, summary_text, warning_text
from viewer.traces import (
    build_span_tree,
    common_date,
    find_root,
    find_span,
    format_duration,
    format_offset,
    format_size,
    format_timestamp,
    summarize_traces,
)

T0 = 1_764_079_392_000_000_000  # 2025-11-25 14:03:12 UTC


def span(name, span_id, parent="", trace="t1", start=0, dur=1000, status=0) -> Span:
    return Span(
        trace_id=trace, span_id=span_id, parent_span_id=parent, name=name, kind=0,
        start_time=T0 + start, end_time=T0 + start + dur, status_code=status,
    )  # fmt: skip


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


def test_summaries_group_by_trace_in_file_order():
    spans = [
        span("child", "b", parent="a", start=10, status=2),
        span("root", "a", start=0, dur=5000),
        span("other", "c", trace="t2", start=100),
        span("grandchild", "d", parent="b", start=20, dur=9000),
    ]
    t1, t2 = summarize_traces(spans)
    assert (t1.trace_id, t1.name, t1.span_count, t1.error_count, t1.has_root) == ("t1", "root", 3, 1, True)
    assert t1.start_time == T0 and t1.duration_ns == 9020
    assert (t2.name, t2.span_count, t2.error_count) == ("other", 1, 0)
    assert find_span([t1, t2], "grandchild") == (0, spans[3])
    assert find_span([t1, t2], "OTHER") == (1, spans[2])
    assert find_span([t1, t2], "nope") is None


def test_trace_without_root_is_named_after_earliest_orphan():
    spans = [span("late", "b", parent="zz", start=50), span("early", "c", parent="zz", start=5),
             span("kid", "d", parent="c", start=1)]  # fmt: skip
    root, has_root = find_root(spans)
    assert (root.name, has_root) == ("early", False)
    (summary,) = summarize_traces(spans)
    assert summary.name == "early" and not summary.has_root


def test_span_tree_parents_children_and_order():
    spans = [
        span("tool", "c", parent="a", start=300),
        span("root", "a", start=0),
        span("chat", "b", parent="a", start=100),
        span("http", "d", parent="c", start=310),
        span("lost", "e", parent="missing", start=50),
    ]
    tree = build_span_tree(spans)
    names = [(spans[i].name, depth) for i, depth in tree.walk()]
    assert names == [("root", 0), ("chat", 1), ("tool", 1), ("http", 2), ("lost", 0)]
    root = tree.roots[0]
    assert [spans[i].name for i in tree.children[root]] == ["chat", "tool"]
    assert tree.row[2] == 0 and tree.row[0] == 1
    assert tree.orphan == [False, False, False, False, True]
    assert tree.depth(3) == 2 and tree.parent[3] == 0
    assert tree.trace_start == T0


def test_span_tree_survives_cycles_and_self_parents():
    spans = [span("x", "a", parent="b"), span("y", "b", parent="a", start=5), span("self", "c", parent="c")]
    tree = build_span_tree(spans)
    visited = [i for i, _ in tree.walk()]
    assert sorted(visited) == [0, 1, 2]  # every span shown exactly once
    assert all(tree.orphan[i] for i in tree.roots)


def test_span_tree_deep_chain_is_not_recursive():
    n = sys.getrecursionlimit() + 500
    spans = [span(f"s{i}", f"{i}", parent=f"{i - 1}" if i else "", start=i) for i in range(n)]
    tree = build_span_tree(spans)
    assert tree.depth(n - 1) == n - 1
    assert sum(1 for _ in tree.walk()) == n


def test_load_file_ok(sample_tracy):
    result = load_file(sample_tracy)
    assert result.ok and result.error is None
    assert [t.name for t in result.traces][:3] == [
        "invoke_agent travel-planner", "chat gpt-4o-mini", "embeddings text-embedding-3-small"
    ]  # fmt: skip
    assert summary_text(result).startswith("14 spans · 5 traces · ")
    assert warning_text(result) == ""


def test_load_file_truncated_warns(sample_tracy, tmp_path):
    cut = tmp_path / "live.tracy"
    data = sample_tracy.read_bytes()
    cut.write_bytes(data[: len(data) - 40])
    result = load_file(cut)
    assert result.ok and result.trace_file.truncated
    assert warning_text(result) == "file ends inside a frame… (still being written?)"


@pytest.mark.parametrize("kind", ["json", "random", "empty", "missing"])
def test_load_file_bad_files_explain_without_raising(bad_files, kind):
    path = bad_files[kind]
    with pytest.raises(tracefile.TraceFileError) as info:
        tracefile.load(path)
    result = load_file(path)
    assert not result.ok and not result.unexpected
    assert result.error == str(info.value).removeprefix(f"{path}: ")
    assert str(path) not in result.error


def test_load_file_unexpected_exception(monkeypatch, tmp_path):
    def boom(path):
        raise RuntimeError("reader exploded")

    monkeypatch.setattr(tracefile, "load", boom)
    result = load_file(tmp_path / "x.tracy")
    assert result.unexpected and result.error == "RuntimeError: reader exploded"
