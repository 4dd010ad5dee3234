"""Every foreign-format fixture in tests/data/interop imports to its committed snapshot, is detected
by content, and survives a round trip through .tracy; broken records are skipped and counted.

Regenerate the snapshots after a deliberate mapping change with
``TRACY_UPDATE_SNAPSHOTS=1 pytest tests/tracefile/interop`` and read the diff.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

import tracefile
from tracefile.cli import main as tracy
from tracefile.format.encode import write_spans
from tracefile.format.errors import TraceFileError
from tracefile.interop import jaeger, otlp_json, otlp_proto, prompty, read_any, tracy as tracy_format, zipkin
from tests.helpers.snapshot import canonical
from tests.helpers.spans import loaded_span_dict

DATA = Path(__file__).resolve().parents[2] / "data" / "interop"
IMPORTERS = {"jaeger": jaeger, "zipkin": zipkin, "prompty": prompty, "otlp-json": otlp_json, "otlp-proto": otlp_proto}
# dialects/ holds Tracy's own files (other GenAI instrumentations recorded by its exporter): test_dialects.py
FIXTURES = sorted(p for p in DATA.glob("*/*") if p.suffix in (".json", ".jsonl", ".tracy", ".pb", ".binpb")
                  and not p.name.endswith(".expected.json") and p.parent.name != "dialects")  # fmt: skip
UPDATE = os.environ.get("TRACY_UPDATE_SNAPSHOTS") == "1"


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch):
    """Prompty's times are naive local times: pin the local zone so that snapshots match everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _snapshot_path(fixture: Path) -> Path:
    return fixture.with_name(fixture.name.rsplit(".", 1)[0] + ".expected.json")


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_imports_to_its_snapshot(fixture):
    got = canonical(read_any(fixture))
    snapshot = _snapshot_path(fixture)
    if UPDATE or not snapshot.exists():
        snapshot.write_text(got, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote a new snapshot {snapshot.name}: read it, commit it, run again")
    assert got == snapshot.read_text(encoding="utf-8")


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_detection_by_content_agrees_with_the_folder(fixture, tmp_path):
    fmt = fixture.parent.name
    head = fixture.read_bytes()[:64]
    claimed = [name for name, mod in IMPORTERS.items() if mod.read(str(fixture), head) is not None]
    assert claimed == [fmt]
    assert tracy_format.read(str(fixture), head) is None
    # The suffix never decides: the same bytes under a neutral name give the same model.
    renamed = tmp_path / "trace.dat"
    shutil.copyfile(fixture, renamed)
    assert canonical(read_any(renamed)) == canonical(read_any(fixture))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_round_trip_through_tracy_keeps_the_model(fixture, tmp_path):
    imported = read_any(fixture)
    out = tmp_path / "out.tracy"
    write_spans(out, imported.spans)
    back = tracefile.load(out)
    assert back.warnings == []
    assert [loaded_span_dict(s) for s in back.spans] == [loaded_span_dict(s) for s in imported.spans]


def test_prompty_ids_are_the_same_on_every_import_and_differ_between_files():
    a = read_any(DATA / "prompty" / "nested-functions-one-raises-v2.tracy")
    b = read_any(DATA / "prompty" / "nested-functions-one-raises-v2.tracy")
    c = read_any(DATA / "prompty" / "nested-functions-one-raises-v0.1.20.tracy")
    assert [s.span_id for s in a.spans] == [s.span_id for s in b.spans]
    assert len({s.span_id for s in a.spans}) == len(a.spans)
    assert a.spans[0].trace_id != c.spans[0].trace_id


def test_prompty_naive_times_are_local_time(monkeypatch):
    utc = read_any(DATA / "prompty" / "nested-functions-one-raises-v2.tracy").spans[0]
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30, no daylight saving
    time.tzset()
    kolkata = read_any(DATA / "prompty" / "nested-functions-one-raises-v2.tracy")
    assert utc.start_time - kolkata.spans[0].start_time == (5 * 3600 + 30 * 60) * 10**9
    assert kolkata.spans[0].attributes["tracy.import.timezone"] == "local"
    assert "UTC+05:30" in kolkata.warnings[-1]


def test_prompty_exception_becomes_error_status_with_type_message_and_traceback():
    spans = {s.name: s for s in read_any(DATA / "prompty" / "nested-functions-one-raises-v0.1.20.tracy").spans}
    failed = spans["check_citations"]
    assert failed.is_error and failed.status_message == "ValueError: answer cites none of the 2 documents"
    (event,) = failed.events
    assert event.name == "exception" and event.attributes["exception.type"] == "ValueError"  # not "<class 'ValueError'>"
    assert "raise ValueError" in event.attributes["exception.stacktrace"]
    assert not spans["answer_question"].is_error


def test_prompty_usage_counts_each_call_once():
    spans = read_any(DATA / "prompty" / "nested-functions-one-raises-v2.tracy").spans
    by_name = {s.name: s for s in spans}
    assert by_name["call_model"].attributes["gen_ai.usage.input_tokens"] == 42
    assert by_name["call_model"].attributes["gen_ai.usage.output_tokens"] == 9
    assert "gen_ai.usage.input_tokens" not in by_name["answer_question"].attributes  # hoisted from its child
    assert json.loads(by_name["answer_question"].attributes["prompty.usage"])["prompt_tokens"] == 42
    assert sum(s.attributes.get("gen_ai.usage.input_tokens", 0) for s in spans) == 42


def test_prompty_executor_returning_its_childs_response_does_not_count_it_again():
    spans = {s.name: s for s in read_any(DATA / "prompty" / "executor-chat-v2.tracy").spans}
    # Prompty adds the usage of execute's own result (the client call's response) to its child's
    assert json.loads(spans["execute"].attributes["prompty.usage"])["prompt_tokens"] == 26
    assert not any(k.startswith("gen_ai.") for k in spans["execute"].attributes)
    call = spans["chat.completions.create"].attributes
    assert (call["gen_ai.usage.input_tokens"], call["gen_ai.usage.output_tokens"]) == (13, 30)
    assert (call["gen_ai.operation.name"], call["gen_ai.provider.name"], call["gen_ai.request.model"]) == (
        "chat", "openai", "gpt-4o-mini")
    assert "gen_ai.operation.name" not in spans["OpenAI"].attributes  # the client's constructor, typed LLM too


def test_prompty_before_2_response_repr_gives_the_answer_and_tokens():
    spans = {s.name: s for s in read_any(DATA / "prompty" / "executor-azure-openai-chat-v0.1.20.tracy").spans}
    call = spans["create"].attributes
    assert call["output.value"].startswith("ChatCompletion(id='chatcmpl-loopback-000001'")  # what Prompty wrote
    assert (call["gen_ai.usage.input_tokens"], call["gen_ai.usage.output_tokens"]) == (13, 30)
    assert (call["gen_ai.response.id"], call["gen_ai.provider.name"]) == ("chatcmpl-loopback-000001", "azure.ai.openai")
    assert json.loads(call["gen_ai.output.messages"])[0]["parts"][0]["content"].startswith('You asked: "Which museum')


def test_prompty_response_repr_is_read_never_run(tmp_path):
    def mutate(doc):
        create = doc["trace"]["__frames"][2]["__frames"][0]["__frames"][1]  # run > executor > create
        create["result"] = f"ChatCompletion(id=open({str(tmp_path / 'ran')!r}, 'w').name, model='x')"

    imported = read_any(_mutated(tmp_path, "prompty/executor-azure-openai-chat-v0.1.20.tracy", mutate))
    call = {s.name: s for s in imported.spans}["create"].attributes
    assert not (tmp_path / "ran").exists()
    assert "gen_ai.response.id" not in call and "gen_ai.output.messages" not in call
    assert call["gen_ai.request.model"] == "gpt-4o-mini" and "gen_ai.input.messages" in call


# --- bad input ------------------------------------------------------------------------------


def _mutated(tmp_path, fixture: str, mutate) -> Path:
    doc = json.loads((DATA / fixture).read_text(encoding="utf-8"))
    mutate(doc)
    out = tmp_path / "broken.json"
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def test_zipkin_broken_spans_are_skipped_and_counted(tmp_path):
    def mutate(doc):
        del doc[0]["id"]
        doc[2]["timestamp"] = "soon"

    imported = read_any(_mutated(tmp_path, "zipkin/shared-server-span.json", mutate))
    assert imported.format == "zipkin" and len(imported.spans) == 2
    assert imported.warnings[0] == (
        "2 spans skipped: span 1: missing id; span 3: timestamp is not a number of microseconds: 'soon'"
    )


def test_jaeger_broken_spans_are_skipped_and_counted(tmp_path):
    def mutate(doc):
        del doc["spans"][1]["spanID"]
        doc["spans"][2]["references"][0]["spanID"] = "not-hex"
        doc["spans"][3]["startTime"] = None
        doc["spans"][0]["logs"] = [{"timestamp": -1, "fields": []}]

    imported = read_any(_mutated(tmp_path, "jaeger/multiple-child-of-references.json", mutate))
    assert imported.format == "jaeger" and imported.spans == []
    assert imported.warnings[0].startswith("4 spans skipped: span 1: log timestamp is not a number of microseconds: -1; ")
    assert imported.warnings[0].endswith("; and 1 more")


def test_prompty_broken_frame_is_skipped_with_its_children(tmp_path):
    def mutate(doc):
        doc["trace"]["__frames"][1]["__time"]["start"] = "yesterday"

    imported = read_any(_mutated(tmp_path, "prompty/nested-functions-one-raises-v2.tracy", mutate))
    assert [s.name for s in imported.spans] == ["answer_question", "retrieve", "check_citations"]
    assert imported.warnings[0] == "1 frame skipped: frame 0.1: Invalid isoformat string: 'yesterday'"


@pytest.mark.parametrize(
    "content, described",
    [
        (b'{"foo": [1, 2, 3]}', 'it starts with "{\\"foo\\": [1, 2, 3]}": JSON, but not in a shape any of them uses'),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "it is binary, starting with 0x89 0x50 0x4e 0x47 0x0d 0x0a 0x1a 0x0a"),
        (b"", "it the file is empty"),
        (b'[{"traceId": "1", "id": ', 'it starts with "[{\\"traceId\\": \\"1\\", \\"id\\":", but is not valid JSON'),
        (b"timestamp,name\n1,a\n", 'it starts with "timestamp,name 1,a"'),
    ],
)
def test_unknown_input_lists_the_formats_tried_and_describes_its_start(tmp_path, content, described):
    path = tmp_path / "mystery.json"
    path.write_bytes(content)
    with pytest.raises(TraceFileError) as err:
        read_any(path)
    msg = str(err.value)
    assert "(tried: .tracy, OTLP/JSON, Jaeger JSON, Zipkin v2 JSON, Prompty JSON, OTLP protobuf)" in msg
    assert "Prompty" not in msg.split("tried:")[0]
    assert described.removeprefix("it ") in msg


def test_unforeseen_shapes_are_errors_not_tracebacks(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"traceID": "1", "spans": [], "processes": ["not", "a", "map"]}))
    with pytest.raises(TraceFileError, match="looks like Jaeger JSON but cannot be read: AttributeError"):
        read_any(path)


# --- the command line -----------------------------------------------------------------------

ONE_OF_EACH = ["jaeger/single-trace-references-warnings-short-ids.json", "zipkin/shared-server-span.json",
               "prompty/nested-functions-one-raises-v2.tracy"]  # fmt: skip


@pytest.mark.parametrize("fixture", ONE_OF_EACH)
def test_cli_convert_then_info_and_validate(fixture, tmp_path, capsys):
    src = DATA / fixture
    out = tmp_path / "out.tracy"
    assert tracy(["convert", str(src), str(out)]) == 0
    printed = capsys.readouterr()
    n = len(read_any(src).spans)
    assert f"wrote {n:,} spans from {src.parent.name} to" in printed.out
    assert tracy(["validate", str(out)]) == 0
    assert f" frames, {n} spans, 0 feedback records" in capsys.readouterr().out
    assert tracy(["info", "--json", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["spans"] == n
    assert tracy(["convert", str(src), str(tmp_path / "out.json")]) == 0
    assert len(otlp_json.read(str(tmp_path / "out.json"), b"{").spans) == n


def test_cli_convert_warns_about_skipped_records_and_refuses_unknown_input_without_a_traceback(tmp_path, capsys):
    broken = _mutated(tmp_path, "zipkin/shared-server-span.json", lambda doc: doc[0].pop("id"))
    assert tracy(["convert", str(broken), str(tmp_path / "a.tracy")]) == 0
    assert "warning: 1 span skipped: span 1: missing id" in capsys.readouterr().err
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"foo": 1}')
    assert tracy(["convert", str(unknown), str(tmp_path / "b.tracy")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Jaeger JSON, Zipkin v2 JSON, Prompty JSON" in err


@pytest.mark.parametrize("command", ["info", "validate"])
def test_cli_info_and_validate_read_foreign_files(command, capsys):
    assert tracy([command, str(DATA / ONE_OF_EACH[1])]) == 0


def test_prompty_streamed_call_gets_its_answer_from_the_chunks():
    """A streamed call (prompty 2.x): the call's frame holds the request and says where the answer
    went; the PromptyStream trace, written when the stream was read, holds the chunks, joined into
    the answer as a call without streaming records it."""
    call = {s.name: s for s in read_any(DATA / "prompty" / "executor-chat-streamed-v2.tracy").spans}["chat.completions.create"]
    assert "gen_ai.output.messages" not in call.attributes and "PromptyStream" in call.attributes["tracy.import.note"]
    (stream,) = read_any(DATA / "prompty" / "executor-chat-streamed-chunks-v2.tracy").spans
    (answer,) = json.loads(stream.attributes["gen_ai.output.messages"])
    assert answer["role"] == "assistant" and answer["finish_reason"] == "stop"
    assert answer["parts"][0]["content"].startswith('You asked: "Which museum should I visit in Porto?"')
    assert stream.attributes["gen_ai.usage.output_tokens"] == 30 and stream.attributes["gen_ai.operation.name"] == "chat"
    assert stream.attributes["gen_ai.response.id"] == "chatcmpl-loopback-000001"


def test_prompty_stream_chunks_join_into_the_message_a_call_without_streaming_gets():
    """Chunks as the `openai` client streams them (a tool call's id, name and arguments in pieces),
    dumped as Prompty dumps them, join into the message the same call answers without streaming."""
    import openai

    from tracefile.testing.loopback import ChatServer

    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]  # fmt: skip
    messages = [{"role": "user", "content": "Weather in Porto tomorrow, please?"}]
    with ChatServer() as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="test-key")
        whole = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tools).model_dump()
        chunks = [c.model_dump() for c in client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, tools=tools, stream=True, stream_options={"include_usage": True})]  # fmt: skip
    assert len(chunks) > 3
    joined = prompty._streamed(chunks)
    (choice,) = joined["choices"]
    want = whole["choices"][0]
    assert choice["finish_reason"] == want["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    (expected,) = want["message"]["tool_calls"]
    # The server numbers its calls' ids per request; the rest is the same.
    assert call["id"].startswith("call_") and call["function"] == {k: expected["function"][k] for k in ("name", "arguments")}
    assert json.loads(call["function"]["arguments"]) and call["function"]["name"] == "get_weather"
    assert joined["usage"]["completion_tokens"] == whole["usage"]["completion_tokens"]
    assert prompty._streamed([{"object": "something else"}]) is None


_DEEP = "[" * 100_000 + "]" * 100_000
_DEEP_DOCS = {
    "otlp-json": {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {"name": "x"}, "spans": [
        {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "name": "deep",
         "startTimeUnixNano": "1", "endTimeUnixNano": "2", "attributes": [{"key": "k", "value": "DEEP"}]}]}]}]},
    "jaeger": {"data": [{"traceID": "0af7651916cd43dd", "processes": {}, "spans": [
        {"traceID": "0af7651916cd43dd", "spanID": "b7ad6b7169203331", "operationName": "x", "startTime": 1,
         "duration": 1, "tags": [{"key": "k", "type": "string", "value": "DEEP"}]}]}]},
    "zipkin": [{"traceId": "0af7651916cd43dd", "id": "b7ad6b7169203331", "name": "x", "timestamp": 1, "tags": {"k": "DEEP"}}],
    "prompty": {"runtime": "python", "version": "1.0", "trace": {"name": "run", "inputs": "DEEP", "__frames": []}},
}  # fmt: skip


@pytest.mark.parametrize("shape", list(_DEEP_DOCS))
def test_json_nested_past_what_can_be_read_names_no_format(shape, tmp_path):
    """100,000 levels of arrays in a value: the file is refused with what is wrong, not as a
    format it does not claim to be (every JSON importer would fail the same way)."""
    path = tmp_path / f"deep-{shape}.json"
    path.write_text(json.dumps(_DEEP_DOCS[shape]).replace('"DEEP"', _DEEP))
    with pytest.raises(TraceFileError, match="JSON nested deeper than tracy can read") as err:
        read_any(path)
    assert "OTLP" not in str(err.value) and "Jaeger" not in str(err.value)


def test_a_json_lines_line_nested_past_what_can_be_read_is_skipped(tmp_path):
    good = (DATA / "otlp-json" / "sdk-json-file-exporter-two-batches.jsonl").read_text().splitlines()
    deep = json.dumps(_DEEP_DOCS["otlp-json"]).replace('"DEEP"', _DEEP)
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join([good[0], deep, good[1]]) + "\n")
    imported = read_any(path)
    assert [s.name for s in imported.spans] == [s.name for s in read_any(DATA / "otlp-json" / "sdk-json-file-exporter-two-batches.jsonl").spans]
    assert imported.warnings == ["1 line skipped: line 2: JSON nested deeper than tracy can read (thousands of levels of arrays or objects)"]


def test_prompty_stream_chunks_keep_twelve_tool_calls_in_their_order():
    """Pieces of calls 0..11, interleaved: joined by their index, in numeric order (not 0, 1, 10, 11, 2...)."""
    def chunk(index: int, **function) -> dict:
        delta = {"tool_calls": [{"index": index, "id": f"call_{index}" if "name" in function else None, "function": function}]}
        return {"object": "chat.completion.chunk", "id": "c", "model": "m", "choices": [{"index": 0, "delta": delta}]}

    chunks = [chunk(i, name=f"tool_{i}", arguments="") for i in range(12)]
    chunks += [chunk(i, arguments='{"n": ' + str(i) + "}") for i in reversed(range(12))]
    (choice,) = prompty._streamed(chunks)["choices"]
    calls = choice["message"]["tool_calls"]
    assert [c["id"] for c in calls] == [f"call_{i}" for i in range(12)]
    assert [json.loads(c["function"]["arguments"])["n"] for c in calls] == list(range(12))
