"""What the span inspector shows: a span as sections of key/value rows, and values rendered Raw, Pretty or as Markdown.

Nothing here imports Qt. ``build_sections(span)`` gives the rows,
``value_text(value, mode)`` the text of one value in a display mode,
``summarize(value)`` its one-line form for a table cell, and
``span_to_json(span)`` a readable JSON document of the whole span::

    for section in build_sections(span):
        for row in section.rows:
            print(section.title, row.key, row.summary, row.type_name)
    print(value_text(span.attributes["gen_ai.input.messages"], PRETTY))
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, Iterable, Mapping

from tracefile import Span
from tracefile.format import TRUNCATION_RE, Feedback
from tracefile.format import truncated_chars as _marker_count
from tracefile.genai.messages import (
    TEXT,
    TOOL_CALL,
    TOOL_RESULT,
    Message,
    Part,
    is_message_event,
    looks_like_messages,
    parse_messages,
)
from tracefile.genai.names import GEN_AI_CHOICE, GEN_AI_EVENT_CONTENT, GEN_AI_INPUT_MESSAGES, GEN_AI_OUTPUT_MESSAGES
from tracefile.genai.names import GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS as GEN_AI_DETAILS_EVENT
from tracefile.genai.names import GEN_AI_PREFIX, INPUT_VALUE, OUTPUT_VALUE

from ..formatting import format_duration, format_timestamp
from ..text_limits import shallow

# ---------------------------------------------------------------------------
# Display modes
# ---------------------------------------------------------------------------

RAW = "raw"
PRETTY = "pretty"
MARKDOWN = "markdown"
MODES = (RAW, PRETTY, MARKDOWN)
MODE_LABELS = {RAW: "Raw", PRETTY: "Pretty", MARKDOWN: "Markdown"}

#: Attribute orders: gen_ai.* keys first then alphabetical, or as the instrumentation recorded them.
GENAI_FIRST = "genai"
RECORDED = "recorded"
ORDERS = (GENAI_FIRST, RECORDED)

#: Characters of a value that a table cell shows; the detail pane shows the rest.
SUMMARY_LIMIT = 240
#: Pretty mode wraps plain text lines longer than this.
WRAP_WIDTH = 100
#: Stringified JSON inside JSON is expanded this deep (guards against pathological nesting).
MAX_EXPAND_DEPTH = 8
#: Glyph that stands for a line break in one-line summaries.
NEWLINE_GLYPH = " ↵ "


_NOT_JSON = object()


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def type_name(value: Any) -> str:
    """``str``, ``int``, ``float``, ``bool``, ``bytes``, ``dict``, ``list[str]``, ``list[int | str]``, ``list`` (empty)."""
    if isinstance(value, (list, tuple)):
        names: list[str] = []
        for item in value:
            name = type_name(item)
            if name not in names:
                names.append(name)
        return f"list[{' | '.join(names)}]" if names else "list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(value, Mapping):
        return "dict"
    return type(value).__name__


def parse_json(text: str) -> Any:
    """The object or array that ``text`` holds as JSON, or `NOT_JSON`. Scalars ("42", "true") do not count."""
    s = text.strip()
    if len(s) < 2 or (s[0], s[-1]) not in (("{", "}"), ("[", "]")):
        return _NOT_JSON
    try:
        parsed = json.loads(s)
    except (ValueError, RecursionError):  # RecursionError: "[[[[…]]]]" nested deeper than the interpreter allows
        return _NOT_JSON
    return shallow(parsed)  # 990 levels parse, but printing them raised RecursionError


#: What `parse_json` returns for text that is not a JSON object or array.
NOT_JSON = _NOT_JSON


def is_json_text(value: Any) -> bool:
    """True for a string that holds a JSON object or array."""
    return isinstance(value, str) and parse_json(value) is not _NOT_JSON


def expand_json(obj: Any, depth: int = 0) -> Any:
    """``obj`` with every string that holds a JSON object or array replaced by its parsed value, recursively.

    Tool calls record their ``arguments`` as a JSON string inside the JSON messages; expanded, they read as JSON.
    """
    if isinstance(obj, dict):
        return {k: expand_json(v, depth) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [expand_json(v, depth) for v in obj]
    if isinstance(obj, str) and depth < MAX_EXPAND_DEPTH:
        parsed = parse_json(obj)
        if parsed is not _NOT_JSON:
            return expand_json(parsed, depth + 1)
    return obj


def truncated_chars(value: Any) -> int:
    """How many characters the recorder cut from this value, per its ``…[truncated N chars]`` markers (0: none)."""
    if isinstance(value, str):
        return _marker_count(value)
    if isinstance(value, (list, tuple)):
        return sum(truncated_chars(v) for v in value)
    if isinstance(value, Mapping):
        return sum(truncated_chars(v) for v in value.values())
    return 0


def value_text(value: Any, mode: str = RAW) -> str:
    """``value`` as text in a display mode.

    * ``raw``: exactly as recorded (strings unchanged; lists and dicts as compact JSON; booleans ``true``/``false``).
    * ``pretty``: JSON (also stringified JSON, and JSON strings nested in it) indented by 2; other text wrapped.
    * ``markdown``: Markdown source: text as is, JSON in a fenced code block, chat messages as a transcript.
    """
    if mode == RAW:
        return raw_text(value)
    if mode == PRETTY:
        return pretty_text(value)
    if mode == MARKDOWN:
        return markdown_text(value)
    raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")


def raw_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple, Mapping)):
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return str(value)


def pretty_text(value: Any, width: int = WRAP_WIDTH) -> str:
    if isinstance(value, str):
        parsed = parse_json(value)
        if parsed is not _NOT_JSON:
            return _dumps(expand_json(parsed))
        cut = _cut_json(value)
        if cut is not None:
            body, marker = cut
            return reindent_partial_json(body) + "\n" + marker
        return wrap_text(value, width)
    if isinstance(value, (list, tuple, Mapping)):
        return _dumps(expand_json(_jsonable(value)))
    return raw_text(value)


def markdown_text(value: Any) -> str:
    if isinstance(value, str):
        parsed = parse_json(value)
        if parsed is not _NOT_JSON:
            return _json_markdown(parsed)
        cut = _cut_json(value)
        if cut is not None:
            body, marker = cut
            return fenced(reindent_partial_json(body), "json") + "\n\n" + _escape_markers(marker)
        return _markdown_source(value)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) and "\n" not in v for v in value):
        return "\n".join(f"- {_escape_markers(v)}" for v in value)
    if isinstance(value, (list, tuple, Mapping)):
        return _json_markdown(_jsonable(value))
    return raw_text(value)


def summarize(value: Any, limit: int = SUMMARY_LIMIT) -> str:
    """One line for a table cell: at most ``limit`` characters, line breaks shown as ↵, a cut marked with …

    Only the start of a long value is looked at, so this stays cheap for megabyte values. A
    ``…[truncated N chars]`` marker at the value's end stays visible even when the summary is cut.
    """
    if isinstance(value, (list, tuple)) and len(value) > limit:
        value = list(value[:limit])
        more = True
    else:
        more = False
    text = value if isinstance(value, str) else raw_text(value)
    head = text[: limit * 2]
    line = re.sub(r"[ \t]*(?:\r\n|\r|\n)\s*", NEWLINE_GLYPH, head).strip()
    line = re.sub(r"[\t\f\v]", " ", line)
    cut = more or len(head) < len(text) or len(line) > limit
    if len(line) > limit:
        line = line[:limit].rstrip()
    if cut:
        line += "…"
        marker = TRUNCATION_RE.search(text[-40:])
        if marker and marker.group(0) not in line:
            line += " " + marker.group(0)
    return line


def wrap_text(text: str, width: int = WRAP_WIDTH) -> str:
    """Lines longer than ``width`` broken at spaces (keeping their indent); existing line breaks kept."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if len(indent) > width // 2:
            indent = ""
        out.extend(
            textwrap.wrap(line, width, initial_indent="", subsequent_indent=indent, break_long_words=True,
                          break_on_hyphens=False, drop_whitespace=True, replace_whitespace=False)  # fmt: skip
            or [line]
        )
    return "\n".join(out)


def reindent_partial_json(text: str, indent: int = 2) -> str:
    """Indent JSON text token by token, without parsing it, so a value cut in the middle still reads well."""
    out: list[str] = []
    level = 0
    i, n = 0, len(text)
    closers = {"{": "}", "[": "]"}
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n:
                if text[j] == "\\":
                    j += 2
                    continue
                j += 1
                if text[j - 1] == '"':
                    break
            out.append(text[i:j])
            i = j
            continue
        if c in "{[":
            k = i + 1
            while k < n and text[k] in " \t\r\n":
                k += 1
            if k < n and text[k] == closers[c]:
                out.append(c + closers[c])
                i = k + 1
                continue
            level += 1
            out.append(c + "\n" + " " * (indent * level))
        elif c in "}]":
            level = max(0, level - 1)
            out.append("\n" + " " * (indent * level) + c)
        elif c == ",":
            out.append(",\n" + " " * (indent * level))
        elif c == ":":
            out.append(": ")
        elif c not in " \t\r\n":
            j = i
            while j < n and text[j] not in ' \t\r\n,:{}[]"':
                j += 1
            out.append(text[i:j])
            i = j
            continue
        i += 1
    return "".join(out)


def fenced(text: str, language: str = "") -> str:
    """A Markdown fenced code block whose fence is longer than any backtick run inside."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _cut_json(text: str) -> tuple[str, str] | None:
    """(body, marker) for JSON text that the recorder cut short (it no longer parses)."""
    s = text.strip()
    if not s or s[0] not in "{[":
        return None
    m = TRUNCATION_RE.search(s[-40:])
    if m is None or not s.endswith(m.group(0)):
        return None
    return s[: len(s) - len(m.group(0))], m.group(0)


#: ``![alt](https://…)``: the detail pane loads no remote images, so they become a visible note instead.
_REMOTE_IMAGE_RE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?((?:https?|ftp)://[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", re.IGNORECASE)


def _markdown_source(text: str) -> str:
    """Markdown text as recorded, with truncation markers kept literal and remote images replaced by a note."""
    text = _REMOTE_IMAGE_RE.sub(lambda m: f"*\\[remote image not loaded: {m.group(1) or m.group(2)}\\]*", text)
    return _escape_markers(text)


def _escape_markers(text: str) -> str:
    """Keep ``…[truncated N chars]`` literal in Markdown (brackets could start a link)."""
    return TRUNCATION_RE.sub(lambda m: m.group(0).replace("[", "\\[").replace("]", "\\]"), text)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    """A JSON-serializable copy: bytes as hex, NaN and infinities as strings, tuples as lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int)):
        return value
    return str(value)


# -- chat messages as Markdown ----------------------------------------------


def _json_markdown(obj: Any) -> str:
    """Chat messages (OpenTelemetry GenAI or OpenAI shape) as a transcript; any other JSON as a code block."""
    if looks_like_messages(obj):
        return "\n\n".join(_message_markdown(m) for m in parse_messages(obj, default_role=""))
    return fenced(_dumps(expand_json(obj)), "json")


def _message_markdown(message: Message) -> str:
    heading = f"**{message.role or 'message'}**"
    if message.name:
        heading += f" · {message.name}"
    blocks = [heading, *(_part_markdown(p) for p in message.parts)]
    if message.finish_reason:
        blocks.append(f"*finish reason: {message.finish_reason}*")
    return "\n\n".join(b for b in blocks if b)


def _part_markdown(part: Part) -> str:
    """A text as Markdown, a tool call or result with its JSON, any other part as the JSON it was recorded as."""
    if part.kind == TEXT:
        value = part.content
        return _content_markdown(value) if isinstance(value, str) else fenced(_dumps(expand_json(value)), "json")
    if part.kind == TOOL_CALL:
        return _tool_call_markdown(part.tool_name, part.content, part.tool_call_id)
    if part.kind == TOOL_RESULT:
        result = part.content
        title = "Tool result" + (f" `{part.tool_call_id}`" if part.tool_call_id else "")
        body = result if isinstance(result, str) and parse_json(result) is _NOT_JSON else _dumps(expand_json(result))
        return f"{title}\n\n" + fenced(str(body), "" if isinstance(result, str) and body == result else "json")
    raw = part.raw
    return fenced(_dumps(expand_json(raw) if isinstance(raw, Mapping) else _jsonable(raw)), "json")


def _tool_call_markdown(name: Any, arguments: Any, call_id: Any) -> str:
    title = f"Tool call `{name}`" if name else "Tool call"
    if call_id:
        title += f" ({call_id})"
    if arguments in (None, "", {}):
        return title
    return f"{title}\n\n" + fenced(_dumps(expand_json(arguments)), "json")


def _content_markdown(text: str) -> str:
    parsed = parse_json(text)
    if parsed is not _NOT_JSON:
        return fenced(_dumps(expand_json(parsed)), "json")
    return _markdown_source(text)


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class Row:
    """One key/value line. ``value`` is what Copy and the detail pane use; ``display`` (if set) is what the
    Value column shows instead of a summary of ``value`` (an event shows its offset, for example)."""

    key: str
    value: Any
    type_name: str = ""
    children: list[Row] = field(default_factory=list)
    display: str | None = None
    #: "error", "ok", "muted" or "id" (monospace): a hint for how a view colours the row.
    tone: str = ""
    #: Where a view cuts a value too long for its cell: "right", or "middle" (ids, a status
    #: message: the end says as much as the start).
    elide: str = "right"

    def __post_init__(self) -> None:
        # Everything that shows a value walks it: a list nested 990 deep raised RecursionError.
        self.value = shallow(self.value)

    @cached_property
    def summary(self) -> str:
        return self.display if self.display is not None else summarize(self.value)

    @property
    def text(self) -> str:
        """The value exactly as recorded (what Copy value copies)."""
        return raw_text(self.value)


@dataclass(eq=False)
class Section:
    #: Stable identifier: "content", "attributes", "events", "links", "feedback", "resource", "scope", "details".
    key: str
    title: str
    rows: list[Row]
    #: Shown next to the title, e.g. "12" attributes.
    count: int | None = None
    #: Shown folded at first (the ids and timestamps of "details").
    collapsed: bool = False

    @property
    def label(self) -> str:
        return self.title if self.count is None else f"{self.title} ({self.count})"


def ordered_items(attributes: Mapping[str, Any], order: str = GENAI_FIRST) -> list[tuple[str, Any]]:
    """Attribute items: ``gen_ai.*`` first then alphabetical, or in recorded order."""
    items = list(attributes.items())
    if order == RECORDED:
        return items
    if order != GENAI_FIRST:
        raise ValueError(f"unknown order {order!r}; expected one of {', '.join(ORDERS)}")
    return sorted(items, key=lambda kv: (not str(kv[0]).startswith(GEN_AI_PREFIX), str(kv[0])))


def attribute_rows(attributes: Mapping[str, Any], order: str = GENAI_FIRST) -> list[Row]:
    return [Row(str(k), v, type_name(v)) for k, v in ordered_items(attributes, order)]


def build_sections(span: Span, order: str = GENAI_FIRST) -> list[Section]:
    """What a reader wants first comes first: Content (input, output, the messages), Attributes
    (``gen_ai.*`` first), Events, Links, Feedback, Resource, Scope, then the ids and timestamps
    in Details, folded. Empty sections (but Details) are left out."""
    sections = []
    content = content_rows(span)
    if content:
        sections.append(Section("content", "Content", content))
    if span.attributes:
        sections.append(Section("attributes", "Attributes", attribute_rows(span.attributes, order), len(span.attributes)))
    if span.events:
        rows = [event_row(span, e, order) for e in span.events]
        sections.append(Section("events", "Events", rows, len(rows)))
    if span.links:
        rows = [link_row(i, link, order) for i, link in enumerate(span.links, 1)]
        sections.append(Section("links", "Links", rows, len(rows)))
    if span.feedback:
        rows = [feedback_row(fb) for fb in span.feedback]
        sections.append(Section("feedback", "Feedback", rows, len(rows)))
    resource = span.resource
    if resource.attributes or resource.schema_url:
        rows = attribute_rows(resource.attributes, order)
        if resource.schema_url:
            rows.append(Row("Schema URL", resource.schema_url, tone="muted"))
        sections.append(Section("resource", "Resource", rows, len(resource.attributes)))
    scope = span.scope
    if scope.name or scope.version or scope.attributes or scope.schema_url:
        rows = [Row("Name", scope.name), Row("Version", scope.version)]
        if scope.schema_url:
            rows.append(Row("Schema URL", scope.schema_url, tone="muted"))
        rows.extend(attribute_rows(scope.attributes, order))
        sections.append(Section("scope", "Scope", rows))
    sections.append(Section("details", "Details", details_rows(span), collapsed=True))
    return sections


# -- content: input, output and the messages, read as the chat view reads them ------------


def content_rows(span: Span) -> list[Row]:
    """Input, Output and a one-line summary of the messages; none for a span without content."""
    from ..chat.logic import EVENTS, NONE, OPENINFERENCE, conversation

    conv = conversation(span)
    if conv.layout == NONE or conv.is_empty:
        return []
    a = span.attributes
    rows: list[Row] = []
    inputs = [*conv.system, *conv.input]
    if inputs:
        value: Any = a.get(INPUT_VALUE) if conv.layout == OPENINFERENCE else _semconv_value(span, GEN_AI_INPUT_MESSAGES)
        if value is None:
            value = _event_messages(span, output=False) if conv.layout == EVENTS else [m.text for m in inputs]
        rows.append(Row("Input", value, type_name(value), display=_message_preview(inputs[-1])))
    if conv.output:
        value = a.get(OUTPUT_VALUE) if conv.layout == OPENINFERENCE else _semconv_value(span, GEN_AI_OUTPUT_MESSAGES)
        if value is None:
            value = _event_messages(span, output=True) if conv.layout == EVENTS else [m.text for m in conv.output]
        rows.append(Row("Output", value, type_name(value), display=_message_preview(conv.output[-1])))
    if conv.layout != OPENINFERENCE:
        summary = message_summary(inputs, conv.output)
        rows.append(Row("Messages", summary, display=summary, tone="muted"))
    return rows


def message_summary(inputs: list[Message], outputs: list[Message]) -> str:
    """``1 system · 3 user · 2 assistant · 2 tool → 1 assistant · 2 tool calls · finish: stop``."""

    def counts(messages: list[Message]) -> str:
        seen: dict[str, int] = {}
        for m in messages:
            seen[m.role or "message"] = seen.get(m.role or "message", 0) + 1
        return " · ".join(f"{n} {role}" for role, n in seen.items()) or "nothing"

    text = f"{counts(inputs)} → {counts(outputs)}" if outputs else f"{counts(inputs)} → no output"
    calls = sum(1 for m in outputs for p in m.parts if p.kind == TOOL_CALL)
    if calls:
        text += f" · {calls} tool call{'' if calls == 1 else 's'}"
    finish = next((m.finish_reason for m in reversed(outputs) if m.finish_reason), None)
    if finish:
        text += f" · finish: {finish}"
    return text


def _message_preview(message: Message) -> str:
    """``user: What is the capital…`` or ``assistant: tool call get_weather {"city": "Lisbon"}``: a cell's worth."""
    for part in message.parts:
        if part.kind == TOOL_CALL:
            body = f"tool call {part.tool_name or '?'} {summarize(' '.join((part.arguments or '').split()), 120)}"
            break
        if part.text:
            body = summarize(" ".join(part.text.split()), 160)  # pretty JSON reads as one line
            break
    else:
        body = "(empty)"
    # A traced function's input and output are not messages: their role would only repeat the row's key.
    return f"{message.role}: {body}" if message.role and message.role not in ("input", "output") else body


def _semconv_value(span: Span, key: str) -> Any:
    """The attribute as recorded on the span, or on its inference details event."""
    if key in span.attributes:
        return span.attributes[key]
    for event in span.events:
        if event.name == GEN_AI_DETAILS_EVENT and key in event.attributes:
            return event.attributes[key]
    return None


def _event_messages(span: Span, output: bool) -> list[Any]:
    """The JSON of each per-message event (Azure AI Inference), parsed: the input's, or the choices."""
    out = []
    for event in span.events:
        if not is_message_event(event.name) or (event.name == GEN_AI_CHOICE) != output:
            continue
        content = event.attributes.get(GEN_AI_EVENT_CONTENT)
        if content is None:
            continue
        parsed = parse_json(content) if isinstance(content, str) else content
        out.append(content if parsed is _NOT_JSON else parsed)
    return out


def details_rows(span: Span) -> list[Row]:
    """Name, kind, status, times, ids, service and scope: everything the header sums up, in full."""
    status = span.status_name.capitalize() if span.status_code != 1 else "OK"
    status_text = f"{status}: {span.status_message}" if span.status_message else status
    tone = {2: "error", 1: "ok"}.get(span.status_code, "")
    rows = [
        Row("Name", span.name),
        Row("Kind", span.kind_name.capitalize()),
        Row("Status", status_text, tone=tone, elide="middle"),
        Row("Start (local)", format_timestamp(span.start_time) if span.start_time > 0 else "–"),
        Row("Start (UTC)", iso_utc(span.start_time)),
        Row("Duration", format_duration(span.duration_ns)),
        Row("Trace ID", span.trace_id, tone="id", elide="middle"),
        Row("Span ID", span.span_id, tone="id", elide="middle"),
        Row("Parent span ID", span.parent_span_id, tone="id", elide="middle")
        if span.parent_span_id
        else Row("Parent span ID", "", display="none (root span)", tone="muted"),
    ]
    service = span.resource.attributes.get("service.name")
    if service is not None:
        rows.append(Row("Service", raw_text(service)))
    if span.scope.name or span.scope.version:
        rows.append(Row("Scope", " ".join(p for p in (span.scope.name, span.scope.version) if p)))
    if span.trace_state:
        rows.append(Row("Trace state", span.trace_state, tone="id"))
    dropped = [(span.dropped_attributes, "attribute"), (span.dropped_events, "event"), (span.dropped_links, "link")]
    if any(n for n, _ in dropped):
        text = ", ".join(f"{n:,} {word}{'' if n == 1 else 's'}" for n, word in dropped if n)
        rows.append(Row("Dropped", text, tone="error"))
    return rows


def format_event_offset(ns: int) -> str:
    """Time of an event after its span's start: ``+12.3 ms`` (``−1.00 ms`` before it)."""
    return ("−" if ns < 0 else "+") + format_duration(abs(ns))


def event_row(span: Span, event: Any, order: str = GENAI_FIRST) -> Row:
    offset = event.time_unix_nano - span.start_time
    value = {"name": event.name, "time": iso_utc(event.time_unix_nano), "offset": format_event_offset(offset),
             "attributes": dict(event.attributes)}  # fmt: skip
    return Row(event.name or "(unnamed event)", value, "event", attribute_rows(event.attributes, order),
               display=format_event_offset(offset))  # fmt: skip


def link_row(number: int, link: Any, order: str = GENAI_FIRST) -> Row:
    value = {"trace_id": link.trace_id, "span_id": link.span_id, "trace_state": link.trace_state,
             "attributes": dict(link.attributes)}  # fmt: skip
    children = [Row("Trace ID", link.trace_id, tone="id"), Row("Span ID", link.span_id, tone="id")]
    if link.trace_state:
        children.append(Row("Trace state", link.trace_state, tone="id"))
    children.extend(attribute_rows(link.attributes, order))
    return Row(f"Link {number}", value, "link", children, display=f"trace {link.trace_id} · span {link.span_id}")


def feedback_row(fb: Feedback) -> Row:
    children = []
    if fb.score is not None:
        children.append(Row("Score", fb.score, type_name(fb.score)))
    for key, value in (("Label", fb.label), ("Comment", fb.comment), ("Evaluator", fb.evaluator),
                       ("Response ID", fb.response_id)):  # fmt: skip
        if value:
            children.append(Row(key, value, "str"))
    children.append(Row("Time (UTC)", iso_utc(fb.time_unix_nano)))
    children.extend(Row(f"metadata.{k}", v, type_name(v)) for k, v in fb.metadata.items())
    parts = []
    if fb.score is not None:
        parts.append(f"score {_number(fb.score)}")
    if fb.label:
        parts.append(fb.label)
    if fb.comment:
        parts.append(f"“{summarize(fb.comment, 80)}”")
    return Row(fb.evaluator or "User feedback", feedback_dict(fb), "feedback", children, display=" · ".join(parts) or "–")


def feedback_dict(fb: Feedback) -> dict[str, Any]:
    return {"score": fb.score, "label": fb.label, "comment": fb.comment, "evaluator": fb.evaluator,
            "response_id": fb.response_id, "time": iso_utc(fb.time_unix_nano), "time_unix_nano": fb.time_unix_nano,
            "metadata": _jsonable(fb.metadata)}  # fmt: skip


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def walk_rows(rows: Iterable[Row]) -> Iterable[Row]:
    """Rows and their children, depth first."""
    stack = list(reversed(list(rows)))
    while stack:
        row = stack.pop()
        yield row
        stack.extend(reversed(row.children))


# ---------------------------------------------------------------------------
# Times and the whole span as JSON
# ---------------------------------------------------------------------------


def iso_utc(unix_ns: int) -> str:
    """``2025-11-25T13:03:12.123456789Z``, nanoseconds kept; ``–`` when there is no time."""
    if not unix_ns or unix_ns < 0:
        return "–"
    seconds, nanos = divmod(unix_ns, 1_000_000_000)
    try:
        dt = datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(unix_ns)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


def span_dict(span: Span) -> dict[str, Any]:
    """Every field of the span as plain JSON-able data (string attributes stay strings, even when they hold JSON)."""
    out: dict[str, Any] = {
        "name": span.name,
        "kind": span.kind_name,
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id or None,
        "start_time": iso_utc(span.start_time),
        "end_time": iso_utc(span.end_time),
        "start_time_unix_nano": span.start_time,
        "end_time_unix_nano": span.end_time,
        "duration_ns": span.duration_ns,
        "status": {"code": span.status_name, "message": span.status_message},
        "attributes": _jsonable(span.attributes),
        "events": [
            {"name": e.name, "time": iso_utc(e.time_unix_nano), "time_unix_nano": e.time_unix_nano,
             "attributes": _jsonable(e.attributes)}  # fmt: skip
            for e in span.events
        ],
        "links": [
            {"trace_id": link.trace_id, "span_id": link.span_id, "trace_state": link.trace_state,
             "attributes": _jsonable(link.attributes)}  # fmt: skip
            for link in span.links
        ],
        "resource": {"attributes": _jsonable(span.resource.attributes), "schema_url": span.resource.schema_url},
        "scope": {"name": span.scope.name, "version": span.scope.version, "schema_url": span.scope.schema_url,
                  "attributes": _jsonable(span.scope.attributes)},  # fmt: skip
        "trace_state": span.trace_state,
        "flags": span.flags,
    }
    dropped = {"attributes": span.dropped_attributes, "events": span.dropped_events, "links": span.dropped_links}
    if any(dropped.values()):
        out["dropped"] = dropped
    if span.feedback:
        out["feedback"] = [feedback_dict(fb) for fb in span.feedback]
    return out


def span_to_json(span: Span) -> str:
    """The whole span as an indented JSON document, for "Copy span as JSON"."""
    return json.dumps(span_dict(span), indent=2, ensure_ascii=False)
