"""What a span is, in GenAI terms: its category, model and token counts, read from its attributes.

These are computed once when spans are written and stored as timeline
columns, so a viewer can colour, total and filter a million spans without
decoding their attributes.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

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
    "chat": CATEGORY_LLM,
    "text_completion": CATEGORY_LLM,
    "generate_content": CATEGORY_LLM,
    "completion": CATEGORY_LLM,
    "execute_tool": CATEGORY_TOOL,
    "invoke_agent": CATEGORY_AGENT,
    "create_agent": CATEGORY_AGENT,
    "invoke_workflow": CATEGORY_AGENT,
    "embeddings": CATEGORY_EMBEDDINGS,
}
_NAME_PREFIXES = (
    ("chat ", CATEGORY_LLM),
    ("text_completion ", CATEGORY_LLM),
    ("generate_content ", CATEGORY_LLM),
    ("execute_tool ", CATEGORY_TOOL),
    ("invoke_agent ", CATEGORY_AGENT),
    ("create_agent ", CATEGORY_AGENT),
    ("embeddings ", CATEGORY_EMBEDDINGS),
)

INPUT_TOKEN_KEYS = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
OUTPUT_TOKEN_KEYS = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
#: Input tokens read from the provider's prompt cache (a part of the input tokens), and output
#: tokens spent on reasoning (a part of the output tokens): current names first, then older ones.
CACHE_READ_TOKEN_KEYS = (
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "gen_ai.usage.input_tokens.cached",
)
REASONING_TOKEN_KEYS = ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.output_tokens.reasoning")
MODEL_KEYS = ("gen_ai.response.model", "gen_ai.request.model")
_U32_MAX = 0xFFFFFFFF


#: Attributes that make a span an HTTP call, a database call, or a traced function.
HTTP_KEYS = ("http.request.method", "http.method")
DATABASE_KEYS = ("db.system", "db.system.name")
FUNCTION_KEY = "code.function.name"


def category(name: str, attrs: Mapping[str, Any]) -> int:
    op = attrs.get("gen_ai.operation.name")
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
    for k in MODEL_KEYS:
        v = attrs.get(k)
        if isinstance(v, str) and v:
            return v
    return ""
