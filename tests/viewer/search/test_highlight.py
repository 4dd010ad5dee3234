"""The words of a search that the Chat and Inspector panes mark, and where they occur."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from viewer.search import parse
from viewer.search.highlight import MIN_LENGTH, find_spans, highlight_terms, terms_of


def test_free_text_phrases_and_values_are_marked_longest_first():
    terms = highlight_terms(parse('weather "short story" model:gpt city:Lisbon name:chat feedback:budget'))
    assert terms == ["short story", "weather", "Lisbon", "budget", "chat", "gpt"]


def test_what_a_query_excludes_or_compares_is_not_marked():
    query = parse("weather -secret NOT hidden status:error kind:client category:llm duration>2s has:gen_ai.tool.name "
                  "feedback:positive x")  # fmt: skip
    assert highlight_terms(query) == ["weather"]  # "x" is too short to mark


def test_or_marks_both_sides_and_repeats_count_once():
    assert highlight_terms(parse("(Paris OR lisbon) paris")) == ["lisbon", "Paris"]


def test_text_that_does_not_parse_marks_nothing():
    assert terms_of('weather "unclosed') == [] and terms_of("") == []


def test_find_spans_ignores_case_and_prefers_the_longer_term():
    text = "Weather in WEATHERville; the weather station"
    assert find_spans(text, ["weather", "weather station"]) == [(0, 7), (11, 18), (29, 44)]
    assert find_spans(text, []) == [] and find_spans("", ["a"]) == []
    assert find_spans("a.b a+b", ["a+b"]) == [(4, 7)]  # terms are text, not patterns


@given(st.text(max_size=200), st.lists(st.text(min_size=MIN_LENGTH, max_size=5), max_size=4))
def test_find_spans_are_in_order_without_overlap_and_each_is_a_term(text, terms):
    spans = find_spans(text, terms)
    lowered = {t.lower() for t in terms}
    end = 0
    for start, stop in spans:
        assert start >= end and stop > start
        assert text[start:stop].lower() in lowered or any(text[start:stop].casefold() == t.casefold() for t in terms)
        end = stop
