"""End to end: an app using the real Azure AI Inference SDK (sync, streaming, tools, aio, errors)
records its GenAI spans with ``tracefile.configure()``, and the .tracy file holds what it did.

Each recording is made by `tests/helpers/apps/chat_app.py` in its own interpreter
(configure() installs the process-wide TracerProvider), talking to a loopback
ChatServer run by this test process; the tests read the file it wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.requirements import require_azure

require_azure()

import tracefile
from tests.helpers import e2e
from examples import travel_agent
from tests.helpers.apps import chat_app as app
from tracefile.testing.loopback import ChatServer

ALL_STEPS = "sync,stream,tools,stream_tools,aio,errors,secrets"
# Text that only ever travels in chat messages: never in a file recorded with content off.
MESSAGE_MARKERS = [
    "SYS-MARKER-7f3a",
    "USER-MARKER-91c2",
    "STREAM-MARKER-5d0e",
    "AIO-MARKER-2e8f",
    "AFTER-ERROR-MARKER-0a1b",
    "SECRET-MARKER-e5f6",
    "You asked:",
    "scripted reply",
]


class Run:
    """One recording: the app's own view (`out`), the file, its stderr, the requests the server saw."""

    def __init__(self, out: dict, path: Path, stderr: str, requests: list) -> None:
        self.out = out
        self.path = path
        self.tf = tracefile.load(path)
        self.stderr = stderr
        self.requests = requests
        self.raw = e2e.all_payload_bytes(path)


def _record(tmp: Path, *flags: str, steps: str = ALL_STEPS) -> Run:
    path = tmp / "run.tracy"
    with ChatServer(latency_s=0.05) as server:
        done = e2e.run_app("chat_app.py", "--endpoint", server.endpoint, "--steps", steps, "--path", str(path), *flags)
        requests = list(server.requests)
    out = e2e.last_json(done.stdout)
    assert out["path"] == str(path)
    return Run(out, path, done.stderr, requests)


@pytest.fixture(scope="module")
def content_on(tmp_path_factory) -> Run:
    return _record(tmp_path_factory.mktemp("content-on"), "--content")


@pytest.fixture(scope="module")
def content_off(tmp_path_factory) -> Run:
    # No flag and no environment variable: the default, which is off.
    return _record(tmp_path_factory.mktemp("content-off"))


# -- the file as a whole --------------------------------------------------------------


def test_file_is_intact_and_holds_one_chat_span_per_request(content_on: Run) -> None:
    tf = content_on.tf
    assert tf.warnings == [] and not tf.truncated
    chat_requests = [r for r in content_on.requests if r.path.endswith("/chat/completions")]
    # retry_total=0: every complete() call is one request, and each is one chat span and one HTTP span.
    assert len(chat_requests) == 12
    assert len(e2e.chat_spans(tf)) == len(chat_requests)
    assert len([s for s in tf.spans if s.name == "POST"]) == len(chat_requests)
    assert {r.attributes["service.name"] for r in tf.resources} == {"chat_app"}
    assert "LOG WARNING" not in content_on.stderr


# -- 1. sync client ---------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["content_on", "content_off"])
def test_sync_chat_span_has_the_genai_attributes(fixture: str, request) -> None:
    run: Run = request.getfixturevalue(fixture)
    seen = run.out["sync"]
    span = e2e.by_response_id(run.tf, seen["id"])
    assert span.name == f"chat {app.MODEL}"
    assert span.kind_name == "client"
    assert span.status_name == "unset"
    assert not span.parent_span_id  # called outside any traced function: a root
    a = span.attributes
    assert a["gen_ai.operation.name"] == "chat"
    assert a["gen_ai.system"] == "az.ai.inference"
    assert a["gen_ai.request.model"] == app.MODEL
    assert a["gen_ai.response.model"] == app.MODEL
    assert a["gen_ai.response.id"] == seen["id"]
    # The counts the app got back, which token-count redaction must leave alone.
    assert a["gen_ai.usage.input_tokens"] == seen["input_tokens"] == 13
    assert a["gen_ai.usage.output_tokens"] == seen["output_tokens"]
    assert list(a["gen_ai.response.finish_reasons"]) == ["stop"]
    assert span.end_time > span.start_time > 0


@pytest.mark.parametrize("fixture", ["content_on", "content_off"])
def test_sync_chat_span_has_its_http_child(fixture: str, request) -> None:
    run: Run = request.getfixturevalue(fixture)
    span = e2e.by_response_id(run.tf, run.out["sync"]["id"])
    (http,) = e2e.children(run.tf, span)
    assert http.name == "POST"
    assert http.kind_name == "client"
    assert http.parent_span_id == span.span_id and http.trace_id == span.trace_id
    assert http.attributes["http.request.method"] == "POST"
    assert http.attributes["http.response.status_code"] == 200
    assert http.attributes["url.full"].endswith("/chat/completions?api-version=2024-05-01-preview")
    assert span.start_time <= http.start_time <= http.end_time <= span.end_time


def test_content_on_records_the_messages_and_the_choice(content_on: Run) -> None:
    seen = content_on.out["sync"]
    span = e2e.by_response_id(content_on.tf, seen["id"])
    assert [e.name for e in span.events] == ["gen_ai.system.message", "gen_ai.user.message", "gen_ai.choice"]
    assert e2e.event_content(span, "gen_ai.system.message") == {"role": "system", "content": app.SYSTEM_TEXT}
    assert e2e.event_content(span, "gen_ai.user.message") == {"role": "user", "content": app.USER_TEXT}
    choice = e2e.event_content(span, "gen_ai.choice")
    assert choice["message"]["content"] == seen["content"]
    assert choice["finish_reason"] == "stop" and choice["index"] == 0


def test_content_off_records_no_message_text_anywhere(content_off: Run) -> None:
    tf = content_off.tf
    text = e2e.file_text(tf)
    for marker in MESSAGE_MARKERS:
        assert marker not in text, marker
        assert marker.encode() not in content_off.raw, marker
    # Nothing content-bearing survives on any event of the SDK's spans...
    for span in e2e.chat_spans(tf):
        for ev in span.events:
            assert "gen_ai.event.content" not in ev.attributes, (span.name, ev.name, ev.attributes)
        # ...and the tool question and result (which @trace'd app functions record as their
        # own arguments and result, by design) are not on the SDK's spans either.
        for marker in ("TOOLQ-MARKER-44b1", app.TOOL_RESULT_MARKER, "get_weather returned", "Lisbon"):
            assert marker not in e2e.span_text(span), (span.name, marker)
    for key in ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions"):
        assert key.encode() not in content_off.raw


def test_content_off_keeps_spans_models_and_token_counts(content_off: Run, content_on: Run) -> None:
    off, on = content_off.tf, content_on.tf
    assert len(e2e.chat_spans(off)) == 12
    for step in ("sync", "stream"):
        a_off = e2e.by_response_id(off, content_off.out[step]["id"]).attributes
        a_on = e2e.by_response_id(on, content_on.out[step]["id"]).attributes
        for key in ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.response.model",
                    "gen_ai.request.model", "gen_ai.response.finish_reasons"):  # fmt: skip
            assert key in a_off and a_off[key] == a_on[key], key
        assert a_off["gen_ai.usage.output_tokens"] > 0
    sync = e2e.by_response_id(off, content_off.out["sync"]["id"])
    assert [e.name for e in sync.events] == ["gen_ai.choice"]  # the event stays, without its content


# -- 2. streaming and tools ---------------------------------------------------------


def test_streaming_accumulates_the_choice_and_records_usage(content_on: Run) -> None:
    seen = content_on.out["stream"]
    assert seen["content"].startswith('You asked: "STREAM-MARKER-5d0e')
    span = e2e.by_response_id(content_on.tf, seen["id"])
    assert span.name == f"chat {app.MODEL}" and span.status_name == "unset"
    assert e2e.event_content(span, "gen_ai.user.message")["content"] == app.STREAM_TEXT
    choice = e2e.event_content(span, "gen_ai.choice")
    # Dozens of chunks became one message, exactly what the app put together.
    assert choice["message"]["content"] == seen["content"]
    assert choice["finish_reason"] == "stop"
    assert list(span.attributes["gen_ai.response.finish_reasons"]) == ["stop"]
    assert [span.attributes["gen_ai.usage.input_tokens"], span.attributes["gen_ai.usage.output_tokens"]] == seen["usage"]
    request = next(r for r in content_on.requests if r.stream and r.messages[-1]["content"] == app.STREAM_TEXT)
    assert len(request.response) > 10  # it really was streamed, in many chunks
    (http,) = e2e.children(content_on.tf, span)
    assert http.attributes["http.response.status_code"] == 200


def test_streamed_tool_call_is_accumulated_in_the_choice(content_on: Run) -> None:
    seen = content_on.out["stream_tools"]
    (call,) = seen["calls"]
    span = e2e.by_response_id(content_on.tf, seen["id"])
    choice = e2e.event_content(span, "gen_ai.choice")
    assert choice["finish_reason"] == "tool_calls"
    (recorded,) = choice["message"]["tool_calls"]
    assert recorded["id"] == call["id"]
    assert recorded["function"]["name"] == "get_weather"
    assert json.loads(recorded["function"]["arguments"]) == json.loads(call["arguments"]) == {"city": "Lisbon"}


def test_tool_calls_nest_under_the_traced_agent(content_on: Run) -> None:
    tf = content_on.tf
    seen = content_on.out["tools"]
    (agent,) = [s for s in tf.spans if s.name == "invoke_agent weather-agent"]
    first = e2e.by_response_id(tf, seen["first_id"])
    second = e2e.by_response_id(tf, seen["second_id"])
    (tool,) = [s for s in tf.spans if s.name == "execute_tool get_weather"]
    # One trace: the agent, and under it chat -> tool -> chat, in that order.
    assert [s.span_id for s in sorted(e2e.children(tf, agent), key=lambda s: s.start_time)] == [
        first.span_id,
        tool.span_id,
        second.span_id,
    ]
    assert first.end_time <= tool.start_time and tool.end_time <= second.start_time
    assert not agent.parent_span_id
    assert json.loads(agent.attributes["input.value"])["question"] == app.TOOL_QUESTION
    assert json.loads(tool.attributes["input.value"]) == {"city": "Lisbon"}
    assert json.loads(tool.attributes["output.value"])["note"] == app.TOOL_RESULT_MARKER
    assert json.loads(agent.attributes["output.value"])["second_id"] == seen["second_id"]

    # The first call asked for the tool...
    assert list(first.attributes["gen_ai.response.finish_reasons"]) == ["tool_calls"]
    (call,) = e2e.event_content(first, "gen_ai.choice")["message"]["tool_calls"]
    assert call["id"] == seen["call_id"]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Lisbon"}
    # ...and the second call sent the assistant's tool call and the tool's result back.
    assert [e.name for e in second.events] == [
        "gen_ai.user.message",
        "gen_ai.assistant.message",
        "gen_ai.tool.message",
        "gen_ai.choice",
    ]
    tool_message = e2e.event_content(second, "gen_ai.tool.message")
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == seen["call_id"]
    assert json.loads(tool_message["content"])["note"] == app.TOOL_RESULT_MARKER
    assert e2e.event_content(second, "gen_ai.assistant.message")["tool_calls"][0]["id"] == seen["call_id"]
    assert e2e.event_content(second, "gen_ai.choice")["message"]["content"] == seen["answer"]


# -- 3. aio client ------------------------------------------------------------------------


def test_aio_client_records_the_same_spans(content_on: Run) -> None:
    tf = content_on.tf
    seen = content_on.out["aio"]
    (main,) = [s for s in tf.spans if s.name == "aio_main"]
    single = e2e.by_response_id(tf, seen["single_id"])
    assert single.parent_span_id == main.span_id and single.trace_id == main.trace_id
    assert single.name == f"chat {app.MODEL}" and single.kind_name == "client"
    assert single.attributes["gen_ai.usage.output_tokens"] > 0
    assert e2e.event_content(single, "gen_ai.user.message")["content"] == app.AIO_TEXT
    (http,) = e2e.children(tf, single)
    assert http.name == "POST" and http.attributes["http.response.status_code"] == 200


def test_concurrent_traced_agents_form_separate_subtrees(content_on: Run) -> None:
    tf = content_on.tf
    seen = content_on.out["aio"]
    (main,) = [s for s in tf.spans if s.name == "aio_main"]
    agents = sorted((s for s in tf.spans if s.name == "invoke_agent aio-agent"), key=lambda s: s.start_time)
    assert len(agents) == 2
    chats = []
    for agent_span, agent_seen in zip(sorted(agents, key=lambda s: json.loads(s.attributes["input.value"])["name"]),
                                      sorted(seen["agents"], key=lambda a: a["name"])):  # fmt: skip
        assert agent_span.parent_span_id == main.span_id and agent_span.trace_id == main.trace_id
        assert json.loads(agent_span.attributes["output.value"]) == agent_seen
        # Each agent's one chat span is its own, carrying its own question and its own response.
        (chat,) = e2e.children(tf, agent_span)
        assert chat.attributes["gen_ai.response.id"] == agent_seen["id"]
        assert e2e.event_content(chat, "gen_ai.user.message")["content"] == f"{app.AIO_TEXT} ({agent_seen['name']})"
        (http,) = e2e.children(tf, chat)
        assert http.name == "POST"
        chats.append(chat)
    # They really ran at the same time (the server takes 50 ms per answer).
    a, b = sorted(chats, key=lambda s: s.start_time)
    assert b.start_time < a.end_time


# -- 4. HTTP errors -------------------------------------------------------------------------


@pytest.mark.parametrize("status, code", [(429, "RateLimitReached"), (500, "InternalServerError")])
def test_http_error_is_recorded_on_the_chat_span(content_on: Run, status: int, code: str) -> None:
    tf = content_on.tf
    seen = next(e for e in content_on.out["errors"]["errors"] if e["model"] == f"error-{status}")
    # The app got the SDK's exception, with the server's status...
    assert seen["raised"] == "HttpResponseError" and seen["status"] == status
    (span,) = [s for s in tf.spans if s.name == f"chat error-{status}"]
    # ...and the chat span says so: ERROR with the message, the exception type, an exception event.
    assert span.status_name == "error"
    assert span.status_message == seen["message"]
    assert code in span.status_message
    assert span.attributes["error.type"] == "azure.core.exceptions.HttpResponseError"
    assert span.attributes["gen_ai.request.model"] == f"error-{status}"
    assert "gen_ai.response.id" not in span.attributes and "gen_ai.usage.output_tokens" not in span.attributes
    exc = e2e.event(span, "exception")
    assert exc.attributes["exception.type"] == "azure.core.exceptions.HttpResponseError"
    assert exc.attributes["exception.message"] == seen["message"]
    assert "Traceback" in exc.attributes["exception.stacktrace"]
    # The HTTP span under it has the status code, and azure-core's error.type is the status.
    (http,) = e2e.children(tf, span)
    assert http.attributes["http.response.status_code"] == status
    assert http.attributes["error.type"] == str(status)
    # retry_total=0: exactly one request for the failing call.
    assert len([r for r in content_on.requests if r.model == f"error-{status}"]) == 1


def test_app_keeps_running_after_http_errors(content_on: Run) -> None:
    seen = content_on.out["errors"]
    span = e2e.by_response_id(content_on.tf, seen["after_id"])
    assert span.status_name == "unset"
    assert e2e.event_content(span, "gen_ai.choice")["message"]["content"] == seen["after_content"]
    assert e2e.event_content(span, "gen_ai.user.message")["content"] == app.AFTER_ERROR_TEXT


# -- 6. redaction ---------------------------------------------------------------------------


def test_secrets_in_a_user_message_are_redacted(content_on: Run) -> None:
    seen = content_on.out["secrets"]
    span = e2e.by_response_id(content_on.tf, seen["id"])
    content = e2e.event_content(span, "gen_ai.user.message")["content"]
    assert content.startswith("SECRET-MARKER-e5f6 My key is [REDACTED], my header is Authorization: Bearer [REDACTED]")
    assert "AccountName=tracydemo;AccountKey=[REDACTED];EndpointSuffix=core.windows.net" in content
    # The model echoed the key back: the completion is redacted too.
    assert app.OPENAI_KEY in seen["echo"]
    choice = e2e.event_content(span, "gen_ai.choice")["message"]["content"]
    assert "[REDACTED]" in choice and app.OPENAI_KEY not in choice
    # The server did receive the secrets: they were only kept out of the file.
    assert any(app.OPENAI_KEY in json.dumps(r.body) for r in content_on.requests if r.body)


def test_secrets_in_a_traced_argument_are_redacted(content_on: Run) -> None:
    assert content_on.out["secrets"]["result"] == "connected as ada"
    (span,) = [s for s in content_on.tf.spans if s.name == "use_credentials"]
    assert json.loads(span.attributes["input.value"]) == {
        "settings": {"user": "ada", "api_key": "[REDACTED]", "endpoint": "https://example.invalid"},
        "note": "token is Bearer [REDACTED]",
    }
    assert span.attributes["output.value"] == "connected as ada"


@pytest.mark.parametrize("fixture", ["content_on", "content_off"])
def test_no_secret_is_anywhere_in_the_file(fixture: str, request) -> None:
    run: Run = request.getfixturevalue(fixture)
    raw_file = run.path.read_bytes()
    text = e2e.file_text(run.tf)
    assert len(run.raw) > len(raw_file) // 2  # the frames really were decompressed
    for secret in app.SECRETS:
        for form in {secret, secret[:24], json.dumps(secret)[1:-1]}:
            assert form not in text, secret
            assert form.encode() not in run.raw, secret
            assert form.encode() not in raw_file, secret
    if fixture == "content_on":
        assert b"[REDACTED]" in run.raw


# -- 10. the example app ------------------------------------------------------------------------


def test_travel_agent_example_records_agent_tools_and_feedback(tmp_path: Path) -> None:
    done = e2e.run([str(e2e.VENV_BIN / "python"), str(e2e.ROOT / "examples" / "travel_agent.py")], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (path,) = (tmp_path / ".runs").glob("travel-agent.*.tracy")
    assert f"Trace written to .runs/{path.name}" in done.stdout
    tf = tracefile.load(path)
    assert tf.warnings == [] and not tf.truncated
    agents = sorted((s for s in tf.spans if s.name == "invoke_agent travel-agent"), key=lambda s: s.start_time)
    assert len(agents) == 2  # one per question
    for agent in agents:
        assert not agent.parent_span_id
        kids = sorted(e2e.children(tf, agent), key=lambda s: s.start_time)
        assert [s.name for s in kids] == ["chat gpt-4o-mini", "execute_tool get_weather", "chat gpt-4o-mini"]
        first, tool, second = kids
        assert list(first.attributes["gen_ai.response.finish_reasons"]) == ["tool_calls"]
        assert list(second.attributes["gen_ai.response.finish_reasons"]) == ["stop"]
        city = json.loads(tool.attributes["input.value"])["city"]
        assert json.loads(tool.attributes["output.value"])["city"] == city
        assert [e.name for e in tool.events] == ["tracy.log"]
        assert e2e.event_content(second, "gen_ai.tool.message")["content"].startswith(f'{{"city": "{city}"')
    assert [json.loads(a.attributes["input.value"])["question"] for a in agents] == travel_agent.QUESTIONS
    # The user's thumbs-up is joined to the last chat span: the answer to the last question.
    assert len(tf.feedback) == 1
    fb = tf.feedback[0]
    assert (fb.score, fb.label, fb.comment) == (1.0, "thumbs_up", "Helpful, thanks!")
    last_chat = max(e2e.chat_spans(tf), key=lambda s: s.end_time)
    assert fb.response_id == last_chat.attributes["gen_ai.response.id"]
    assert last_chat.feedback == [fb]
    assert sum(len(s.feedback) for s in tf.spans) == 1
