"""Other GenAI dialects mapped onto Tracy's summary (category, model, tokens) and messages.

    from tracefile.genai import dialects

    s = dialects.summary(span.attributes)        # None: the span speaks no dialect we know
    s.category, s.model, s.input_tokens, ...     # category None: the dialect does not say
    found = dialects.messages(span.attributes)   # (system, input, output, source) or None

The dialects, each as its instrumentations really write it (the fixtures in
``tests/data/interop/dialects/`` were recorded with them):

``openinference``
    Arize Phoenix's conventions (``openinference-instrumentation-*``): ``openinference.span.kind``,
    ``llm.model_name``, ``llm.token_count.*``, ``llm.input_messages.N.message.*`` and
    ``llm.output_messages.N.message.*`` (``content``, ``contents.M.message_content.*``,
    ``tool_calls.K.tool_call.*``, ``tool_call_id``), ``tool.name``.
``openllmetry``
    Traceloop's OpenLLMetry before it moved to the current conventions (opentelemetry-instrumentation-openai
    0.40): ``llm.request.type``, ``gen_ai.prompt.N.*`` and ``gen_ai.completion.N.*`` (``role``,
    ``content``, ``finish_reason``, ``tool_calls.K.*``, ``tool_call_id``), ``llm.usage.*``,
    ``traceloop.span.kind``, ``traceloop.entity.input``/``output``.
``prompty``
    Prompty's ``otel_tracer``: ``signature``, ``type`` (``"LLM"`` on the model client's spans), the
    inputs and result expanded into dotted keys (``inputs.messages[0].role``, ``result.usage.prompt_tokens``,
    leaves three levels down as JSON text, numbers as text).

The GenAI semantic conventions come first everywhere: `tracefile.genai` asks a dialect only for
what the conventions leave empty, and only for spans that carry one of `MARKERS`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping, NamedTuple

from .messages import Message, parse_chat_message, parse_value

# -- names ----------------------------------------------------------------------------

OPENINFERENCE_SPAN_KIND = "openinference.span.kind"
LLM_MODEL_NAME = "llm.model_name"
LLM_TOKEN_COUNT_PROMPT = "llm.token_count.prompt"
LLM_TOKEN_COUNT_COMPLETION = "llm.token_count.completion"
LLM_TOKEN_COUNT_CACHE_READ = "llm.token_count.prompt_details.cache_read"
LLM_TOKEN_COUNT_REASONING = "llm.token_count.completion_details.reasoning"
LLM_INPUT_MESSAGES = "llm.input_messages"
LLM_OUTPUT_MESSAGES = "llm.output_messages"
TOOL_NAME = "tool.name"

TRACELOOP_SPAN_KIND = "traceloop.span.kind"
TRACELOOP_ENTITY_INPUT = "traceloop.entity.input"
TRACELOOP_ENTITY_OUTPUT = "traceloop.entity.output"
LLM_REQUEST_TYPE = "llm.request.type"
LLM_USAGE_PROMPT_TOKENS = "llm.usage.prompt_tokens"
LLM_USAGE_COMPLETION_TOKENS = "llm.usage.completion_tokens"
GEN_AI_PROMPT = "gen_ai.prompt"
GEN_AI_COMPLETION = "gen_ai.completion"

PROMPTY_SIGNATURE = "signature"
PROMPTY_TYPE = "type"

#: A span carrying none of these speaks no dialect here, and costs one set test.
MARKERS = frozenset({OPENINFERENCE_SPAN_KIND, LLM_MODEL_NAME, TRACELOOP_SPAN_KIND, LLM_REQUEST_TYPE, PROMPTY_SIGNATURE})

# Message.source for each dialect.
OPENINFERENCE = "openinference"
OPENLLMETRY = "openllmetry"
PROMPTY = "prompty"

# Category numbers as in tracefile.genai (which imports this module, so they are repeated here;
# tests/tracefile/genai/test_dialects.py checks that they agree).
_OTHER, _LLM, _TOOL, _AGENT, _EMBEDDINGS, _DATABASE, _FUNCTION = 0, 1, 2, 3, 5, 6, 7

_OPENINFERENCE_KINDS = {
    "LLM": _LLM,
    "TOOL": _TOOL,
    "AGENT": _AGENT,
    "EMBEDDING": _EMBEDDINGS,
    "RETRIEVER": _DATABASE,  # a vector or document store lookup
    "CHAIN": _FUNCTION,
    "RERANKER": _FUNCTION,
    "GUARDRAIL": _FUNCTION,
    "EVALUATOR": _FUNCTION,
    "PROMPT": _FUNCTION,
}
_TRACELOOP_KINDS = {"workflow": _AGENT, "agent": _AGENT, "task": _FUNCTION, "tool": _TOOL}
_REQUEST_TYPES = {"chat": _LLM, "completion": _LLM, "embedding": _EMBEDDINGS}


class Summary(NamedTuple):
    """What a dialect says of a span's summary columns; None or 0 where it says nothing."""

    category: int | None = None
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    reasoning_tokens: int = 0


_NOTHING = Summary()
_U32_MAX = 0xFFFFFFFF


def _count(value: Any) -> int:
    """A token count: an int, a float, or (Prompty) its text; 0 for anything else."""
    if type(value) is bool or value is None:
        return 0
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return 0
    if isinstance(value, (int, float)) and value == value and value not in (float("inf"), float("-inf")):
        return min(max(int(value), 0), _U32_MAX)
    return 0


def _first_count(attrs: Mapping[str, Any], *keys: str) -> int:
    for k in keys:
        if k in attrs:
            n = _count(attrs[k])
            if n:
                return n
    return 0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def summary(attrs: Mapping[str, Any]) -> Summary | None:
    """The dialect's view of the span's category, model and tokens; None if it carries no `MARKERS`."""
    if MARKERS.isdisjoint(attrs):
        return None
    kind = attrs.get(OPENINFERENCE_SPAN_KIND)
    if kind is not None or LLM_MODEL_NAME in attrs:
        return Summary(
            _OPENINFERENCE_KINDS.get(str(kind).upper()) if kind is not None else _LLM,
            _text(attrs.get(LLM_MODEL_NAME)),
            _first_count(attrs, LLM_TOKEN_COUNT_PROMPT),
            _first_count(attrs, LLM_TOKEN_COUNT_COMPLETION),
            _first_count(attrs, LLM_TOKEN_COUNT_CACHE_READ),
            _first_count(attrs, LLM_TOKEN_COUNT_REASONING),
        )
    kind = attrs.get(TRACELOOP_SPAN_KIND)
    request = attrs.get(LLM_REQUEST_TYPE)
    if kind is not None or request is not None:
        cat = _REQUEST_TYPES.get(str(request)) if request is not None else _TRACELOOP_KINDS.get(str(kind))
        return Summary(
            cat,
            "",  # OpenLLMetry names the model in gen_ai.request.model / gen_ai.response.model
            _first_count(attrs, LLM_USAGE_PROMPT_TOKENS),
            _first_count(attrs, LLM_USAGE_COMPLETION_TOKENS),
        )
    if PROMPTY_SIGNATURE in attrs:
        return _prompty_summary(attrs)
    return _NOTHING


# -- Prompty ------------------------------------------------------------------------------


def is_prompty_call(attrs: Mapping[str, Any]) -> bool:
    """A model client call (``chat.completions.create``, ``embeddings.create``), not the client's
    constructor (``OpenAI.ctor``), which is typed ``LLM`` too. Decided by the signature, not by the
    inputs: with content recording off those are gone, and the call must still count as one.
    ``attrs`` is an ``otel_tracer`` span's attributes or a frame of Prompty's JSON file (whose
    ``inputs`` is one key): the Prompty importer asks the same question of its frames."""
    if attrs.get(PROMPTY_TYPE) != "LLM":
        return False
    signature = _text(attrs.get(PROMPTY_SIGNATURE))
    return not signature.endswith(".ctor") if signature else any(k == "inputs" or k.startswith("inputs.") for k in attrs)


def _prompty_summary(attrs: Mapping[str, Any]) -> Summary:
    if not is_prompty_call(attrs):
        return Summary(_FUNCTION)
    signature = _text(attrs.get(PROMPTY_SIGNATURE))
    cat = _EMBEDDINGS if signature.endswith("embeddings.create") else _LLM
    result = _prompty_value(attrs, "result")
    result = result if isinstance(result, Mapping) else {}
    usage = result.get("usage") if isinstance(result.get("usage"), Mapping) else {}
    model = _text(result.get("model")) or _text(attrs.get("inputs.model"))
    return Summary(cat, model, _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens")))


_SEGMENT = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def _unflatten(attrs: Mapping[str, Any], prefix: str) -> Any:
    """The value whose attributes were expanded under ``prefix`` (``prefix.a.b``, ``prefix[0].c``,
    ``prefix.0.c``) put back together; digit segments become list positions. None if there are none."""
    root: dict[Any, Any] = {}
    found = False
    n = len(prefix)
    for key, value in attrs.items():
        if not key.startswith(prefix) or (len(key) > n and key[n] not in ".["):
            continue
        found = True
        node = root
        path = [m.group(1) if m.group(2) is None else int(m.group(2)) for m in _SEGMENT.finditer(key[n:])]
        path = [int(p) if isinstance(p, str) and p.isdigit() else p for p in path]
        if not path:
            root[None] = value
            continue
        for p in path[:-1]:
            nxt = node.get(p)
            if not isinstance(nxt, dict):
                nxt = node[p] = {}
            node = nxt
        node[path[-1]] = value
    return _lists(root.get(None, root)) if found else None


def _lists(node: Any) -> Any:
    """Dicts whose keys are all ints become lists, in key order."""
    if not isinstance(node, dict):
        return node
    if node and all(type(k) is int for k in node):
        return [_lists(node[k]) for k in sorted(node)]
    return {k: _lists(v) for k, v in node.items()}


def _json(value: Any) -> Any:
    """A JSON object or array in text parsed (Prompty writes leaves three levels down as JSON)."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _prompty_value(attrs: Mapping[str, Any], prefix: str) -> Any:
    value = _unflatten(attrs, prefix)
    return _json(value) if isinstance(value, str) else value


# -- messages -----------------------------------------------------------------------------

Found = tuple[list[Message], list[Message], list[Message], str]


def messages(attrs: Mapping[str, Any]) -> Found | None:
    """(system, input, output, source): the span's conversation in a dialect; None if it holds none."""
    if MARKERS.isdisjoint(attrs) and not any(k.startswith(_PROMPT_PREFIXES) for k in attrs):
        return None
    if OPENINFERENCE_SPAN_KIND in attrs or LLM_MODEL_NAME in attrs:
        found = _chat(attrs, LLM_INPUT_MESSAGES, LLM_OUTPUT_MESSAGES, OPENINFERENCE, _openinference_message)
        if found is None:
            return None  # input.value / output.value, which the chat view reads as they are
        return found
    found = _chat(attrs, GEN_AI_PROMPT, GEN_AI_COMPLETION, OPENLLMETRY, _openllmetry_message)
    if found is not None:
        return found
    if TRACELOOP_ENTITY_INPUT in attrs or TRACELOOP_ENTITY_OUTPUT in attrs:
        return _values(attrs.get(TRACELOOP_ENTITY_INPUT), attrs.get(TRACELOOP_ENTITY_OUTPUT), OPENLLMETRY)
    if PROMPTY_SIGNATURE in attrs:
        return _prompty_messages(attrs)
    return None


_PROMPT_PREFIXES = (GEN_AI_PROMPT + ".", GEN_AI_COMPLETION + ".")


def _split(found: list[Message]) -> tuple[list[Message], list[Message]]:
    return [m for m in found if m.role == "system"], [m for m in found if m.role != "system"]


def _chat(attrs: Mapping[str, Any], in_prefix: str, out_prefix: str, source: str, convert: Any) -> Found | None:
    inputs = _unflatten(attrs, in_prefix)
    outputs = _unflatten(attrs, out_prefix)
    if not isinstance(inputs, list) and not isinstance(outputs, list):
        return None
    system, given = _split([convert(m, "user", source) for m in inputs or [] if m is not None])
    answers = [convert(m, "assistant", source) for m in outputs or [] if m is not None]
    return system, given, answers, source


def _tool_calls(calls: Any, inner: str | None) -> list[dict[str, Any]]:
    out = []
    for call in calls if isinstance(calls, list) else []:
        if inner and isinstance(call, Mapping):
            call = call.get(inner, call)
        if not isinstance(call, Mapping):
            continue
        fn = call.get("function") if isinstance(call.get("function"), Mapping) else call
        out.append({"id": call.get("id"), "function": {"name": fn.get("name"), "arguments": fn.get("arguments")}})
    return out


def _openinference_message(item: Any, default_role: str, source: str) -> Message:
    body = item.get("message", item) if isinstance(item, Mapping) else {}
    if not isinstance(body, Mapping):
        body = {}
    content: Any = body.get("content")
    if content is None and isinstance(body.get("contents"), list):
        content = []
        for c in body["contents"]:
            c = c.get("message_content", c) if isinstance(c, Mapping) else {}
            if c.get("type") == "image":
                image = c.get("image")
                image = image.get("image", image) if isinstance(image, Mapping) else {}
                content.append({"type": "image_url", "image_url": {"url": image.get("url")}})
            else:
                content.append({"type": "text", "text": c.get("text", "")})
    chat = {"role": body.get("role") or default_role, "content": content, "name": body.get("name"),
            "tool_call_id": body.get("tool_call_id"), "tool_calls": _tool_calls(body.get("tool_calls"), "tool_call")}  # fmt: skip
    return parse_chat_message(chat, default_role, source)


def _openllmetry_message(item: Any, default_role: str, source: str) -> Message:
    body = item if isinstance(item, Mapping) else {}
    content = _json(body.get("content"))  # multimodal content is a JSON list of OpenAI content parts
    chat = {"role": body.get("role") or default_role, "content": content,
            "tool_call_id": body.get("tool_call_id"), "tool_calls": _tool_calls(body.get("tool_calls"), None)}  # fmt: skip
    message = parse_chat_message(chat, default_role, source)
    message.finish_reason = body.get("finish_reason") if isinstance(body.get("finish_reason"), str) else None
    return message


def _values(inp: Any, out: Any, source: str) -> Found:
    given = [Message("input", [parse_value(inp)], source=source)] if inp is not None else []
    answers = [Message("output", [parse_value(out)], source=source)] if out is not None else []
    return [], given, answers, source


def _prompty_messages(attrs: Mapping[str, Any]) -> Found | None:
    if is_prompty_call(attrs):
        inputs = _prompty_value(attrs, "inputs.messages")
        result = _prompty_value(attrs, "result")
        if isinstance(inputs, list):
            chats = [_json(m) for m in inputs]
            system, given = _split([parse_chat_message(_with_json_content(m), "user", PROMPTY)
                                    for m in chats if isinstance(m, Mapping)])  # fmt: skip
            answers = []
            choices = result.get("choices") if isinstance(result, Mapping) else None
            for choice in choices if isinstance(choices, list) else []:
                choice = _json(choice)
                if not isinstance(choice, Mapping):
                    continue
                message = parse_chat_message(_json(choice.get("message")) or {}, "assistant", PROMPTY)
                message.finish_reason = choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None
                answers.append(message)
            return system, given, answers, PROMPTY
    inputs = _prompty_value(attrs, "inputs")
    result = _prompty_value(attrs, "result")
    if inputs is None and result is None:
        return None
    return _values(inputs, result, PROMPTY)


def _with_json_content(message: Mapping[str, Any]) -> Mapping[str, Any]:
    content = message.get("content")
    if isinstance(content, str) and content[:1] == "[":
        return {**message, "content": _json(content)}
    return message


def tool_name(attrs: Mapping[str, Any]) -> str | None:
    """The tool a dialect's tool span ran (OpenInference ``tool.name``)."""
    name = attrs.get(TOOL_NAME)
    return name if isinstance(name, str) and name else None


