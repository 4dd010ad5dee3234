"""A span's conversation, read from every layout GenAI instrumentations use.

    from viewer.chat.logic import conversation, to_markdown, link_tool_spans

    conv = conversation(span)
    if not conv.content_recorded and conv.missing_reason:
        show(conv.missing_reason)            # a chat call recorded with content off
    for message in conv.system + conv.input + conv.output:
        for part in message.parts:           # part.kind: text, tool_call, tool_result, ...
            ...
    links = link_tool_spans(conv, trace_spans)   # tool_call_id -> span_id of its execute_tool span
    text = to_markdown(conv)

Layouts, in order of preference (the first one a span holds wins):

``semconv``
    The current GenAI semantic conventions: the JSON attributes ``gen_ai.system_instructions``,
    ``gen_ai.input.messages`` and ``gen_ai.output.messages`` (on the span, or on its
    ``gen_ai.client.inference.operation.details`` event). Messages are
    ``{role, parts: [{type, ...}], finish_reason}``.
``events``
    The Azure AI Inference SDK (and the older conventions): one event per message,
    ``gen_ai.system.message``, ``gen_ai.user.message``, ``gen_ai.assistant.message``,
    ``gen_ai.tool.message`` and ``gen_ai.choice``, each with its JSON in the
    ``gen_ai.event.content`` attribute. With content recording off the events (at least
    ``gen_ai.choice``) are still there, without that attribute.
``openinference``
    ``input.value`` / ``output.value`` as ``@tracefile.trace`` (and OpenInference) write
    them: one ``input`` and one ``output`` message, JSON pretty-printed.

Nothing here raises on odd data: malformed JSON becomes a text part holding the raw text,
missing fields are left empty, and unknown part types become ``other`` parts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from tracefile.format.model import Span

# -- attribute and event names ------------------------------------------------------

SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions"
INPUT_MESSAGES = "gen_ai.input.messages"
OUTPUT_MESSAGES = "gen_ai.output.messages"
DETAILS_EVENT = "gen_ai.client.inference.operation.details"
EVENT_CONTENT = "gen_ai.event.content"
CHOICE_EVENT = "gen_ai.choice"
#: Message events and the role each one implies when its content names none.
MESSAGE_EVENTS = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
INPUT_VALUE = "input.value"
INPUT_MIME_TYPE = "input.mime_type"
OUTPUT_VALUE = "output.value"
OUTPUT_MIME_TYPE = "output.mime_type"
OPERATION = "gen_ai.operation.name"
TOOL_CALL_ID = "gen_ai.tool.call.id"
TOOL_NAME = "gen_ai.tool.name"

# -- layouts (Conversation.layout, Message.source) --------------------------------

SEMCONV = "semconv"
EVENTS = "events"
OPENINFERENCE = "openinference"
NONE = "none"

# -- part kinds -------------------------------------------------------------------

TEXT = "text"
TOOL_CALL = "tool_call"
TOOL_RESULT = "tool_result"
REASONING = "reasoning"
BLOB = "blob"
URI = "uri"
FILE = "file"
OTHER = "other"

CONTENT_SETTING = "tracefile.configure(content_recording=True)"
CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true"
MISSING_REASON = (
    "This LLM call's messages were not recorded because content recording was off; "
    f"turn it on with `{CONTENT_SETTING}` or the environment variable `{CONTENT_ENV}`."
)


@dataclass
class Part:
    """One piece of a message. ``text`` is what to show: the text itself, a tool result, a
    reasoning summary, or a short description (a URI, a file id, "image/png, 1.2 kB")."""

    kind: str
    text: str = ""
    tool_name: str | None = None
    tool_call_id: str | None = None
    #: A tool call's arguments as pretty JSON text (the raw text when they are not JSON).
    arguments: str | None = None
    mime_type: str | None = None
    uri: str | None = None
    #: The part as it was recorded (a dict for JSON parts), for "show raw".
    raw: Any = None


@dataclass
class Message:
    role: str
    parts: list[Part] = field(default_factory=list)
    #: The layout it was read from (`SEMCONV`, `EVENTS`, `OPENINFERENCE`).
    source: str = ""
    time_unix_nano: int | None = None
    finish_reason: str | None = None

    @property
    def text(self) -> str:
        """The text and reasoning parts joined, for previews and search."""
        return "\n".join(p.text for p in self.parts if p.kind in (TEXT, REASONING) and p.text)


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


# -- small helpers ----------------------------------------------------------------


def _loads(value: Any) -> tuple[Any, bool]:
    """(parsed, ok): a JSON string parsed, any other value as is; ``ok`` False for malformed JSON."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str):
        return value, True
    try:
        return json.loads(value), True
    except (ValueError, RecursionError):
        return value, False


def _pretty(value: Any) -> str:
    """Text for display: a string as is unless it is a JSON object or array (then pretty JSON);
    anything else as pretty JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
            try:
                return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
            except (ValueError, RecursionError):
                return value
        return value
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return str(value)


def _arguments(value: Any) -> str:
    """Tool call arguments as pretty JSON text; a JSON string is parsed first, other text kept."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            return json.dumps(json.loads(value), indent=2, ensure_ascii=False)
        except (ValueError, RecursionError):
            return value
    return _pretty(value)


def _str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} kB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _raw_text_part(text: Any) -> Part:
    return Part(TEXT, text=_pretty(text) if not isinstance(text, str) else text, raw=text)


# -- parts ------------------------------------------------------------------------


def _semconv_part(part: Any) -> Part:
    """One part of the current conventions: ``{type: text|tool_call|tool_call_response|...}``."""
    if isinstance(part, str):
        return Part(TEXT, text=part, raw=part)
    if not isinstance(part, Mapping):
        return Part(OTHER, text=_pretty(part), raw=part)
    kind = part.get("type")
    if kind == "text":
        return Part(TEXT, text=_pretty(part.get("content", part.get("text", ""))), raw=part)
    if kind == "reasoning":
        return Part(REASONING, text=_pretty(part.get("content", part.get("text", ""))), raw=part)
    if kind == "tool_call":
        return Part(TOOL_CALL, tool_name=_str(part.get("name")), tool_call_id=_str(part.get("id")),
                    arguments=_arguments(part.get("arguments")), raw=part)  # fmt: skip
    if kind == "tool_call_response":
        return Part(TOOL_RESULT, text=_pretty(part.get("response", part.get("result"))),
                    tool_call_id=_str(part.get("id")), raw=part)  # fmt: skip
    if kind == "blob":
        content = part.get("content")
        mime = _str(part.get("mime_type"))
        size = len(content) * 3 // 4 if isinstance(content, str) else None  # base64
        label = ", ".join(x for x in (part.get("modality"), mime, _size(size) if size is not None else None) if x)
        return Part(BLOB, text=label or "binary data", mime_type=mime, raw=part)
    if kind == "uri":
        uri = _str(part.get("uri"))
        return Part(URI, text=uri or "", uri=uri, mime_type=_str(part.get("mime_type")), raw=part)
    if kind == "file":
        file_id = _str(part.get("file_id"))
        return Part(FILE, text=file_id or "", mime_type=_str(part.get("mime_type")), raw=part)
    # OpenAI-style content parts can show up here too.
    openai = _openai_part(part)
    if openai.kind != OTHER:
        return openai
    return Part(OTHER, text=_pretty(part), raw=part)


def _openai_part(part: Any) -> Part:
    """One OpenAI-style content part: ``{type: "text", text}``, ``{type: "image_url", image_url: {url}}``..."""
    if isinstance(part, str):
        return Part(TEXT, text=part, raw=part)
    if not isinstance(part, Mapping):
        return Part(OTHER, text=_pretty(part), raw=part)
    kind = part.get("type")
    if kind in ("text", "input_text", "output_text") or (kind is None and isinstance(part.get("text"), str)):
        return Part(TEXT, text=_pretty(part.get("text", part.get("content", ""))), raw=part)
    if kind in ("image_url", "input_image"):
        ref = part.get("image_url", part.get("url"))
        url = _str(ref.get("url") if isinstance(ref, Mapping) else ref) or ""
        if url.startswith("data:"):
            mime = url[5:].split(";", 1)[0].split(",", 1)[0] or None
            return Part(BLOB, text=", ".join(x for x in ("image", mime) if x), mime_type=mime, raw=part)
        return Part(URI, text=url, uri=url or None, raw=part)
    if kind == "input_audio":
        audio = part.get("input_audio") if isinstance(part.get("input_audio"), Mapping) else {}
        fmt = _str(audio.get("format"))
        return Part(BLOB, text=", ".join(x for x in ("audio", fmt) if x), mime_type=f"audio/{fmt}" if fmt else None,
                    raw=part)  # fmt: skip
    if kind in ("refusal",):
        return Part(TEXT, text=_pretty(part.get("refusal", "")), raw=part)
    if kind in ("reasoning", "thinking"):
        return Part(REASONING, text=_pretty(part.get("text", part.get("thinking", part.get("content", "")))), raw=part)
    return Part(OTHER, text=_pretty(part), raw=part)


def _content_parts(content: Any) -> list[Part]:
    """A chat message's ``content``: a string, a list of content parts, or anything else."""
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [Part(TEXT, text=content, raw=content)]
    if isinstance(content, list):
        return [_openai_part(p) for p in content]
    return [Part(OTHER, text=_pretty(content), raw=content)]


def _openai_tool_call(call: Any) -> Part:
    """``{id, type: "function", function: {name, arguments}}`` (or a flat ``{id, name, arguments}``)."""
    if not isinstance(call, Mapping):
        return Part(TOOL_CALL, arguments=_pretty(call), raw=call)
    fn = call.get("function") if isinstance(call.get("function"), Mapping) else call
    return Part(TOOL_CALL, tool_name=_str(fn.get("name")), tool_call_id=_str(call.get("id")),
                arguments=_arguments(fn.get("arguments")), raw=call)  # fmt: skip


# -- layout 1: current semantic conventions ------------------------------------------


def _semconv_source(span: Span) -> dict[str, Any]:
    found = {k: span.attributes[k] for k in (SYSTEM_INSTRUCTIONS, INPUT_MESSAGES, OUTPUT_MESSAGES) if k in span.attributes}
    if found:
        return found
    for event in span.events:
        if event.name == DETAILS_EVENT:
            found = {k: event.attributes[k] for k in (SYSTEM_INSTRUCTIONS, INPUT_MESSAGES, OUTPUT_MESSAGES)
                     if k in event.attributes}  # fmt: skip
            if found:
                return found
    return {}


def _semconv_message(item: Any, default_role: str) -> Message:
    if not isinstance(item, Mapping):
        return Message(default_role, [_raw_text_part(item)], source=SEMCONV)
    parts = item.get("parts")
    if isinstance(parts, list):
        got = [_semconv_part(p) for p in parts]
    elif "content" in item:  # an OpenAI-style message in the new attribute
        got = _content_parts(item.get("content"))
        got += [_openai_tool_call(c) for c in item.get("tool_calls") or [] if c is not None]
    else:
        got = [] if parts is None else [_raw_text_part(parts)]
    return Message(_str(item.get("role")) or default_role, got, source=SEMCONV,
                   finish_reason=_str(item.get("finish_reason")))  # fmt: skip


def _semconv_messages(value: Any, default_role: str) -> list[Message]:
    parsed, ok = _loads(value)
    if not ok:
        return [Message(default_role, [Part(TEXT, text=str(parsed), raw=value)], source=SEMCONV)]
    if isinstance(parsed, Mapping):
        parsed = [parsed]
    if not isinstance(parsed, list):
        return [Message(default_role, [_raw_text_part(parsed)], source=SEMCONV)] if parsed not in (None, "") else []
    return [_semconv_message(m, default_role) for m in parsed]


def _semconv_system(value: Any) -> list[Message]:
    parsed, ok = _loads(value)
    if not ok or isinstance(parsed, str):
        return [Message("system", [Part(TEXT, text=str(parsed), raw=value)], source=SEMCONV)] if parsed else []
    if isinstance(parsed, Mapping):
        parsed = [parsed]
    if isinstance(parsed, list):
        return [Message("system", [_semconv_part(p) for p in parsed], source=SEMCONV)] if parsed else []
    return [Message("system", [_raw_text_part(parsed)], source=SEMCONV)]


def _from_semconv(span: Span) -> Conversation | None:
    found = _semconv_source(span)
    if not found:
        return None
    conv = Conversation(content_recorded=True, layout=SEMCONV)
    if SYSTEM_INSTRUCTIONS in found:
        conv.system = _semconv_system(found[SYSTEM_INSTRUCTIONS])
    if INPUT_MESSAGES in found:
        messages = _semconv_messages(found[INPUT_MESSAGES], "user")
        # Some instrumentations keep system messages among the input messages.
        conv.system += [m for m in messages if m.role == "system"]
        conv.input = [m for m in messages if m.role != "system"]
    if OUTPUT_MESSAGES in found:
        conv.output = _semconv_messages(found[OUTPUT_MESSAGES], "assistant")
    return conv


# -- layout 2: one event per message (Azure AI Inference, older conventions) ---------------


def _event_message(name: str, content: Any, default_role: str, time_ns: int) -> Message:
    if name == CHOICE_EVENT and isinstance(content, Mapping):
        body = content.get("message") if isinstance(content.get("message"), Mapping) else {}
        if not body and ("content" in content or "tool_calls" in content):
            body = content
        message = _chat_message(body, default_role, time_ns)
        message.finish_reason = _str(content.get("finish_reason"))
        return message
    if isinstance(content, Mapping):
        return _chat_message(content, default_role, time_ns)
    return Message(default_role, _content_parts(content) if content is not None else [], source=EVENTS,
                   time_unix_nano=time_ns)  # fmt: skip


def _chat_message(body: Mapping, default_role: str, time_ns: int) -> Message:
    """An OpenAI/Azure chat message: ``{role, content, tool_calls, tool_call_id}``."""
    role = _str(body.get("role")) or default_role
    call_id = _str(body.get("tool_call_id"))
    if role == "tool" or call_id:
        content = body.get("content")
        if isinstance(content, list):
            text = "\n".join(p.text for p in _content_parts(content))
        else:
            text = _pretty(content)
        parts = [Part(TOOL_RESULT, text=text, tool_call_id=call_id, tool_name=_str(body.get("name")), raw=dict(body))]
    else:
        parts = _content_parts(body.get("content"))
        calls = body.get("tool_calls")
        if isinstance(calls, list):
            parts += [_openai_tool_call(c) for c in calls if c is not None]
    return Message(role, parts, source=EVENTS, time_unix_nano=time_ns)


def _from_events(span: Span) -> tuple[Conversation | None, bool]:
    """(conversation, saw_message_events): the conversation is None when no event carries content."""
    conv = Conversation(content_recorded=True, layout=EVENTS)
    seen = any_content = False
    for event in span.events:
        if event.name in MESSAGE_EVENTS:
            default_role = MESSAGE_EVENTS[event.name]
        elif event.name == CHOICE_EVENT:
            default_role = "assistant"
        else:
            continue
        seen = True
        if EVENT_CONTENT not in event.attributes:
            continue
        any_content = True
        parsed, ok = _loads(event.attributes[EVENT_CONTENT])
        if not ok:
            message = Message(default_role, [Part(TEXT, text=str(parsed), raw=parsed)], source=EVENTS,
                              time_unix_nano=event.time_unix_nano)  # fmt: skip
        else:
            message = _event_message(event.name, parsed, default_role, event.time_unix_nano)
        if event.name == CHOICE_EVENT:
            conv.output.append(message)
        elif message.role == "system":
            conv.system.append(message)
        else:
            conv.input.append(message)
    return (conv if any_content else None), seen


# -- layout 3: OpenInference input.value / output.value ---------------------------------


def _value_part(value: Any, mime: Any) -> Part:
    if isinstance(value, str) and mime == "text/plain":
        return Part(TEXT, text=value, mime_type="text/plain", raw=value)
    parsed, ok = _loads(value)
    text = _pretty(parsed) if ok else str(value)
    return Part(TEXT, text=text, mime_type=_str(mime) or ("application/json" if ok and not isinstance(parsed, str) else None),
                raw=value)  # fmt: skip


def _from_openinference(span: Span) -> Conversation | None:
    a = span.attributes
    if INPUT_VALUE not in a and OUTPUT_VALUE not in a:
        return None
    conv = Conversation(content_recorded=True, layout=OPENINFERENCE)
    if INPUT_VALUE in a:
        conv.input.append(Message("input", [_value_part(a[INPUT_VALUE], a.get(INPUT_MIME_TYPE))], source=OPENINFERENCE,
                                  time_unix_nano=span.start_time))  # fmt: skip
    if OUTPUT_VALUE in a:
        conv.output.append(Message("output", [_value_part(a[OUTPUT_VALUE], a.get(OUTPUT_MIME_TYPE))],
                                   source=OPENINFERENCE, time_unix_nano=span.end_time))  # fmt: skip
    return conv


# -- the public API ---------------------------------------------------------------------


def is_llm_call(span: Span) -> bool:
    """A chat (or text completion) call to a model."""
    op = span.attributes.get(OPERATION)
    return op in ("chat", "text_completion", "generate_content") or span.name.startswith(
        ("chat ", "text_completion ", "generate_content ")
    )


def conversation(span: Span) -> Conversation:
    """The span's conversation from the first layout it holds; see the module docstring."""
    conv = _from_semconv(span)
    if conv is not None:
        return conv
    conv, saw_events = _from_events(span)
    if conv is not None:
        return conv
    conv = _from_openinference(span)
    if conv is not None:
        return conv
    if is_llm_call(span) or saw_events:
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
    name = span.attributes.get(TOOL_NAME)
    if name:
        return str(name)
    if span.name.startswith("execute_tool "):
        return span.name[len("execute_tool ") :].strip() or None
    return None


def is_tool_span(span: Span) -> bool:
    return span.attributes.get(OPERATION) == "execute_tool" or span.name.startswith("execute_tool ") or (
        TOOL_CALL_ID in span.attributes
    )


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
    by_id = {str(s.attributes[TOOL_CALL_ID]): s for s in tools if s.attributes.get(TOOL_CALL_ID)}
    for call in unique:
        span = by_id.get(call.tool_call_id)
        if span is not None and span.span_id not in used:
            links[call.tool_call_id] = span.span_id
            used.add(span.span_id)
    for call in unique:
        if call.tool_call_id in links or not call.tool_name:
            continue
        for span in tools:
            if span.span_id in used or span.attributes.get(TOOL_CALL_ID):
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
