"""Files for the content store's tests: growing conversations written in small batches, and
crafted one-span files with hand-made content and details frames."""

from __future__ import annotations

import json

import msgspec

from tracefile.format import content
from tracefile.format.content import PREFIX
from tracefile.format.encode import model_to_frames
from tracefile.format.framing import encode_frame
from tracefile.format.model import Span, SpanEvent
from tracefile.format.schema import KIND_CONTENT, KIND_SPAN_DETAILS, SpanDetails
from tracefile.format.writer import TraceWriter

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SYSTEM = "You are the test's assistant. " * 50


def conversation(turns: int, tag: str = "") -> list[Span]:
    """One chat span per turn, each repeating the conversation so far in gen_ai.input.messages."""
    history = [{"role": "system", "content": SYSTEM + tag}]
    spans = []
    for t in range(turns):
        history.append({"role": "user", "content": f"{tag} question {t}: " + "why? " * 40})
        attrs = {"gen_ai.operation.name": "chat", "gen_ai.input.messages": json.dumps(history),
                 "gen_ai.tool.definitions": json.dumps([{"name": "search", "description": "Searches. " * 150}]),
                 "turn": t}  # fmt: skip
        events = [SpanEvent(1_000 + t, "gen_ai.choice", {"content": f"{tag} answer {t} " * 120})]
        spans.append(Span(TRACE, f"{len(tag)}{t + 1:015x}", "", "chat gpt-4o", 2, 1_000 + t, 2_000 + t, 0, "", attrs, events))
        history.append({"role": "assistant", "content": f"{tag} answer {t} " * 120})
    return spans


def write(path, spans, batch=2, **kw):
    with TraceWriter(path, **kw) as w:
        for i in range(0, len(spans), batch):
            part = spans[i : i + batch]
            columns, details = model_to_frames(part, i + 1)
            w.write_spans(columns, details, 0, 0)


def content_frame(store: int, first: int, entries: list, codec: int = 0, count: int | None = None, raw_len: int | None = None) -> bytes:
    raw = msgspec.msgpack.encode(entries)
    payload = PREFIX.pack(store, first, len(entries) if count is None else count, codec, len(raw) if raw_len is None else raw_len) + raw
    return encode_frame(KIND_CONTENT, payload, msgpack=False)


def crafted(path, before: bytes, details: bytes) -> None:
    """A file of one span: a real header, the crafted frames ``before``, the span's spans frame, then
    the crafted ``details`` frame."""
    with TraceWriter(path, format_version=(1, 1)):
        pass
    columns, _ = model_to_frames([Span(TRACE, "00f067aa0ba902b7", "", "s", 0, 1, 2)], 1)
    spans_frame = encode_frame(0x10, msgspec.msgpack.encode(columns))
    path.write_bytes(path.read_bytes() + before + spans_frame + details)


def details_with_refs(store: int, refs: dict[str, int]) -> bytes:
    attrs = {k: content.ref_ext(seq) for k, seq in refs.items()}
    details = SpanDetails(1, 1, [attrs], [[]], [[]], content_store=store)
    return encode_frame(KIND_SPAN_DETAILS, msgspec.msgpack.encode(details))


def event_layout(turns: int) -> list[Span]:
    """The older GenAI layout: each model call records the conversation so far as message events."""
    messages = [("gen_ai.system.message", SYSTEM[:180])]
    spans = []
    for t in range(turns):
        messages.append(("gen_ai.user.message", f"question {t}: " + "why? " * 20))
        events = [SpanEvent(-50 + 13 * k, name, {"gen_ai.event.content": json.dumps({"content": text}), "k": k})
                  for k, (name, text) in enumerate(messages * 16)]  # fmt: skip
        events.append(SpanEvent(900, "gen_ai.choice", {"gen_ai.event.content": f"answer {t}"}))
        spans.append(Span(TRACE, f"e{t + 1:015x}", "", "chat", 2, 1_000 + t, 2_000 + t, 0, "", {"turn": t}, events))
        messages.append(("gen_ai.assistant.message", f"answer {t}"))
    return spans
