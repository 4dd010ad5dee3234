"""A span or a trace as readable Markdown (for an issue or an LLM), and spans saved as OTLP/JSON.

    from viewer.export.logic import span_markdown, trace_markdown, save_otlp_json

    text = span_markdown(span, trace_spans)   # title, key attributes, the conversation
    text = trace_markdown(trace_spans)        # an outline of the trace, then each LLM call's conversation
    save_otlp_json("run.json", spans, feedback)  # what opentelemetry-exporter-otlp-json-file writes
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Iterable, Sequence

from tracefile import genai
from tracefile.format import Span
from tracefile.genai import names
from tracefile.interop import replace_file, write_otlp_json
from tracefile.format import Feedback

from ..chat import logic as chat
from ..formatting import format_duration

#: Attributes that hold the conversation itself: shown as the conversation, not in the table.
CONTENT_KEYS = frozenset({names.GEN_AI_SYSTEM_INSTRUCTIONS, names.GEN_AI_INPUT_MESSAGES, names.GEN_AI_OUTPUT_MESSAGES,
                          names.INPUT_VALUE, names.OUTPUT_VALUE})  # fmt: skip
#: Non-GenAI attributes worth a row when a span has them (where the call went, what failed).
OTHER_KEY_ATTRIBUTES = (
    "error.type",
    "server.address",
    "server.port",
    "http.request.method",
    "http.response.status_code",
    "url.full",
    "code.function.name",
)
#: gen_ai.* attributes first in this order, the rest A–Z after them.
_FIRST = (
    names.GEN_AI_OPERATION_NAME,
    names.GEN_AI_PROVIDER_NAME,
    names.GEN_AI_SYSTEM,
    names.GEN_AI_REQUEST_MODEL,
    names.GEN_AI_RESPONSE_MODEL,
    names.GEN_AI_RESPONSE_ID,
    names.GEN_AI_RESPONSE_FINISH_REASONS,
    names.GEN_AI_USAGE_INPUT_TOKENS,
    names.GEN_AI_USAGE_OUTPUT_TOKENS,
)
#: A table cell shows at most this many characters of a value.
CELL_LIMIT = 200
#: Without any key attribute, a span's table shows its first attributes, this many.
FALLBACK_ROWS = 20
#: The outline of a trace lists at most this many spans.
OUTLINE_LIMIT = 2000


# -- facts about one span ----------------------------------------------------------------------


def _tokens(span: Span) -> tuple[int, int]:
    a = span.attributes
    return genai.usage(span.name, a)[:2]


def _tokens_text(tokens_in: int, tokens_out: int) -> str:
    return f"{tokens_in:,} in, {tokens_out:,} out" if tokens_in or tokens_out else ""


def _status_text(span: Span) -> str:
    if span.status_code == 2:
        return f"Error: {_escape(_one_line(span.status_message))}" if span.status_message else "Error"
    return {0: "Unset", 1: "OK"}.get(span.status_code, span.status_name)


def _one_line(text: str, limit: int = CELL_LIMIT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(value: Any) -> str:
    """A value for a Markdown table cell: one line, cut to `CELL_LIMIT`, pipes escaped."""
    if isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, (dict,)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    elif isinstance(value, (bytes, bytearray)):
        text = f"({len(value)} bytes)"
    else:
        text = str(value)
    text = _one_line(text)
    return _escape(text) if text else " "


def key_attributes(span: Span) -> list[tuple[str, Any]]:
    """The rows of a span's attribute table: gen_ai.* (without the message content), then where the
    call went and what failed; a span with none of those gets its first attributes."""
    a = span.attributes
    gen = [k for k in a if k.startswith(names.GEN_AI_PREFIX) and k not in CONTENT_KEYS]
    order = {k: i for i, k in enumerate(_FIRST)}
    gen.sort(key=lambda k: (order.get(k, len(order)), k))
    rows = [(k, a[k]) for k in gen] + [(k, a[k]) for k in OTHER_KEY_ATTRIBUTES if k in a]
    if not rows:
        rows = [(k, v) for k, v in a.items() if k not in CONTENT_KEYS][:FALLBACK_ROWS]
    return rows


def _exceptions(span: Span) -> list[str]:
    out = []
    for event in span.events:
        if event.name == "exception":
            kind = event.attributes.get("exception.type", "")
            message = event.attributes.get("exception.message", "")
            out.append(_escape(_one_line(f"{kind}: {message}" if kind and message else kind or message or "exception")))
    return out


def _facts(span: Span) -> str:
    facts = []
    model = genai.model(span.attributes)
    if model:
        facts.append(f"**Model:** {chat.inline_code(model)}")
    facts.append(f"**Duration:** {format_duration(span.duration_ns)}")
    tokens = _tokens_text(*_tokens(span))
    if tokens:
        facts.append(f"**Tokens:** {tokens}")
    facts.append(f"**Status:** {_status_text(span)}")
    return " · ".join(facts)


def _escape(text: str) -> str:
    """Plain text that Markdown shows as it is: no emphasis, code, links or tables made of it."""
    text = re.sub(r"([\\`*\[\]<>|])", r"\\\1", text)
    # An underscore inside a word never starts emphasis (execute_tool stays as it is).
    return re.sub(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])", r"\\_", text)


def _title(name: str) -> str:
    return _escape(name) if name else "(unnamed span)"


def _attribute_table(span: Span) -> str:
    rows = key_attributes(span)
    if not rows:
        return ""
    lines = ["| Attribute | Value |", "|---|---|"]
    lines += [f"| {chat.inline_code(k)} | {_cell(v)} |" for k, v in rows]
    return "\n".join(lines)


def _tool_spans_list(conv: chat.Conversation, trace_spans: Iterable[Span]) -> str:
    spans = list(trace_spans)
    links = chat.link_tool_spans(conv, spans)
    if not links:
        return ""
    by_id = {s.span_id: s for s in spans}
    lines = ["**Tool calls ran as:**", ""]
    for call_id, span_id in links.items():
        tool = by_id[span_id]
        error = f" · {_status_text(tool)}" if tool.status_code == 2 else ""
        lines.append(f"- {chat.inline_code(call_id)} → {chat.inline_code(tool.name)} ({format_duration(tool.duration_ns)}){error}")
    return "\n".join(lines)


def span_markdown(span: Span, trace_spans: Iterable[Span] | None = None) -> str:
    """One span as Markdown: its name as the title, model, duration, tokens and status, a table of
    its key attributes, then its conversation (and which spans ran its tool calls)."""
    out = [f"# {_title(span.name)}", _facts(span)]
    errors = _exceptions(span)
    if errors:
        out.append("\n".join(f"- **Exception:** {e}" for e in errors))
    table = _attribute_table(span)
    if table:
        out.append(table)
    conv = chat.conversation(span)
    if not conv.is_empty or conv.missing_reason:
        out.append(chat.to_markdown(conv).rstrip("\n"))
    if trace_spans is not None and not conv.is_empty:
        tools = _tool_spans_list(conv, trace_spans)
        if tools:
            out.append(tools)
    return "\n\n".join(out) + "\n"


# -- a whole trace -----------------------------------------------------------------------------


def _children(spans: Sequence[Span]) -> tuple[list[Span], dict[str, list[Span]]]:
    """(roots, children by parent id), each list in start-time order; a span whose parent is not
    among `spans` counts as a root."""
    ids = {s.span_id for s in spans}
    roots: list[Span] = []
    children: dict[str, list[Span]] = {}
    for s in spans:
        if s.parent_span_id and s.parent_span_id in ids and s.parent_span_id != s.span_id:
            children.setdefault(s.parent_span_id, []).append(s)
        else:
            roots.append(s)
    key = lambda s: (s.start_time, s.span_id)  # noqa: E731
    roots.sort(key=key)
    for kids in children.values():
        kids.sort(key=key)
    return roots, children


def _trace_tokens(spans: Sequence[Span]) -> tuple[int, int]:
    """Input and output tokens of a trace, counting a span only when none of its descendants report
    tokens: an agent span may repeat the totals of the model calls under it (as the viewer's
    trace list counts them)."""
    by_id = {s.span_id: s for s in spans}
    repeated: set[str] = set()
    for s in spans:
        if sum(_tokens(s)):
            parent = by_id.get(s.parent_span_id)
            seen: set[str] = set()
            while parent is not None and parent.span_id not in repeated and parent.span_id not in seen:
                seen.add(parent.span_id)
                repeated.add(parent.span_id)
                parent = by_id.get(parent.parent_span_id)
    counted = [s for s in spans if s.span_id not in repeated]
    return sum(_tokens(s)[0] for s in counted), sum(_tokens(s)[1] for s in counted)


def _outline_line(span: Span, depth: int) -> str:
    facts = [format_duration(span.duration_ns)]
    model = genai.model(span.attributes)
    if model:
        facts.append(_escape(model))
    tokens = _tokens_text(*_tokens(span))
    if tokens:
        facts.append(f"{tokens} tokens")
    if span.status_code == 2:
        facts.append(f"**{_status_text(span)}**")
    name = _title(span.name)
    name = f"**{name}**" if genai.is_llm_call(span.name, span.attributes) else name
    return f"{'  ' * depth}- {name} — {' · '.join(facts)}"


def _outline(spans: Sequence[Span]) -> list[str]:
    roots, children = _children(spans)
    lines: list[str] = []
    seen: set[str] = set()
    # Iterative, so a deep (or cyclic, from a broken exporter) parent chain cannot overflow the stack.
    stack = [(s, 0) for s in reversed(roots)]
    while stack:
        span, depth = stack.pop()
        if span.span_id in seen:
            continue
        seen.add(span.span_id)
        if len(lines) >= OUTLINE_LIMIT:
            lines.append(f"- … {len(spans) - OUTLINE_LIMIT:,} more spans")
            break
        lines.append(_outline_line(span, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(span.span_id, [])))
    return lines


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def shift_headings(markdown: str, levels: int = 1) -> str:
    """Every ATX heading outside fenced code `levels` deeper (``## A`` -> ``### A``), at most ``######``."""
    out = []
    fence: str | None = None
    for line in markdown.split("\n"):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)
        elif fence is not None and m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip(
        ).strip(fence[0]):  # fmt: skip
            fence = None
        elif fence is None:
            h = re.match(r"^(#{1,6})(\s)", line)
            if h:
                line = "#" * min(6, len(h.group(1)) + levels) + line[len(h.group(1)) :]
        out.append(line)
    return "\n".join(out)


def trace_markdown(spans: Iterable[Span]) -> str:
    """A trace as Markdown: a title with its totals, an outline of its spans (durations, models,
    tokens, errors), then the conversation of each LLM call in start-time order."""
    spans = list(spans)
    if not spans:
        return "*No spans.*\n"
    roots, _ = _children(spans)
    root = roots[0]
    start = min(s.start_time for s in spans)
    end = max(s.end_time for s in spans)
    errors = sum(1 for s in spans if s.status_code == 2)
    tokens_in, tokens_out = _trace_tokens(spans)
    trace_ids = sorted({s.trace_id for s in spans})
    facts = [f"**Trace:** {', '.join(chat.inline_code(t) for t in trace_ids)}", f"**Duration:** {format_duration(end - start)}",
             f"**Spans:** {len(spans):,}", f"**Errors:** {errors:,}"]  # fmt: skip
    tokens = _tokens_text(tokens_in, tokens_out)
    if tokens:
        facts.append(f"**Tokens:** {tokens}")
    out = [f"# {_title(root.name)}", " · ".join(facts), "## Outline", "\n".join(_outline(spans))]
    calls = sorted((s for s in spans if genai.is_llm_call(s.name, s.attributes)), key=lambda s: (s.start_time, s.span_id))
    for n, span in enumerate(calls, 1):
        head = f"## LLM call {n}: {_title(span.name)}"
        out.append(head)
        out.append(_facts(span))
        conv = chat.conversation(span)
        out.append(shift_headings(chat.to_markdown(conv).rstrip("\n"), 1))
    return "\n\n".join(out) + "\n"


# -- OTLP/JSON ---------------------------------------------------------------------------------


def _with_feedback(spans: list[Span], feedback: Iterable[Feedback]) -> list[Span]:
    """`spans`, with feedback records they do not carry yet joined the way `tracefile.load()` joins
    them (by span id, else response id, else the trace's root); the spans given are not changed."""
    extra = [fb for fb in feedback]
    if not extra:
        return spans
    import msgspec

    from tracefile.format import join_feedback

    copies = [msgspec.structs.replace(s, feedback=[]) for s in spans]
    join_feedback(copies, extra)
    out = []
    for original, copy in zip(spans, copies):
        carried = list(original.feedback)
        new = [fb for fb in copy.feedback if fb not in carried]
        out.append(msgspec.structs.replace(original, feedback=carried + new) if new else original)
    return out


def save_otlp_json(path: str | os.PathLike[str], spans: Iterable[Span], feedback: Iterable[Feedback] = ()) -> int:
    """Write `spans` to `path` as one OTLP/JSON ExportTraceServiceRequest, the way
    ``opentelemetry-exporter-otlp-json-file`` and ``tracy convert`` write it; feedback goes along as
    GenAI evaluation events. The file is replaced in one step. Returns the number of spans written."""
    spans = _with_feedback(list(spans), feedback)
    replace_file(path, lambda tmp: write_otlp_json(tmp, spans), ".tracy-export-")
    return len(spans)
