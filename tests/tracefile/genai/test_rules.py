"""One rule for what a span is (`tracefile.genai.category`, `is_llm_call`) and the names it reads (`genai.names`)."""

from __future__ import annotations

import pytest

from tracefile import genai
from tracefile.genai import names
from tracefile.genai.names import OperationName


def test_names_are_the_semantic_conventions_strings():
    # Spelled out once here, so a typo in names.py cannot hide behind the constant.
    assert names.GEN_AI_OPERATION_NAME == "gen_ai.operation.name"
    assert names.GEN_AI_PROVIDER_NAME == "gen_ai.provider.name"
    assert names.GEN_AI_REQUEST_MODEL == "gen_ai.request.model"
    assert names.GEN_AI_RESPONSE_ID == "gen_ai.response.id"
    assert names.GEN_AI_INPUT_MESSAGES == "gen_ai.input.messages"
    assert names.GEN_AI_OUTPUT_MESSAGES == "gen_ai.output.messages"
    assert names.GEN_AI_SYSTEM_INSTRUCTIONS == "gen_ai.system_instructions"
    assert names.GEN_AI_USAGE_INPUT_TOKENS == "gen_ai.usage.input_tokens"
    assert names.GEN_AI_TOOL_CALL_ID == "gen_ai.tool.call.id"
    assert names.GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS == "gen_ai.client.inference.operation.details"
    assert (names.GEN_AI_USER_MESSAGE, names.GEN_AI_CHOICE) == ("gen_ai.user.message", "gen_ai.choice")
    assert names.GEN_AI_EVALUATION_USER_FEEDBACK == "gen_ai.evaluation.user_feedback"
    assert names.INPUT_VALUE == "input.value"


def test_every_name_is_unique_and_well_formed():
    values = {k: v for k, v in vars(names).items() if k.isupper() and isinstance(v, str)}
    assert len(set(values.values())) == len(values)
    for key, value in values.items():
        assert value == value.strip() and " " not in value, key
        if key.startswith("GEN_AI_"):
            assert value.startswith(names.GEN_AI_PREFIX), key


@pytest.mark.parametrize("op", [OperationName.CHAT, OperationName.TEXT_COMPLETION, OperationName.GENERATE_CONTENT,
                                OperationName.COMPLETION])  # fmt: skip
def test_model_calls_by_operation(op):
    attrs = {names.GEN_AI_OPERATION_NAME: op}
    assert genai.category("anything", attrs) == genai.CATEGORY_LLM
    assert genai.is_llm_call("anything", attrs) and not genai.is_tool_call("anything", attrs)


@pytest.mark.parametrize("name", ["chat gpt-4o", "text_completion davinci", "generate_content gemini-2.0"])
def test_model_calls_by_span_name(name):
    assert genai.is_llm_call(name, {})


@pytest.mark.parametrize(
    ("name", "attrs", "category"),
    [
        ("execute_tool get_weather", {}, genai.CATEGORY_TOOL),
        ("x", {names.GEN_AI_OPERATION_NAME: OperationName.EXECUTE_TOOL}, genai.CATEGORY_TOOL),
        ("embeddings text-embedding-3", {}, genai.CATEGORY_EMBEDDINGS),
        ("invoke_agent planner", {}, genai.CATEGORY_AGENT),
        ("POST", {"http.request.method": "POST"}, genai.CATEGORY_HTTP),
        ("chatty helper", {}, genai.CATEGORY_OTHER),  # a prefix is the operation and a space
        ("x", {names.GEN_AI_OPERATION_NAME: ["chat"]}, genai.CATEGORY_OTHER),  # not a string: no operation
    ],
)
def test_not_model_calls(name, attrs, category):
    assert genai.category(name, attrs) == category
    assert not genai.is_llm_call(name, attrs)
    assert genai.is_tool_call(name, attrs) == (category == genai.CATEGORY_TOOL)
