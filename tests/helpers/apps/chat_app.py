"""A small GenAI app for the end-to-end tests: the real Azure AI Inference SDK against a loopback server.

    python chat_app.py --endpoint URL --steps sync,stream,tools [--path OUT] [--content | --no-content] [--no-configure]
                       [--variant b]

It calls ``tracefile.configure(path, content_recording=...)`` (unless
``--no-configure``: then whoever launched it, ``tracy run`` for instance, did),
runs the named steps, closes the recording and prints one JSON object on the
last line of stdout: what each step saw (response ids, texts, errors), so the
test can compare the file with what the app really got. Every step uses
clients built with ``retry_total=0``, so each call is exactly one request.

Steps: sync, stream, tools, stream_tools, aio, errors, secrets, long (a 12-turn conversation). The texts
carry markers (``SYS-MARKER-...``) so a test can search a file for content.

``--variant b`` records "the same app, changed" for the diff tests (the default, ``a``, is the
app as described above): in sync, one word of the user prompt differs (``VARIANT_USER_TEXT``)
and the call sets ``VARIANT_MODEL`` and ``VARIANT_TEMPERATURE``; in tools, both model calls set
``VARIANT_TEMPERATURE`` and the agent makes one more call after them (``FOLLOW_UP_TEXT``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

import tracefile

MODEL = "gpt-4o-mini"
SYSTEM_TEXT = "You are a terse assistant. SYS-MARKER-7f3a"
USER_TEXT = "USER-MARKER-91c2 What is the capital of France?"
STREAM_TEXT = "STREAM-MARKER-5d0e Tell me a short story."
TOOL_QUESTION = "TOOLQ-MARKER-44b1 What's the weather in Lisbon?"
TOOL_RESULT_MARKER = "TOOL-RESULT-MARKER-c3d9"
AIO_TEXT = "AIO-MARKER-2e8f Hello from asyncio"
AFTER_ERROR_TEXT = "AFTER-ERROR-MARKER-0a1b Still there?"
# What --variant b changes.
VARIANT_USER_TEXT = "USER-MARKER-91c2 What is the capital of Spain?"
VARIANT_MODEL = "gpt-4o"
VARIANT_TEMPERATURE = 0.7
FOLLOW_UP_TEXT = "FOLLOWUP-MARKER-6b7d Now say it in one short sentence."
#: The key the clients authenticate with: it must never reach the file.
API_KEY = "CLIENT-KEY-MARKER-1234567890abcdef"

# Secrets the secrets step puts in a user message and in a traced function's argument.
OPENAI_KEY = "sk-proj-abc123DEF456ghi789JKL012mno345PQR"
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0cmFjeSJ9.c2lnbmF0dXJlMTIz"
ACCOUNT_KEY = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJDREVGRw=="
CONNECTION_STRING = (
    f"DefaultEndpointsProtocol=https;AccountName=tracydemo;AccountKey={ACCOUNT_KEY};EndpointSuffix=core.windows.net"
)
ARG_KEY = "sk-proj-zyx987WVU654tsr321QPO098nml765KJI"
SECRETS = [OPENAI_KEY, BEARER, ACCOUNT_KEY, ARG_KEY, API_KEY]
SECRET_TEXT = (
    f"SECRET-MARKER-e5f6 My key is {OPENAI_KEY}, my header is Authorization: Bearer {BEARER} "
    f"and the storage is {CONNECTION_STRING}"
)

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        },
    },
}


def _client(endpoint: str):
    from azure.ai.inference import ChatCompletionsClient
    from azure.core.credentials import AzureKeyCredential

    return ChatCompletionsClient(endpoint=endpoint, credential=AzureKeyCredential(API_KEY), retry_total=0)


def _aio_client(endpoint: str):
    from azure.ai.inference.aio import ChatCompletionsClient
    from azure.core.credentials import AzureKeyCredential
    from azure.core.pipeline.transport import AsyncioRequestsTransport

    return ChatCompletionsClient(
        endpoint=endpoint, credential=AzureKeyCredential(API_KEY), retry_total=0, transport=AsyncioRequestsTransport()
    )


#: "a" (the default) or "b": see the module docstring.
VARIANT = "a"


def _variant_options() -> dict:
    return {"temperature": VARIANT_TEMPERATURE} if VARIANT == "b" else {}


# -- steps ------------------------------------------------------------------


def step_sync(client) -> dict:
    from azure.ai.inference.models import SystemMessage, UserMessage

    if VARIANT == "b":
        response = client.complete(messages=[SystemMessage(SYSTEM_TEXT), UserMessage(VARIANT_USER_TEXT)],
                                   model=VARIANT_MODEL, **_variant_options())  # fmt: skip
    else:
        response = client.complete(messages=[SystemMessage(SYSTEM_TEXT), UserMessage(USER_TEXT)], model=MODEL)
    return {
        "id": response.id,
        "content": response.choices[0].message.content,
        "input_tokens": response.usage.prompt_tokens,
        "output_tokens": response.usage.completion_tokens,
    }


def step_stream(client) -> dict:
    from azure.ai.inference.models import UserMessage

    text, finish, ids, usage = [], None, set(), None
    for update in client.complete(messages=[UserMessage(STREAM_TEXT)], model=MODEL, stream=True):
        ids.add(update.id)
        if update.usage:
            usage = (update.usage.prompt_tokens, update.usage.completion_tokens)
        for choice in update.choices or []:
            if choice.delta and choice.delta.content:
                text.append(choice.delta.content)
            if choice.finish_reason:
                finish = str(choice.finish_reason)
    assert len(ids) == 1, ids  # every chunk carries the one response id
    return {"id": ids.pop(), "content": "".join(text), "finish_reason": finish, "usage": usage}


@tracefile.trace(name="execute_tool get_weather")
def get_weather(city: str) -> dict:
    return {"city": city, "forecast": "sunny, 21C", "note": TOOL_RESULT_MARKER}


@tracefile.trace(name="invoke_agent weather-agent")
def weather_agent(client, question: str) -> dict:
    from azure.ai.inference.models import ToolMessage, UserMessage

    messages = [UserMessage(question)]
    first = client.complete(messages=messages, model=MODEL, tools=[WEATHER_TOOL], **_variant_options())
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message)
    result = get_weather(**json.loads(call.function.arguments))
    messages.append(ToolMessage(json.dumps(result), tool_call_id=call.id))
    second = client.complete(messages=messages, model=MODEL, tools=[WEATHER_TOOL], **_variant_options())
    out = {
        "first_id": first.id,
        "second_id": second.id,
        "call_id": call.id,
        "call_name": call.function.name,
        "call_arguments": call.function.arguments,
        "finish_reason": str(first.choices[0].finish_reason),
        "answer": second.choices[0].message.content,
    }
    if VARIANT == "b":
        messages += [second.choices[0].message, UserMessage(FOLLOW_UP_TEXT)]
        out["follow_up_id"] = client.complete(messages=messages, model=MODEL, **_variant_options()).id
    return out


def step_tools(client) -> dict:
    return weather_agent(client, TOOL_QUESTION)


def step_stream_tools(client) -> dict:
    from azure.ai.inference.models import UserMessage

    calls: dict[int, dict] = {}
    response_id = None
    for update in client.complete(messages=[UserMessage(TOOL_QUESTION)], model=MODEL, tools=[WEATHER_TOOL], stream=True):
        response_id = update.id
        for choice in update.choices or []:
            for delta in (choice.delta.tool_calls or []) if choice.delta else []:
                index = getattr(delta, "index", 0) or 0
                entry = calls.setdefault(index, {"id": None, "name": None, "arguments": ""})
                entry["id"] = entry["id"] or delta.id
                if delta.function:
                    entry["name"] = entry["name"] or delta.function.name
                    entry["arguments"] += delta.function.arguments or ""
    return {"id": response_id, "calls": list(calls.values())}


@tracefile.trace(name="invoke_agent aio-agent")
async def aio_agent(client, name: str) -> dict:
    from azure.ai.inference.models import UserMessage

    response = await client.complete(messages=[UserMessage(f"{AIO_TEXT} ({name})")], model=MODEL)
    return {"name": name, "id": response.id}


@tracefile.trace(name="aio_main")
async def aio_main(endpoint: str) -> dict:
    from azure.ai.inference.models import UserMessage

    async with _aio_client(endpoint) as client:
        single = await client.complete(messages=[UserMessage(AIO_TEXT)], model=MODEL)
        agents = await asyncio.gather(aio_agent(client, "alpha"), aio_agent(client, "beta"))
    return {"single_id": single.id, "agents": agents}


def step_aio(endpoint: str) -> dict:
    return asyncio.run(aio_main(endpoint))


def step_errors(client) -> dict:
    from azure.ai.inference.models import UserMessage
    from azure.core.exceptions import HttpResponseError

    seen = []
    for model in ("error-429", "error-500"):
        try:
            client.complete(messages=[UserMessage("this call fails")], model=model)
            seen.append({"model": model, "raised": None})
        except HttpResponseError as exc:
            seen.append({"model": model, "raised": type(exc).__name__, "status": exc.status_code, "message": exc.message})
    after = client.complete(messages=[UserMessage(AFTER_ERROR_TEXT)], model=MODEL)
    return {"errors": seen, "after_id": after.id, "after_content": after.choices[0].message.content}


#: The long step's conversation: this many user turns, each call sending the whole history.
LONG_TURNS = 12
LONG_TEXT = "LONG-MARKER-8c1e Turn {n}: what should I pack for day {n} in Lisbon?"


@tracefile.trace(name="invoke_agent packing-assistant")
def step_long(client) -> dict:
    from azure.ai.inference.models import AssistantMessage, SystemMessage, UserMessage

    messages = [SystemMessage(SYSTEM_TEXT)]
    ids = []
    for n in range(1, LONG_TURNS + 1):
        messages.append(UserMessage(LONG_TEXT.format(n=n)))
        response = client.complete(messages=messages, model=MODEL)
        ids.append(response.id)
        messages.append(AssistantMessage(response.choices[0].message.content))
    return {"ids": ids, "last_input_messages": len(messages) - 1}


@tracefile.trace
def use_credentials(settings: dict, note: str) -> str:
    return f"connected as {settings['user']}"


def step_secrets(client) -> dict:
    from azure.ai.inference.models import UserMessage

    response = client.complete(messages=[UserMessage(SECRET_TEXT)], model=MODEL)
    result = use_credentials(
        {"user": "ada", "api_key": ARG_KEY, "endpoint": "https://example.invalid"},
        note=f"token is Bearer {BEARER}",
    )
    return {"id": response.id, "echo": response.choices[0].message.content, "result": result}


STEPS = {
    "sync": step_sync,
    "stream": step_stream,
    "tools": step_tools,
    "stream_tools": step_stream_tools,
    "errors": step_errors,
    "secrets": step_secrets,
    "long": step_long,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--steps", required=True)
    parser.add_argument("--path")
    parser.add_argument("--content", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--no-configure", action="store_true")
    parser.add_argument("--variant", choices=("a", "b"), default="a")
    args = parser.parse_args(argv)
    global VARIANT
    VARIANT = args.variant
    logging.basicConfig(level=logging.WARNING, format="LOG %(levelname)s %(name)s: %(message)s")

    recording = None if args.no_configure else tracefile.configure(args.path, content_recording=args.content)
    out: dict = {"path": str(recording.path) if recording else None}
    with _client(args.endpoint) as client:
        for step in args.steps.split(","):
            out[step] = step_aio(args.endpoint) if step == "aio" else STEPS[step](client)
    if recording is not None:
        recording.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
