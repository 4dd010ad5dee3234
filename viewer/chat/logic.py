"""A span's conversation, from whichever layout its GenAI instrumentation used, and as Markdown.

    from viewer.chat.logic import conversation, to_markdown, link_tool_spans

    conv = conversation(span)
    if not conv.content_recorded and conv.missing_reason:
        show(conv.missing_reason)            # a chat call recorded with content off
    for message in conv.system + conv.input + conv.output:
        for part in message.parts:           # part.kind: text, tool_call, tool_result, ...
            ...
    links = link_tool_spans(conv, trace_spans)   # tool_call_id -> span_id of its execute_tool span
    text = to_markdown(conv)

The messages themselves are parsed by `tracefile.genai.messages`. Layouts, in order of
preference (the first one a span holds wins):

``semconv``
    The current GenAI semantic conventions: the JSON attributes ``gen_ai.system_instructions``,
    ``gen_ai.input.messages`` and ``gen_ai.output.messages`` (on the span, or on its
    ``gen_ai.client.inference.operation.details`` event).
``events``
    The Azure AI Inference SDK (and the older conventions): one event per message,
    ``gen_ai.system.message``, ``gen_ai.user.message``, ``gen_ai.assistant.message``,
    ``gen_ai.tool.message`` and ``gen_ai.choice``, each with its JSON in the
    ``gen_ai.event.content`` attribute. With content recording off the events (at least
    ``gen_ai.choice``) are still there, without that attribute.
other dialects
    OpenInference ``llm.input_messages.N.message.*``, OpenLLMetry ``gen_ai.prompt.N.*`` and
    ``traceloop.entity.*``, Prompty's ``otel_tracer`` attributes, put together by
    `tracefile.genai.dialects` (layout ``openinference``, ``openllmetry`` or ``prompty``).
``openinference``
    ``input.value`` / ``output.value`` as ``@tracefile.trace`` (and OpenInference) write
    them: one ``input`` and one ``output`` message, JSON pretty-printed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterable

from tracefile import genai
from tracefile.format import Span
from tracefile.genai import dialects
from tracefile.genai.messages import (  # noqa: F401 (the message types, for the chat's callers)
    BLOB,
    EVENTS,
    FILE,
    OPENINFERENCE,
    OTHER,
    REASONING,
    SEMCONV,
    TEXT,
    TOOL_CALL,
    TOOL_RESULT,
    URI,
    Message,
    Part,
    is_message_event,
    parse_event,
    parse_messages,
    parse_system_instructions,
    parse_value,
)
from tracefile.genai.names import (
    GEN_AI_CHOICE,
    GEN_AI_EVENT_CONTENT,
    GEN_AI_INPUT_MESSAGES,
    GEN_AI_OUTPUT_MESSAGES,
    GEN_AI_SYSTEM_INSTRUCTIONS,
    GEN_AI_TOOL_CALL_ID,
    GEN_AI_TOOL_NAME,
    INPUT_MIME_TYPE,
    INPUT_VALUE,
    OUTPUT_MIME_TYPE,
    OUTPUT_VALUE,
)
from tracefile.genai.names import GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS as DETAILS_EVENT

#: Conversation.layout when the span holds no messages.
NONE = "none"
_SEMCONV_KEYS = (GEN_AI_SYSTEM_INSTRUCTIONS, GEN_AI_INPUT_MESSAGES, GEN_AI_OUTPUT_MESSAGES)
_EXECUTE_TOOL = genai.names.OperationName.EXECUTE_TOOL + " "

CONTENT_SETTING = "tracefile.configure(content_recording=True)"
CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true"
MISSING_REASON = (
    "This LLM call's messages were not recorded because content recording was off; "
    f"turn it on with `{CONTENT_SETTING}` or the environment variable `{CONTENT_ENV}` "
    "(`SPAN_ONLY` for opentelemetry-instrumentation-openai-v2 without configure())."
)


@dataclass
class Conversation:
    system: list[Message] = field(default_factory=list)
    input: list[Message] = field(default_factory=list)
    output: list[Message] = field(default_factory=list)
    #: False when the span holds no message content (recording was off, or it is not a GenAI span).
    content_recorded: bool = False
    #: For an LLM call without content: one friendly sentence saying why and how to turn it on.
    missing_reason: str | None = None
    layout: str = NONE

    @property
    def messages(self) -> list[Message]:
        return [*self.system, *self.input, *self.output]

    @property
    def is_empty(self) -> bool:
        return not (self.system or self.input or self.output)


# -- layout 1: current semantic conventions ------------------------------------------


def _semconv_source(span: Span) -> dict[str, object]:
    found = {k: span.attributes[k] for k in _SEMCONV_KEYS if k in span.attributes}
    if found:
        return found
    for event in span.events:
        if event.name == DETAILS_EVENT:
            found = {k: event.attributes[k] for k in _SEMCONV_KEYS if k in event.attributes}
            if found:
                return found
    return {}


def _from_semconv(span: Span) -> Conversation | None:
    found = _semconv_source(span)
    if not found:
        return None
    conv = Conversation(content_recorded=True, layout=SEMCONV)
    if GEN_AI_SYSTEM_INSTRUCTIONS in found:
        conv.system = parse_system_instructions(found[GEN_AI_SYSTEM_INSTRUCTIONS])
    if GEN_AI_INPUT_MESSAGES in found:
        messages = parse_messages(found[GEN_AI_INPUT_MESSAGES], "user")
        # Some instrumentations keep system messages among the input messages.
        conv.system += [m for m in messages if m.role == "system"]
        conv.input = [m for m in messages if m.role != "system"]
    if GEN_AI_OUTPUT_MESSAGES in found:
        conv.output = parse_messages(found[GEN_AI_OUTPUT_MESSAGES], "assistant")
    return conv


# -- layout 2: one event per message (Azure AI Inference, older conventions) ---------------


def _from_events(span: Span) -> tuple[Conversation | None, bool]:
    """(conversation, saw_message_events): the conversation is None when no event carries content."""
    conv = Conversation(content_recorded=True, layout=EVENTS)
    seen = any_content = False
    for event in span.events:
        if not is_message_event(event.name):
            continue
        seen = True
        if GEN_AI_EVENT_CONTENT not in event.attributes:
            continue
        any_content = True
        message = parse_event(event.name, event.attributes[GEN_AI_EVENT_CONTENT], event.time_unix_nano)
        if event.name == GEN_AI_CHOICE:
            conv.output.append(message)
        elif message.role == "system":
            conv.system.append(message)
        else:
            conv.input.append(message)
    return (conv if any_content else None), seen


# -- layout 3: OpenInference input.value / output.value ---------------------------------


def _from_openinference(span: Span) -> Conversation | None:
    a = span.attributes
    if INPUT_VALUE not in a and OUTPUT_VALUE not in a:
        return None
    conv = Conversation(content_recorded=True, layout=OPENINFERENCE)
    if INPUT_VALUE in a:
        conv.input.append(Message("input", [parse_value(a[INPUT_VALUE], a.get(INPUT_MIME_TYPE))], source=OPENINFERENCE,
                                  time_unix_nano=span.start_time))  # fmt: skip
    if OUTPUT_VALUE in a:
        conv.output.append(Message("output", [parse_value(a[OUTPUT_VALUE], a.get(OUTPUT_MIME_TYPE))],
                                   source=OPENINFERENCE, time_unix_nano=span.end_time))  # fmt: skip
    return conv


# -- layout 4: other dialects (OpenInference messages, OpenLLMetry, Prompty) ------------------


def _from_dialect(span: Span) -> Conversation | None:
    found = dialects.messages(span.attributes)
    if found is None:
        return None
    system, given, answers, source = found
    return Conversation(system, given, answers, content_recorded=True, layout=source)


# -- the public API ---------------------------------------------------------------------


def conversation(span: Span) -> Conversation:
    """The span's conversation from the first layout it holds; see the module docstring."""
    conv = _from_semconv(span)
    if conv is not None:
        return conv
    conv, saw_events = _from_events(span)
    if conv is not None:
        return conv
    conv = _from_dialect(span)
    if conv is not None:
        return conv
    conv = _from_openinference(span)
    if conv is not None:
        return conv
    if genai.is_llm_call(span.name, span.attributes) or saw_events:
        return Conversation(content_recorded=False, missing_reason=MISSING_REASON, layout=EVENTS if saw_events else NONE)
    return Conversation(content_recorded=False, layout=NONE)


def tool_calls_by_id(conv: Conversation) -> dict[str, Part]:
    """Every tool call in the conversation with an id, by id (a later call with the same id wins)."""
    return {p.tool_call_id: p for m in conv.messages for p in m.parts if p.kind == TOOL_CALL and p.tool_call_id}


def tool_results_by_id(conv: Conversation) -> dict[str, Part]:
    """Every tool result in the conversation with an id, by the id of the call it answers."""
    return {p.tool_call_id: p for m in conv.messages for p in m.parts if p.kind == TOOL_RESULT and p.tool_call_id}


def tool_span_name(span: Span) -> str | None:
    """The tool an ``execute_tool`` span ran (``gen_ai.tool.name``, else from its name), or None."""
    name = span.attributes.get(GEN_AI_TOOL_NAME) or dialects.tool_name(span.attributes)
    if name:
        return str(name)
    if span.name.startswith(_EXECUTE_TOOL):
        return span.name[len(_EXECUTE_TOOL) :].strip() or None
    return None


def is_tool_span(span: Span) -> bool:
    """A tool run: an ``execute_tool`` span, or any span that names the tool call it answers."""
    return genai.is_tool_call(span.name, span.attributes) or GEN_AI_TOOL_CALL_ID in span.attributes


def link_tool_spans(conv: Conversation, candidate_spans: Iterable[Span]) -> dict[str, str]:
    """``{tool_call_id: span_id}``: each tool call's ``execute_tool`` span among `candidate_spans`.

    A span whose ``gen_ai.tool.call.id`` is the call's id wins; the calls left over take, in
    conversation order, the unused tool spans of the same tool name in start-time order.
    Each span is linked to at most one call.
    """
    tools = sorted((s for s in candidate_spans if is_tool_span(s)), key=lambda s: (s.start_time, s.span_id))
    calls = [p for m in conv.messages for p in m.parts if p.kind == TOOL_CALL and p.tool_call_id]
    seen: set[str] = set()
    unique = []
    for call in calls:
        if call.tool_call_id not in seen:
            seen.add(call.tool_call_id)
            unique.append(call)
    links: dict[str, str] = {}
    used: set[str] = set()
    by_id = {str(s.attributes[GEN_AI_TOOL_CALL_ID]): s for s in tools if s.attributes.get(GEN_AI_TOOL_CALL_ID)}
    for call in unique:
        span = by_id.get(call.tool_call_id)
        if span is not None and span.span_id not in used:
            links[call.tool_call_id] = span.span_id
            used.add(span.span_id)
    for call in unique:
        if call.tool_call_id in links or not call.tool_name:
            continue
        for span in tools:
            if span.span_id in used or span.attributes.get(GEN_AI_TOOL_CALL_ID):
                continue  # a span that names its call belongs to that call only
            if tool_span_name(span) == call.tool_name:
                links[call.tool_call_id] = span.span_id
                used.add(span.span_id)
                break
    return links


# -- Markdown -------------------------------------------------------------------------


def fenced(text: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _looks_json(text: str) -> bool:
    s = text.strip()
    if s[:1] not in ("{", "[") or s[-1:] not in ("}", "]"):
        return False
    try:
        json.loads(s)
        return True
    except (ValueError, RecursionError):
        return False


def inline_code(text: str) -> str:
    """Markdown inline code whose backtick run is longer than any inside ``text``."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _part_markdown(part: Part) -> str:
    if part.kind == TEXT:
        return fenced(part.text, "json") if _looks_json(part.text) else part.text
    if part.kind == REASONING:
        return "\n".join(["> **Reasoning**", ">"] + [f"> {line}" if line else ">" for line in part.text.splitlines()])
    if part.kind == TOOL_CALL:
        head = f"**Tool call** {inline_code(part.tool_name or '?')}"
        if part.tool_call_id:
            head += f" ({inline_code(part.tool_call_id)})"
        return f"{head}\n\n{fenced(part.arguments or '', 'json')}"
    if part.kind == TOOL_RESULT:
        head = "**Tool result**"
        if part.tool_name:
            head += f" of {inline_code(part.tool_name)}"
        if part.tool_call_id:
            head += f" ({inline_code(part.tool_call_id)})"
        return f"{head}\n\n{fenced(part.text, 'json' if _looks_json(part.text) else '')}"
    if part.kind == URI:
        return f"<{part.uri}>" if part.uri else "*(link)*"
    label = {BLOB: "Binary data", FILE: "File", OTHER: "Part"}.get(part.kind, part.kind)
    if part.kind == OTHER:
        return f"*{label}:*\n\n{fenced(part.text, 'json' if _looks_json(part.text) else '')}"
    return f"*{label}: {part.text}*" if part.text else f"*{label}*"


def _message_markdown(message: Message) -> str:
    out = [f"### {message.role[:1].upper()}{message.role[1:]}" if message.role else "### (no role)"]
    out += [_part_markdown(p) for p in message.parts] or ["*(empty)*"]
    if message.finish_reason:
        out.append(f"*Finish reason: {message.finish_reason}*")
    return "\n\n".join(out)


def to_markdown(conv: Conversation) -> str:
    """The conversation as Markdown: ``## System`` / ``## Input`` / ``## Output`` sections, one
    ``### Role`` heading per message, tool calls with their arguments in fenced JSON."""
    sections = []
    for title, messages in (("System", conv.system), ("Input", conv.input), ("Output", conv.output)):
        if messages:
            sections.append("\n\n".join([f"## {title}", *(_message_markdown(m) for m in messages)]))
    if not sections:
        return f"*{conv.missing_reason}*\n" if conv.missing_reason else "*No conversation recorded.*\n"
    return "\n\n".join(sections) + "\n"
