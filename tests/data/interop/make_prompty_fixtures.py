"""Write the Prompty fixtures with the real `prompty` package's tracer (`PromptyTracer`).

    pip install prompty==2.1.0   # or 0.1.50 for the older layout
    python tests/data/interop/make_prompty_fixtures.py

Each case runs traced nested functions and moves the file PromptyTracer wrote to
`prompty/<case>-<layout>.tracy`. The times in the files are this machine's local time, as
Prompty writes them. After regenerating, refresh the snapshots with
`TRACY_UPDATE_SNAPSHOTS=1 pytest tests/tracefile/interop`.
"""

from __future__ import annotations

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
VERSION = tuple(int(x) for x in version("prompty").split(".")[:3])
LAYOUT = "v2" if VERSION >= (2,) else "v0.1.20" if VERSION >= (0, 1, 20) else "v0.1.9"


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


def run(case: str, fn, *args) -> None:
    out = Path(tempfile.mkdtemp())
    try:
        Tracer.add("prompty", PromptyTracer(str(out)).tracer)
        try:
            fn(*args)
        except Exception:
            pass
        finally:
            Tracer.remove("prompty") if hasattr(Tracer, "remove") else Tracer._tracers.pop("prompty")
        (written,) = [p for p in out.iterdir() if p.suffix in (".tracy", ".ptrace")]
        target = HERE / f"{case}-{LAYOUT}.tracy"
        shutil.move(written, target)
        print(f"wrote {target.relative_to(HERE.parent)} (prompty {version('prompty')})")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    run("nested-functions-one-raises", answer, "What is the capital of France?")
    run("exception-propagates-to-root", plan_trip, "Lisbon")
    sys.exit(0)
