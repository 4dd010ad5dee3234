"""The trace index: traces, parents, depths, depth-first order and totals, from columns alone."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

import tracefile
from tracefile.format.columns import Timeline, read_timeline
from viewer.tracedata import build_index


def _timeline(parents: list[list[int]], starts: list[list[int]]) -> Timeline:
    """A timeline of several traces; parents[t][i] is the index (in trace t) of span i's parent, or -1."""
    tid, sid, pid, start = [], [], [], []
    next_id = 1
    for t, (ps, ss) in enumerate(zip(parents, starts)):
        ids = list(range(next_id, next_id + len(ps)))
        next_id += len(ps)
        for i, p in enumerate(ps):
            tid.append((t + 1, 7))
            sid.append(ids[i])
            pid.append(ids[p] if p >= 0 else 0)
            start.append(ss[i])
    n = len(sid)
    def z8():
        return np.zeros(n, np.uint8)

    def z32():
        return np.zeros(n, np.uint32)

    return Timeline(
        trace_id=np.array(tid, np.uint64).reshape(n, 2), span_id=np.array(sid, np.uint64),
        parent_span_id=np.array(pid, np.uint64), start=np.array(start, np.uint64),
        end=np.array(start, np.uint64) + 10, name=z32(), kind=z8(), status=z8(), batch=z32(), names=["x"],
        category=z8(), model=z32(), input_tokens=z32(), output_tokens=z32(), cache_read_tokens=z32(),
        reasoning_tokens=z32(),
    )  # fmt: skip


def test_waterfall_order_depths_and_subtrees():
    # trace 0: root(0) -> a(1, start 30), b(2, start 20); b -> c(3); a file order that is not tree order
    tl = _timeline([[-1, 0, 0, 2]], [[10, 30, 20, 25]])
    ix = build_index(tl)
    assert ix.trace_rows(0).tolist() == [0, 2, 3, 1]  # children by start time, depth first
    assert ix.depth.tolist() == [0, 1, 1, 2]
    assert ix.parent.tolist() == [-1, 0, 0, 2]
    assert ix.subtree.tolist() == [4, 1, 2, 1]
    assert ix.visible_rows(0, {2}).tolist() == [0, 2, 1]


def test_traces_are_numbered_by_start_and_totalled():
    tl = _timeline([[-1, 0], [-1]], [[50, 60], [5]])
    tl.status[1] = 2
    tl.input_tokens[1] = 100
    tl.output_tokens[1] = 7
    ix = build_index(tl)
    assert len(ix.traces) == 2
    assert ix.traces.root.tolist() == [2, 0]  # the trace starting at 5 comes first
    assert ix.traces.spans.tolist() == [1, 2]
    assert ix.traces.errors.tolist() == [0, 1]
    assert (ix.traces.input_tokens.tolist(), ix.traces.output_tokens.tolist()) == ([0, 100], [0, 7])
    assert ix.traces.start.tolist() == [5, 50] and ix.traces.end.tolist() == [15, 70]


def test_missing_parent_and_cycle_become_roots():
    tl = _timeline([[-1, 0]], [[1, 2]])
    tl.parent_span_id[0] = 999  # the parent was never exported
    ix = build_index(tl)
    assert ix.parent.tolist() == [-1, 0] and ix.depth.tolist() == [0, 1]
    cyc = _timeline([[1, 0, -1]], [[1, 2, 3]])  # spans 0 and 1 name each other as parent
    ix = build_index(cyc)
    assert sorted(ix.order.tolist()) == [0, 1, 2]
    assert (ix.depth >= 0).all()


def test_empty_timeline():
    ix = build_index(_timeline([], []))
    assert ix.n == 0 and len(ix.traces) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 1000), min_size=1, max_size=30), min_size=1, max_size=6), st.randoms())
def test_order_is_a_depth_first_permutation(start_lists, rnd):
    parents = [[-1] + [rnd.randrange(i) for i in range(1, len(s))] for s in start_lists]
    ix = build_index(_timeline(parents, start_lists))
    assert sorted(ix.order.tolist()) == list(range(ix.n))
    for t in range(len(ix.traces)):
        rows = ix.trace_rows(t).tolist()
        assert len(set(ix.trace[rows].tolist())) == 1
        # Each subtree is contiguous right after its root, and a parent precedes its children.
        for k, row in enumerate(rows):
            size = int(ix.subtree[row])
            inside = set(rows[k : k + size])
            for other in rows[k + 1 : k + size]:
                assert ix.parent[other] in inside
            if ix.parent[row] >= 0:
                assert ix.position[ix.parent[row]] < ix.position[row]


def test_index_of_a_real_file(tmp_path):
    path = tmp_path / "run.tracy"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(path)))
    tracer = provider.get_tracer("t")
    for turn in range(3):
        with tracer.start_as_current_span(f"invoke_agent turn{turn}", attributes={"gen_ai.operation.name": "invoke_agent"}):
            with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT, attributes={
                "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 3}) as chat:  # fmt: skip
                if turn == 1:
                    chat.set_status(Status(StatusCode.ERROR, "429"))
    provider.shutdown()
    ix = build_index(read_timeline(path))
    assert len(ix.traces) == 3
    assert [ix.name(int(r)) for r in ix.traces.root] == ["invoke_agent turn0", "invoke_agent turn1", "invoke_agent turn2"]
    assert ix.traces.errors.tolist() == [0, 1, 0]
    assert ix.traces.input_tokens.tolist() == [10, 10, 10]
    rows = ix.trace_rows(1).tolist()
    assert [ix.name(r) for r in rows] == ["invoke_agent turn1", "chat gpt-4o"]
    assert ix.model(rows[1]) == "gpt-4o" and ix.is_error(rows[1])


@pytest.mark.parametrize("n_traces,per", [(2000, 5), (1, 3000)])
def test_bigger_shapes_stay_consistent(n_traces, per):
    rng = np.random.default_rng(1)
    parents = [[-1] + [int(rng.integers(0, i)) for i in range(1, per)] for _ in range(n_traces)]
    starts = [list(rng.integers(0, 10_000, per)) for _ in range(n_traces)]
    ix = build_index(_timeline(parents, starts))
    assert ix.n == n_traces * per and len(ix.traces) == n_traces
    assert int(ix.subtree[ix.traces.root].sum()) == ix.n
