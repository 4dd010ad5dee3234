"""What differs between two LLM spans (messages word by word, model, parameters, tokens, latency), and between two runs.

    from viewer.diff.logic import span_diff, compare_runs

    d = span_diff(yesterday_span, today_span)
    d.changed.prompt_changed, d.changed.completion_changed, d.changed.params_changed
    for pair in d.prompt + d.completion:          # messages aligned one by one
        pair.status                               # same / changed / only_left / only_right
        pair.left_segments, pair.right_segments   # Segment(kind, text): equal / delete / insert
    for f in d.fields:                            # model, gen_ai.request.*, tokens, duration...
        f.label, f.left_text, f.right_text, f.changed, f.delta_text
    print(d.to_text())

    runs = compare_runs(spans_of_trace_a, spans_of_trace_b)
    for step in runs.steps:                       # the LLM steps of both traces, paired
        step.label, step.status, step.what, step.duration_delta_ns, step.tokens_delta

Messages are read with `viewer.chat.logic.conversation`, so every layout it knows works here.
System and input messages form the prompt; output messages the completion; each is aligned
separately. A message's comparable text is its text parts, with tool calls written as their name
and pretty JSON arguments; tool call ids are left out (they differ from run to run).

Pairing spans of two runs (`compare_runs`): each span has a path from its root, a sequence of
``(key, ordinal)``, where the key is the span's name (for an LLM call: its operation, so
``chat gpt-4o`` and ``chat gpt-4o-mini`` at the same place pair, and the model change is
reported) and the ordinal counts earlier siblings with the same key, in start order. When each
trace has exactly one root, the roots pair whatever their names (a run's root often carries a run
id or date in its name); otherwise roots are keyed like any other span.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterable, Sequence

from tracefile import genai
from tracefile.format import Span
from tracefile.genai.messages import REASONING, TOOL_CALL, Message
from tracefile.genai.names import (
    GEN_AI_OPERATION_NAME,
    GEN_AI_PROVIDER_NAME,
    GEN_AI_REQUEST_MODEL,
    GEN_AI_REQUEST_PREFIX,
    GEN_AI_RESPONSE_FINISH_REASONS,
    GEN_AI_RESPONSE_MODEL,
    GEN_AI_SYSTEM,
)
from viewer.chat import logic as chat
from viewer.chat.logic import Conversation
from viewer.formatting import format_duration, format_offset

# -- segment kinds ------------------------------------------------------------------
EQUAL = "equal"
DELETE = "delete"  # only in the left text
INSERT = "insert"  # only in the right text

# -- message pair / step statuses -------------------------------------------------------
SAME = "same"
CHANGED = "changed"
ONLY_LEFT = "only_left"
ONLY_RIGHT = "only_right"
ONLY_A = "only_a"
ONLY_B = "only_b"

PROMPT = "prompt"
COMPLETION = "completion"

#: Above this many tokens on a side, texts are compared sentence by sentence (and line by line)
#: first, then word by word inside the changed sentences: SequenceMatcher is quadratic on
#: texts full of repeated spaces (3,000 tokens with a third of the words changed took 1.4 s).
WORD_DIFF_TOKENS = 1500

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
#: A sentence with the spaces after it, or a line with its newline.
_CHUNK = re.compile(r"[^\n.!?]*(?:[.!?]+[^\S\n]*\n?|\n|$)")

PROVIDER_KEYS = (GEN_AI_PROVIDER_NAME, GEN_AI_SYSTEM)
#: Request parameters in the order people think of them; others follow alphabetically.
_PARAM_ORDER = (
    "temperature", "top_p", "top_k", "max_tokens", "max_output_tokens", "frequency_penalty",
    "presence_penalty", "stop_sequences", "seed", "choice.count", "encoding_formats",
)  # fmt: skip


# -- word-level diff ------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    kind: str  # EQUAL, DELETE (left only) or INSERT (right only)
    text: str


def tokenize(text: str) -> list[str]:
    """Words, whitespace runs and single punctuation marks; joined they give the text back."""
    return _TOKEN.findall(text)


def _append(out: list[Segment], kind: str, text: str) -> None:
    if not text:
        return
    if out and out[-1].kind == kind:
        out[-1] = Segment(kind, out[-1].text + text)
    else:
        out.append(Segment(kind, text))


def _token_diff(a: list[str], b: list[str], out: list[Segment]) -> None:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(out, EQUAL, "".join(a[i1:i2]))
        else:
            _append(out, DELETE, "".join(a[i1:i2]))
            _append(out, INSERT, "".join(b[j1:j2]))


def word_diff(left: str, right: str) -> list[Segment]:
    """The two texts as one sequence of segments: equal text, text only on the left (DELETE)
    and text only on the right (INSERT). Left = EQUAL+DELETE segments, right = EQUAL+INSERT."""
    out: list[Segment] = []
    if left == right:
        _append(out, EQUAL, left)
        return out
    a, b = tokenize(left), tokenize(right)
    # The common start and end first: one edit in a long text is the usual case, and cheap.
    n = min(len(a), len(b))
    head = 0
    while head < n and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    _append(out, EQUAL, "".join(a[:head]))
    ma, mb = a[head : len(a) - tail], b[head : len(b) - tail]
    if len(ma) <= WORD_DIFF_TOKENS and len(mb) <= WORD_DIFF_TOKENS:
        _token_diff(ma, mb, out)
    else:
        _chunked_diff("".join(ma), "".join(mb), out)
    _append(out, EQUAL, "".join(a[len(a) - tail :]))
    return out


def _chunked_diff(left: str, right: str, out: list[Segment]) -> None:
    la, lb = chunks(left), chunks(right)
    matcher = difflib.SequenceMatcher(None, la, lb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(out, EQUAL, "".join(la[i1:i2]))
            continue
        ta, tb = tokenize("".join(la[i1:i2])), tokenize("".join(lb[j1:j2]))
        if tag == "replace" and len(ta) <= WORD_DIFF_TOKENS and len(tb) <= WORD_DIFF_TOKENS:
            _token_diff(ta, tb, out)
        else:
            _append(out, DELETE, "".join(ta))
            _append(out, INSERT, "".join(tb))


def chunks(text: str) -> list[str]:
    """Sentences and lines, each with the spaces that follow; joined they give the text back."""
    return [c for c in _CHUNK.findall(text) if c]


def left_side(segments: Iterable[Segment]) -> list[Segment]:
    return [s for s in segments if s.kind != INSERT]


def right_side(segments: Iterable[Segment]) -> list[Segment]:
    return [s for s in segments if s.kind != DELETE]


# -- messages ---------------------------------------------------------------------------


def message_text(message: Message) -> str:
    """What is compared of a message: its parts as text; a tool call as ``name`` plus its pretty
    JSON arguments (call ids left out: they differ between runs)."""
    chunks = []
    for part in message.parts:
        if part.kind == TOOL_CALL:
            args = part.arguments or ""
            chunks.append(f"tool call {part.tool_name or '?'}" + (f"\n{args}" if args else ""))
        elif part.kind == REASONING:
            chunks.append(f"reasoning: {part.text}")
        elif part.text:
            chunks.append(part.text)
    return "\n".join(chunks)


@dataclass(eq=False)
class MessagePair:
    """Two aligned messages (one of them None for a message only on one side)."""

    section: str  # PROMPT or COMPLETION
    status: str  # SAME, CHANGED, ONLY_LEFT, ONLY_RIGHT
    left: Message | None
    right: Message | None
    left_text: str = ""
    right_text: str = ""

    @property
    def role(self) -> str:
        """The role, or ``left → right`` when they differ."""
        lr = self.left.role if self.left else None
        rr = self.right.role if self.right else None
        if lr and rr and lr != rr:
            return f"{lr} → {rr}"
        return lr or rr or ""

    @property
    def changed(self) -> bool:
        return self.status != SAME

    @cached_property
    def segments(self) -> list[Segment]:
        """Both texts as one word-level diff (computed when first asked for)."""
        if self.status == ONLY_LEFT:
            return [Segment(DELETE, self.left_text)] if self.left_text else []
        if self.status == ONLY_RIGHT:
            return [Segment(INSERT, self.right_text)] if self.right_text else []
        return word_diff(self.left_text, self.right_text)

    @property
    def left_segments(self) -> list[Segment]:
        return left_side(self.segments)

    @property
    def right_segments(self) -> list[Segment]:
        return right_side(self.segments)


def _signature(message: Message, text: str) -> str:
    return f"{message.role}\x00{text}"


def align_messages(left: Sequence[Message], right: Sequence[Message], section: str) -> list[MessagePair]:
    """Messages aligned by role and text; a run replaced by another is paired one by one, role with
    the same role, and whatever is left over is only on one side."""
    lt = [message_text(m) for m in left]
    rt = [message_text(m) for m in right]
    ls = [_signature(m, t) for m, t in zip(left, lt)]
    rs = [_signature(m, t) for m, t in zip(right, rt)]
    out: list[MessagePair] = []

    def only(i: int | None, j: int | None) -> None:
        if i is not None:
            out.append(MessagePair(section, ONLY_LEFT, left[i], None, lt[i], ""))
        else:
            out.append(MessagePair(section, ONLY_RIGHT, None, right[j], "", rt[j]))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ls, rs, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [MessagePair(section, SAME, left[i], right[j], lt[i], rt[j]) for i, j in zip(range(i1, i2), range(j1, j2))]
        elif tag == "delete":
            for i in range(i1, i2):
                only(i, None)
        elif tag == "insert":
            for j in range(j1, j2):
                only(None, j)
        else:  # replace: pair by role, in order
            roles_l = [left[i].role for i in range(i1, i2)]
            roles_r = [right[j].role for j in range(j1, j2)]
            sub = difflib.SequenceMatcher(None, roles_l, roles_r, autojunk=False)
            for stag, a1, a2, b1, b2 in sub.get_opcodes():
                if stag == "equal":
                    for i, j in zip(range(i1 + a1, i1 + a2), range(j1 + b1, j1 + b2)):
                        out.append(MessagePair(section, CHANGED, left[i], right[j], lt[i], rt[j]))
                else:
                    for i in range(i1 + a1, i1 + a2):
                        only(i, None)
                    for j in range(j1 + b1, j1 + b2):
                        only(None, j)
    return out


# -- fields -----------------------------------------------------------------------------


@dataclass(eq=False)
class FieldDiff:
    """One compared value: a model name, a request parameter, a token count, the duration..."""

    key: str  # the attribute name, or "duration" / "status" / "tokens.input"...
    label: str
    group: str  # "model", "params", "tokens", "latency", "result"
    left: Any
    right: Any
    changed: bool
    left_text: str = "—"
    right_text: str = "—"
    #: right - left for numbers, else None.
    delta: float | None = None
    #: ``+120 (+35%)``, ``−0.25 s (−12%)``, ``+0.5``; "" when there is no number to compare.
    delta_text: str = ""


def _value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(v) for v in value)
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _percent(left: float, right: float) -> str:
    if left == 0:
        return ""
    pct = (right - left) / abs(left) * 100
    text = f"{pct:+.0f}%" if abs(pct) >= 1 or pct == 0 else f"{pct:+.1f}%"
    return text.replace("-", "−")


def duration_delta_text(left_ns: int, right_ns: int) -> str:
    """``+200 ms (+20%)``, ``−1.27 ms (−14%)``, ``0``."""
    d = right_ns - left_ns
    pct = _percent(left_ns, right_ns)
    return format_offset(d) + (f" ({pct})" if pct and d else "")


def _signed(value: float) -> str:
    text = f"{value:+,.0f}" if float(value).is_integer() else f"{value:+,.4g}"
    return text.replace("-", "−")


def _field(key: str, label: str, group: str, left: Any, right: Any, *, unit: str = "") -> FieldDiff:
    f = FieldDiff(key, label, group, left, right, left != right)
    if unit == "ns":
        f.left_text = format_duration(left) if left is not None else "—"
        f.right_text = format_duration(right) if right is not None else "—"
    else:
        f.left_text, f.right_text = _value_text(left), _value_text(right)
    a, b = _number(left), _number(right)
    if a is not None and b is not None and left != right:
        f.delta = b - a
        if unit == "ns":
            f.delta_text = format_offset(int(b - a))
        else:
            f.delta_text = _signed(b - a)
        if unit in ("ns", "tokens"):
            pct = _percent(a, b)
            f.delta_text += f" ({pct})" if pct else ""
    return f


def _first(attrs: dict, keys: Iterable[str]) -> Any:
    for k in keys:
        if k in attrs and attrs[k] is not None:
            return attrs[k]
    return None


def _finish_reasons(span: Span | None, conv: Conversation) -> Any:
    if span is None:
        return None
    value = span.attributes.get(GEN_AI_RESPONSE_FINISH_REASONS)
    if value is not None:
        return list(value) if isinstance(value, (list, tuple)) else value
    found = [m.finish_reason for m in conv.output if m.finish_reason]
    return found or None


def _status(span: Span | None) -> str | None:
    if span is None:
        return None
    return span.status_name + (f": {span.status_message}" if span.status_message else "")


def _param_sort_key(name: str) -> tuple[int, str]:
    short = name[len(GEN_AI_REQUEST_PREFIX) :]
    return (_PARAM_ORDER.index(short) if short in _PARAM_ORDER else len(_PARAM_ORDER), short)


def field_diffs(a: Span | None, b: Span | None, conv_a: Conversation | None = None,
                conv_b: Conversation | None = None) -> list[FieldDiff]:  # fmt: skip
    """Model, provider, every ``gen_ai.request.*`` parameter, token counts, duration, finish
    reasons and status of both spans, in that order (a missing span has no values)."""
    aa = a.attributes if a is not None else {}
    ba = b.attributes if b is not None else {}
    out = [
        _field(GEN_AI_REQUEST_MODEL, "Request model", "model", aa.get(GEN_AI_REQUEST_MODEL),
               ba.get(GEN_AI_REQUEST_MODEL)),  # fmt: skip
        _field(GEN_AI_RESPONSE_MODEL, "Response model", "model", aa.get(GEN_AI_RESPONSE_MODEL),
               ba.get(GEN_AI_RESPONSE_MODEL)),  # fmt: skip
    ]
    provider_a, provider_b = _first(aa, PROVIDER_KEYS), _first(ba, PROVIDER_KEYS)
    if provider_a is not None or provider_b is not None:
        out.append(_field(GEN_AI_PROVIDER_NAME, "Provider", "model", provider_a, provider_b))
    params = {k for attrs in (aa, ba) for k in attrs if k.startswith(GEN_AI_REQUEST_PREFIX) and k != GEN_AI_REQUEST_MODEL}
    for key in sorted(params, key=_param_sort_key):
        out.append(_field(key, key[len(GEN_AI_REQUEST_PREFIX) :], "params", aa.get(key), ba.get(key)))
    # Counted as the file's token columns count them (`genai.usage`, every GenAI dialect); a count of
    # 0 shows as 0 when the span records it, as "—" when it records none.
    used_a = genai.usage(a.name, aa) if a is not None else (0, 0, 0, 0)
    used_b = genai.usage(b.name, ba) if b is not None else (0, 0, 0, 0)
    tokens = [
        ("tokens.input", "Input tokens", genai.INPUT_TOKEN_KEYS, True),
        ("tokens.output", "Output tokens", genai.OUTPUT_TOKEN_KEYS, True),
        ("tokens.cache_read", "Cached input tokens", genai.CACHE_READ_TOKEN_KEYS, False),
        ("tokens.reasoning", "Reasoning tokens", genai.REASONING_TOKEN_KEYS, False),
    ]
    for i, (key, label, keys, always) in enumerate(tokens):
        ta, tb = used_a[i] or _first(aa, keys), used_b[i] or _first(ba, keys)
        if always or ta is not None or tb is not None:
            out.append(_field(key, label, "tokens", ta, tb, unit="tokens"))
    out.append(_field("duration", "Duration", "latency", a and a.duration_ns, b and b.duration_ns, unit="ns"))
    conv_a = conv_a if conv_a is not None else _conversation(a)
    conv_b = conv_b if conv_b is not None else _conversation(b)
    out.append(_field(GEN_AI_RESPONSE_FINISH_REASONS, "Finish reasons", "result", _finish_reasons(a, conv_a),
                      _finish_reasons(b, conv_b)))  # fmt: skip
    out.append(_field("status", "Status", "result", _status(a), _status(b)))
    return out


def _conversation(span: Span | None) -> Conversation:
    # No span: nothing to show, and nothing missing to explain.
    return chat.conversation(span) if span is not None else Conversation(content_recorded=True)


# -- one span against another -------------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    """What differs between two spans. Tokens and duration are measurements, not changes."""

    prompt_changed: bool = False
    completion_changed: bool = False  # the output messages, or the finish reasons
    params_changed: bool = False  # any gen_ai.request.* parameter but the model
    model_changed: bool = False
    #: Content was recorded on one side only, so the messages cannot be compared.
    content_changed: bool = False
    status_changed: bool = False

    @property
    def what(self) -> tuple[str, ...]:
        """``("prompt", "completion", "params", "model", "content", "status")``, those that changed."""
        names = ("prompt", "completion", "params", "model", "content", "status")
        flags = (self.prompt_changed, self.completion_changed, self.params_changed, self.model_changed,
                 self.content_changed, self.status_changed)  # fmt: skip
        return tuple(n for n, f in zip(names, flags) if f)

    def __bool__(self) -> bool:
        return bool(self.what)


WHAT_LABELS = {
    "prompt": "prompt",
    "completion": "completion",
    "params": "parameters",
    "model": "model",
    "content": "content recorded on one side only",
    "status": "status",
}


def _content_note(ca: Conversation, cb: Conversation) -> str | None:
    if ca.content_recorded and cb.content_recorded:
        return None
    reason = ca.missing_reason or cb.missing_reason
    if not ca.content_recorded and not cb.content_recorded:
        note = "Content was not recorded on either side."
    elif not ca.content_recorded:
        note = "Content was recorded on the right side only, so the messages cannot be compared."
    else:
        note = "Content was recorded on the left side only, so the messages cannot be compared."
    return f"{note} {reason}" if reason else note


@dataclass(eq=False)
class SpanDiff:
    #: One side is None for a step that only one run has.
    left: Span | None
    right: Span | None
    left_conversation: Conversation
    right_conversation: Conversation
    prompt: list[MessagePair]
    completion: list[MessagePair]
    fields: list[FieldDiff]
    changed: Changes
    #: Why the messages cannot be (fully) compared, or None when both sides recorded content.
    content_note: str | None = None

    @property
    def pairs(self) -> list[MessagePair]:
        return [*self.prompt, *self.completion]

    def field(self, key: str) -> FieldDiff | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def changed_fields(self) -> list[FieldDiff]:
        return [f for f in self.fields if f.changed]

    def summary(self) -> str:
        """``Changed: prompt, parameters`` or ``No changes in prompt, completion, model or parameters``."""
        if not self.changed:
            return "No changes in prompt, completion, model or parameters"
        return "Changed: " + ", ".join(WHAT_LABELS[w] for w in self.changed.what)

    def to_text(self, left_title: str = "A", right_title: str = "B") -> str:
        """Plain text: the field table, then each message in git's word-diff style
        (``[-removed-]{+added+}``)."""
        lines = [f"--- {left_title}: {_name(self.left)}", f"+++ {right_title}: {_name(self.right)}", self.summary(), ""]
        width = max(len(f.label) for f in self.fields)
        for f in self.fields:
            mark = "*" if f.changed else " "
            delta = f"  ({f.delta_text})" if f.delta_text else ""
            lines.append(f"{mark} {f.label:<{width}}  {f.left_text}  →  {f.right_text}{delta}" if f.changed
                         else f"{mark} {f.label:<{width}}  {f.left_text}")  # fmt: skip
        if self.content_note:
            lines += ["", self.content_note]
        for title, pairs in (("Prompt", self.prompt), ("Completion", self.completion)):
            if not pairs:
                continue
            lines += ["", f"## {title}"]
            for pair in pairs:
                tag = {SAME: " ", CHANGED: "~", ONLY_LEFT: "-", ONLY_RIGHT: "+"}[pair.status]
                body = "".join(
                    s.text if s.kind == EQUAL else f"[-{s.text}-]" if s.kind == DELETE else f"{{+{s.text}+}}"
                    for s in pair.segments
                )
                lines.append(f"{tag} [{pair.role}] " + body.replace("\n", "\n    "))
        return "\n".join(lines) + "\n"

    def to_markdown(self, left_title: str = "A", right_title: str = "B") -> str:
        """Markdown: a field table, then the messages with removed words as ``<del>`` and added
        words as ``<ins>``."""
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        out = [f"## {cell(left_title)} → {cell(right_title)}", "", f"*{self.summary()}*", "",
               f"| Field | {cell(left_title)} | {cell(right_title)} | Δ |", "|---|---|---|---|"]  # fmt: skip
        for f in self.fields:
            label = f"**{f.label}**" if f.changed else f.label
            out.append(f"| {label} | {cell(f.left_text)} | {cell(f.right_text)} | {cell(f.delta_text)} |")
        if self.content_note:
            out += ["", f"> {self.content_note}"]
        for title, pairs in (("Prompt", self.prompt), ("Completion", self.completion)):
            if not pairs:
                continue
            out += ["", f"### {title}"]
            for pair in pairs:
                status = {SAME: "same", CHANGED: "changed", ONLY_LEFT: f"only in {left_title}",
                          ONLY_RIGHT: f"only in {right_title}"}[pair.status]  # fmt: skip
                body = "".join(
                    _md_escape(s.text) if s.kind == EQUAL
                    else f"<del>{_md_escape(s.text)}</del>" if s.kind == DELETE
                    else f"<ins>{_md_escape(s.text)}</ins>"
                    for s in pair.segments
                )  # fmt: skip
                out += ["", f"**{pair.role or '(no role)'}** ({status})", ""]
                out += [f"> {line}" if line else ">" for line in body.splitlines()] or [">"]
        return "\n".join(out) + "\n"


def _name(span: Span | None) -> str:
    return span.name if span is not None else "(no span)"


def _md_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _conversation_changes(pairs: list[MessagePair]) -> bool:
    return any(p.status != SAME for p in pairs)


def span_diff(a: Span | None, b: Span | None) -> SpanDiff:
    """Everything that differs between span `a` (left) and span `b` (right). One of them may be
    None (a step only one run has): its messages are then all on one side, and nothing "changed"."""
    ca, cb = _conversation(a), _conversation(b)
    prompt = align_messages([*ca.system, *ca.input], [*cb.system, *cb.input], PROMPT)
    completion = align_messages(ca.output, cb.output, COMPLETION)
    fields = field_diffs(a, b, ca, cb)
    if a is None or b is None:
        for f in fields:
            f.changed, f.delta, f.delta_text = False, None, ""  # nothing to compare with
        side = "left" if b is None else "right"
        note = f"Only the {side} side has this span."
        if (a or b) is not None and ((ca if a is not None else cb).missing_reason):
            note += " " + (ca if a is not None else cb).missing_reason
        return SpanDiff(a, b, ca, cb, prompt, completion, fields, Changes(), note)
    comparable = ca.content_recorded == cb.content_recorded
    by_key = {f.key: f for f in fields}
    changes = Changes(
        prompt_changed=comparable and _conversation_changes(prompt),
        completion_changed=(comparable and _conversation_changes(completion))
        or by_key[GEN_AI_RESPONSE_FINISH_REASONS].changed,
        params_changed=any(f.changed for f in fields if f.group == "params"),
        model_changed=by_key[GEN_AI_REQUEST_MODEL].changed or by_key[GEN_AI_RESPONSE_MODEL].changed,
        content_changed=not comparable,
        status_changed=by_key["status"].changed,
    )
    return SpanDiff(a, b, ca, cb, prompt, completion, fields, changes, _content_note(ca, cb))


# -- one run against another ------------------------------------------------------------------


def _key(span: Span) -> str:
    """What a span is called in a path: an LLM call by its operation, so a changed model still pairs."""
    if genai.is_llm_call(span.name, span.attributes):
        op = span.attributes.get(GEN_AI_OPERATION_NAME)
        return str(op) if op else span.name.split(" ", 1)[0]
    return span.name


SpanPath = tuple[tuple[str, int], ...]


def span_paths(spans: Sequence[Span]) -> dict[SpanPath, Span]:
    """Each span by its path from the root (see the module docstring)."""
    by_id = {s.span_id: s for s in spans}
    children: dict[str, list[Span]] = {}
    roots: list[Span] = []
    for s in spans:
        if s.parent_span_id and s.parent_span_id in by_id and s.parent_span_id != s.span_id:
            children.setdefault(s.parent_span_id, []).append(s)
        else:
            roots.append(s)
    out: dict[SpanPath, Span] = {}
    order = lambda s: (s.start_time, s.end_time, s.span_id)  # noqa: E731

    def number(siblings: list[Span], prefix: SpanPath, single_root: bool) -> list[tuple[SpanPath, Span]]:
        seen: dict[str, int] = {}
        result = []
        for s in sorted(siblings, key=order):
            key = "" if single_root else _key(s)
            n = seen.get(key, 0)
            seen[key] = n + 1
            result.append(((*prefix, (key, n)), s))
        return result

    # Iterative walk: real traces can nest deeper than Python's recursion limit.
    stack = list(reversed(number(roots, (), len(roots) == 1)))
    visited: set[str] = set()
    while stack:
        path, span = stack.pop()
        if span.span_id in visited:  # a parent cycle in broken data
            continue
        visited.add(span.span_id)
        out[path] = span
        stack += reversed(number(children.get(span.span_id, []), path, False))
    return out


def _tokens(span: Span) -> int:
    tokens_in, tokens_out = genai.usage(span.name, span.attributes)[:2]
    return tokens_in + tokens_out


@dataclass(eq=False)
class Step:
    """One LLM step of either run, with its counterpart in the other."""

    path: SpanPath
    a: Span | None
    b: Span | None
    status: str = SAME  # SAME, CHANGED, ONLY_A, ONLY_B
    what: tuple[str, ...] = ()
    label: str = ""

    @property
    def duration_delta_ns(self) -> int | None:
        if self.a is None or self.b is None:
            return None
        return self.b.duration_ns - self.a.duration_ns

    @property
    def tokens_delta(self) -> int | None:
        if self.a is None or self.b is None:
            return None
        return _tokens(self.b) - _tokens(self.a)

    @property
    def duration_delta_text(self) -> str:
        if self.a is None or self.b is None:
            return ""
        return duration_delta_text(self.a.duration_ns, self.b.duration_ns)

    @property
    def tokens_delta_text(self) -> str:
        d = self.tokens_delta
        if d is None or (d == 0 and _tokens(self.a) == 0):
            return ""
        if d == 0:
            return "0"
        pct = _percent(_tokens(self.a), _tokens(self.b))
        return _signed(d) + (f" ({pct})" if pct and d else "")

    @property
    def what_text(self) -> str:
        return ", ".join(WHAT_LABELS[w] for w in self.what)

    @cached_property
    def diff(self) -> SpanDiff:
        """The full span diff (one-sided for a step only one run has)."""
        return span_diff(self.a, self.b)


@dataclass(eq=False)
class RunComparison:
    steps: list[Step]
    #: Spans (of every kind) that found their counterpart by path, and those on one side only.
    paired: int = 0
    only_a: int = 0
    only_b: int = 0
    duration_a_ns: int = 0
    duration_b_ns: int = 0

    def count(self, status: str) -> int:
        return sum(1 for s in self.steps if s.status == status)

    @property
    def changed_steps(self) -> list[Step]:
        return [s for s in self.steps if s.status != SAME]

    def summary(self) -> str:
        """``4 LLM steps: 1 changed, 1 only in B, 2 same``."""
        n = len(self.steps)
        if not n:
            return "No LLM steps in either trace"
        parts = [(self.count(CHANGED), "changed"), (self.count(ONLY_A), "only in A"), (self.count(ONLY_B), "only in B"),
                 (self.count(SAME), "same")]  # fmt: skip
        return f"{n} LLM step{'s' if n != 1 else ''}: " + ", ".join(f"{c} {t}" for c, t in parts if c)


def _label(path: SpanPath, paths_a: dict[SpanPath, Span], paths_b: dict[SpanPath, Span]) -> str:
    """Span names along the path (A's where it has the span), ``#n`` for the n-th same-named sibling."""
    names = []
    for i in range(1, len(path) + 1):
        span = paths_a.get(path[:i]) or paths_b.get(path[:i])
        key, n = path[i - 1]
        name = span.name if span is not None else key
        names.append(f"{name} #{n + 1}" if n else name)
    return " › ".join(names)


def _merge_order(order_a: list[SpanPath], order_b: list[SpanPath]) -> list[SpanPath]:
    """A's paths in order, with each path only in B placed after the path before it in B."""
    merged = list(order_a)
    in_a = set(order_a)
    after: dict[SpanPath | None, list[SpanPath]] = {}
    previous: SpanPath | None = None
    for p in order_b:
        if p in in_a:
            previous = p
        else:
            after.setdefault(previous, []).append(p)
    if not after:
        return merged
    out = list(after.get(None, []))
    for p in merged:
        out.append(p)
        out += after.get(p, [])
    return out


def compare_runs(spans_a: Sequence[Span], spans_b: Sequence[Span]) -> RunComparison:
    """The LLM steps of trace A and trace B paired by their path in the tree, each one SAME,
    CHANGED (with what changed), ONLY_A or ONLY_B, in tree order."""
    paths_a, paths_b = span_paths(spans_a), span_paths(spans_b)
    llm_a = [p for p, s in paths_a.items() if genai.is_llm_call(s.name, s.attributes)]
    llm_b = [p for p, s in paths_b.items() if genai.is_llm_call(s.name, s.attributes)]
    llm_a_set, llm_b_set = set(llm_a), set(llm_b)
    steps = []
    for path in _merge_order(llm_a, llm_b):
        a = paths_a.get(path) if path in llm_a_set else None
        b = paths_b.get(path) if path in llm_b_set else None
        step = Step(path, a, b, label=_label(path, paths_a, paths_b))
        if a is None:
            step.status = ONLY_B
        elif b is None:
            step.status = ONLY_A
        else:
            changes = step.diff.changed  # kept on the step: opening it shows this diff
            step.status = CHANGED if changes else SAME
            step.what = changes.what
        steps.append(step)
    common = paths_a.keys() & paths_b.keys()

    def total(spans: Sequence[Span]) -> int:
        return (max(s.end_time for s in spans) - min(s.start_time for s in spans)) if spans else 0

    return RunComparison(steps, paired=len(common), only_a=len(paths_a) - len(common), only_b=len(paths_b) - len(common),
                         duration_a_ns=total(spans_a), duration_b_ns=total(spans_b))  # fmt: skip


def trace_spans(spans: Iterable[Span], trace_id: str) -> list[Span]:
    """The spans of one trace, for `compare_runs`."""
    return [s for s in spans if s.trace_id == trace_id]
