"""What a failed span's banner says, read from spans the real Azure SDK recorded against a failing loopback server."""

from __future__ import annotations

from msgspec.structs import replace

import pytest

import tracefile
from viewer.failure.logic import HEADLINE_LIMIT, Failure, span_failure


@pytest.fixture(scope="module")
def spans(failed_calls) -> list[tracefile.Span]:
    return tracefile.load(failed_calls[0]).spans


def chat(spans, model: str) -> tracefile.Span:
    return next(s for s in spans if s.name == f"chat {model}")


def test_a_rate_limited_call_names_the_exception_and_its_message(spans):
    failure = span_failure(chat(spans, "error-429"))
    assert failure.type == "azure.core.exceptions.HttpResponseError" and failure.short_type == "HttpResponseError"
    assert failure.headline == "HttpResponseError: (RateLimitReached) Rate limit is exceeded. Try again in 1 seconds."
    assert failure.chat_sentence == "This call failed: " + failure.headline
    assert failure.stacktrace.startswith("Traceback (most recent call last):") and "HttpResponseError" in failure.stacktrace
    assert "Code: RateLimitReached" in failure.details  # the full message, for the tooltip


def test_a_server_error_says_so(spans):
    assert span_failure(chat(spans, "error-500")).headline.startswith("HttpResponseError: (InternalServerError) The server")


def test_calls_that_worked_have_no_failure(spans):
    assert [span_failure(s) for s in spans if not s.is_error] == [None] * sum(not s.is_error for s in spans)


def test_without_an_exception_event_the_status_message_and_error_type_stand_in(spans):
    failed = chat(spans, "error-429")
    bare = replace(failed, events=[e for e in failed.events if e.name != "exception"])
    failure = span_failure(bare)
    assert failure.stacktrace == "" and failure.type == "azure.core.exceptions.HttpResponseError"
    assert failure.message == failed.status_message
    unnamed = replace(bare, attributes={**bare.attributes, "error.type": "_OTHER"}, status_message="")
    assert span_failure(unnamed).headline == "Unknown error"


def test_an_ok_span_with_a_caught_exception_is_no_failure(spans):
    failed = chat(spans, "error-429")
    assert span_failure(replace(failed, status_code=1, status_message="")) is None


def test_a_long_message_is_cut_in_the_headline_only():
    failure = Failure("ValueError", "x" * 1000)
    assert len(failure.headline) == len("ValueError: ") + HEADLINE_LIMIT and failure.headline.endswith("…")
    assert failure.details.endswith("x" * 1000)
