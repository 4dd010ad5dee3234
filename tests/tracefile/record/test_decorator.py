"""@trace and log() with the real OpenTelemetry SDK: spans, attributes, nesting, and never breaking the function."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import gc
import inspect
import json
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import opentelemetry.trace as otel_trace
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import tracefile.record.decorator as decorator
from tracefile.record.decorator import log, set_value_policy, trace


class Recorder:
    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self.exporter = exporter

    @property
    def spans(self):
        return list(self.exporter.get_finished_spans())

    def one(self, name: str):
        found = [s for s in self.spans if s.name == name]
        assert len(found) == 1, [s.name for s in self.spans]
        return found[0]

    def attrs(self, name: str) -> dict:
        return dict(self.one(name).attributes)


@pytest.fixture
def rec(monkeypatch):
    """A fresh SDK provider installed as the global one for this test only (set_tracer_provider works once)."""
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(otel_trace, "_TRACER_PROVIDER", provider)
    monkeypatch.setattr(decorator, "_warned", set())
    yield Recorder(exporter)
    set_value_policy()
    provider.shutdown()


def loads(span, key="input.value"):
    return json.loads(span.attributes[key])


# -- plain functions ---------------------------------------------------------------


@dataclasses.dataclass
class Query:
    text: str
    k: int = 3


class ModelLike:  # pydantic v2, duck-typed
    model_fields = {"model": None}

    def __init__(self, model):
        self.model = model

    def model_dump(self, mode="python"):
        return {"model": self.model, "via": "model_dump"}


class Client:
    def __init__(self):
        self.base_url = "http://x"
        self._token = "secret"


def test_sync_function_span_and_attributes(rec):
    @trace
    def search(query, options, *, limit=10, **extra):
        """Docstring survives."""
        return {"hits": [query.text], "limit": limit}

    out = search(Query("cats"), {"nested": {"deep": [1, 2]}}, limit=2, client=Client(), model=ModelLike("m1"))
    assert out == {"hits": ["cats"], "limit": 2}
    span = rec.one("test_sync_function_span_and_attributes.search")
    assert span.kind is SpanKind.INTERNAL
    assert span.status.status_code is StatusCode.UNSET
    assert span.instrumentation_scope.name == "tracefile"
    assert loads(span) == {
        "query": {"text": "cats", "k": 3},
        "options": {"nested": {"deep": [1, 2]}},
        "limit": 2,
        "extra": {
            "client": {"$type": f"{__name__}.Client", "base_url": "http://x"},
            "model": {"model": "m1", "via": "model_dump"},
        },
    }
    assert span.attributes["input.mime_type"] == "application/json"
    assert loads(span, "output.value") == {"hits": ["cats"], "limit": 2}
    assert span.attributes["output.mime_type"] == "application/json"
    assert span.attributes["code.function.name"] == f"{__name__}.test_sync_function_span_and_attributes.<locals>.search"
    assert span.attributes["code.file.path"] == __file__
    assert span.attributes["code.line.number"] == search.__wrapped__.__code__.co_firstlineno
    assert search.__doc__ == "Docstring survives." and search.__name__ == "search"
    assert inspect.signature(search) == inspect.signature(search.__wrapped__)


def test_defaults_are_recorded_and_str_output_is_text(rec):
    @trace(name="greet", kind=SpanKind.CLIENT, attributes={"team": "a", "tags": ["x", "y"], "cfg": {"n": 1}})
    def hello(name, punctuation="!"):
        return f"hello {name}{punctuation}"

    assert hello("bob") == "hello bob!"
    span = rec.one("greet")
    assert span.kind is SpanKind.CLIENT
    assert loads(span) == {"name": "bob", "punctuation": "!"}
    assert span.attributes["output.value"] == "hello bob!"
    assert span.attributes["output.mime_type"] == "text/plain"
    assert span.attributes["team"] == "a" and tuple(span.attributes["tags"]) == ("x", "y")
    assert span.attributes["cfg"] == '{"n":1}'


def test_record_flags_and_functions_without_arguments(rec):
    @trace(record_inputs=False, record_output=False)
    def quiet(secret):
        return secret

    @trace
    def nothing():
        return None

    assert quiet("pw") == "pw"
    assert nothing() is None
    attrs = rec.attrs("test_record_flags_and_functions_without_arguments.quiet")
    assert not {"input.value", "output.value"} & set(attrs)
    attrs = rec.attrs("test_record_flags_and_functions_without_arguments.nothing")
    assert "input.value" not in attrs  # no arguments: nothing to show
    assert attrs["output.value"] == "null"


def test_nested_calls_make_a_tree(rec):
    @trace
    def child(x):
        return x * 2

    @trace
    def parent():
        return child(1) + child(2)

    assert parent() == 6
    root = rec.one("test_nested_calls_make_a_tree.parent")
    children = [s for s in rec.spans if s.name.endswith("child")]
    assert len(children) == 2
    assert all(c.parent.span_id == root.context.span_id for c in children)
    assert [loads(c)["x"] for c in children] == [1, 2]
    assert root.parent is None


def test_provider_is_resolved_at_call_time(monkeypatch):
    @trace
    def early():
        return 1

    monkeypatch.setattr(otel_trace, "_TRACER_PROVIDER", None)
    assert early() == 1  # no SDK configured: a no-op span, nothing recorded, nothing breaks

    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(otel_trace, "_TRACER_PROVIDER", provider)
    assert early() == 1
    assert [s.name for s in exporter.get_finished_spans()] == ["test_provider_is_resolved_at_call_time.early"]


def test_explicit_tracer_provider():
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    @trace(tracer_provider=provider, name="mine")
    def f():
        return 2

    assert f() == 2
    assert [s.name for s in exporter.get_finished_spans()] == ["mine"]


# -- methods -----------------------------------------------------------------------------


class Agent:
    prefix = "P"

    def __init__(self, name):
        self.name = name

    @trace
    def run(self, task):
        return f"{self.name}:{task}"

    @trace
    @classmethod
    def make_outer(cls, name):
        return cls(name)

    @classmethod
    @trace
    def make_inner(cls, name):
        return cls(name)

    @trace
    @staticmethod
    def add_outer(a, b):
        return a + b

    @staticmethod
    @trace
    def add_inner(a, b):
        return a + b


def test_methods_classmethods_staticmethods_in_both_orders(rec):
    agent = Agent("bond")
    assert agent.run("spy") == "bond:spy"
    assert Agent.make_outer("a").name == "a"
    assert Agent.make_inner("b").name == "b"
    assert Agent.add_outer(1, 2) == 3 and agent.add_inner(3, 4) == 7

    assert loads(rec.one("Agent.run")) == {"task": "spy"}  # self is context, not input
    assert loads(rec.one("Agent.make_outer")) == {"name": "a"}  # so is cls
    assert loads(rec.one("Agent.make_inner")) == {"name": "b"}
    assert loads(rec.one("Agent.add_outer")) == {"a": 1, "b": 2}
    assert loads(rec.one("Agent.add_inner")) == {"a": 3, "b": 4}
    assert rec.attrs("Agent.run")["output.value"] == "bond:spy"
    assert loads(rec.one("Agent.make_outer"), "output.value") == {"$type": f"{__name__}.Agent", "name": "a"}
    assert isinstance(Agent.__dict__["make_outer"], classmethod)
    assert isinstance(Agent.__dict__["add_outer"], staticmethod)


# -- exceptions ----------------------------------------------------------------------------


class CustomError(Exception):
    pass


def test_exception_is_recorded_and_reraised_unchanged(rec):
    raised = CustomError("boom")

    @trace
    def explode(n):
        raise raised

    with pytest.raises(CustomError) as info:
        explode(1)
    assert info.value is raised
    span = rec.one("test_exception_is_recorded_and_reraised_unchanged.explode")
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "CustomError: boom"
    (event,) = span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"].endswith("CustomError")
    assert event.attributes["exception.message"] == "boom"
    assert "raise raised" in event.attributes["exception.stacktrace"]
    assert loads(span) == {"n": 1}
    assert "output.value" not in span.attributes


def test_wrong_arguments_raise_the_same_type_error(rec):
    @trace
    def two(a, b):
        return a + b

    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        two(1)
    span = rec.one("test_wrong_arguments_raise_the_same_type_error.two")
    assert loads(span) == {"args": [1], "kwargs": {}}
    assert span.status.status_code is StatusCode.ERROR


# -- async ---------------------------------------------------------------------------------


def test_async_function(rec):
    @trace
    async def fetch(url):
        await asyncio.sleep(0)
        return {"url": url, "status": 200}

    assert inspect.iscoroutinefunction(fetch)
    assert asyncio.run(fetch("http://a")) == {"url": "http://a", "status": 200}
    span = rec.one("test_async_function.fetch")
    assert loads(span) == {"url": "http://a"}
    assert loads(span, "output.value") == {"url": "http://a", "status": 200}


def test_async_exception(rec):
    @trace
    async def fail():
        await asyncio.sleep(0)
        raise KeyError("missing")

    with pytest.raises(KeyError):
        asyncio.run(fail())
    span = rec.one("test_async_exception.fail")
    assert span.status.status_code is StatusCode.ERROR
    assert span.events[0].attributes["exception.type"] == "KeyError"


def test_asyncio_gather_gives_separate_subtrees(rec):
    @trace
    async def leaf(tag):
        await asyncio.sleep(0.001)
        return tag

    @trace
    async def branch(tag):
        await asyncio.sleep(0)  # let the other branch start before we call the leaf
        return await leaf(tag)

    @trace
    async def root():
        return await asyncio.gather(branch("a"), branch("b"))

    assert asyncio.run(root()) == ["a", "b"]
    by_id = {s.context.span_id: s for s in rec.spans}
    top = rec.one("test_asyncio_gather_gives_separate_subtrees.root")
    branches = {loads(s)["tag"]: s for s in rec.spans if s.name.endswith(".branch")}
    leaves = {loads(s)["tag"]: s for s in rec.spans if s.name.endswith(".leaf")}
    assert set(branches) == set(leaves) == {"a", "b"}
    for tag in "ab":
        assert branches[tag].parent.span_id == top.context.span_id
        assert leaves[tag].parent.span_id == branches[tag].context.span_id
        assert by_id[leaves[tag].parent.span_id] is branches[tag]
    assert len({s.context.trace_id for s in rec.spans}) == 1


# -- threads ---------------------------------------------------------------------------------


def test_threads_start_new_traces_unless_context_is_copied(rec):
    @trace
    def work(n):
        return n + 1

    @trace
    def main():
        with ThreadPoolExecutor(2) as pool:
            plain = pool.submit(work, 1).result()
            copied = pool.submit(contextvars.copy_context().run, work, 2).result()
        return plain + copied

    assert main() == 5
    top = rec.one("test_threads_start_new_traces_unless_context_is_copied.main")
    works = {loads(s)["n"]: s for s in rec.spans if s.name.endswith(".work")}
    assert works[1].parent is None  # no context propagation: a new trace
    assert works[1].context.trace_id != top.context.trace_id
    assert works[2].parent.span_id == top.context.span_id
    assert works[2].context.trace_id == top.context.trace_id


def test_concurrent_threads_do_not_mix_spans(rec):
    @trace
    def inner(i):
        return i

    @trace
    def outer(i):
        return inner(i)

    threads = [threading.Thread(target=outer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outers = {loads(s)["i"]: s for s in rec.spans if s.name.endswith(".outer")}
    for s in rec.spans:
        if s.name.endswith(".inner"):
            assert s.parent.span_id == outers[loads(s)["i"]].context.span_id


# -- generators ------------------------------------------------------------------------------


def test_generator_span_covers_the_iteration_and_does_not_leak(rec):
    seen_between = []

    @trace
    def count(n):
        for i in range(n):
            yield {"i": i}

    @trace
    def consumer():
        mine = otel_trace.get_current_span()
        for item in count(3):
            # Between items, the consumer's span is current, not the generator's.
            seen_between.append(otel_trace.get_current_span() is mine)
        return "done"

    assert inspect.isgeneratorfunction(count)
    assert consumer() == "done"
    assert seen_between == [True, True, True]
    span = rec.one("test_generator_span_covers_the_iteration_and_does_not_leak.count")
    top = rec.one("test_generator_span_covers_the_iteration_and_does_not_leak.consumer")
    assert span.parent.span_id == top.context.span_id
    assert span.attributes["tracy.generator.items"] == 3
    assert "tracy.generator.closed" not in span.attributes
    assert loads(span, "output.value") == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert loads(span) == {"n": 3}


def test_generator_spans_nest_under_the_generator(rec):
    @trace
    def step(i):
        return i

    @trace
    def gen():
        yield step(1)
        yield step(2)

    assert list(gen()) == [1, 2]
    g = rec.one("test_generator_spans_nest_under_the_generator.gen")
    steps = [s for s in rec.spans if s.name.endswith(".step")]
    assert [s.parent.span_id for s in steps] == [g.context.span_id] * 2


def test_generator_partial_consumption_ends_span_on_close_or_collection(rec):
    cleaned = []

    @trace
    def numbers():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            cleaned.append(otel_trace.get_current_span().get_span_context().span_id)

    gen = numbers()
    assert rec.spans == []  # created, not started: no span yet
    assert [next(gen), next(gen)] == [0, 1]
    assert rec.spans == []  # still running
    gen.close()
    span = rec.one("test_generator_partial_consumption_ends_span_on_close_or_collection.numbers")
    assert span.attributes["tracy.generator.items"] == 2
    assert span.attributes["tracy.generator.closed"] is True
    assert span.status.status_code is StatusCode.UNSET  # stopping early is not an error
    assert loads(span, "output.value") == [0, 1]
    assert cleaned == [span.context.span_id]  # the generator's finally ran under its own span

    for value in numbers():  # break: the loop drops the generator, CPython closes it at once
        if value == 4:
            break
    gc.collect()
    spans = [s for s in rec.spans if s.name.endswith(".numbers")]
    assert len(spans) == 2 and spans[1].attributes["tracy.generator.items"] == 5
    assert spans[1].attributes["tracy.generator.closed"] is True

    never = numbers()
    del never
    gc.collect()
    assert len([s for s in rec.spans if s.name.endswith(".numbers")]) == 2  # never started: no span


def test_generator_send_throw_and_return_value(rec):
    @trace
    def echo():
        received = []
        try:
            while True:
                received.append((yield len(received)))
        except ValueError:
            return received

    gen = echo()
    assert next(gen) == 0
    assert gen.send("a") == 1
    assert gen.send("b") == 2
    with pytest.raises(StopIteration) as stop:
        gen.throw(ValueError("done"))
    assert stop.value.value == ["a", "b"]
    span = rec.one("test_generator_send_throw_and_return_value.echo")
    assert span.attributes["tracy.generator.items"] == 3
    assert span.status.status_code is StatusCode.UNSET


def test_generator_exception(rec):
    @trace
    def broken():
        yield 1
        raise RuntimeError("mid-stream")

    gen = broken()
    assert next(gen) == 1
    with pytest.raises(RuntimeError, match="mid-stream"):
        next(gen)
    span = rec.one("test_generator_exception.broken")
    assert span.status.status_code is StatusCode.ERROR
    assert span.events[0].attributes["exception.message"] == "mid-stream"


def test_generator_output_is_capped(rec):
    @trace
    def many():
        yield from range(1500)

    assert sum(many()) == sum(range(1500))
    span = rec.one("test_generator_output_is_capped.many")
    out = loads(span, "output.value")
    assert out[:1000] == list(range(1000)) and out[1000] == {"$truncated": "500 more items"}
    assert span.attributes["tracy.generator.items"] == 1500


def test_async_generator(rec):
    @trace
    async def stream(n):
        for i in range(n):
            await asyncio.sleep(0)
            yield f"tok{i}"

    @trace
    async def consume():
        mine = otel_trace.get_current_span()
        out = []
        async for tok in stream(3):
            assert otel_trace.get_current_span() is mine
            out.append(tok)
        partial = stream(10)
        out.append(await partial.__anext__())
        await partial.aclose()
        return out

    assert inspect.isasyncgenfunction(stream)
    assert asyncio.run(consume()) == ["tok0", "tok1", "tok2", "tok0"]
    top = rec.one("test_async_generator.consume")
    full, partial = sorted((s for s in rec.spans if s.name.endswith(".stream")), key=lambda s: s.start_time)
    assert full.attributes["tracy.generator.items"] == 3 and "tracy.generator.closed" not in full.attributes
    assert loads(full, "output.value") == ["tok0", "tok1", "tok2"]
    assert partial.attributes["tracy.generator.items"] == 1
    assert partial.attributes["tracy.generator.closed"] is True
    assert full.parent.span_id == partial.parent.span_id == top.context.span_id


# -- log() ----------------------------------------------------------------------------------


def test_log_records_events_on_the_current_span(rec):
    @trace
    def plan():
        log("step", "thinking")
        log("scores", {"a": 0.5}, stage=2, tags=["x"])
        log("count", 3)
        return "ok"

    log("outside", 1)  # no span: nothing happens, nothing raises
    assert plan() == "ok"
    events = rec.one("test_log_records_events_on_the_current_span.plan").events
    assert [e.name for e in events] == ["tracy.log"] * 3
    assert dict(events[0].attributes) == {
        "tracy.log.name": "step",
        "tracy.log.value": "thinking",
        "tracy.log.mime_type": "text/plain",
    }
    second = dict(events[1].attributes)
    assert json.loads(second["tracy.log.value"]) == {"a": 0.5}
    assert second["tracy.log.mime_type"] == "application/json"
    assert second["stage"] == 2 and tuple(second["tags"]) == ("x",)
    assert dict(events[2].attributes) == {"tracy.log.name": "count", "tracy.log.value": 3}


# -- capture_locals ----------------------------------------------------------------------------


def test_capture_locals_on_return_and_on_exception(rec):
    @trace(capture_locals=True)
    def compute(x):
        doubled = x * 2
        parts = [doubled, "z"]
        return len(parts)

    @trace(capture_locals=True)
    def crash(x):
        half = x / 2
        raise ValueError(f"bad {half}")

    assert compute(4) == 2
    with pytest.raises(ValueError):
        crash(3)
    assert sys.getprofile() is None  # the hook is gone after the call
    assert loads(rec.one("test_capture_locals_on_return_and_on_exception.compute"), "tracy.locals") == {
        "x": 4,
        "doubled": 8,
        "parts": [8, "z"],
    }
    assert loads(rec.one("test_capture_locals_on_return_and_on_exception.crash"), "tracy.locals") == {
        "x": 3,
        "half": 1.5,
    }


def test_capture_locals_nested_recursive_methods_and_async(rec):
    class Calc:
        @trace(capture_locals=True)
        def fact(self, n):
            below = self.fact(n - 1) if n > 1 else 1
            result = n * below
            return result

    @trace(capture_locals=True)
    async def slow(x):
        await asyncio.sleep(0)
        y = x + 1
        await asyncio.sleep(0)
        return y

    async def both():
        return await asyncio.gather(slow(1), slow(10))

    assert Calc().fact(3) == 6
    assert asyncio.run(both()) == [2, 11]
    facts = sorted((loads(s, "tracy.locals") for s in rec.spans if s.name.endswith("fact")), key=lambda d: d["n"])
    assert facts == [{"n": 1, "below": 1, "result": 1}, {"n": 2, "below": 1, "result": 2}, {"n": 3, "below": 2, "result": 6}]
    slows = sorted((loads(s, "tracy.locals") for s in rec.spans if s.name.endswith("slow")), key=lambda d: d["x"])
    assert slows == [{"x": 1, "y": 2}, {"x": 10, "y": 11}]
    assert sys.getprofile() is None


def test_capture_locals_in_a_generator(rec):
    @trace(capture_locals=True)
    def gen(n):
        total = 0
        for i in range(n):
            total += i
            yield total

    assert list(gen(4)) == [0, 1, 3, 6]
    assert loads(rec.one("test_capture_locals_in_a_generator.gen"), "tracy.locals") == {"n": 4, "total": 6, "i": 3}


def test_capture_locals_leaves_another_profiler_alone(rec):
    calls = []

    def other_profiler(frame, event, arg):
        if event == "call":
            calls.append(frame.f_code.co_name)

    @trace(capture_locals=True)
    def f(x):
        y = x + 1
        return y

    sys.setprofile(other_profiler)
    try:
        assert f(1) == 2
        assert sys.getprofile() is other_profiler
    finally:
        sys.setprofile(None)
    attrs = rec.attrs("test_capture_locals_leaves_another_profiler_alone.f")
    assert "tracy.locals" not in attrs
    assert attrs["tracy.error"] == "locals not captured: another profiler is active"
    assert "f" in calls


# -- sizes, hostile values, broken tracing --------------------------------------------------


def test_fifty_megabyte_argument_is_truncated(rec):
    @trace
    def ingest(document, tag):
        return len(document)

    big = "d" * 50_000_000
    assert ingest(big, "t") == 50_000_000
    span = rec.one("test_fifty_megabyte_argument_is_truncated.ingest")
    text = span.attributes["input.value"]
    assert len(text) <= 32_768
    value = json.loads(text)
    assert value["tag"] == "t"
    kept = value["document"].index("…")
    assert value["document"] == "d" * kept + f"…[truncated {50_000_000 - kept:,} chars]"


def test_max_length_per_decorator_and_policy(rec):
    @trace(max_length=200)
    def short(text):
        return text

    @trace
    def default(text):
        return text

    assert short("a" * 1000) == "a" * 1000
    set_value_policy(max_length=300)
    default("b" * 1000)
    assert len(rec.attrs("test_max_length_per_decorator_and_policy.short")["input.value"]) <= 200
    assert len(rec.attrs("test_max_length_per_decorator_and_policy.short")["output.value"]) <= 200
    attrs = rec.attrs("test_max_length_per_decorator_and_policy.default")
    assert 200 < len(attrs["input.value"]) <= 300
    assert attrs["output.value"].endswith("chars]") and len(attrs["output.value"]) <= 300


def test_value_policy_scrub_and_text_hook(rec):
    def scrub(key, value):
        return "[REDACTED]" if key in ("api_key", "password") else value

    set_value_policy(scrub=scrub, text_hook=lambda text: text.replace("sk-live", "sk-***"))

    @trace(capture_locals=True)
    def login(user, password, settings):
        api_key = "abc"
        log("settings", settings)
        return f"token for {user}: sk-live-1"

    assert login("bob", "hunter2", {"api_key": "k", "mode": "x"}) == "token for bob: sk-live-1"
    span = rec.one("test_value_policy_scrub_and_text_hook.login")
    assert loads(span) == {"user": "bob", "password": "[REDACTED]", "settings": {"api_key": "[REDACTED]", "mode": "x"}}
    assert span.attributes["output.value"] == "token for bob: sk-***-1"
    assert loads(span, "tracy.locals")["api_key"] == "[REDACTED]"
    assert json.loads(span.events[0].attributes["tracy.log.value"]) == {"api_key": "[REDACTED]", "mode": "x"}
    set_value_policy()
    assert decorator._settings.scrub is None and decorator._settings.max_length == 32_768


class Hostile:
    def __getattribute__(self, name):
        raise RuntimeError("touch me not")

    def __repr__(self):
        raise RuntimeError("no repr")


def test_unserializable_arguments_do_not_break_the_call(rec):
    @trace
    def handle(thing, n):
        return n * 2

    cyclic: dict = {"name": "loop"}
    cyclic["me"] = cyclic
    assert handle(Hostile(), 21) == 42
    assert handle(cyclic, 1) == 2
    first, second = [s for s in rec.spans if s.name.endswith(".handle")]
    assert loads(first) == {"thing": {"$type": f"{__name__}.Hostile", "$error": "RuntimeError while serializing"}, "n": 21}
    assert loads(second) == {"thing": {"name": "loop", "me": {"$cycle": True}}, "n": 1}
    assert loads(first, "output.value") == 42


def test_broken_tracing_never_breaks_the_function(rec, monkeypatch, caplog):
    class BrokenProvider:
        def get_tracer(self, *args, **kwargs):
            raise RuntimeError("tracer unavailable")

    @trace(tracer_provider=BrokenProvider())
    def ok(x):
        return x + 1

    @trace(tracer_provider=BrokenProvider())
    def bad():
        raise CustomError("mine")

    with caplog.at_level(logging.DEBUG, logger="tracefile"):
        assert ok(1) == 2
        assert ok(2) == 3
        with pytest.raises(CustomError, match="mine"):
            bad()
    warnings = [r for r in caplog.records if r.name == "tracefile" and r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once, not per call
    assert "could not start a span" in warnings[0].getMessage()

    # Recording the output fails inside the SDK: the result still comes back.
    def explode(*args, **kwargs):
        raise RuntimeError("serializer bug")

    monkeypatch.setattr(decorator, "to_json", explode)

    @trace
    def returns_object():
        return {"a": 1}

    with caplog.at_level(logging.WARNING, logger="tracefile"):
        assert returns_object() == {"a": 1}
    span = rec.one("test_broken_tracing_never_breaks_the_function.returns_object")
    assert "output.value" not in span.attributes
    assert span.end_time is not None
    assert any("could not record the output" in r.getMessage() for r in caplog.records)


def test_wrapper_preserves_metadata_for_every_kind():
    async def a():
        return 1

    async def ag():
        yield 1

    def g():
        yield 1

    @functools.lru_cache
    def cached(x):
        return x

    assert inspect.iscoroutinefunction(trace(a)) and not inspect.isasyncgenfunction(trace(a))
    assert inspect.isasyncgenfunction(trace(ag))
    assert inspect.isgeneratorfunction(trace(g))
    assert trace(g).__wrapped__ is g and trace(name="x")(g).__qualname__ == g.__qualname__
    assert trace(cached)(5) == 5
    with pytest.raises(TypeError):
        trace(42)


def test_non_recording_spans_skip_serialization(monkeypatch):
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    provider = TracerProvider(sampler=ALWAYS_OFF)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    serialized = []
    monkeypatch.setattr(decorator, "to_json", lambda *a, **k: serialized.append(a) or "{}")

    @trace(tracer_provider=provider, capture_locals=True)
    def f(x):
        inside = otel_trace.get_current_span()
        return x, inside

    value, inside = f({"big": "x" * 1000})
    assert value == {"big": "x" * 1000}
    assert not inside.is_recording() and inside.get_span_context().is_valid  # sampled out, but still current
    assert serialized == [] and exporter.get_finished_spans() == ()
    assert sys.getprofile() is None  # no locals hook for a span nobody records
