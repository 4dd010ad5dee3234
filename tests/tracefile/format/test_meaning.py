"""The check that lets a small, sound batch skip the repairs (`meaning._small_and_sound`) agrees
with the repairs themselves: it passes exactly the batches they find nothing wrong with."""

from __future__ import annotations

import copy
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from tracefile.format import meaning
from tracefile.format.schema import Resource, Scope, SpanColumns


@st.composite
def small_batches(draw) -> SpanColumns:
    n = draw(st.integers(0, 6))
    strings = draw(st.lists(st.sampled_from(["chat", "tool", "gpt-4o"]), min_size=0, max_size=3))
    resources = [Resource({"service.name": "s"})] * draw(st.integers(0, 2))
    scopes = [Scope("x")] * draw(st.integers(0, 2))

    def col(fmt: str, hi: int, optional: bool = False) -> bytes:
        if optional and draw(st.booleans()):
            return b""
        return struct.pack(f"<{n}{fmt}", *draw(st.lists(st.integers(0, hi), min_size=n, max_size=n)))

    near_limit = draw(st.sampled_from([0, (1 << 63) - 10, 1_700_000_000 * 10**9, 1 << 63]))
    return SpanColumns(
        batch_id=1, count=n, base_time=near_limit, strings=strings, resources=resources, scopes=scopes,
        trace_id=bytes(16 * n), span_id=bytes(8 * n), parent_span_id=bytes(8 * n),
        start_time=col("Q", 20), duration=col("Q", 20), name=col("I", 4), kind=col("B", 6), status_code=col("B", 4),
        flags=col("I", 0), resource=col("H", 2), scope=col("H", 2), category=col("B", 9, True),
        model=col("I", 5, True), input_tokens=col("I", 9, True), output_tokens=col("I", 9, True),
    )  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(small_batches())
def test_the_fast_check_passes_exactly_the_batches_the_repairs_leave_alone(cols):
    repaired = copy.deepcopy(cols)
    found = meaning.repair_columns(repaired, 0) if not meaning._small_and_sound(cols) else []
    slow = copy.deepcopy(cols)
    # The repairs without the fast check: what they find is what the check must have seen.
    original = meaning._small_and_sound
    try:
        meaning._small_and_sound = lambda _cols: False
        slow_found = meaning.repair_columns(slow, 0)
    finally:
        meaning._small_and_sound = original
    assert meaning._small_and_sound(cols) == (not slow_found)
    if not slow_found:
        assert found == [] and repaired == slow
