"""Recorded GenAI messages, in every shape instrumentations write them, parsed into one: messages of typed parts.

    from tracefile.genai.messages import parse_messages, parse_event, TOOL_CALL

    for message in parse_messages(span.attributes["gen_ai.input.messages"], "user"):
        for part in message.parts:            # part.kind: text, tool_call, tool_result, reasoning, ...
            if part.kind == TOOL_CALL:
                print(part.tool_name, part.arguments)
    message = parse_event(event.name, event.attributes["gen_ai.event.content"], event.time_unix_nano)

The shapes:

* the current semantic conventions: ``gen_ai.input.messages`` / ``gen_ai.output.messages``, JSON
  ``[{role, parts: [{type, ...}], finish_reason}]``, and ``gen_ai.system_instructions``, a list of parts;
* OpenAI-style chat messages ``{role, content, tool_calls, tool_call_id}`` (content a string or a list of
  content parts), in those attributes or in the older per-message events (``gen_ai.user.message`` ...
  ``gen_ai.choice``, the Azure AI Inference SDK) whose ``gen_ai.event.content`` holds one as JSON;
* OpenInference ``input.value`` / ``output.value``, which ``@tracefile.trace`` writes.

Other dialects' flattened messages (OpenInference ``llm.input_messages.N.*``, OpenLLMetry
``gen_ai.prompt.N.*``, Prompty) are put back together by `tracefile.genai.dialects` and parsed here.

Nothing here raises on odd data: malformed JSON becomes a text part holding the raw text,
missing fields are left empty, and unknown part types become ``other`` parts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from .names import (
    GEN_AI_ASSISTANT_MESSAGE,
    GEN_AI_CHOICE,
    GEN_AI_SYSTEM_MESSAGE,
    GEN_AI_TOOL_MESSAGE,
    GEN_AI_USER_MESSAGE,
)

# -- where a message was read from (Message.source) ----------------------------------

SEMCONV = "semconv"
EVENTS = "events"
OPENINFERENCE = "openinference"

# -- part kinds -------------------------------------------------------------------

TEXT = "text"
TOOL_CALL = "tool_call"
TOOL_RESULT = "tool_result"
REASONING = "reasoning"
BLOB = "blob"  # inline binary data: an image, audio
URI = "uri"  # a link to an image or file
FILE = "file"  # a file uploaded to the provider, by id
OTHER = "other"

#: Message events and the role each one implies when its content names none.
MESSAGE_EVENTS = {
    GEN_AI_SYSTEM_MESSAGE: "system",
    GEN_AI_USER_MESSAGE: "user",
    GEN_AI_ASSISTANT_MESSAGE: "assistant",
    GEN_AI_TOOL_MESSAGE: "tool",
}


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
    #: The payload as recorded, before it was made text: a text's or reasoning's content, a tool
    #: call's arguments, a tool result's response (a JSON string stays a string). None for other kinds.
    content: Any = None


@dataclass
class Message:
    role: str
    parts: list[Part] = field(default_factory=list)
    #: Where it was read from (`SEMCONV`, `EVENTS`, `OPENINFERENCE`).
    source: str = ""
    time_unix_nano: int | None = None
    finish_reason: str | None = None
    #: The participant's name, when the message gives one (OpenAI's ``name``).
    name: str | None = None

    @property
    def text(self) -> str:
        """The text and reasoning parts joined, for previews and search."""
        return "\n".join(p.text for p in self.parts if p.kind in (TEXT, REASONING) and p.text)


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


def _text_part(kind: str, value: Any, raw: Any) -> Part:
    return Part(kind, text=_pretty(value), raw=raw, content=value)


def _raw_text_part(text: Any) -> Part:
    return Part(TEXT, text=_pretty(text) if not isinstance(text, str) else text, raw=text, content=text)


# -- parts ------------------------------------------------------------------------


def _semconv_part(part: Any) -> Part:
    """One part of the current conventions: ``{type: text|tool_call|tool_call_response|...}``."""
    if isinstance(part, str):
        return Part(TEXT, text=part, raw=part, content=part)
    if not isinstance(part, Mapping):
        return Part(OTHER, text=_pretty(part), raw=part)
    kind = part.get("type")
    if kind == "text":
        return _text_part(TEXT, part.get("content", part.get("text", "")), part)
    if kind == "reasoning":
        return _text_part(REASONING, part.get("content", part.get("text", "")), part)
    if kind == "tool_call":
        args = part.get("arguments")
        return Part(TOOL_CALL, tool_name=_str(part.get("name")), tool_call_id=_str(part.get("id")),
                    arguments=_arguments(args), raw=part, content=args)  # fmt: skip
    if kind == "tool_call_response":
        response = part.get("response", part.get("result"))
        return Part(TOOL_RESULT, text=_pretty(response), tool_call_id=_str(part.get("id")), raw=part, content=response)
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
        return Part(TEXT, text=part, raw=part, content=part)
    if not isinstance(part, Mapping):
        return Part(OTHER, text=_pretty(part), raw=part)
    kind = part.get("type")
    if kind in ("text", "input_text", "output_text") or (
        kind is None and isinstance(part.get("text", part.get("content")), str)
    ):
        return _text_part(TEXT, part.get("text", part.get("content", "")), part)
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
    if kind == "refusal":
        return _text_part(TEXT, part.get("refusal", ""), part)
    if kind in ("reasoning", "thinking"):
        return _text_part(REASONING, part.get("text", part.get("thinking", part.get("content", ""))), part)
    return Part(OTHER, text=_pretty(part), raw=part)


def _content_parts(content: Any) -> list[Part]:
    """A chat message's ``content``: a string, a list of content parts, or anything else."""
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [Part(TEXT, text=content, raw=content, content=content)]
    if isinstance(content, list):
        return [_openai_part(p) for p in content]
    return [Part(OTHER, text=_pretty(content), raw=content)]


def _openai_tool_call(call: Any) -> Part:
    """``{id, type: "function", function: {name, arguments}}`` (or a flat ``{id, name, arguments}``)."""
    if not isinstance(call, Mapping):
        return Part(TOOL_CALL, arguments=_pretty(call), raw=call, content=call)
    fn = call.get("function") if isinstance(call.get("function"), Mapping) else call
    args = fn.get("arguments")
    return Part(TOOL_CALL, tool_name=_str(fn.get("name")), tool_call_id=_str(call.get("id")),
                arguments=_arguments(args), raw=call, content=args)  # fmt: skip


# -- messages ---------------------------------------------------------------------


def _semconv_message(item: Any, default_role: str) -> Message:
    if not isinstance(item, Mapping):
        return Message(default_role, [_raw_text_part(item)], source=SEMCONV)
    parts = item.get("parts")
    if isinstance(parts, list):
        got = [_semconv_part(p) for p in parts]
    elif "content" in item or "tool_calls" in item:  # an OpenAI-style message in the new attribute
        got = _content_parts(item.get("content"))
        got += [_openai_tool_call(c) for c in item.get("tool_calls") or [] if c is not None]
    else:
        got = [] if parts is None else [_raw_text_part(parts)]
    return Message(_str(item.get("role")) or default_role, got, source=SEMCONV,
                   finish_reason=_str(item.get("finish_reason")), name=_str(item.get("name")))  # fmt: skip


def parse_messages(value: Any, default_role: str = "user") -> list[Message]:
    """``gen_ai.input.messages`` or ``gen_ai.output.messages`` (JSON text, or already parsed): a message
    list, one message or OpenAI-style messages. A message that names no role gets `default_role`."""
    parsed, ok = _loads(value)
    if not ok:
        return [Message(default_role, [Part(TEXT, text=str(parsed), raw=value, content=value)], source=SEMCONV)]
    if isinstance(parsed, Mapping):
        parsed = [parsed]
    if not isinstance(parsed, list):
        return [Message(default_role, [_raw_text_part(parsed)], source=SEMCONV)] if parsed not in (None, "") else []
    return [_semconv_message(m, default_role) for m in parsed]


def parse_system_instructions(value: Any) -> list[Message]:
    """``gen_ai.system_instructions`` (a list of parts, or plain text) as one ``system`` message."""
    parsed, ok = _loads(value)
    if not ok or isinstance(parsed, str):
        if not parsed:
            return []
        return [Message("system", [Part(TEXT, text=str(parsed), raw=value, content=value)], source=SEMCONV)]
    if isinstance(parsed, Mapping):
        parsed = [parsed]
    if isinstance(parsed, list):
        return [Message("system", [_semconv_part(p) for p in parsed], source=SEMCONV)] if parsed else []
    return [Message("system", [_raw_text_part(parsed)], source=SEMCONV)]


def is_message_event(name: str) -> bool:
    """One of the older per-message events: ``gen_ai.user.message`` ... or ``gen_ai.choice``."""
    return name in MESSAGE_EVENTS or name == GEN_AI_CHOICE


def parse_event(name: str, content: Any, time_unix_nano: int | None = None) -> Message:
    """A message event (`is_message_event`) from its ``gen_ai.event.content``: an OpenAI/Azure chat
    message, or for ``gen_ai.choice`` ``{message, finish_reason}``."""
    default_role = MESSAGE_EVENTS.get(name, "assistant")
    parsed, ok = _loads(content)
    if not ok:
        return Message(default_role, [Part(TEXT, text=str(parsed), raw=parsed, content=parsed)], source=EVENTS,
                       time_unix_nano=time_unix_nano)  # fmt: skip
    if name == GEN_AI_CHOICE and isinstance(parsed, Mapping):
        body = parsed.get("message") if isinstance(parsed.get("message"), Mapping) else {}
        if not body and ("content" in parsed or "tool_calls" in parsed):
            body = parsed
        message = _chat_message(body, default_role, time_unix_nano)
        message.finish_reason = _str(parsed.get("finish_reason"))
        return message
    if isinstance(parsed, Mapping):
        return _chat_message(parsed, default_role, time_unix_nano)
    return Message(default_role, _content_parts(parsed) if parsed is not None else [], source=EVENTS,
                   time_unix_nano=time_unix_nano)  # fmt: skip


def parse_chat_message(body: Mapping, default_role: str = "user", source: str = EVENTS,
                       time_unix_nano: int | None = None) -> Message:  # fmt: skip
    """An OpenAI-style chat message ``{role, content, tool_calls, tool_call_id, name}`` (content a string
    or a list of content parts); a ``tool`` message becomes one tool result part."""
    message = _chat_message(body, default_role, time_unix_nano)
    message.source = source
    return message


def _chat_message(body: Mapping, default_role: str, time_ns: int | None) -> Message:
    """An OpenAI/Azure chat message: ``{role, content, tool_calls, tool_call_id}``."""
    role = _str(body.get("role")) or default_role
    call_id = _str(body.get("tool_call_id"))
    if role == "tool" or call_id:
        content = body.get("content")
        if isinstance(content, list):
            text = "\n".join(p.text for p in _content_parts(content))
        else:
            text = _pretty(content)
        parts = [Part(TOOL_RESULT, text=text, tool_call_id=call_id, tool_name=_str(body.get("name")), raw=dict(body),
                      content=content)]  # fmt: skip
    else:
        parts = _content_parts(body.get("content"))
        calls = body.get("tool_calls")
        if isinstance(calls, list):
            parts += [_openai_tool_call(c) for c in calls if c is not None]
    return Message(role, parts, source=EVENTS, time_unix_nano=time_ns, name=_str(body.get("name")))


def parse_value(value: Any, mime_type: Any = None) -> Part:
    """OpenInference ``input.value`` or ``output.value`` with its ``*.mime_type``, as one text part
    (JSON pretty-printed)."""
    if isinstance(value, str) and mime_type == "text/plain":
        return Part(TEXT, text=value, mime_type="text/plain", raw=value, content=value)
    parsed, ok = _loads(value)
    text = _pretty(parsed) if ok else str(value)
    mime = _str(mime_type) or ("application/json" if ok and not isinstance(parsed, str) else None)
    return Part(TEXT, text=text, mime_type=mime, raw=value, content=value)


def looks_like_messages(value: Any) -> bool:
    """True for parsed JSON that is a chat message or a list of them (each with a role or parts,
    and parts, content or tool calls), as opposed to any other JSON."""
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or not items:
        return False
    return all(
        isinstance(m, dict) and ("role" in m or "parts" in m) and ("parts" in m or "content" in m or "tool_calls" in m)
        for m in items
    )
