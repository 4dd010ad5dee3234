"""The loopback chat server, driven by the real Azure AI Inference SDK (sync and aio)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers.requirements import require_azure

require_azure()

from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import SystemMessage, ToolMessage, UserMessage
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from tracefile.testing.loopback import ChatServer, Reply, ToolCall, error_body, scripted_reply

QUESTION = "What is the capital of France?"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "verbose": {"type": "boolean"},
            },
            "required": ["city", "days", "unit"],
        },
    },
}
SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    },
}


def _expected_answer(question: str) -> str:
    return (
        f'You asked: "{question}". Here is a short answer: this is a scripted reply '
        "from the loopback model, which repeats questions instead of answering them."
    )


@pytest.fixture
def server():
    with ChatServer() as s:
        yield s


@pytest.fixture
def client(server):
    # retry_total=0: one request per call, so request counts are exact.
    with ChatCompletionsClient(
        endpoint=server.endpoint, credential=AzureKeyCredential("test-key"), retry_total=0
    ) as c:
        yield c


def _default_client(server) -> ChatCompletionsClient:
    return ChatCompletionsClient(endpoint=server.endpoint, credential=AzureKeyCredential("test-key"))


# --------------------------------------------------------------------------- plain completions


def test_complete_returns_scripted_text_and_usage(server, client):
    response = client.complete(
        messages=[SystemMessage("You are a helpful assistant."), UserMessage(QUESTION)], model="gpt-4o-mini"
    )
    choice = response.choices[0]
    assert choice.message.content == _expected_answer(QUESTION)
    assert choice.message.role == "assistant"
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    assert response.id == "chatcmpl-loopback-000001"
    assert response.model == "gpt-4o-mini"
    assert abs(response.created.timestamp() - time.time()) < 60
    # Token counts are word counts: 5 + 6 prompt words.
    assert response.usage.prompt_tokens == 11
    assert response.usage.completion_tokens == len(choice.message.content.split())
    assert response.usage.total_tokens == 11 + response.usage.completion_tokens


def test_ids_are_deterministic_and_unique(server, client):
    ids = [client.complete(messages=[UserMessage("hi")]).id for _ in range(3)]
    assert ids == ["chatcmpl-loopback-000001", "chatcmpl-loopback-000002", "chatcmpl-loopback-000003"]


def test_requests_record_what_the_sdk_sent(server, client):
    client.complete(messages=[UserMessage(QUESTION)], model="gpt-4o-mini", temperature=0.5)
    assert len(server.requests) == 1
    request = server.requests[0]
    assert request is server.last_request and server.chat_requests == [request]
    assert (request.method, request.path, request.api_version) == ("POST", "/chat/completions", "2024-05-01-preview")
    assert request.headers["authorization"] == "Bearer test-key"
    assert request.headers["api-key"] == "test-key"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("azsdk-python-ai-inference/")
    assert request.body == {
        "messages": [{"role": "user", "content": QUESTION}],
        "model": "gpt-4o-mini",
        "temperature": 0.5,
    }
    assert (request.model, request.messages, request.tools, request.stream) == (
        "gpt-4o-mini",
        [{"role": "user", "content": QUESTION}],
        [],
        False,
    )
    assert request.status == 200
    assert request.response["choices"][0]["message"]["content"] == _expected_answer(QUESTION)


def test_endpoint_with_a_path_prefix(server):
    with ChatCompletionsClient(endpoint=server.endpoint + "/models", credential=AzureKeyCredential("k")) as c:
        assert c.complete(messages=[UserMessage("hi")]).choices[0].message.content == _expected_answer("hi")
        assert c.get_model_info().model_name == "loopback-chat"
    assert [r.path for r in server.requests] == ["/models/chat/completions", "/models/info"]


def test_model_defaults_to_server_model_name_and_content_items(client):
    response = client.complete(messages=[{"role": "user", "content": [{"type": "text", "text": "Describe"},
                                                                      {"type": "text", "text": "this"}]}])  # fmt: skip
    assert response.model == "loopback-chat"
    assert response.choices[0].message.content == _expected_answer("Describe this")


def test_get_model_info(server, client):
    info = client.get_model_info()
    assert (info.model_name, info.model_type, info.model_provider_name) == (
        "loopback-chat",
        "chat_completion",
        "Tracy loopback",
    )
    request = server.last_request
    assert (request.method, request.path, request.api_version) == ("GET", "/info", "2024-05-01-preview")


# --------------------------------------------------------------------------- tools


def test_tool_call_round_trip(server, client):
    question = "I'm flying to Lisbon tomorrow, for 3 days. What's the weather there?"
    messages = [SystemMessage("Use tools."), UserMessage(question)]
    first = client.complete(messages=messages, model="gpt-4o-mini", tools=[WEATHER_TOOL, SEARCH_TOOL])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls
    assert (call.id, call.type, call.function.name) == ("call_0001_0", "function", "get_weather")
    # Required parameters only, from the schema: a proper noun for "city", the first number,
    # the first enum value.
    assert json.loads(call.function.arguments) == {"city": "Lisbon", "days": 3, "unit": "celsius"}
    assert first.usage.completion_tokens == len(call.function.arguments.split())

    messages.append(choice.message)
    messages.append(ToolMessage(json.dumps({"temperature": 21, "conditions": "sunny"}), tool_call_id=call.id))
    second = client.complete(messages=messages, model="gpt-4o-mini", tools=[WEATHER_TOOL, SEARCH_TOOL])
    answer = second.choices[0]
    assert answer.finish_reason == "stop"
    assert answer.message.tool_calls is None
    assert answer.message.content == f'To answer "{question}": get_weather returned temperature: 21, conditions: sunny.'

    sent = server.requests[1].messages
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool"]
    assert sent[2]["tool_calls"][0]["id"] == call.id
    assert sent[3] == {"role": "tool", "content": '{"temperature": 21, "conditions": "sunny"}', "tool_call_id": call.id}


def test_tool_arguments_follow_tool_choice_and_schema(client):
    response = client.complete(
        messages=[UserMessage("latest news about otters")],
        tools=[WEATHER_TOOL, SEARCH_TOOL],
        tool_choice={"type": "function", "function": {"name": "search"}},
    )
    call = response.choices[0].message.tool_calls[0]
    assert (call.function.name, json.loads(call.function.arguments)) == ("search", {"query": "latest news about otters"})

    text = client.complete(messages=[UserMessage("hi")], tools=[SEARCH_TOOL], tool_choice="none")
    assert text.choices[0].message.content == _expected_answer("hi")


def _body(text: str, name: str, parameters=None) -> dict:
    function = {"name": name} if parameters is None else {"name": name, "parameters": parameters}
    return {"messages": [{"role": "user", "content": text}], "tools": [{"type": "function", "function": function}]}


def test_scripted_reply_edge_cases():
    assert scripted_reply(_body("find x", "f")).tool_calls == [ToolCall("f", {"query": "find x"})]
    optional = {"type": "object", "properties": {"n": {"type": "number"}, "tags": {"type": "array"}}}
    # No required parameters: the first property is filled.
    assert scripted_reply(_body("2.5 please", "g", optional)).tool_calls[0].arguments == {"n": 2.5}
    nested = {"type": "object", "properties": {"filter": {"type": "object", "properties": {"tags": {"type": "array"}},
                                                          "required": ["tags"]}}}  # fmt: skip
    assert scripted_reply(_body("otters", "h", nested)).tool_calls[0].arguments == {"filter": {"tags": ["otters"]}}
    unknown_tool = {"messages": [{"role": "user", "content": "q"}, {"role": "tool", "tool_call_id": "?",
                                                                    "content": "plain"}]}  # fmt: skip
    assert scripted_reply(unknown_tool).content == 'To answer "q": the tool returned plain.'
    assert scripted_reply({"messages": [{"role": "system", "content": "s"}]}).content.startswith("Hello!")


# --------------------------------------------------------------------------- streaming


def test_streaming_text(server, client):
    updates = list(client.complete(messages=[UserMessage(QUESTION)], model="gpt-4o-mini", stream=True))
    text = "".join(u.choices[0].delta.content or "" for u in updates)
    assert text == _expected_answer(QUESTION)
    assert len(updates) > 10  # one piece per word, not one blob
    assert updates[0].choices[0].delta.role == "assistant"
    assert all(u.id == "chatcmpl-loopback-000001" and u.model == "gpt-4o-mini" for u in updates)
    assert [u.choices[0].finish_reason for u in updates[:-1]] == [None] * (len(updates) - 1)
    last = updates[-1]
    assert last.choices[0].finish_reason == "stop"
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (6, len(text.split()))
    request = server.last_request
    assert request.stream and request.body["stream"] is True
    assert request.headers["accept"] == "application/json"
    assert request.response[-1]["object"] == "chat.completion.chunk"


def test_streaming_tool_call(client):
    updates = list(client.complete(messages=[UserMessage("Weather in Oslo for 2 days?")], tools=[WEATHER_TOOL], stream=True))
    deltas = [d for u in updates for d in (u.choices[0].delta.tool_calls or [])]
    assert deltas[0].id == "call_0001_0" and deltas[0].function.name == "get_weather"
    assert all(d.id is None for d in deltas[1:])  # later deltas carry only argument pieces
    arguments = "".join(d.function.arguments for d in deltas)
    assert json.loads(arguments) == {"city": "Oslo", "days": 2, "unit": "celsius"}
    assert not "".join(u.choices[0].delta.content or "" for u in updates)
    assert updates[-1].choices[0].finish_reason == "tool_calls"
    assert updates[-1].usage.completion_tokens == len(arguments.split())


def test_stream_can_be_closed_early(server, client):
    with client.complete(messages=[UserMessage("one two three")], stream=True) as stream:
        first = next(iter(stream))
    assert first.choices[0].delta.role == "assistant"
    assert client.complete(messages=[UserMessage("again")]).choices[0].message.content == _expected_answer("again")


# --------------------------------------------------------------------------- aio


def _aio_transport_kwargs() -> dict:
    """aiohttp is azure-core's default async transport; without it, use requests in a thread pool."""
    if importlib.util.find_spec("aiohttp"):
        return {}
    from azure.core.pipeline.transport import AsyncioRequestsTransport

    return {"transport": AsyncioRequestsTransport()}


def test_aio_client(server):
    from azure.ai.inference.aio import ChatCompletionsClient as AsyncChatCompletionsClient

    async def run():
        async with AsyncChatCompletionsClient(
            endpoint=server.endpoint, credential=AzureKeyCredential("test-key"), retry_total=0, **_aio_transport_kwargs()
        ) as client:
            response = await client.complete(messages=[UserMessage(QUESTION)], model="gpt-4o-mini")
            tool = await client.complete(messages=[UserMessage("look up otters")], tools=[SEARCH_TOOL])
            pieces, finish = [], None
            async for update in await client.complete(messages=[UserMessage(QUESTION)], stream=True):
                pieces.append(update.choices[0].delta.content or "")
                finish = update.choices[0].finish_reason
            info = await client.get_model_info()
            with pytest.raises(HttpResponseError) as failure:
                await client.complete(messages=[UserMessage("[[error 503]]")])
            return response, tool, "".join(pieces), finish, info, failure.value

    response, tool, streamed, finish, info, error = asyncio.run(run())
    assert response.choices[0].message.content == _expected_answer(QUESTION)
    assert json.loads(tool.choices[0].message.tool_calls[0].function.arguments) == {"query": "look up otters"}
    assert (streamed, finish) == (_expected_answer(QUESTION), "stop")
    assert info.model_name == "loopback-chat"
    assert (error.status_code, error.error.code) == (503, "ServiceUnavailable")
    assert [r.path for r in server.requests] == ["/chat/completions"] * 3 + ["/info", "/chat/completions"]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "model, text, status, code",
    [
        ("error-400", "hi", 400, "BadRequest"),
        ("error-429", "hi", 429, "RateLimitReached"),
        ("error-500", "hi", 500, "InternalServerError"),
        ("gpt-4o-mini", "please [[error 422]] now", 422, "InvalidInput"),
        ("gpt-4o-mini", "[[error 400 content_filter]]", 400, "content_filter"),
        ("gpt-4o-mini", "[[error 418]]", 418, "ImATeapot"),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_magic_errors(server, client, model, text, status, code, stream):
    with pytest.raises(HttpResponseError) as failure:
        result = client.complete(messages=[UserMessage(text)], model=model, stream=stream)
        list(result)
    error = failure.value
    assert error.status_code == status
    assert error.error.code == code
    assert error.error.message == error_body(status)["error"]["message"]
    assert code in str(error)
    assert len(server.requests) == 1 and server.last_request.status == status
    assert server.last_request.response == error_body(status, code)


def test_magic_text_in_a_tool_result_fails_the_follow_up(client):
    first = client.complete(messages=[UserMessage("search otters")], tools=[SEARCH_TOOL])
    call = first.choices[0].message.tool_calls[0]
    messages = [UserMessage("search otters"), first.choices[0].message, ToolMessage("[[error 504]]", tool_call_id=call.id)]
    with pytest.raises(HttpResponseError) as failure:
        client.complete(messages=messages, tools=[SEARCH_TOOL])
    assert failure.value.status_code == 504


def test_fail_next(server, client):
    server.fail_next(status=429, code="RateLimitReached", message="Slow down.")
    server.fail_next(500, times=2)
    with pytest.raises(HttpResponseError) as failure:
        client.complete(messages=[UserMessage("a")])
    assert (failure.value.status_code, failure.value.error.code, failure.value.error.message) == (
        429,
        "RateLimitReached",
        "Slow down.",
    )
    for _ in range(2):
        with pytest.raises(HttpResponseError) as failure:
            client.complete(messages=[UserMessage("b")])
        assert (failure.value.status_code, failure.value.error.code) == (500, "InternalServerError")
    assert client.complete(messages=[UserMessage("c")]).choices[0].message.content == _expected_answer("c")
    assert [r.status for r in server.requests] == [429, 500, 500, 200]
    assert server.requests[0].response == {"error": {"code": "RateLimitReached", "message": "Slow down."}}
    with pytest.raises(ValueError):
        server.fail_next(200)


def test_fail_next_applies_to_model_info(server, client):
    server.fail_next(404)
    with pytest.raises(HttpResponseError) as failure:
        client.get_model_info()
    assert failure.value.status_code == 404


def test_default_retry_policy_stays_fast(server):
    """azure-core retries POST on 500/503/504 (4 attempts) but not on 429; retry-after-ms: 1
    replaces its 0 + 1.6 + 3.2 s backoff."""
    started = time.monotonic()
    with _default_client(server) as client:
        with pytest.raises(HttpResponseError) as failure:
            client.complete(messages=[UserMessage("x")], model="error-500")
        assert failure.value.status_code == 500
        assert len(server.requests) == 4
        assert server.requests[0].headers["x-ms-client-request-id"]

        server.reset()
        with pytest.raises(HttpResponseError) as failure:
            client.complete(messages=[UserMessage("x")], model="error-429")
        assert failure.value.status_code == 429
        assert len(server.requests) == 1

        server.reset()
        server.fail_next(503)  # one failed attempt: the retry succeeds
        response = client.complete(messages=[UserMessage("y")])
        assert response.choices[0].message.content == _expected_answer("y")
        assert [r.status for r in server.requests] == [503, 200]

        server.reset()
        server.fail_next(429, retry_after=0.001)  # Retry-After makes even a 429 POST retryable
        client.complete(messages=[UserMessage("z")])
        assert [r.status for r in server.requests] == [429, 200]
    assert time.monotonic() - started < 1.5


def test_unknown_route_and_bad_json(server):
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(server.endpoint + "/embeddings", data=b"{}", timeout=5)
    assert failure.value.code == 404
    assert json.loads(failure.value.read())["error"]["code"] == "NotFound"
    request = urllib.request.Request(server.endpoint + "/chat/completions", data=b"{not json", method="POST")
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(request, timeout=5)
    assert failure.value.code == 400
    assert json.loads(failure.value.read())["error"]["code"] == "InvalidJson"
    assert server.requests[-1].raw == b"{not json" and server.requests[-1].body is None


def test_api_key_is_checked_when_given():
    with ChatServer(api_key="right") as server:
        with ChatCompletionsClient(endpoint=server.endpoint, credential=AzureKeyCredential("wrong")) as client:
            with pytest.raises(ClientAuthenticationError) as failure:
                client.complete(messages=[UserMessage("hi")])
            assert failure.value.status_code == 401
        with ChatCompletionsClient(endpoint=server.endpoint, credential=AzureKeyCredential("right")) as client:
            assert client.complete(messages=[UserMessage("hi")]).choices[0].finish_reason == "stop"


# --------------------------------------------------------------------------- scripting


def test_reply_next_and_responder(server, client):
    server.reply_next("Exactly this.")
    server.reply_next(tool_calls=[("search", {"query": "otters"}), {"name": "get_weather", "arguments": '{"city": "Rome"}'}])
    server.reply_next(Reply("cut short", finish_reason="content_filter"))
    assert client.complete(messages=[UserMessage("a")]).choices[0].message.content == "Exactly this."
    calls = client.complete(messages=[UserMessage("b")]).choices[0].message.tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_0002_0", "search", '{"query": "otters"}'),
        ("call_0002_1", "get_weather", '{"city": "Rome"}'),
    ]
    assert client.complete(messages=[UserMessage("c")]).choices[0].finish_reason == "content_filter"
    # Streaming several tool calls: each starts with its own id.
    server.reply_next(tool_calls=[ToolCall("a", {"x": 1}), ToolCall("b", {"y": 2}, id="call_b")])
    stream = client.complete(messages=[UserMessage("d")], stream=True)
    deltas = [d for u in stream for d in u.choices[0].delta.tool_calls or []]
    assert [d.id for d in deltas if d.id] == ["call_0004_0", "call_b"]

    with ChatServer(responder=lambda body: Reply(f"{len(body['messages'])} messages")) as other:
        with ChatCompletionsClient(endpoint=other.endpoint, credential=AzureKeyCredential("k")) as c:
            assert c.complete(messages=[UserMessage("a"), UserMessage("b")]).choices[0].message.content == "2 messages"


def test_max_tokens_truncates(client):
    response = client.complete(messages=[UserMessage("tell me everything")], max_tokens=4)
    assert response.choices[0].message.content == 'You asked: "tell me'
    assert (response.choices[0].finish_reason, response.usage.completion_tokens) == ("length", 4)


def test_latency(server, client):
    server.latency_s = 0.05
    server.chunk_delay_s = 0.002
    started = time.monotonic()
    client.complete(messages=[UserMessage("slow")])
    assert time.monotonic() - started >= 0.05
    started = time.monotonic()
    stream = client.complete(messages=[UserMessage("slow stream")], stream=True)
    assert "".join(u.choices[0].delta.content or "" for u in stream) == _expected_answer("slow stream")
    assert time.monotonic() - started >= 0.05 + 0.002 * 20


def test_close_is_idempotent_and_frees_the_port():
    server = ChatServer()
    with ChatCompletionsClient(endpoint=server.endpoint, credential=AzureKeyCredential("k")) as client:
        client.complete(messages=[UserMessage("hi")])  # leaves a keep-alive connection open
        server.close()
        server.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(server.endpoint + "/info", timeout=2)


# --------------------------------------------------------------------------- command line


def test_command_line_serves_in_the_foreground():
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "tracefile.testing.loopback", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        endpoint = process.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(endpoint + "/info?api-version=2024-05-01-preview", timeout=5) as response:
            assert json.loads(response.read())["model_name"] == "loopback-chat"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
