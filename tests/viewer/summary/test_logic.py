"""The Summary figures against a hand count on a recorded file, and the searches its rows stand for."""

from __future__ import annotations

import numpy as np
import pytest

from tracefile.format.columns import read_timeline
from viewer.cost.logic import default_table, price_spans
from viewer.search import parse
from viewer.search.columns import evaluate_columns
from viewer.summary import logic
from viewer.tracedata import build_index

MS = 1_000_000


@pytest.fixture(scope="module")
def index(support_runs):
    return build_index(read_timeline(support_runs))


def _summary(ix, grouping, rows=None):
    costs = price_spans(ix.timeline, default_table())
    return logic.summarize(ix.timeline, grouping, ix.counted, costs.cost, rows)


def _table(s: logic.Summary) -> dict[str, tuple]:
    return {label: (int(s.count[i]), int(s.errors[i]), float(s.p50[i]) / MS, float(s.p95[i]) / MS,
                    int(s.input[i]), int(s.output[i]), round(float(s.cost[i]), 9))
            for i, label in enumerate(s.labels)}  # fmt: skip


def test_per_model_figures_match_a_hand_count(index):
    t = _table(_summary(index, logic.MODEL))
    # gpt-4o: 1000, 1500 and 300 ms; p95 = 1000 + 0.9 × 500. Cost at $2.50 / $10 per 1M tokens.
    assert t["gpt-4o"] == (3, 0, 1000.0, 1450.0, 310, 75, round((310 * 2.5 + 75 * 10) / 1e6, 9))
    assert t["gpt-4o-mini"] == (1, 1, 2000.0, 2000.0, 50, 0, round(50 * 0.15 / 1e6, 9))
    assert list(t) == ["gpt-4o", "gpt-4o-mini"]  # by total time: 2.8 s before 2 s


def test_per_tool_figures_match_a_hand_count(index):
    t = _table(_summary(index, logic.TOOL))
    assert t["execute_tool get_weather"] == (2, 1, 250.0, 385.0, 0, 0, 0.0)  # 100 and 400 ms
    assert t["execute_tool get_weather_v2"] == (1, 0, 200.0, 200.0, 0, 0, 0.0)
    assert len(t) == 2


def test_per_category_tokens_add_up_to_the_file_without_the_agent_repeating_them(index):
    t = _table(_summary(index, logic.CATEGORY))
    assert t["llm"][:2] == (4, 1) and t["llm"][4:6] == (360, 75)
    assert t["agent"][:2] == (1, 0) and t["agent"][4:6] == (0, 0)  # its 300/70 repeat its calls
    assert sum(v[0] for v in t.values()) == index.n
    assert sum(v[4] for v in t.values()) == int(index.traces.input_tokens.sum()) == 360


def test_one_trace_only(index):
    t = _table(_summary(index, logic.MODEL, index.trace_rows(2)))
    assert t == {"gpt-4o": (1, 0, 300.0, 300.0, 10, 5, round((10 * 2.5 + 5 * 10) / 1e6, 9))}
    assert _summary(index, logic.TOOL, index.trace_rows(1)).labels == []


def test_span_name_grouping_percentiles_agree_with_numpy(index):
    s = _summary(index, logic.NAME)
    tl = index.timeline
    for i, label in enumerate(s.labels):
        d = (tl.end - tl.start)[tl.name == tl.names.index(label)].astype(np.float64)
        assert s.p50[i] == pytest.approx(np.percentile(d, 50))
        assert s.p95[i] == pytest.approx(np.percentile(d, 95))
        assert s.total[i] == d.sum()


@pytest.mark.parametrize(
    ("grouping", "label", "query", "names"),
    [
        (logic.MODEL, "gpt-4o", "model:gpt-4o -model:gpt-4o-mini", {"chat gpt-4o"}),
        (logic.TOOL, "execute_tool get_weather",
         'name:"execute_tool get_weather" -name:"execute_tool get_weather_v2"', {"execute_tool get_weather"}),
        (logic.CATEGORY, "tool", "category:tool", {"execute_tool get_weather", "execute_tool get_weather_v2"}),
    ],
)  # fmt: skip
def test_a_row_query_finds_exactly_its_spans(index, grouping, label, query, names):
    s = _summary(index, grouping)
    i = s.labels.index(label)
    assert logic.row_query(index.timeline, s, i) == query
    found = evaluate_columns(parse(query), index).mask
    assert int(found.sum()) == int(s.count[i])
    assert {index.name(r) for r in np.flatnonzero(found)} == names


def test_unknown_grouping_names_the_choices(index):
    with pytest.raises(ValueError, match="model, tool, category, name"):
        _summary(index, "colour")
