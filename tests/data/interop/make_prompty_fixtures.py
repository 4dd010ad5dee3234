"""Write the Prompty fixtures with the real `prompty` package's tracer (`PromptyTracer`).

    python tests/data/interop/make_prompty_fixtures.py        # with the prompty 2.1.0 of .venv
    pip download --no-deps -d dl prompty==0.1.50              # an older release, beside it:
    pip install --no-deps --target /tmp/prompty-0.1.50 dl/prompty-0.1.50-*.whl python-dotenv click chevron
    pip install --target /tmp/azure-identity azure-identity   # the Azure executor of 0.1.x/1.x imports it
    PYTHONPATH=/tmp/prompty-0.1.50:/tmp/azure-identity:. python tests/data/interop/make_prompty_fixtures.py

(`PIP_CONSTRAINT=` lets pip fetch a version other than the one the project pins.) Each case runs
traced nested functions, or a real `.prompty` file through Prompty's executor against the loopback
server, and moves the file PromptyTracer wrote to `prompty/<case>-<layout>.tracy`. The times in
the files are this machine's local time, as Prompty writes them. After regenerating, refresh the
snapshots with `TRACY_UPDATE_SNAPSHOTS=1 pytest tests/tracefile/interop`.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

try:  # prompty 2.x
    from prompty import PromptyTracer, Tracer, trace
except ImportError:  # prompty 0.1.x
    from prompty.tracer import PromptyTracer, Tracer, trace

HERE = Path(__file__).resolve().parent / "prompty"
VERSION = tuple(int(x) for x in re.findall(r"\d+", version("prompty"))[:3])  # 1.0.0b3 -> (1, 0, 0)
LAYOUT = "v2" if VERSION >= (2,) else "v1" if VERSION >= (1,) else "v0.1.20" if VERSION >= (0, 1, 20) else "v0.1.9"


@trace
def retrieve(query: str, k: int = 2) -> list[dict]:
    time.sleep(0.002)
    return [{"id": f"doc-{i}", "text": f"{query} fact {i}"} for i in range(k)]


@trace
def call_model(messages: list[dict], model: str = "gpt-4o-mini") -> dict:
    """Shaped like an OpenAI chat completion, so that PromptyTracer hoists its usage."""
    time.sleep(0.003)
    return {
        "id": "chatcmpl-fixture",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris is the capital of France."}}],
        "usage": {"prompt_tokens": 42, "completion_tokens": 9, "total_tokens": 51},
    }


@trace
def check_citations(answer: str, docs: list[dict]) -> bool:
    raise ValueError(f"answer cites none of the {len(docs)} documents")


def _named(fn):
    """`@trace(name=..., description=...)`; prompty before 0.1.20 knows only `description`."""
    if VERSION >= (0, 1, 20):
        return trace(name="answer_question", description="retrieve, ask the model, check the answer")(fn)
    return trace(description="retrieve, ask the model, check the answer")(fn)


@_named
def answer(question: str) -> str:
    docs = retrieve(question)
    reply = call_model([{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": question}])
    text = reply["choices"][0]["message"]["content"]
    try:
        check_citations(text, docs)
    except ValueError:
        pass  # the caller carries on: only the innermost frame fails
    return text


@trace
def plan_trip(city: str) -> dict:
    call_model([{"role": "user", "content": f"Plan a day in {city}"}])
    return {"city": city, "stops": inner_step(city)}


@trace
def inner_step(city: str) -> list:
    raise KeyError(city)


QUESTION = "Which museum should I visit in Porto?"
# prompty 2.x: the OpenAI executor, pointed at the loopback server's OpenAI route.
PROMPTY_V2 = """---
name: travel_assistant
description: A one-turn travel question
model:
  id: gpt-4o-mini
  provider: openai
  connection:
    kind: key
    endpoint: {openai_base_url}
    apiKey: test-key
inputs:
  - name: question
    kind: string
    default: {question}
---
"""
# prompty 0.1.x and 1.x: their OpenAI executor cannot run at all (it reads `deployment` from the
# configuration, a KeyError without it, and passes it on to `OpenAI()`, a TypeError with it), so
# these use the Azure OpenAI executor (the `openai` package's AzureOpenAI client) against the
# loopback server's Azure-style route (`/openai/deployments/<name>/chat/completions`).
PROMPTY_V0 = """---
name: travel_assistant
description: A one-turn travel question
model:
  api: chat
  {section}:
    type: azure_openai
    azure_endpoint: {endpoint}
    azure_deployment: gpt-4o-mini
    api_version: 2024-10-21
    api_key: test-key
{inputs}
---
"""
TEMPLATE = """system:
You are a concise travel assistant.

user:
{{question}}
"""


def executor_chat() -> None:
    """A `.prompty` file run by Prompty's own executor: render, parse, the client call, process."""
    import prompty
    from tracefile.testing.loopback import ChatServer

    with ChatServer() as server, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "travel.prompty"
        if VERSION >= (2,):
            path.write_text(PROMPTY_V2.format(openai_base_url=server.openai_base_url, question=QUESTION) + TEMPLATE)
            answer = prompty.invoke(str(path), inputs={"question": QUESTION})
        else:
            import prompty.azure  # registers the executor

            section, inputs = (("connection", "inputs:\n  question:\n    type: string") if VERSION >= (1,)
                               else ("configuration", f"sample:\n  question: {QUESTION}"))  # fmt: skip
            path.write_text(PROMPTY_V0.format(section=section, endpoint=server.endpoint, inputs=inputs) + TEMPLATE)
            answer = prompty.execute(str(path), inputs={"question": QUESTION})
        assert "Porto" in str(answer), answer
        assert len(server.chat_requests) == 1


STREAM_OPTIONS = """  options:
    additionalProperties:
      stream: true
      stream_options:
        include_usage: true
"""


def executor_chat_streamed() -> None:
    """The same call with ``stream: true`` (prompty 2.x): the call's frame records the request only,
    and the chunks go to a trace of their own (``PromptyStream``), written when the caller has read
    the stream to its end, after the call's trace."""
    import prompty
    from tracefile.testing.loopback import ChatServer

    with ChatServer() as server, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "travel.prompty"
        head = PROMPTY_V2.format(openai_base_url=server.openai_base_url, question=QUESTION)
        path.write_text(head.replace("inputs:\n", STREAM_OPTIONS + "inputs:\n", 1) + TEMPLATE)
        answer = "".join(str(piece) for piece in prompty.invoke(str(path), inputs={"question": QUESTION}))
        assert "Porto" in answer, answer
        assert len(server.chat_requests) == 1 and server.chat_requests[0].stream


def run(case: str, fn, *args, raises: bool = False) -> None:
    out = Path(tempfile.mkdtemp())
    try:
        Tracer.add("prompty", PromptyTracer(str(out)).tracer)
        try:
            fn(*args)
        except Exception:
            if not raises:
                raise
        finally:
            Tracer.remove("prompty") if hasattr(Tracer, "remove") else Tracer._tracers.pop("prompty")
        written = sorted(p for p in out.iterdir() if p.suffix in (".tracy", ".ptrace"))
        for p in written:  # a streamed call writes its chunks to a second file, PromptyStream.*.tracy
            extra = "-chunks" if p.name.startswith("PromptyStream.") and len(written) > 1 else ""
            target = HERE / f"{case}{extra}-{LAYOUT}.tracy"
            shutil.move(p, target)
            print(f"wrote {target.relative_to(HERE.parent)} (prompty {version('prompty')})")
    finally:
        shutil.rmtree(out, ignore_errors=True)


CASES = {
    "nested-functions-one-raises": lambda: run("nested-functions-one-raises", answer, "What is the capital of France?"),
    "exception-propagates-to-root": lambda: run("exception-propagates-to-root", plan_trip, "Lisbon", raises=True),
    # 0.1.9 has no OpenAI executor, and does not trace its Azure one.
    "executor-chat": lambda: run("executor-chat" if VERSION >= (2,) else "executor-azure-openai-chat", executor_chat),
    "executor-chat-streamed": lambda: run("executor-chat-streamed", executor_chat_streamed),
}

if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name in sys.argv[1:] or CASES:  # e.g. `... make_prompty_fixtures.py executor-chat`: only that case
        if name == "executor-chat" and VERSION < (0, 1, 20) or name == "executor-chat-streamed" and VERSION < (2,):
            continue
        CASES[name]()
    sys.exit(0)
