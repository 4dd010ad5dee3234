"""tracefile.format.truncation: one rule for cutting values, kept by every part that cuts or reads them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import tracefile
from tracefile.format import truncation
from tracefile.format.truncation import cut, split_marker, truncate, truncated_chars, truncation_marker
from tracefile.record import redact, values
from tracefile.record.redact import Policy, Redactor

TEXTS = st.text(max_size=300) | st.builds(lambda n: "x" * n, st.integers(0, 20_000))
LIMITS = st.integers(0, 400) | st.sampled_from([10_000, 32_768])


@settings(max_examples=300, deadline=None)
@given(TEXTS, LIMITS)
def test_never_longer_than_the_limit_and_says_how_much_was_cut(text, limit):
    out = truncate(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out is text
    elif text.endswith(" chars]") and split_marker(text)[1]:
        pass  # an earlier cut: see test_a_second_cut_adds_to_the_first
    else:
        body, n = split_marker(out)
        assert text.startswith(body)
        assert n == 0 and len(out) == limit or len(body) + n == len(text)  # no room for a marker, or an exact count


@settings(max_examples=200, deadline=None)
@given(TEXTS, LIMITS, LIMITS)
def test_a_second_cut_adds_to_the_first(text, first, second):
    once = truncate(text, first)
    twice = truncate(once, second)
    assert len(twice) <= max(second, 0) or twice is once
    assert truncate(once, first) == once  # idempotent
    body, n = split_marker(twice)
    if n:
        assert len(body) + n == len(text)


def test_examples():
    assert truncate("x" * 100, 40) == "x" * 18 + "…[truncated 82 chars]"
    assert truncate("x" * 100, 10) == "x" * 10  # no room for the marker
    assert truncate("x" * 100, None) == "x" * 100
    assert cut(b"y" * 40, 100, 30) == b"y" * 6 + "…[truncated 94 chars]".encode()
    assert truncated_chars("a…[truncated 1,234 chars] b…[truncated 6 chars]") == 1240
    assert truncation_marker(12_345) == "…[truncated 12,345 chars]"


def test_one_function_everywhere():
    assert tracefile.truncate is values.truncate is truncate
    assert not hasattr(redact, "TRUNCATION_MARKER_FORMAT")
    from viewer.inspector import logic

    assert logic.TRUNCATION_RE is truncation.TRUNCATION_RE
    # The redactor, to_json and to_attribute keep the same limit.
    assert len(Redactor(Policy(max_length=50)).value("note", "n" * 500)) == 50
    assert len(values.to_attribute("a" * 500, max_length=50)) == 50
    assert len(values.to_json("a" * 500, max_length=50)) <= 50
