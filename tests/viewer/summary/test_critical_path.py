"""The critical path on overlapping and sequential children."""

from __future__ import annotations

import numpy as np

from tracefile.format.columns import read_timeline
from viewer.summary.critical_path import critical_path, critical_sections
from viewer.tracedata import build_index

MS = 1_000_000


def _path(start, end, parent, root=0):
    span, a, b = critical_sections(np.array(start), np.array(end), np.array(parent), root)
    return list(zip(span.tolist(), a.tolist(), b.tolist()))


def test_overlapping_children_the_last_to_finish_leads():
    # root 0-100; A 10-40 and B 30-60 overlap, C 70-120 overruns the root; B has a child D 35-50.
    path = _path([0, 10, 30, 70, 35], [100, 40, 60, 120, 50], [-1, 0, 0, 0, 2])
    assert path == [
        (3, 70, 100),  # C, clipped to the root's end
        (0, 60, 70),  # the root waits between B's end and C's start
        (2, 50, 60), (4, 35, 50), (2, 30, 35),  # B, its child D, B again
        (0, 0, 30),  # A ends after B starts, so it is not what the root waited for
    ]  # fmt: skip


def test_sequential_children_that_touch_are_all_on_the_path():
    path = _path([0, 0, 40, 70], [100, 40, 70, 100], [-1, 0, 0, 0])
    assert path == [(3, 70, 100), (2, 40, 70), (1, 0, 40)]


def test_a_leaf_root_is_its_own_path_and_short_children_are_skipped():
    assert _path([5], [9], [-1]) == [(0, 5, 9)]
    # The child that ended last (60) leads, the one that ended earlier (20) is waited on before it.
    assert _path([0, 10, 50, 30], [100, 20, 60, 35], [-1, 0, 0, 0]) == [
        (0, 60, 100), (2, 50, 60), (0, 35, 50), (3, 30, 35), (0, 20, 30), (1, 10, 20), (0, 0, 10)]  # fmt: skip


def test_a_recorded_trace(support_runs):
    ix = build_index(read_timeline(support_runs))
    path = critical_path(ix, 0)
    names = [ix.name(r) for r in path.spans()]
    # The agent run's steps are sequential: every child is on the path, and they tile the 4 s.
    assert sorted(names) == sorted(["invoke_agent support-bot", "chat gpt-4o", "execute_tool get_weather",
                                    "chat gpt-4o", "execute_tool get_weather_v2"])  # fmt: skip
    assert int((path.end - path.start).sum()) == 4000 * MS
    assert int(path.start.min()) == int(ix.traces.start[0]) and int(path.end.max()) == int(ix.traces.end[0])
    assert path.sections_of(np.array([int(ix.traces.root[0])])).size == 5  # the agent between its steps
