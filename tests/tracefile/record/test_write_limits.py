"""Names and keys are bounded when they are written: a 10 MB span name, event name or attribute key
from the app comes out of `TracyFileExporter` cut to ``max_name_length``, with the marker that
counts what was cut (a 10 MB span name took the viewer 31 s to draw)."""

from __future__ import annotations

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Link, SpanContext, TraceFlags

import tracefile
from tests.helpers.spans import provider
from tracefile.format.truncation import split_marker, truncated_chars
from tracefile.record.exporter import TracyFileExporter
from tracefile.record.redact import Policy

BIG = 10_000_000
LIMIT = 1_024  # Policy.max_name_length by default


def _cut_from(text: str, original: str) -> None:
    """``text`` is ``original`` cut within the limit, and its marker counts exactly what is missing."""
    assert len(text) <= LIMIT
    body, dropped = split_marker(text)
    assert original.startswith(body) and len(body) > LIMIT // 2
    assert dropped == len(original) - len(body) == truncated_chars(text)


def test_a_10_mb_span_name_event_name_and_key_come_out_short(tmp_path):
    name, event, key = "n" * BIG, "e" * BIG, "k" * BIG
    path = tmp_path / "run.tracy"
    tp, _ = provider({"service.name": "big", "r" * 5000: "resource value"})
    tp.add_span_processor(SimpleSpanProcessor(TracyFileExporter(path)))
    tracer = tp.get_tracer("big")
    link = Link(SpanContext(1, 2, False, TraceFlags(1)), {"l" * 3000: "link value"})
    with tracer.start_as_current_span(name, attributes={key: "span value", "plain": 1}, links=[link]) as span:
        span.add_event(event, {"x" * 2000: "event value"})
        span.add_event("tick", {"seq": 1})
    with tracer.start_as_current_span("second") as span:  # a second batch: the cut key's verdict is cached
        span.set_attribute(key, "again")
    tp.shutdown()
    assert path.stat().st_size < 100_000

    first, second = tracefile.load(path).spans
    _cut_from(first.name, name)
    _cut_from(first.events[0].name, event)
    assert first.events[1].name == "tick"
    ((span_key, span_value), plain) = first.attributes.items()
    _cut_from(span_key, key)
    assert span_value == "span value" and plain == ("plain", 1)
    (event_key,) = first.events[0].attributes
    _cut_from(event_key, "x" * 2000)
    (link_key,) = first.links[0].attributes
    _cut_from(link_key, "l" * 3000)
    assert first.links[0].attributes[link_key] == "link value"
    resource = tracefile.load(path).resources[0].attributes
    (long_key,) = [k for k in resource if k.startswith("r")]
    _cut_from(long_key, "r" * 5000)
    assert second.attributes == {span_key: "again"}


def test_a_long_key_that_names_a_secret_still_hides_its_value(tmp_path):
    path = tmp_path / "run.tracy"
    tp, _ = provider({"service.name": "big"})
    tp.add_span_processor(SimpleSpanProcessor(TracyFileExporter(path)))
    key = "db.password" + "_" * 5000
    with tp.get_tracer("big").start_as_current_span("connect", attributes={key: "hunter2hunter2"}):
        pass
    tp.shutdown()
    ((k, v),) = tracefile.load(path).spans[0].attributes.items()
    _cut_from(k, key)
    assert v == "[REDACTED]"


def test_names_within_the_limit_are_written_as_they_are(tmp_path):
    path = tmp_path / "run.tracy"
    tp, _ = provider({"service.name": "fits"})
    tp.add_span_processor(SimpleSpanProcessor(TracyFileExporter(path)))
    name = "a" * LIMIT
    with tp.get_tracer("fits").start_as_current_span(name, attributes={"k" * LIMIT: 1}) as span:
        span.add_event(name)
    tp.shutdown()
    (span,) = tracefile.load(path).spans
    assert span.name == name and span.events[0].name == name and list(span.attributes) == ["k" * LIMIT]


def test_no_name_limit_when_the_policy_asks_for_none(tmp_path):
    path = tmp_path / "run.tracy"
    tp, _ = provider({"service.name": "whole"})
    policy = Policy(max_name_length=None)
    tp.add_span_processor(SimpleSpanProcessor(TracyFileExporter(path, redaction=policy)))
    with tp.get_tracer("whole").start_as_current_span("w" * 5000):
        pass
    tp.shutdown()
    assert tracefile.load(path).spans[0].name == "w" * 5000
