"""SDK contract tests for TracyFileExporter, with real OpenTelemetry spans and real files."""

from __future__ import annotations

import logging
import os
import re
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult

import tracefile
from tracefile.format import reader
from tracefile.format.errors import TraceFileError
from tracefile.record.exporter import TracyFileExporter
from tracefile.settings import OTEL_EXPORTER_TRACY_PATH as ENV_PATH
from tests.helpers.spans import dicts, numbered_spans, provider, rich_spans, sdk_span_dict, seq_of

FILE_NAME = re.compile(r"^(?P<service>.+)\.(?P<date>\d{8})\.(?P<time>\d{6})\.(?P<us>\d{6})\.(?P<pid>\d+)\.tracy$")


def _warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tracefile" and r.levelno == logging.WARNING]


def _some_spans(n: int = 3, tag: str = "", service: str = "tests"):
    tp, col = provider({"service.name": service})
    numbered_spans(tp.get_tracer("t"), 0, n, tag=tag)
    return col.take()


def test_export_round_trips_every_field(tmp_path):
    spans = rich_spans()
    path = tmp_path / "run.tracy"
    exporter = TracyFileExporter(path)
    assert exporter.export(spans) is SpanExportResult.SUCCESS
    assert exporter.export(spans[:2]) is SpanExportResult.SUCCESS
    assert exporter.force_flush() is True
    exporter.shutdown()

    tf = tracefile.load(path)
    assert tf.warnings == []
    assert tf.truncated is False
    assert tf.version == (2, 0)  # writers write the current version
    expected = [sdk_span_dict(s) for s in spans + spans[:2]]
    assert dicts(tf.spans) == expected
    # Tuples come back as lists, and types survive (bool stays bool, float stays float).
    root = next(s for s in tf.spans if s.name == "root")
    assert root.attributes["ints"] == [1, 2, 3] and type(root.attributes["ints"]) is list
    assert root.attributes["bool.t"] is True and root.attributes["float"] == 3.25
    assert type(root.attributes["float"]) is float and type(root.attributes["int"]) is int
    # Two resources and their attributes; spans share resource objects.
    assert sorted(r.attributes["service.name"] for r in tf.resources) == ["limited", "rich-service"]
    assert [w.writer for w in tf.writers] == ["otel-exporter"]
    assert tf.writers[0].pid == os.getpid()


def test_export_through_simple_span_processor(tmp_path):
    path = tmp_path / "simple.tracy"
    tp, col = provider({"service.name": "simple"})
    tp.add_span_processor(SimpleSpanProcessor(TracyFileExporter(path)))
    numbered_spans(tp.get_tracer("t"), 0, 25)
    tp.shutdown()
    tf = tracefile.load(path)
    assert tf.warnings == []
    assert dicts(tf.spans) == [sdk_span_dict(s) for s in col.spans]
    assert [seq_of(s.name) for s in tf.spans] == list(range(25))


def test_empty_export_succeeds_and_creates_nothing(tmp_path):
    path = tmp_path / "never.tracy"
    exporter = TracyFileExporter(path)
    assert exporter.export([]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    assert not path.exists()


def test_shutdown_twice_is_harmless(tmp_path, caplog):
    path = tmp_path / "x.tracy"
    exporter = TracyFileExporter(path)
    assert exporter.export(_some_spans(2)) is SpanExportResult.SUCCESS
    exporter.shutdown()
    size = path.stat().st_size
    exporter.shutdown()
    assert path.stat().st_size == size
    assert _warnings(caplog) == []
    tf = tracefile.load(path)
    assert [s.name for s in tf.spans] == ["span-0", "span-1"] and tf.warnings == []


def test_export_after_shutdown_fails_with_one_warning(tmp_path, caplog):
    path = tmp_path / "x.tracy"
    exporter = TracyFileExporter(path)
    assert exporter.export(_some_spans(1)) is SpanExportResult.SUCCESS
    exporter.shutdown()
    size = path.stat().st_size
    caplog.set_level(logging.WARNING, logger="tracefile")
    for _ in range(3):
        assert exporter.export(_some_spans(2)) is SpanExportResult.FAILURE
    warns = _warnings(caplog)
    assert len(warns) == 1
    assert "shut down" in warns[0].getMessage()
    assert path.stat().st_size == size
    assert len(tracefile.load(path).spans) == 1


def test_shutdown_without_export_creates_no_file(tmp_path):
    exporter = TracyFileExporter(tmp_path / "none.tracy")
    exporter.shutdown()
    assert list(tmp_path.iterdir()) == []


def test_export_from_eight_threads(tmp_path):
    path = tmp_path / "threads.tracy"
    exporter = TracyFileExporter(path)
    per_thread = [_some_spans(40, tag=f"t{i}-") for i in range(8)]
    barrier = threading.Barrier(8)
    results: list[list[SpanExportResult]] = [[] for _ in range(8)]

    def work(i: int) -> None:
        barrier.wait()
        spans = per_thread[i]
        for j in range(0, len(spans), 5):
            results[i].append(exporter.export(spans[j : j + 5]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    exporter.shutdown()
    assert all(r is SpanExportResult.SUCCESS for rs in results for r in rs) and sum(map(len, results)) == 64
    tf = tracefile.load(path)
    assert tf.warnings == []
    names = [s.name for s in tf.spans]
    assert len(names) == len(set(names)) == 320
    assert set(names) == {f"t{i}-span-{j}" for i in range(8) for j in range(40)}
    # Each thread's own spans stay in its order.
    for i in range(8):
        mine = [seq_of(n) for n in names if n.startswith(f"t{i}-")]
        assert mine == list(range(40))


@pytest.mark.parametrize("as_folder", ["existing-dir", "trailing-slash"])
def test_folder_path_names_file_after_service(tmp_path, as_folder):
    if as_folder == "existing-dir":
        folder = tmp_path / "runs"
        folder.mkdir()
        exporter = TracyFileExporter(folder)
    else:
        folder = tmp_path / "new" / "runs"
        exporter = TracyFileExporter(str(folder) + "/")
    assert exporter.export(_some_spans(2, service="my svc/α")) is SpanExportResult.SUCCESS
    exporter.shutdown()
    files = list(folder.iterdir())
    assert len(files) == 1
    m = FILE_NAME.match(files[0].name)
    assert m, files[0].name
    assert m["service"] == "my_svc_α"
    assert int(m["pid"]) == os.getpid()
    assert exporter.path == files[0]
    assert [s.name for s in tracefile.load(files[0]).spans] == ["span-0", "span-1"]


def test_unknown_service_name(tmp_path):
    tp, col = provider({})
    numbered_spans(tp.get_tracer("t"), 0, 1)
    spans = col.take()
    exporter = TracyFileExporter(tmp_path)
    assert exporter.export(spans) is SpanExportResult.SUCCESS
    exporter.shutdown()
    (f,) = tmp_path.iterdir()
    # The SDK fills in its own default service name when none is given.
    expected = str(spans[0].resource.attributes.get("service.name") or "unknown_service")
    assert FILE_NAME.match(f.name)["service"] == expected


def test_two_exporters_in_one_folder_never_share_a_file(tmp_path):
    exporters = [TracyFileExporter(tmp_path) for _ in range(2)]
    for i, e in enumerate(exporters):
        assert e.export(_some_spans(1, tag=f"e{i}-", service="same")) is SpanExportResult.SUCCESS
    for e in exporters:
        e.shutdown()
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2 and exporters[0].path != exporters[1].path
    contents = sorted(tuple(s.name for s in tracefile.load(f).spans) for f in files)
    assert contents == [("e0-span-0",), ("e1-span-0",)]


def test_default_path_is_runs_folder_under_cwd(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_PATH, raising=False)
    monkeypatch.chdir(tmp_path)
    exporter = TracyFileExporter()
    assert exporter.export(_some_spans(1, service="dflt")) is SpanExportResult.SUCCESS
    exporter.shutdown()
    files = list((tmp_path / ".runs").iterdir())
    assert len(files) == 1 and FILE_NAME.match(files[0].name)["service"] == "dflt"
    assert [p.name for p in tmp_path.iterdir()] == [".runs"]


def test_env_var_path_and_argument_override(tmp_path, monkeypatch):
    env_file = tmp_path / "from-env.tracy"
    monkeypatch.setenv(ENV_PATH, str(env_file))
    e1 = TracyFileExporter()
    assert e1.export(_some_spans(1, tag="env-")) is SpanExportResult.SUCCESS
    e1.shutdown()
    arg_file = tmp_path / "from-arg.tracy"
    e2 = TracyFileExporter(arg_file)
    assert e2.export(_some_spans(1, tag="arg-")) is SpanExportResult.SUCCESS
    e2.shutdown()
    assert [s.name for s in tracefile.load(env_file).spans] == ["env-span-0"]
    assert [s.name for s in tracefile.load(arg_file).spans] == ["arg-span-0"]

    env_dir = tmp_path / "envdir"
    monkeypatch.setenv(ENV_PATH, str(env_dir) + os.sep)
    e3 = TracyFileExporter()
    assert e3.export(_some_spans(1, service="envsvc")) is SpanExportResult.SUCCESS
    e3.shutdown()
    (f,) = env_dir.iterdir()
    assert FILE_NAME.match(f.name)["service"] == "envsvc"


def _assert_fails_quietly(exporter, caplog, times: int = 4) -> None:
    caplog.set_level(logging.WARNING, logger="tracefile")
    for _ in range(times):
        assert exporter.export(_some_spans(2)) is SpanExportResult.FAILURE
    warns = _warnings(caplog)
    assert len(warns) == 1, [w.getMessage() for w in warns]
    assert "could not write 2 spans" in warns[0].getMessage()
    exporter.shutdown()


def test_unwritable_path_under_a_regular_file(tmp_path, caplog):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    exporter = TracyFileExporter(blocker / "x.tracy")
    _assert_fails_quietly(exporter, caplog)
    assert blocker.read_text() == "not a folder"


def test_unwritable_folder_path_under_a_regular_file(tmp_path, caplog):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    exporter = TracyFileExporter(str(blocker / "runs") + "/")
    _assert_fails_quietly(exporter, caplog)


@pytest.mark.skipif(not os.access("/dev/full", os.W_OK), reason="needs a writable /dev/full")
def test_full_disk_fails_with_one_warning(caplog):
    exporter = TracyFileExporter("/dev/full")
    _assert_fails_quietly(exporter, caplog)


def test_foreign_file_is_never_touched(tmp_path, caplog):
    foreign = tmp_path / "prompty.tracy"
    original = b'{"runtime": "python", "version": "1", "trace": {"name": "x"}}\n'
    foreign.write_bytes(original)
    exporter = TracyFileExporter(foreign)
    _assert_fails_quietly(exporter, caplog)
    assert foreign.read_bytes() == original
    with pytest.raises(TraceFileError, match="not a .tracy file"):
        reader.load(foreign)  # the .tracy reader; tracefile.load would try the importers too


def test_appending_to_an_existing_tracy_file(tmp_path):
    path = tmp_path / "shared.tracy"
    for i in range(3):
        e = TracyFileExporter(path)
        assert e.export(_some_spans(2, tag=f"run{i}-")) is SpanExportResult.SUCCESS
        e.shutdown()
    tf = tracefile.load(path)
    assert tf.warnings == []
    assert [s.name for s in tf.spans] == [f"run{i}-span-{j}" for i in range(3) for j in range(2)]
    assert len(tf.writers) == 3
    assert tf.path.endswith("shared.tracy")


def test_uncompressed_files_read_back_identically(tmp_path, monkeypatch):
    spans = rich_spans()
    zst, raw = tmp_path / "zstd.tracy", tmp_path / "none.tracy"
    for path, compression in ((zst, "zstd"), (raw, "none")):
        e = TracyFileExporter(path, compression=compression)
        assert e.export(spans) is SpanExportResult.SUCCESS
        e.shutdown()
    monkeypatch.setenv("OTEL_EXPORTER_TRACY_COMPRESSION", "none")
    env_raw = tmp_path / "env-none.tracy"
    e = TracyFileExporter(env_raw)
    assert e.export(spans) is SpanExportResult.SUCCESS
    e.shutdown()
    a, b, c = (tracefile.load(p) for p in (zst, raw, env_raw))
    assert dicts(a.spans) == dicts(b.spans) == dicts(c.spans) == [sdk_span_dict(s) for s in spans]
    assert b.warnings == [] and c.warnings == []
    # The uncompressed file really is uncompressed: span names appear verbatim,
    # and it is bigger than the compressed one.
    assert b"under-remote-parent" in raw.read_bytes()
    assert b"under-remote-parent" in env_raw.read_bytes()
    assert raw.stat().st_size > zst.stat().st_size


class _PublicOnly:
    """A span that is not the SDK's object: only the public ReadableSpan API, and events whose
    attributes are plain dicts (as events built by hand hold them)."""

    def __init__(self, span) -> None:
        from opentelemetry.sdk.trace import Event

        self._span = span
        # A plain dict cannot say how many attributes were dropped: keep the SDK's where any were.
        self.events = tuple(
            Event(e.name, e.attributes if e.dropped_attributes else dict(e.attributes or {}), e.timestamp)
            for e in span.events
        )

    def __getattr__(self, name):
        return getattr(self._span, name)


def test_spans_read_through_the_public_api_convert_like_sdk_spans(tmp_path):
    from tracefile.record.convert import spans_to_frames

    spans = rich_spans()
    path = tmp_path / "public.tracy"
    exporter = TracyFileExporter(path)
    assert exporter.export([_PublicOnly(s) for s in spans]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    assert dicts(tracefile.load(path).spans) == [sdk_span_dict(s) for s in spans]
    fast_columns, fast_details = spans_to_frames(spans, 7)
    public_columns, public_details = spans_to_frames([_PublicOnly(s) for s in spans], 7)
    assert public_columns == fast_columns
    assert public_details.events == fast_details.events and public_details.attributes == fast_details.attributes


def _export_and_load(path, spans) -> tracefile.TraceFile:
    """Export ``spans`` as one batch, which must succeed, and read the file back strictly."""
    exporter = TracyFileExporter(path)
    assert exporter.export(spans) is SpanExportResult.SUCCESS
    exporter.shutdown()
    return tracefile.load(path, strict=True)


def test_a_value_messagepack_cannot_hold_is_stored_as_text_and_the_batch_kept(tmp_path, caplog):
    """OpenTelemetry lets an attribute hold any Python int; one beyond 64 bits must not cost the
    batch its other spans."""
    caplog.set_level(logging.WARNING, logger="tracefile")
    tp, col = provider({"service.name": "big-ints"})
    tracer = tp.get_tracer("tests.big")
    big = tracer.start_span("big", attributes={"n": 2**70, "m": -(2**70), "ok": 5, "l": [2**80, 1]})
    big.add_event("e", {"big": 2**65, "text": "kept"})
    big.end()
    numbered_spans(tracer, 0, 3)
    spans = col.take()
    path = tmp_path / "big.tracy"
    exporter = TracyFileExporter(path)
    assert exporter.export(spans) is SpanExportResult.SUCCESS
    assert exporter.export(spans[1:]) is SpanExportResult.SUCCESS  # a batch without them is untouched
    exporter.shutdown()
    tf = tracefile.load(path)
    assert tf.warnings == []
    names = [s.name for s in tf.spans]
    assert names == [s.name for s in spans] + [s.name for s in spans[1:]]
    first = tf.spans[0]
    assert first.attributes == {"n": str(2**70), "m": str(-(2**70)), "ok": 5, "l": [str(2**80), 1]}
    assert first.events[0].attributes == {"big": str(2**65), "text": "kept"}
    # The other spans are exactly what the SDK made, in the batch that needed text and the one that did not.
    assert dicts(tf.spans[1:4]) == dicts(tf.spans[4:]) == [sdk_span_dict(s) for s in spans[1:]]
    warns = _warnings(caplog)
    assert len(warns) == 1 and "written as text" in warns[0].getMessage()


def test_a_resource_value_messagepack_cannot_hold_is_stored_as_text(tmp_path):
    tp, col = provider({"service.name": "big-resource", "build.number": 2**70})
    numbered_spans(tp.get_tracer("tests.big"), 0, 2)
    tf = _export_and_load(tmp_path / "big.tracy", col.take())
    assert [s.name for s in tf.spans] == ["span-0", "span-1"]
    assert tf.spans[0].resource.attributes == {"service.name": "big-resource", "build.number": str(2**70)}


def test_span_and_event_names_that_are_not_strings_are_stored_as_text(tmp_path):
    """The SDK takes any object as a span or event name; such a span must not cost its batch."""
    tp, col = provider()
    tracer = tp.get_tracer("tests.names")
    tracer.start_span(123).end()
    tracer.start_span(None).end()
    span = tracer.start_span("events")
    span.add_event(None)
    span.add_event(7.5)
    span.end()
    numbered_spans(tracer, 0, 1)
    spans = col.take()
    tf = _export_and_load(tmp_path / "names.tracy", spans)
    assert tf.warnings == []
    assert [s.name for s in tf.spans] == ["123", "", "events", "span-0"]
    assert [e.name for e in tf.spans[2].events] == ["", "7.5"]
    assert dicts(tf.spans[3:]) == [sdk_span_dict(spans[3])]


class _Secretive:
    def __str__(self) -> str:
        return "Authorization: Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"


def test_values_made_storable_are_redacted_and_keep_their_bytes(tmp_path):
    """The batch that needs its values made storable still has every text redacted, and values
    that were fine (bytes) stay as they were."""
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.trace import SpanContext, TraceFlags

    tp, col = provider()
    tracer = tp.get_tracer("tests.storable")
    tracer.start_span("fine", attributes={"blob": b"\x00\x01", "big": 2**70, "path": os.fsdecode(b"caf\xff")}).end()
    spans = col.take()
    ctx = SpanContext(0x1234, 0x5678, False, TraceFlags(1))
    odd = ReadableSpan("built by hand", ctx, attributes={"x": _Secretive(), "y": "Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"},
                       start_time=spans[0].start_time, end_time=spans[0].end_time)  # fmt: skip
    tf = _export_and_load(tmp_path / "storable.tracy", [*spans, odd])
    fine, hand = tf.spans
    assert fine.attributes["blob"] == b"\x00\x01" and fine.attributes["big"] == str(2**70)
    assert fine.attributes["path"] == "caf?"
    assert "sk-proj" not in hand.attributes["x"] and "[REDACTED]" in hand.attributes["x"]
    assert "sk-proj" not in hand.attributes["y"]


def test_a_lone_surrogate_alone_does_not_lose_the_batch(tmp_path):
    tp, col = provider()
    tracer = tp.get_tracer("tests.storable")
    tracer.start_span(os.fsdecode(b"name\xfe"), attributes={"path": os.fsdecode(b"\xff")}).end()
    numbered_spans(tracer, 0, 2)
    spans = col.take()
    tf = _export_and_load(tmp_path / "surrogate.tracy", spans)
    assert [s.name for s in tf.spans] == ["name?", "span-0", "span-1"]
    assert tf.spans[0].attributes == {"path": "?"}
    assert dicts(tf.spans[1:]) == [sdk_span_dict(s) for s in spans[1:]]


_odd_scalars = st.one_of(
    st.text(alphabet=st.characters(codec=None), max_size=20),  # lone surrogates included
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.binary(max_size=8),
    st.none(),
)
_odd_values = st.one_of(_odd_scalars, st.lists(_odd_scalars, max_size=4), st.builds(_Secretive))
_token_keys = st.sampled_from(["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.operation.name",
                               "gen_ai.request.model", "gen_ai.response.model", "plain"])  # fmt: skip


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    spans=st.lists(
        st.tuples(
            st.one_of(st.text(max_size=10), st.integers(), st.none()),
            st.dictionaries(st.one_of(_token_keys, st.text(max_size=8)), _odd_values, max_size=5),
            st.lists(st.tuples(st.one_of(st.text(max_size=6), st.none()),
                               st.dictionaries(st.text(max_size=6), _odd_values, max_size=3)), max_size=2),
        ),
        min_size=1,
        max_size=6,
    )
)  # fmt: skip
def test_no_attribute_value_name_or_event_costs_a_batch(tmp_path_factory, spans):
    """Whatever a hand-built span holds, export succeeds and every span reads back, named by text."""
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.trace import SpanContext, TraceFlags

    built = [
        ReadableSpan(name, SpanContext(0xABC, 0x100 + i, False, TraceFlags(1)), attributes=attrs,
                     events=[Event(en, ea, 1_000 + k) for k, (en, ea) in enumerate(events)], start_time=1_000, end_time=2_000)
        for i, (name, attrs, events) in enumerate(spans)
    ]  # fmt: skip
    tf = _export_and_load(tmp_path_factory.mktemp("odd") / "odd.tracy", built)
    assert len(tf.spans) == len(spans)
    assert all(type(s.name) is str and all(type(e.name) is str for e in s.events) for s in tf.spans)
    assert [len(s.events) for s in tf.spans] == [len(e) for _, _, e in spans]
    assert all("sk-proj" not in str(s.attributes) for s in tf.spans)


def test_a_long_conversation_is_kept_whole_and_stored_once(tmp_path):
    """By default a history far past the old 32,768-character cut keeps its newest messages, and
    the file holds each message about once (each call's history continues the last one's)."""
    import json

    from opentelemetry.sdk.trace import TracerProvider

    from tracefile.record.redact import Policy

    path = tmp_path / "long.tracy"
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(TracyFileExporter(path, redaction=Policy(record_content=True))))
    history = [{"role": "system", "content": "You plan trips. " * 100}]
    for turn in range(60):
        history.append({"role": "user", "content": f"turn {turn}: " + "Where next, and how? " * 60})
        with tp.get_tracer("long").start_as_current_span(f"chat {turn}") as span:
            span.set_attribute("gen_ai.input.messages", json.dumps(history))
        history.append({"role": "assistant", "content": f"answer {turn}: " + "Take the train. " * 80})
    tp.shutdown()
    spans = tracefile.load(path).spans
    last = spans[-1].attributes["gen_ai.input.messages"]
    assert len(last) > 140_000 and json.loads(last) == history[:-1]  # whole: not cut, valid JSON
    assert json.loads(last)[-1]["content"].startswith("turn 59: ")
    unique = sum(len(json.dumps(m)) for m in history)
    assert path.stat().st_size < unique  # every history whole, in less than the text of its messages
