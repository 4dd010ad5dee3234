"""What a span is, in GenAI terms: its category, model and token counts, read from its attributes.

These are computed once when spans are written and stored as timeline
columns, so a viewer can colour, total and filter a million spans without
decoding their attributes. The names these rules read are in `tracefile.genai.names`, and the
parser of recorded messages in `tracefile.genai.messages`. The GenAI semantic conventions come
first; what they leave empty (a category of other or function, no model, no tokens) is asked of
the other dialects instrumentations write (OpenInference, OpenLLMetry, Prompty: `tracefile.genai.dialects`).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple

from . import dialects
from .names import (
    GEN_AI_OPERATION_NAME,
    GEN_AI_REQUEST_MODEL,
    GEN_AI_RESPONSE_MODEL,
    GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS_OLD,
    GEN_AI_USAGE_COMPLETION_TOKENS,
    GEN_AI_USAGE_INPUT_TOKENS,
    GEN_AI_USAGE_INPUT_TOKENS_CACHED,
    GEN_AI_USAGE_OUTPUT_TOKENS,
    GEN_AI_USAGE_OUTPUT_TOKENS_REASONING,
    GEN_AI_USAGE_PROMPT_TOKENS,
    GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    OperationName as Op,
)

CATEGORY_OTHER = 0
CATEGORY_LLM = 1
CATEGORY_TOOL = 2
CATEGORY_AGENT = 3
CATEGORY_HTTP = 4
CATEGORY_EMBEDDINGS = 5
CATEGORY_DATABASE = 6
CATEGORY_FUNCTION = 7
CATEGORY_NAMES = ("other", "llm", "tool", "agent", "http", "embeddings", "database", "function")

#: gen_ai.operation.name values (current and older semantic conventions) -> category.
_OPERATIONS = {
    Op.CHAT: CATEGORY_LLM,
    Op.TEXT_COMPLETION: CATEGORY_LLM,
    Op.GENERATE_CONTENT: CATEGORY_LLM,
    Op.COMPLETION: CATEGORY_LLM,
    Op.EXECUTE_TOOL: CATEGORY_TOOL,
    Op.INVOKE_AGENT: CATEGORY_AGENT,
    Op.CREATE_AGENT: CATEGORY_AGENT,
    Op.INVOKE_WORKFLOW: CATEGORY_AGENT,
    Op.EMBEDDINGS: CATEGORY_EMBEDDINGS,
}
#: Span names the conventions prescribe ("{operation} {model or tool}"), for spans without the attribute.
_NAME_PREFIXES = (
    (Op.CHAT + " ", CATEGORY_LLM),
    (Op.TEXT_COMPLETION + " ", CATEGORY_LLM),
    (Op.GENERATE_CONTENT + " ", CATEGORY_LLM),
    (Op.EXECUTE_TOOL + " ", CATEGORY_TOOL),
    (Op.INVOKE_AGENT + " ", CATEGORY_AGENT),
    (Op.CREATE_AGENT + " ", CATEGORY_AGENT),
    (Op.EMBEDDINGS + " ", CATEGORY_EMBEDDINGS),
)

INPUT_TOKEN_KEYS = (GEN_AI_USAGE_INPUT_TOKENS, GEN_AI_USAGE_PROMPT_TOKENS)
OUTPUT_TOKEN_KEYS = (GEN_AI_USAGE_OUTPUT_TOKENS, GEN_AI_USAGE_COMPLETION_TOKENS)
#: Input tokens read from the provider's prompt cache (a part of the input tokens), and output
#: tokens spent on reasoning (a part of the output tokens): current names first, then older ones.
CACHE_READ_TOKEN_KEYS = (
    GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS_OLD,
    GEN_AI_USAGE_INPUT_TOKENS_CACHED,
)
REASONING_TOKEN_KEYS = (GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, GEN_AI_USAGE_OUTPUT_TOKENS_REASONING)
MODEL_KEYS = (GEN_AI_RESPONSE_MODEL, GEN_AI_REQUEST_MODEL)
_U32_MAX = 0xFFFFFFFF


#: Attributes that make a span an HTTP call, a database call, or a traced function.
HTTP_KEYS = ("http.request.method", "http.method")
DATABASE_KEYS = ("db.system", "db.system.name")
FUNCTION_KEY = "code.function.name"


def category(name: str, attrs: Mapping[str, Any]) -> int:
    """The span's `CATEGORY_*`: by its operation, else HTTP or database attributes, else its name, else
    what another dialect says (`dialects`), else a traced function. The exporter's per-span loop inlines
    this (`record/convert.py`, `_scan.pyx`)."""
    cat = conventions_category(name, attrs)
    if (cat == CATEGORY_OTHER or cat == CATEGORY_FUNCTION) and not dialects.MARKERS.isdisjoint(attrs):
        found = dialects.summary(attrs)
        if found is not None and found.category is not None:
            return found.category
    return cat


def conventions_category(name: str, attrs: Mapping[str, Any]) -> int:
    """`category` by the OpenTelemetry conventions alone, without other dialects."""
    op = attrs.get(GEN_AI_OPERATION_NAME)
    if type(op) is str:  # not a list from a plain-dict attribute: unhashable
        cat = _OPERATIONS.get(op)
        if cat is not None:
            return cat
    if HTTP_KEYS[0] in attrs or HTTP_KEYS[1] in attrs:
        return CATEGORY_HTTP
    if DATABASE_KEYS[0] in attrs or DATABASE_KEYS[1] in attrs:
        return CATEGORY_DATABASE
    for prefix, cat in _NAME_PREFIXES:
        if name.startswith(prefix):
            return cat
    if FUNCTION_KEY in attrs:
        return CATEGORY_FUNCTION
    return CATEGORY_OTHER


def is_llm_call(name: str, attrs: Mapping[str, Any]) -> bool:
    """A call to a model that answers (chat, text completion, generate content): what chat, export,
    diff and the trace list count as an LLM call."""
    return category(name, attrs) == CATEGORY_LLM


def is_tool_call(name: str, attrs: Mapping[str, Any]) -> bool:
    """A tool run (``execute_tool``)."""
    return category(name, attrs) == CATEGORY_TOOL


def tokens(attrs: Mapping[str, Any], keys: tuple[str, ...]) -> int:
    """A token count as a u32 column value (0 when absent or not a number, NaN and infinities included)."""
    for k in keys:
        v = attrs.get(k)
        if v is not None and type(v) is not bool and isinstance(v, (int, float)):
            if isinstance(v, float) and not math.isfinite(v):
                continue
            return min(max(int(v), 0), _U32_MAX)
    return 0


def model(attrs: Mapping[str, Any]) -> str:
    """The model that answered (else the one asked for), else what another dialect names; "" if none."""
    m = _conventions_model(attrs)
    if m:
        return m
    if not dialects.MARKERS.isdisjoint(attrs):
        found = dialects.summary(attrs)
        if found is not None:
            return found.model
    return ""


class Summary(NamedTuple):
    """A span's summary columns."""

    category: int
    model: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    reasoning_tokens: int


def summary(name: str, attrs: Mapping[str, Any]) -> Summary:
    """The span's category, model and token counts: the conventions, then another dialect for what
    they leave empty (only when they say other or function). What the file's columns hold."""
    cat = conventions_category(name, attrs)
    got = Summary(cat, _conventions_model(attrs), tokens(attrs, INPUT_TOKEN_KEYS), tokens(attrs, OUTPUT_TOKEN_KEYS),
                  tokens(attrs, CACHE_READ_TOKEN_KEYS), tokens(attrs, REASONING_TOKEN_KEYS))  # fmt: skip
    if _has_dialect(cat, attrs):
        found = dialects.summary(attrs)
        if found is not None:
            return fill(got, found)
    return got


def _has_dialect(cat: int, attrs: Mapping[str, Any]) -> bool:
    return (cat == CATEGORY_OTHER or cat == CATEGORY_FUNCTION) and not dialects.MARKERS.isdisjoint(attrs)


def _conventions_model(attrs: Mapping[str, Any]) -> str:
    for k in MODEL_KEYS:
        v = attrs.get(k)
        if isinstance(v, str) and v:
            return v
    return ""


def fill(got: tuple, found: dialects.Summary) -> Summary:
    """``got`` (category, model, input, output, cache read, reasoning tokens by the conventions) with
    its empty values taken from a dialect's `found`."""
    cat, m, t_in, t_out, cache, reasoning = got
    return Summary(
        found.category if found.category is not None else cat,
        m or found.model,
        t_in or found.input_tokens,
        t_out or found.output_tokens,
        cache or found.cache_read_tokens,
        reasoning or found.reasoning_tokens,
    )


def usage(name: str, attrs: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """(input, output, cache read, reasoning) tokens, as `summary` counts them."""
    s = summary(name, attrs)
    return s.input_tokens, s.output_tokens, s.cache_read_tokens, s.reasoning_tokens
