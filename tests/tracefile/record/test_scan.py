"""The compiled scanner (`tracefile/record/_scan.pyx`) against the Python one it speeds up.

The Python loop in `tracefile.record.convert` is the reference: for every batch the
compiled scanner takes, the two payloads must be identical; for the batches it
declines, `convert` must still give the reference result.
"""

from __future__ import annotations

import shutil

import pytest
from opentelemetry.sdk.trace import Event, SpanLimits
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState

from tests.helpers.spans import BASE_TIME, provider, rich_spans
from tracefile.testing import synthetic
from tracefile.record import convert as conv
from tracefile.record.exporter import default_policy
from tracefile.record.redact import Policy, Redactor

needs_compiled = pytest.mark.skipif(conv._compiled is None, reason="the compiled scanner is not built here")


def _python(spans, redactor=None):
    names: dict = {}
    tables = conv._Tables(redactor)
    return conv._frames(conv._scan_python(spans, names, tables), 3, names, tables, redactor)


def _compiled(spans, redactor=None):
    names: dict = {}
    tables = conv._Tables(redactor)
    scanned = conv._scan_compiled(spans, names, tables)
    assert scanned is not None, "the compiled scanner declined a batch of plain SDK spans"
    return conv._frames(scanned, 3, names, tables, redactor)


def _genai_spans() -> list:
    """Spans that take every branch of the GenAI summary columns and the rarer fields."""
    tp, col = provider({"service.name": "scan"})
    tracers = [tp.get_tracer(f"tests.scan.{i}") for i in range(20)]  # more scopes than the scanner remembers
    t = BASE_TIME
    cases = [
        ("chat gpt", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                      "gen_ai.response.model": "gpt-4o-2024", "gen_ai.usage.input_tokens": 12,
                      "gen_ai.usage.output_tokens": 5}),
        ("chat older", {"gen_ai.operation.name": "chat", "gen_ai.usage.prompt_tokens": 50,
                        "gen_ai.usage.completion_tokens": 9, "gen_ai.usage.cache_read_input_tokens": 40,
                        "gen_ai.usage.output_tokens.reasoning": 4, "gen_ai.request.model": "m-older"}),
        ("chat floats", {"gen_ai.usage.input_tokens": 7.9, "gen_ai.usage.output_tokens": True,
                         "gen_ai.response.model": "", "gen_ai.request.model": "fallback-model"}),
        ("chat huge", {"gen_ai.usage.input_tokens": 2**40, "gen_ai.usage.output_tokens": -3,
                       "gen_ai.usage.cache_read.input_tokens": 2**33, "gen_ai.response.model": 17}),
        ("chat strings", {"gen_ai.usage.input_tokens": "12", "gen_ai.usage.reasoning.output_tokens": 4}),
        ("chat not numbers", {"gen_ai.usage.input_tokens": float("nan"), "gen_ai.usage.output_tokens": float("inf"),
                              "gen_ai.usage.prompt_tokens": 3}),
        ("POST /v1/chat", {"http.request.method": "POST", "url.full": "https://example.com/v1/chat"}),
        ("GET old", {"http.method": "GET"}),
        ("select", {"db.system.name": "postgresql"}),
        ("select old", {"db.system": "sqlite"}),
        ("execute_tool lookup", {}),
        ("invoke_agent planner", {"gen_ai.operation.name": "no-such-operation"}),
        ("embeddings text", {}),
        ("my_function", {"code.function.name": "my_function"}),
        ("plain", {"gen_ai.operation.name": "invoke_workflow"}),
        ("nothing", {}),
    ]  # fmt: skip
    for i, (name, attrs) in enumerate(cases * 2):
        span = tracers[i % len(tracers)].start_span(name, kind=SpanKind(i % 5), attributes=attrs, start_time=t + i)
        if i % 4 == 1:
            span.set_status(Status(StatusCode.ERROR, f"failed with api_key=sk-{'a' * 40}"))
        if i % 7 == 0:
            span.add_event("gen_ai.user.message", {"content": f"hello {i}", "gen_ai.system": "az.ai"}, timestamp=t + i + 1)
            span.add_event("before the span started", timestamp=t + i - 5)
        span.end(end_time=t + i + (100 if i % 5 else -50))  # some end before they start
    state = TraceState([("vendor", "abc")])
    remote = SpanContext(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, True, TraceFlags(1), state)
    linked = tracers[0].start_span("linked", links=[Link(remote, {"password": "hunter2", "n": 1})], start_time=t)
    linked.end(end_time=t + 1)
    spans = col.take()
    limited_tp, limited = provider(
        {"service.name": "limited"}, span_limits=SpanLimits(max_span_attributes=1, max_events=1, max_links=1)
    )
    span = limited_tp.get_tracer("tests.limited").start_span("limited", attributes={"a": 1, "b": 2}, start_time=t)
    span.add_event("one", timestamp=t)
    span.add_event("two", timestamp=t)
    span.end(end_time=t + 10)
    return spans + limited.take()


def _hostile_spans() -> list:
    """Names and keys over the limits, and secrets in names: what the exporter cuts and redacts
    after the scan, so that both scanners' frames must still agree."""
    tp, col = provider({"service.name": "hostile", "r" * 3000: "v"})
    tracer = tp.get_tracer("tests.hostile")
    t = BASE_TIME
    for i, name in enumerate(["n" * 2_000_000, "GET https://u:hunter2Secret@x.example/?key=sk-proj-abcdefghijklmnopqrstu123",
                              "n" * 2_000_000, "fine", "fine"]):
        span = tracer.start_span(name, attributes={"k" * 5000: i, "password" + "_" * 2000: "hunter2", "ok": i}, start_time=t + i)
        span.add_event("e" * 4000, {"x" * 3000: "y"}, timestamp=t + i)
        span.add_event("pushed with ghp_" + "a1" * 20, timestamp=t + i)
        span.add_event("fine", timestamp=t + i)
        span.end(end_time=t + i + 10)
    return col.take()


REDACTORS = {
    "none": lambda: None,
    "default": lambda: Redactor(default_policy()),
    "content-on": lambda: Redactor(Policy(record_content=True)),
}


@needs_compiled
@pytest.mark.parametrize("redaction", sorted(REDACTORS))
@pytest.mark.parametrize(
    "make",
    [rich_spans, _genai_spans, _hostile_spans, lambda: synthetic.make_spans(600, seed=3), lambda: rich_spans()[:1],
     lambda: []],
    ids=["rich", "genai", "hostile", "synthetic", "one-span", "empty"],
)
def test_the_compiled_scanner_gives_the_python_scanners_frames(make, redaction):
    spans = make()
    assert _compiled(spans, REDACTORS[redaction]()) == _python(spans, REDACTORS[redaction]())


@needs_compiled
def test_convert_uses_the_compiled_scanner_and_still_redacts(monkeypatch):
    spans = _genai_spans()
    calls = []
    real = conv._compiled.scan
    monkeypatch.setattr(conv._compiled, "scan", lambda *a: calls.append(len(a[0])) or real(*a))
    columns, details, max_end = conv.convert(spans, 3, Redactor(default_policy()))
    assert calls == [len(spans)]
    assert (columns, details, max_end) == _python(spans, Redactor(default_policy()))
    messages = list(details.status_message.values())
    assert messages and all("sk-aaaa" not in m for m in messages)
    link_attrs = [lk[3] for links in details.links for lk in links]
    assert link_attrs and "hunter2" not in str(link_attrs)
    assert max_end == max(max(s.start_time, s.end_time) for s in spans)


@needs_compiled
def test_batches_of_another_shape_are_declined_and_converted_in_python():
    spans = _genai_spans()
    hand_made = rich_spans()[0]
    # An event built by hand holds a plain dict: the compiled scanner declines the whole batch.
    hand_made._events._dq.append(Event("by hand", {"k": "v"}, BASE_TIME))
    batch = spans[:3] + [hand_made] + spans[3:]
    assert conv._scan_compiled(batch, {}, conv._Tables(None)) is None
    assert conv.convert(batch, 3) == _python(batch)


@needs_compiled
def test_a_value_the_format_cannot_hold_fails_as_it_does_in_python():
    spans = _genai_spans()
    spans[2]._start_time = 2**70  # not a time the u64 column can hold
    assert conv._scan_compiled(spans, {}, conv._Tables(None)) is None
    with pytest.raises(OverflowError):
        _python(spans)
    with pytest.raises(OverflowError):
        conv.convert(spans, 3)


@pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")), reason="no C compiler here")
def test_the_compiled_scanner_is_built_where_a_compiler_is():
    """The project's setup compiles it; a silent fallback would cost every user a third of the exporter's speed."""
    assert conv._compiled is not None
    assert conv.NATIVE


@needs_compiled
def test_names_that_are_not_strings_are_left_to_the_python_scanner():
    tp, col = provider()
    tracer = tp.get_tracer("tests.names")
    tracer.start_span(123).end()
    span = tracer.start_span("events")
    span.add_event(None)
    span.end()
    for batch in ([col.spans[0]], [col.spans[1]]):
        assert conv._scan_compiled(batch, {}, conv._Tables(None)) is None
        columns, details, _ = conv.convert(batch, 3)
        assert columns.strings[0] in ("123", "events")
        assert all(type(e[1]) is str for events in details.events for e in events)


@needs_compiled
def test_both_scanners_cut_and_redact_names_and_keys():
    spans = _hostile_spans()
    redactor = Redactor(default_policy())
    limit = 1_024  # Policy.max_name_length by default
    for columns, details, _ in (_compiled(spans, redactor), _python(spans, redactor)):
        assert max(map(len, columns.strings)) <= limit
        assert "GET https://u:[REDACTED]@x.example/?key=[REDACTED]" in columns.strings
        names = {e[1] for span_events in details.events for e in span_events}
        assert max(map(len, names)) <= limit and "pushed with [REDACTED]" in names
        keys = {k for d in details.attributes for k in d}
        assert max(map(len, keys)) <= limit and len(keys) == 3
        assert [v for d in details.attributes for k, v in d.items() if k.startswith("password")] == ["[REDACTED]"] * 5
        assert max(map(len, columns.resources[0].attributes)) <= limit
