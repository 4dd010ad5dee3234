"""The chat view's display blocks: one span's conversation with roles named and tool spans linked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from tracefile import genai
from tracefile.format import Span
from tracefile.genai.messages import OPENINFERENCE, TOOL_CALL, TOOL_RESULT, Part

from ..cost import logic as cost
from ..failure.logic import Failure, span_failure
from ..formatting import format_duration, format_tokens
from . import logic
from .logic import Conversation

#: What the view says for a span without a conversation.
PLACEHOLDER = "Select an LLM call to see its conversation."

#: Recorded role -> the colour family it is drawn in (`viewer.theme.role_color`).
ROLE_KINDS = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "model": "assistant",
    "ai": "assistant",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
    "input": "input",
    "output": "output",
}

#: Content states of a `ChatContent`.
CONVERSATION = "conversation"
MISSING = "missing"
EMPTY = "empty"

SECTION_TITLES = {"system": "System instructions", "input": "Input", "output": "Output"}

#: A history folds when at least this many input messages come before the newest turn.
FOLD_MIN = 4


@dataclass
class ToolLink:
    """A tool call's (or result's) ``execute_tool`` span: what to activate and what to say."""

    span_id: str
    label: str  # "execute_tool get_weather (12 ms)"
    is_error: bool = False


@dataclass
class Bubble:
    """One message as the view draws it."""

    role: str  # as recorded
    label: str  # "User", "Assistant", ...
    kind: str  # colour family: system, user, assistant, tool, input, output, other
    section: str  # system, input or output
    parts: list[Part]
    #: Index into `parts` -> the span that ran that tool call (or produced that result).
    links: dict[int, ToolLink] = field(default_factory=dict)
    #: Index into `parts` -> the tool a result answers, when the result does not name it.
    result_tools: dict[int, str] = field(default_factory=dict)
    #: Small print under the message: finish reason and model (output messages only).
    footer: str = ""


@dataclass
class ChatContent:
    state: str  # CONVERSATION, MISSING or EMPTY
    title: str = ""
    subtitle: str = ""
    bubbles: list[Bubble] = field(default_factory=list)
    #: MISSING: why the messages are not there and how to record them; EMPTY: the placeholder.
    notice: str = ""
    conversation: Conversation | None = None
    #: Why the call failed (None: it did not).
    failure: Failure | None = None
    #: ``(start, end)``: the bubbles of earlier turns shown folded at first (None: nothing folds).
    folded: tuple[int, int] | None = None

    @property
    def message_count(self) -> int:
        return len(self.bubbles)


def role_kind(role: str) -> str:
    return ROLE_KINDS.get((role or "").strip().lower(), "other")


def role_label(role: str) -> str:
    role = (role or "").strip()
    return role[:1].upper() + role[1:] if role else "(no role)"


def fold_range(bubbles: list[Bubble], minimum: int = FOLD_MIN) -> tuple[int, int] | None:
    """The input messages before the newest turn, ``(start, end)``, when there are at least ``minimum``.

    The newest turn starts at the last user message (a tool loop after it stays in view), or is the
    last two input messages when none is the user's; system instructions never fold."""
    inputs = [i for i, b in enumerate(bubbles) if b.section == "input"]
    if len(inputs) < minimum + 2:
        return None
    users = [i for i in inputs if bubbles[i].kind == "user"]
    keep_from = users[-1] if users else inputs[-2]
    start = inputs[0]
    return (start, keep_from) if keep_from - start >= minimum else None


def fold_label(count: int) -> str:
    """``12 earlier messages``."""
    return f"{count} earlier message" + ("" if count == 1 else "s")


def _subtitle(span: Span, conv: Conversation, table: cost.PriceTable | None = None) -> str:
    facts = []
    model = genai.model(span.attributes)
    if model:
        facts.append(model)
    facts.append(format_duration(span.duration_ns))
    tokens_in, tokens_out = genai.usage(span.name, span.attributes)[:2]
    if tokens_in or tokens_out:
        if table is not None:
            used = cost.attribute_totals(span.attributes, table, span.name)
            facts.append(cost.short_cost(used) if used.priced_by else cost.cost_text(used))
        facts.append(f"{format_tokens(tokens_in)} → {format_tokens(tokens_out)} tokens")
    n = len(conv.messages)
    if n:
        facts.append(f"{n} message" + ("" if n == 1 else "s"))
    if span.status_code == 2:
        facts.append("failed")
    return " · ".join(facts)


def _links(conv: Conversation, trace_spans: Iterable[Span] | None) -> dict[str, ToolLink]:
    if trace_spans is None:
        return {}
    spans = trace_spans if isinstance(trace_spans, list) else list(trace_spans)
    by_call = logic.link_tool_spans(conv, spans)
    if not by_call:
        return {}
    by_id = {s.span_id: s for s in spans if s.span_id in set(by_call.values())}
    out = {}
    for call_id, span_id in by_call.items():
        span = by_id[span_id]
        out[call_id] = ToolLink(span_id, f"{span.name} ({format_duration(span.duration_ns)})", span.status_code == 2)
    return out


def build(span: Span | None, trace_spans: Iterable[Span] | None = None, table: cost.PriceTable | None = None) -> ChatContent:
    """What the chat view shows for `span`; `trace_spans` (the spans of its trace) resolve tool links;
    `table` prices the call in the subtitle."""
    if span is None:
        return ChatContent(EMPTY, notice=PLACEHOLDER)
    conv = logic.conversation(span)
    title = span.name or "(unnamed span)"
    failure = span_failure(span)
    if conv.is_empty:
        if conv.missing_reason:
            return ChatContent(MISSING, title, _subtitle(span, conv, table), notice=conv.missing_reason, conversation=conv,
                               failure=failure)  # fmt: skip
        return ChatContent(EMPTY, title, notice=PLACEHOLDER, conversation=conv)
    links = _links(conv, trace_spans)
    calls = logic.tool_calls_by_id(conv)
    model = genai.model(span.attributes)
    bubbles = []
    for section, messages in (("system", conv.system), ("input", conv.input), ("output", conv.output)):
        for message in messages:
            bubble = Bubble(message.role, role_label(message.role), role_kind(message.role), section, message.parts)
            for i, part in enumerate(message.parts):
                if part.kind in (TOOL_CALL, TOOL_RESULT) and part.tool_call_id in links:
                    bubble.links[i] = links[part.tool_call_id]
                if part.kind == TOOL_RESULT and not part.tool_name and part.tool_call_id in calls:
                    name = calls[part.tool_call_id].tool_name
                    if name:
                        bubble.result_tools[i] = name
            if section == "output" and message.source != OPENINFERENCE:
                small = []
                if message.finish_reason:
                    small.append(f"finish reason: {message.finish_reason}")
                if model:
                    small.append(f"model: {model}")
                bubble.footer = " · ".join(small)
            bubbles.append(bubble)
    return ChatContent(CONVERSATION, title, _subtitle(span, conv, table), bubbles, conversation=conv, failure=failure,
                       folded=fold_range(bubbles))  # fmt: skip
