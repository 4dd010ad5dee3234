"""Regenerate a golden file of tests/data and its expected JSON.

    python tests/data/make_golden.py [--version 1.0|1.1|2.0] [OUT.tracy [OUT.expected.json]]

Each golden file is a file of one format version (1.0: golden-v1.tracy, 1.1:
golden-v1.1.tracy, 2.0: golden-v2.tracy, the default) that every later reader must decode to its
expected JSON (docs/FORMAT.md, section 6). It is written with the real
writer (TraceWriter + spans_to_frames) from real OpenTelemetry SDK spans with
fixed ids and timestamps; the per-run FileInfo values (pid, host, time) and
the index's pid are pinned too, so the output is byte-for-byte reproducible
for a given zstandard version. A 1.0 file is written as a 1.0 writer did:
header minor 0, and spans frames that end after field 20.

The 1.1 file holds the 1.0 file's content plus a third batch whose model call
has cached-input and reasoning tokens, so fields 21-22 are not empty; its
expected JSON adds the timeline's token columns ("columns").

The 2.0 file adds two batches of a growing conversation, whose long texts
go to the content store: a new text, a continuation of an earlier one in
another content frame, exact repeats (tool definitions, an event's text), and
each call's message events as an event list (one new, one continuing it, with
events before their span's start), so every kind of content entry and
reference is in it. Its store id is pinned.

The expected JSON is built from the SDK's span objects and the feedback
records, not by reading the file back; the script then checks that reading
the file gives exactly that. Never regenerate a committed golden file: a
reader change must never require it. A new minor version adds a new one.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

import msgspec

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import SpanLimits, SpanProcessor, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.id_generator import IdGenerator  # noqa: E402
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, TraceFlags, TraceState  # noqa: E402
from opentelemetry.trace.status import Status, StatusCode  # noqa: E402

import tracefile  # noqa: E402
from tracefile.format import writer as writer_module  # noqa: E402
from tracefile.format.columns import read_timeline  # noqa: E402
from tracefile.format.framing import file_header  # noqa: E402
from tracefile.format.schema import Feedback, FileInfo, Index, SpanColumns  # noqa: E402
from tracefile.record.convert import spans_to_frames  # noqa: E402
from tests.helpers.golden import dump, feedback_dict, to_json, token_columns  # noqa: E402
from tests.helpers.spans import sdk_span_dict  # noqa: E402

T0 = 1_730_000_000_123_456_789
GOLDEN_PID = 4242
GOLDEN_HOST = "golden-host"
GOLDEN_WRITER_VERSION = "golden-1"
#: Version -> the committed golden file's name.
GOLDEN_NAMES = {(1, 0): "golden-v1.tracy", (1, 1): "golden-v1.1.tracy", (2, 0): "golden-v2.tracy"}
GOLDEN_STORE = 0x60D_E1F_0000_2000
#: A 1.0 spans frame: `SpanColumns` up to field 20, as a 1.0 writer encoded it.
SpanColumns10 = msgspec.defstruct(
    "SpanColumns10", [(f, object) for f in SpanColumns.__struct_fields__[:21]], array_like=True
)


class Ids(IdGenerator):
    def __init__(self, trace_base: int, span_base: int) -> None:
        self._t = itertools.count(trace_base)
        self._s = itertools.count(span_base)

    def generate_trace_id(self) -> int:
        return next(self._t)

    def generate_span_id(self) -> int:
        return next(self._s)


class Keep(SpanProcessor):
    def __init__(self) -> None:
        self.spans = []

    def on_end(self, span) -> None:
        self.spans.append(span)


def build_spans() -> tuple[list, list]:
    """Two batches of finished SDK spans covering every field of the format."""
    app = TracerProvider(
        resource=Resource(
            {"service.name": "golden-app", "service.version": "1.0.0", "host.cores": 8, "deployment.canary": False, "tags": ["a", "b"]},
            "https://opentelemetry.io/schemas/1.26.0",
        ),
        id_generator=Ids(0x4BF92F3577B34DA6A3CE929D0E0E4700, 0x00F067AA0BA90200),
        shutdown_on_exit=False,
    )
    keep = Keep()
    app.add_span_processor(keep)
    tracer = app.get_tracer("golden.scope", "2.1", schema_url="https://example.com/golden-scope", attributes={"scope.flag": True, "scope.n": 3})
    other = app.get_tracer("golden.other")
    remote = SpanContext(
        0xABCDEF0123456789ABCDEF0123456789, 0x1122334455667788, is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED), trace_state=TraceState([("vendor", "abc"), ("tracy", "t-1")]),
    )  # fmt: skip
    local = SpanContext(0x0102030405060708090A0B0C0D0E0F10, 0x0A0B0C0D0E0F1011, is_remote=False, trace_flags=TraceFlags(0))

    root = tracer.start_span(
        "POST /chat",
        kind=SpanKind.SERVER,
        attributes={
            "http.method": "POST", "empty": "", "http.status_code": 200, "neg": -12, "big": 2**62 + 5,
            "ratio": 0.125, "temperature": 0.7, "ok": True, "cached": False,
            "strs": ["x", "y", "ü"], "ints": [1, -2, 3], "floats": [0.5, 1.25], "bools": [True, False, True],
            "gen_ai.response.id": "chatcmpl-golden-1",
        },
        start_time=T0,
    )  # fmt: skip
    ctx = trace_api.set_span_in_context(root)
    root.add_event("request.received", {"bytes": 512, "user": "u-1", "sampled": True, "weights": [0.25, 0.75]}, timestamp=T0 + 1_000)
    root.add_event("no attributes", timestamp=T0 + 2_000)

    chat = tracer.start_span(
        "chat gpt-4o",
        context=ctx,
        kind=SpanKind.CLIENT,
        attributes={"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 120},
        links=[Link(remote, {"link.reason": "retry-of", "attempt": 2}), Link(local)],
        start_time=T0 + 10_000,
    )
    chat.add_event("gen_ai.content.prompt", {"gen_ai.prompt": "Hello?"}, timestamp=T0 + 11_000)
    chat.set_status(Status(StatusCode.ERROR, "rate limited (429)"))
    chat.end(end_time=T0 + 500_000)

    for i, (kind, name) in enumerate(((SpanKind.PRODUCER, "enqueue"), (SpanKind.CONSUMER, "dequeue"), (SpanKind.INTERNAL, "ツール 🔧"))):
        s = tracer.start_span(name, context=ctx, kind=kind, attributes={"step": i}, start_time=T0 + 600_000 + i * 1_000)
        if kind == SpanKind.PRODUCER:
            s.set_status(Status(StatusCode.OK))
        s.end(end_time=T0 + 650_000 + i * 1_000)
    root.set_status(Status(StatusCode.OK))
    root.end(end_time=T0 + 1_000_000)
    batch1 = list(keep.spans)
    keep.spans.clear()

    under_remote = other.start_span(
        "handle remote call", context=trace_api.set_span_in_context(NonRecordingSpan(remote)), kind=SpanKind.SERVER, start_time=T0 + 2_000_000
    )
    under_remote.end(end_time=T0 + 2_000_000)  # zero duration

    limited = TracerProvider(
        resource=Resource({"service.name": "golden-limited"}),
        id_generator=Ids(0x5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A00, 0x7B7B7B7B7B7B7B00),
        span_limits=SpanLimits(max_span_attributes=2, max_events=1, max_links=1, max_event_attributes=1, max_link_attributes=1),
        shutdown_on_exit=False,
    )
    limited.add_span_processor(keep)
    lt = limited.get_tracer("golden.limited", "0.1")
    dropped = lt.start_span(
        "dropped counts",
        attributes={"a": 1, "b": 2, "c": 3, "d": 4},
        links=[Link(local), Link(remote, {"x": 1, "y": 2})],
        start_time=T0 + 3_000_000,
    )
    dropped.add_event("first", timestamp=T0 + 3_000_100)
    dropped.add_event("second", {"p": 1, "q": 2, "r": 3}, timestamp=T0 + 3_000_200)
    dropped.end(end_time=T0 + 3_500_000)
    batch2 = list(keep.spans)
    return batch1, batch2


def _service(name: str, trace_ids: int, span_ids: int) -> tuple[TracerProvider, Keep]:
    """A provider for one service with deterministic ids, and what keeps its finished spans."""
    app = TracerProvider(resource=Resource({"service.name": name}), id_generator=Ids(trace_ids, span_ids), shutdown_on_exit=False)
    keep = Keep()
    app.add_span_processor(keep)
    return app, keep


def build_reasoning_batch() -> list:
    """One model call that read cached input and spent reasoning tokens (format 1.1's columns)."""
    app, keep = _service("golden-reasoning", 0x6C6C6C6C6C6C6C6C6C6C6C6C6C6C6C00, 0x3D3D3D3D3D3D3D00)
    span = app.get_tracer("golden.reasoning").start_span(
        "chat o4-mini",
        kind=SpanKind.CLIENT,
        attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "o4-mini", "gen_ai.response.model": "o4-mini-2025-04-16",
            "gen_ai.usage.input_tokens": 1_200, "gen_ai.usage.output_tokens": 300,
            "gen_ai.usage.cache_read.input_tokens": 1_024, "gen_ai.usage.reasoning.output_tokens": 256,
        },
        start_time=T0 + 4_000_000,
    )  # fmt: skip
    span.end(end_time=T0 + 4_800_000)
    return keep.spans


SYSTEM = {"role": "system", "parts": [{"type": "text", "content": "You are the golden file's assistant. " * 30}]}
TOOLS = [{"type": "function", "name": f"tool_{i}", "description": f"Tool number {i}, described at some length. " * 8,
          "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}} for i in range(3)]  # fmt: skip


def _user(text: str) -> dict:
    return {"role": "user", "parts": [{"type": "text", "content": text}]}


def _assistant(text: str) -> dict:
    return {"role": "assistant", "parts": [{"type": "text", "content": text}], "finish_reason": "stop"}


def build_conversation_batches() -> list[list]:
    """Two batches of a conversation whose history grows (format 2.0's content store)."""
    import json

    app, keep = _service("golden-chat", 0x7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E00, 0x4F4F4F4F4F4F4F00)
    tracer = app.get_tracer("golden.chat")
    history = [SYSTEM, _user("What is the golden file for? Tell me in detail, please.")]
    answers = ["It pins what every later reader must read, byte for byte, across versions of the format. " * 12,
               "Because a reader change must never need a new golden file; a new version adds one. " * 12]  # fmt: skip
    batches = []
    for turn, answer in enumerate(answers):
        span = tracer.start_span(
            "chat gpt-4o",
            kind=SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 100 + turn, "gen_ai.usage.output_tokens": 20,
                "gen_ai.input.messages": json.dumps(history), "gen_ai.output.messages": json.dumps([_assistant(answer)]),
                "gen_ai.tool.definitions": json.dumps(TOOLS), "short": "stays inline",
            },
            start_time=T0 + 5_000_000 + turn * 1_000_000,
        )  # fmt: skip
        # The older layout too: each message of the conversation so far as an event (an event list).
        for k, message in enumerate([SYSTEM] * 30 + history):
            span.add_event(f"gen_ai.{message['role']}.message", {"gen_ai.event.content": json.dumps(message)[:200], "k": k},
                           timestamp=T0 + 5_000_000 + turn * 1_000_000 - 500 + k * 7)  # fmt: skip
        span.add_event("gen_ai.choice", {"content": answers[0], "index": turn}, timestamp=T0 + 5_100_000 + turn * 1_000_000)
        span.end(end_time=T0 + 5_900_000 + turn * 1_000_000)
        batches.append(list(keep.spans))
        keep.spans.clear()
        history += [_assistant(answer), _user(f"And why is it never regenerated? (turn {turn + 2})")]
    return batches


def build_feedback(batch1: list) -> list[Feedback]:
    root = next(s for s in batch1 if s.parent is None)
    chat = next(s for s in batch1 if s.name == "chat gpt-4o")
    return [
        Feedback(
            time_unix_nano=T0 + 5_000_000, trace_id=f"{chat.context.trace_id:032x}", span_id=f"{chat.context.span_id:016x}",
            score=0.0, label="thumbs-down", comment="too slow", evaluator="user", metadata={"ui": "web", "n": 1},
        ),
        Feedback(time_unix_nano=T0 + 6_000_000, response_id="chatcmpl-golden-1", score=4.5, label="relevance", evaluator="judge-llm"),
        Feedback(time_unix_nano=T0 + 7_000_000, trace_id=f"{root.context.trace_id:032x}", comment="whole run was fine"),
    ]  # fmt: skip


def expected(batches: list[list], feedback: list[Feedback], version: tuple[int, int]) -> dict:
    batch1 = batches[0]
    spans = [s for batch in batches for s in batch]
    root = next(s for s in batch1 if s.parent is None)
    chat = next(s for s in batch1 if s.name == "chat gpt-4o")
    targets = {chat.context.span_id: [0], root.context.span_id: [1, 2]}  # by span id; by response id; by trace root
    resources = []
    for s in spans:
        r = {"attributes": {k: list(v) if isinstance(v, tuple) else v for k, v in s.resource.attributes.items()},
             "schema_url": s.resource.schema_url or "", "dropped_attributes": 0}  # fmt: skip
        if r not in resources:
            resources.append(r)
    out_spans = []
    for s in spans:
        d = sdk_span_dict(s)
        d["feedback"] = targets.get(s.context.span_id, [])
        out_spans.append(d)
    out = {
        "version": list(version),
        "truncated": False,
        "warnings": [],
        "writers": [{"writer": "make_golden", "writer_version": GOLDEN_WRITER_VERSION}],
        "resources": resources,
        "spans": out_spans,
        "feedback": [feedback_dict(f) for f in feedback],
    }
    if version >= (1, 1):
        keys = {
            "input_tokens": "gen_ai.usage.input_tokens",
            "output_tokens": "gen_ai.usage.output_tokens",
            "cache_read_tokens": "gen_ai.usage.cache_read.input_tokens",
            "reasoning_tokens": "gen_ai.usage.reasoning.output_tokens",
        }
        out["columns"] = {name: [s.attributes.get(key, 0) for s in spans] for name, key in keys.items()}
    return out


def write(path: Path, version: tuple[int, int] = (1, 1)) -> dict:
    """Write the golden file of format ``version`` at ``path``; return the data it must decode to."""
    batch1, batch2 = build_spans()
    batches = [batch1, batch2] if version == (1, 0) else [batch1, batch2, build_reasoning_batch()]
    if version >= (2, 0):
        batches += build_conversation_batches()
    feedback = build_feedback(batch1)
    real = writer_module.FileInfo, writer_module.Index, writer_module.file_header, writer_module.ContentWriter
    writer_module.FileInfo = lambda writer, version, pid, host, started: FileInfo(writer, GOLDEN_WRITER_VERSION, GOLDEN_PID, GOLDEN_HOST, T0)
    writer_module.Index = lambda pid, spans, frames: Index(GOLDEN_PID, spans, frames)
    writer_module.file_header = lambda *_: file_header(*version)
    writer_module.ContentWriter = lambda: real[3](store=GOLDEN_STORE)
    try:
        if path.exists():
            path.unlink()
        written = (1, 1) if version < (2, 0) else version
        with writer_module.TraceWriter(path, compression=True, writer="make_golden", format_version=written) as w:
            for batch_id, batch in zip((0x1111, 0x2222, 0x3333, 0x4444, 0x5555), batches):
                columns, details = spans_to_frames(batch, batch_id)
                if version == (1, 0):
                    columns = SpanColumns10(*(getattr(columns, f) for f in SpanColumns10.__struct_fields__))
                w.write_spans(columns, details, min(s.start_time for s in batch), max(s.end_time for s in batch))
            w.write_feedback(feedback)
    finally:
        writer_module.FileInfo, writer_module.Index, writer_module.file_header, writer_module.ContentWriter = real
    want = expected(batches, feedback, version)
    got = dump(tracefile.load(path))
    if "columns" in want:
        got["columns"] = token_columns(read_timeline(path))
    if got != want:
        raise SystemExit(f"{path} does not read back as its spans:\n{to_json(got)}\n!=\n{to_json(want)}")
    return want


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Write a golden .tracy file and its expected JSON.")
    parser.add_argument("--version", choices=["1.0", "1.1", "2.0"], default="2.0")
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("out_json", nargs="?", type=Path)
    args = parser.parse_args(argv[1:])
    version = tuple(int(x) for x in args.version.split("."))
    out = args.out or HERE / GOLDEN_NAMES[version]
    out_json = args.out_json or out.with_name(out.name.replace(".tracy", ".expected.json"))
    want = write(out, version)
    out_json.write_text(to_json(want), encoding="utf-8")
    print(f"wrote {out} ({os.path.getsize(out)} bytes) and {out_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
