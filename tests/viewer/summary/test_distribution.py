"""Log-scale buckets of trace durations and the searches that list them."""

from __future__ import annotations

import numpy as np

from viewer.search import parse
from viewer.summary.distribution import bucket_label, bucket_query, duration_histogram

MS = 1_000_000


def test_buckets_have_round_edges_and_count_each_trace_once():
    h = duration_histogram(np.array([500, 1500, 1800, 4000, 31_000]) * MS)
    assert (h.edges // MS).tolist() == [500, 1000, 2000, 5000, 10_000, 20_000, 50_000]
    assert h.counts.tolist() == [1, 2, 1, 0, 0, 1]
    assert h.bucket_of(1999 * MS) == 1 and h.bucket_of(2000 * MS) == 2


def test_zero_length_traces_join_the_first_bucket():
    h = duration_histogram(np.array([0, 0, 3 * MS]))
    assert (h.edges // MS).tolist() == [2, 5]
    assert h.counts.tolist() == [3]
    assert duration_histogram(np.zeros(0)).counts.tolist() == []


def test_bucket_queries_parse_and_read_well():
    h = duration_histogram(np.array([500, 1500, 4000]) * MS)
    assert bucket_query(h, 0) == "trace_duration<1s"
    assert bucket_query(h, 1) == "trace_duration>=1s trace_duration<2s"
    assert bucket_label(h, 1) == "1 s – 2 s"
    assert bucket_label(duration_histogram(np.array([150_000, 3 * MS])), 0) == "100 µs – 200 µs"
    for i in range(len(h)):
        parse(bucket_query(h, i))


def test_a_bucket_query_lists_exactly_the_traces_in_it(support_runs):
    from tracefile.format.columns import read_timeline
    from viewer.search.columns import evaluate_columns
    from viewer.tracedata import build_index

    ix = build_index(read_timeline(support_runs))
    h = duration_histogram(ix.traces.end - ix.traces.start)  # 4 s, 2 s and 0.5 s
    assert h.counts.tolist() == [1, 0, 2]
    for i, want in ((0, {2}), (2, {0, 1})):
        spans = evaluate_columns(parse(bucket_query(h, i)), ix).mask
        assert set(np.unique(ix.trace[spans]).tolist()) == want
        assert int(spans.sum()) == int(ix.traces.spans[sorted(want)].sum())  # every span of those traces
