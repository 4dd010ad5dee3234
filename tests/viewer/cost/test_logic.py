"""Prices and costs (no Qt): the price table, its JSON form, and costs of spans, traces and files, by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracefile.format.columns import Timeline, TimelineReader
from viewer.cost.logic import (
    NO_MODEL,
    Price,
    PriceTable,
    PriceTableError,
    Totals,
    attribute_totals,
    cost_text,
    default_table,
    file_summary_text,
    file_totals,
    format_cost,
    price_spans,
    rollup,
    rows_totals,
    short_cost,
    span_costs,
    usage_text,
)
from viewer.tracedata import build_index

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden-v1.tracy"


def timeline(
    rows: list[tuple[str, int, int, int, int]], *, traces: list[int] | None = None, parents: list[int] | None = None
) -> Timeline:
    """Spans as (model, input, output, cached, reasoning); each its own trace unless ``traces`` says;
    ``parents`` gives each span's parent row (-1 for a root)."""
    names = ["chat"]
    model = []
    for m, *_ in rows:
        if m and m not in names:
            names.append(m)
        model.append(names.index(m) + 1 if m else 0)
    n = len(rows)
    col = lambda i: np.array([r[i] for r in rows], np.uint32)  # noqa: E731
    tr = np.array(traces if traces is not None else range(n), np.uint64)
    z64 = np.zeros(n, np.uint64)
    pid = np.array([p + 1 if p >= 0 else 0 for p in parents], np.uint64) if parents is not None else z64
    return Timeline(
        trace_id=np.stack([tr + 1, z64], axis=1), span_id=np.arange(1, n + 1, dtype=np.uint64), parent_span_id=pid,
        start=np.arange(n, dtype=np.uint64) * 1000, end=np.arange(n, dtype=np.uint64) * 1000 + 500,
        name=np.zeros(n, np.uint32), kind=np.zeros(n, np.uint8), status=np.zeros(n, np.uint8),
        batch=np.zeros(n, np.uint32), category=np.ones(n, np.uint8), model=np.array(model, np.uint32),
        input_tokens=col(1), output_tokens=col(2), cache_read_tokens=col(3), reasoning_tokens=col(4), names=names,
    )  # fmt: skip


# -- one price ------------------------------------------------------------------------------


def test_cost_of_one_call_by_hand() -> None:
    gpt4o = default_table().resolve("gpt-4o")
    # 176 uncached × 2.50 + 1,024 cached × 1.25 + 300 output × 10.00 (reasoning billed as output)
    assert gpt4o.cost(1200, 300, cached=1024, reasoning=256) == pytest.approx((176 * 2.5 + 1024 * 1.25 + 300 * 10) / 1e6)
    own = Price("r1", input=1.0, output=2.0, reasoning=5.0)  # no cached price: cached input costs as input
    assert own.cost(100, 50, cached=40, reasoning=20) == pytest.approx((100 * 1 + 30 * 2 + 20 * 5) / 1e6)
    # Parts larger than their whole are clamped (a provider that reports oddly never gives negative costs).
    assert gpt4o.cost(10, 5, cached=50, reasoning=9) == pytest.approx((10 * 1.25 + 5 * 10) / 1e6)


def test_default_prices_are_the_published_list_prices() -> None:
    table = default_table()
    expect = {  # model: (input, cached input, output), USD per 1M tokens
        "gpt-4o": (2.50, 1.25, 10.00), "gpt-4o-mini": (0.15, 0.075, 0.60), "gpt-4.1": (2.00, 0.50, 8.00),
        "gpt-4.1-mini": (0.40, 0.10, 1.60), "gpt-4.1-nano": (0.10, 0.025, 0.40), "o3": (2.00, 0.50, 8.00),
        "o3-mini": (1.10, 0.55, 4.40), "o4-mini": (1.10, 0.275, 4.40),
    }  # fmt: skip
    for model, (i, c, o) in expect.items():
        p = table.resolve(model)
        assert (p.input, p.cached_input, p.output) == (i, c, o), model
    # Dated deployments resolve to their family, the longest matching pattern winning.
    assert table.resolve("gpt-4o-mini-2024-07-18").pattern == "gpt-4o-mini*"
    assert table.resolve("GPT-4o-2024-08-06").pattern == "gpt-4o*"
    assert table.resolve("gpt-4.1-nano-2025-04-14").pattern == "gpt-4.1-nano*"
    assert table.resolve("o3-mini-2025-01-31").label == "o3-mini"
    assert table.resolve("llama-3-70b") is None and table.resolve("") is None
    assert "check them against your provider" in table.note and table.currency == "USD"
    assert table.problem() is None


def test_exact_names_beat_globs_and_longer_globs_beat_shorter_ones() -> None:
    table = PriceTable([
        Price("*", 9, 9), Price("gpt-4o*", 2.5, 10), Price("GPT-4O-MINI", 0.1, 0.1), Price("gpt-4o-mini*", 0.15, 0.6),
        Price("gpt-4?", 1, 1), Price("gpt-*", 3, 3),
    ])  # fmt: skip
    assert table.resolve("gpt-4o-mini").pattern == "GPT-4O-MINI"  # exact, case-insensitive
    assert table.resolve("Gpt-4o-Mini-2024").pattern == "gpt-4o-mini*"
    assert table.resolve("gpt-4o").pattern == "gpt-4o*"
    assert table.resolve("gpt-45").pattern == "gpt-4?"  # "gpt-4?" and "gpt-*" both have 4 literal characters: first row
    assert table.resolve("mistral-large").pattern == "*"
    assert Price("gpt-4o*", 1, 1).label == "gpt-4o" and Price("gpt-?o", 1, 1).label == "gpt-?o"


# -- many spans ----------------------------------------------------------------------------


def test_span_costs_by_hand_with_unpriced_models_flagged() -> None:
    tl = timeline([
        ("gpt-4o-2024-08-06", 1200, 300, 1024, 0),  # 0 priced
        ("gpt-4o-mini", 1000, 100, 0, 0),  # 1 priced
        ("my-finetune", 500, 20, 0, 0),  # 2 tokens, no price
        ("", 40, 2, 0, 0),  # 3 tokens, no model name
        ("other-model", 0, 0, 0, 0),  # 4 no tokens: not flagged
        ("o4-mini", 100, 1000, 0, 800),  # 5 reasoning billed as output
    ])  # fmt: skip
    costs = price_spans(tl, default_table())
    expect = [
        (176 * 2.5 + 1024 * 1.25 + 300 * 10) / 1e6,
        (1000 * 0.15 + 100 * 0.6) / 1e6,
        0.0,
        0.0,
        0.0,
        (100 * 1.1 + 1000 * 4.4) / 1e6,
    ]
    assert costs.cost.dtype == np.float64
    np.testing.assert_allclose(costs.cost, expect, rtol=1e-12)
    np.testing.assert_allclose(span_costs(tl, default_table()), expect, rtol=1e-12)
    assert costs.unpriced.tolist() == [False, False, True, True, False, False]
    assert costs.unpriced_models == [NO_MODEL, "my-finetune"]
    assert {p.pattern for p in costs.prices.values()} == {"gpt-4o*", "gpt-4o-mini*", "o4-mini*"}

    # A price for the fine-tune (and reasoning priced on its own) changes only those spans.
    table = default_table()
    table.entries.append(Price("my-*", 3.0, 12.0))
    table.entries.append(Price("o4-mini", 1.1, 4.4, 0.275, reasoning=2.0))
    costs = price_spans(tl, table)
    assert costs.cost[2] == pytest.approx((500 * 3 + 20 * 12) / 1e6)
    assert costs.cost[5] == pytest.approx((100 * 1.1 + 200 * 4.4 + 800 * 2.0) / 1e6)
    assert costs.unpriced_models == [NO_MODEL]


def test_rollups_per_trace_and_per_file() -> None:
    tl = timeline(
        [("gpt-4o", 1000, 100, 600, 0), ("gpt-4o", 2000, 200, 0, 0), ("mystery", 10, 5, 0, 0), ("o3", 50, 500, 0, 400)],
        traces=[0, 0, 1, 1],
    )
    costs = price_spans(tl, default_table())
    usage = rollup(tl, costs, np.array([0, 0, 1, 1]), 2)
    assert usage.input.tolist() == [3000, 60] and usage.output.tolist() == [300, 505]
    assert usage.cached.tolist() == [600, 0] and usage.reasoning.tolist() == [0, 400]
    assert usage.tokens.tolist() == [3300, 565] and usage.unpriced.tolist() == [0, 1]
    t0 = (400 * 2.5 + 600 * 1.25 + 100 * 10 + 2000 * 2.5 + 200 * 10) / 1e6
    t1 = (50 * 2.0 + 500 * 8.0) / 1e6
    np.testing.assert_allclose(usage.cost, [t0, t1])

    total = file_totals(tl, costs)
    assert (total.input, total.output, total.cached, total.reasoning) == (3060, 805, 600, 400)
    assert total.cost == pytest.approx(t0 + t1) and total.unpriced_spans == 1
    assert total.unpriced_models == ("mystery",) and total.priced_by == ("gpt-4o", "o3")
    # One trace's rows give the same numbers, and the words for them.
    ix = build_index(tl)
    trace1 = rows_totals(tl, ix.trace_rows(1), default_table())
    assert (trace1.tokens, trace1.cost, trace1.unpriced_models) == (565, pytest.approx(t1), ("mystery",))
    assert cost_text(trace1) == f"{format_cost(t1)} at o3 prices (no price for mystery)"
    assert short_cost(trace1) == "≥" + format_cost(t1)
    # The index's trace table carries the cached and reasoning sums too.
    assert ix.traces.cache_read_tokens.tolist() == [600, 0] and ix.traces.reasoning_tokens.tolist() == [0, 400]


def test_spans_that_repeat_their_descendants_totals_are_not_counted_twice() -> None:
    # Trace 0: an agent span reporting the totals of the two model calls under it (through a tool span).
    # Trace 1: an agent run whose usage is only on the agent span: that one counts.
    tl = timeline(
        [("gpt-4o", 3000, 300, 600, 0), ("", 0, 0, 0, 0), ("gpt-4o", 1000, 100, 600, 0), ("gpt-4o", 2000, 200, 0, 0),
         ("gpt-4o-mini", 500, 50, 0, 0)],
        traces=[0, 0, 0, 0, 1], parents=[-1, 0, 1, 0, -1],
    )  # fmt: skip
    ix = build_index(tl)
    assert ix.counted.tolist() == [False, False, True, True, True]
    assert ix.traces.input_tokens.tolist() == [3000, 500] and ix.traces.output_tokens.tolist() == [300, 50]
    assert ix.traces.cache_read_tokens.tolist() == [600, 0]
    costs = price_spans(tl, default_table())
    usage = rollup(tl, costs, ix.trace, 2, ix.counted)
    both = (400 * 2.5 + 600 * 1.25 + 100 * 10 + 2000 * 2.5 + 200 * 10) / 1e6
    np.testing.assert_allclose(usage.cost, [both, (500 * 0.15 + 50 * 0.6) / 1e6])
    total = file_totals(tl, costs, ix.counted)
    assert (total.input, total.output, total.cached) == (3500, 350, 600)
    assert total.cost == pytest.approx(usage.cost.sum())
    # Without the index every span counts: the agent's totals come twice.
    assert file_totals(tl, costs).input == 6500


def test_empty_timeline_costs_nothing() -> None:
    tl = timeline([])
    costs = price_spans(tl, default_table())
    assert len(costs.cost) == 0 and costs.unpriced_models == []
    assert rollup(tl, costs, np.zeros(0, np.int64), 0).cost.tolist() == []
    assert file_summary_text(file_totals(tl, costs)) == ""


def test_old_file_without_cache_columns_is_priced_from_input_and_output() -> None:
    reader = TimelineReader(GOLDEN)  # written before the cached and reasoning columns existed
    reader.read()
    tl = reader.timeline
    assert tl.cache_read_tokens.tolist() == [0] * len(tl) and tl.reasoning_tokens.tolist() == [0] * len(tl)
    costs = price_spans(tl, default_table())
    assert costs.cost.sum() == pytest.approx(120 * 2.5 / 1e6) and costs.unpriced_models == []
    assert file_summary_text(file_totals(tl, costs)) == "120 tokens · $0.00030"


def test_attribute_totals_read_every_kind_from_a_span() -> None:
    attrs = {"gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.usage.input_tokens": 1200,
             "gen_ai.usage.output_tokens": 300, "gen_ai.usage.cache_read.input_tokens": 1024,
             "gen_ai.usage.reasoning.output_tokens": 256}  # fmt: skip
    t = attribute_totals(attrs, default_table())
    assert (t.input, t.output, t.cached, t.reasoning) == (1200, 300, 1024, 256)
    assert usage_text(t) == "1,200 input (1,024 cached) · 300 output (256 reasoning) · $0.0047 at gpt-4o prices"
    older = {"gen_ai.request.model": "acme-1", "gen_ai.usage.prompt_tokens": 7, "gen_ai.usage.completion_tokens": 3}
    t = attribute_totals(older, default_table())
    assert usage_text(t) == "7 input · 3 output · no price for acme-1"
    assert short_cost(t) == "?" and short_cost(Totals()) == "–"
    assert attribute_totals({"http.method": "GET"}, default_table()).tokens == 0


# -- words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, text",
    [(0, "$0"), (4e-7, "<$0.000001"), (0.00001995, "$0.000020"), (0.00002, "$0.000020"), (0.000028, "$0.000028"),
     (0.0000996, "$0.00010"), (0.00034, "$0.00034"), (0.0003, "$0.00030"), (0.0034, "$0.0034"), (0.00999, "$0.01"),
     (0.42, "$0.42"), (12.3, "$12.30"), (999.999, "$1,000"), (1234.5, "$1,234")],
)  # fmt: skip
def test_format_cost(amount: float, text: str) -> None:
    assert format_cost(amount) == text


def test_file_summary_text() -> None:
    assert file_summary_text(Totals(10_000, 2_300, cost=0.4213, priced_by=("gpt-4o",))) == "12.3k tokens · $0.42"
    both = Totals(900, 100, cost=0.01, unpriced_spans=2, unpriced_models=("a", "b"), priced_by=("gpt-4o",))
    assert file_summary_text(both) == "1,000 tokens · $0.01 · no price for a, b"
    assert file_summary_text(Totals(5, 5, unpriced_spans=1, unpriced_models=("x",))) == "10 tokens · no price for x"
    assert format_cost(1.5, "EUR") == "1.50 EUR"


# -- JSON -----------------------------------------------------------------------------------


def test_json_round_trip_keeps_every_field() -> None:
    table = default_table()
    table.entries.append(Price("my-model", 1.0, 2.0, None, 3.0))
    text = table.to_json()
    doc = json.loads(text)
    assert doc["version"] == 1 and doc["currency"] == "USD"
    assert doc["prices"][0] == {"model": "gpt-4o*", "input": 2.5, "output": 10.0, "cached_input": 1.25}
    assert doc["prices"][-1] == {"model": "my-model", "input": 1.0, "output": 2.0, "reasoning": 3.0}
    assert PriceTable.from_json(text) == table


@pytest.mark.parametrize(
    "doc, message",
    [
        ("{not json", "Not a JSON document"),
        ("[1, 2]", 'a JSON object with a "prices" list'),
        ('{"version": 1}', 'needs a "prices" list'),
        ('{"version": 99, "prices": []}', "version 99; this Tracy reads up to version 1"),
        ('{"prices": [{"model": "a", "input": 1, "output": 1}, {"model": "gpt-x", "input": -2, "output": 1}]}',
         'Row 2 (gpt-x): "input" must be a number of 0 or more, not -2'),
        ('{"prices": [{"model": "gpt-x", "input": 1}]}', 'Row 1 (gpt-x): "output" is missing'),
        ('{"prices": [{"model": "gpt-x", "input": 1, "output": true}]}', 'Row 1 (gpt-x): "output" must be a number'),
        ('{"prices": [{"model": "", "input": 1, "output": 1}]}', 'Row 1: "model" must be a model name'),
        ('{"prices": [{"model": "a", "input": 1, "output": 1, "cache": 1}]}', "Row 1 (a): unknown field 'cache'"),
        ('{"prices": [{"model": "A*", "input": 1, "output": 1}, {"model": "a*", "input": 2, "output": 2}]}',
         "Row 2 (a*): the same model pattern as row 1"),
        ('{"prices": ["gpt-4o"]}', "Row 1: expected an object"),
        ('{"currency": 5, "prices": []}', '"currency" must be a short text'),
    ],
)  # fmt: skip
def test_bad_json_names_the_bad_row(doc: str, message: str) -> None:
    with pytest.raises(PriceTableError) as err:
        PriceTable.from_json(doc)
    assert message in str(err.value)


_MODELS = ["gpt-4o", "gpt-4o-mini-2024-07-18", "o3-mini", "o4-mini", "unknown-model", ""]


@given(
    st.lists(
        st.tuples(st.sampled_from(_MODELS), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1),
                  st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
        max_size=30,
    ),
    st.integers(1, 4),
)  # fmt: skip
def test_vectorised_costs_equal_the_one_span_prices(rows, n_traces) -> None:
    """What the trace list sums (arrays) and what a tooltip says (one span at a time) always agree."""
    tl = timeline(rows, traces=[i % n_traces for i in range(len(rows))])
    table = default_table()
    costs = price_spans(tl, table)
    for i, (model, tin, tout, cached, reasoning) in enumerate(rows):
        price = table.resolve(model)
        one = rows_totals(tl, np.array([i]), table)
        if price is None or not (tin or tout):
            assert costs.cost[i] == 0 and costs.unpriced[i] == bool(tin or tout)
        else:
            assert costs.cost[i] == pytest.approx(price.cost(tin, tout, cached, reasoning), rel=1e-12)
        assert one.cost == pytest.approx(costs.cost[i], rel=1e-12)
    group = np.array([i % n_traces for i in range(len(rows))], np.int64)
    usage = rollup(tl, costs, group, n_traces)
    np.testing.assert_allclose(usage.cost, np.bincount(group, weights=costs.cost, minlength=n_traces), rtol=1e-12)
    assert usage.input.tolist() == [sum(r[1] for j, r in enumerate(rows) if j % n_traces == t) for t in range(n_traces)]
    assert file_totals(tl, costs).cost == pytest.approx(float(costs.cost.sum()), rel=1e-12)
