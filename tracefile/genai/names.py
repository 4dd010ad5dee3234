"""The attribute, event and value names of the OpenTelemetry GenAI semantic conventions that Tracy reads and writes.

In the style of ``opentelemetry-semantic-conventions`` (``gen_ai_attributes.py``,
``gen_ai_events.py``): one constant per name, so a misspelt name is an
``ImportError`` rather than a silent miss. Older names that instrumentations
still emit sit beside the current ones, marked as such.
"""

from __future__ import annotations

from typing import Final

#: Every GenAI attribute starts with this.
GEN_AI_PREFIX: Final = "gen_ai."

# -- the operation -----------------------------------------------------------------

GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"  # one of `OperationName`
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"  # "openai", "azure.ai.inference" ...
GEN_AI_SYSTEM: Final = "gen_ai.system"  # older name of gen_ai.provider.name
GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
GEN_AI_DATA_SOURCE_ID: Final = "gen_ai.data_source.id"
GEN_AI_OUTPUT_TYPE: Final = "gen_ai.output.type"  # "text", "json", "image" ...
GEN_AI_TOKEN_TYPE: Final = "gen_ai.token.type"  # "input" or "output", on token metrics


class OperationName:
    """Values of ``gen_ai.operation.name``."""

    CHAT: Final = "chat"
    TEXT_COMPLETION: Final = "text_completion"
    GENERATE_CONTENT: Final = "generate_content"
    COMPLETION: Final = "completion"  # older conventions and some instrumentations
    EMBEDDINGS: Final = "embeddings"
    EXECUTE_TOOL: Final = "execute_tool"
    CREATE_AGENT: Final = "create_agent"
    INVOKE_AGENT: Final = "invoke_agent"
    INVOKE_WORKFLOW: Final = "invoke_workflow"


# -- the request -------------------------------------------------------------------

#: Every request parameter starts with this.
GEN_AI_REQUEST_PREFIX: Final = "gen_ai.request."
GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
GEN_AI_REQUEST_MAX_TOKENS: Final = "gen_ai.request.max_tokens"
GEN_AI_REQUEST_TEMPERATURE: Final = "gen_ai.request.temperature"
GEN_AI_REQUEST_TOP_P: Final = "gen_ai.request.top_p"
GEN_AI_REQUEST_TOP_K: Final = "gen_ai.request.top_k"
GEN_AI_REQUEST_SEED: Final = "gen_ai.request.seed"
GEN_AI_REQUEST_FREQUENCY_PENALTY: Final = "gen_ai.request.frequency_penalty"
GEN_AI_REQUEST_PRESENCE_PENALTY: Final = "gen_ai.request.presence_penalty"
GEN_AI_REQUEST_CHOICE_COUNT: Final = "gen_ai.request.choice.count"
GEN_AI_REQUEST_ENCODING_FORMATS: Final = "gen_ai.request.encoding_formats"  # embeddings

# -- the response ------------------------------------------------------------------

GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
GEN_AI_RESPONSE_ID: Final = "gen_ai.response.id"  # what feedback names its response by
GEN_AI_RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"

# -- token usage -------------------------------------------------------------------

GEN_AI_USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_PROMPT_TOKENS: Final = "gen_ai.usage.prompt_tokens"  # older name of input_tokens
GEN_AI_USAGE_COMPLETION_TOKENS: Final = "gen_ai.usage.completion_tokens"  # older name of output_tokens
#: Input tokens read from the provider's prompt cache (a part of the input tokens).
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS_OLD: Final = "gen_ai.usage.cache_read_input_tokens"  # older spelling
GEN_AI_USAGE_INPUT_TOKENS_CACHED: Final = "gen_ai.usage.input_tokens.cached"  # older spelling
#: Output tokens spent on reasoning (a part of the output tokens).
GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: Final = "gen_ai.usage.reasoning.output_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS_REASONING: Final = "gen_ai.usage.output_tokens.reasoning"  # older spelling

# -- message content (recorded only with content recording on) ---------------------

GEN_AI_SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"  # JSON: a list of parts
GEN_AI_INPUT_MESSAGES: Final = "gen_ai.input.messages"  # JSON: [{role, parts: [{type, ...}]}]
GEN_AI_OUTPUT_MESSAGES: Final = "gen_ai.output.messages"  # JSON: as input, plus finish_reason
GEN_AI_PROMPT: Final = "gen_ai.prompt"  # legacy conventions and OpenLLMetry (also gen_ai.prompt.0.content)
GEN_AI_COMPLETION: Final = "gen_ai.completion"  # legacy conventions and OpenLLMetry
#: On the older message events: the message as JSON (Azure AI Inference SDK).
GEN_AI_EVENT_CONTENT: Final = "gen_ai.event.content"
GEN_AI_MESSAGE_CONTENT: Final = "gen_ai.message.content"  # on message events, some instrumentations

# -- tools and agents --------------------------------------------------------------

GEN_AI_TOOL_NAME: Final = "gen_ai.tool.name"
GEN_AI_TOOL_TYPE: Final = "gen_ai.tool.type"  # "function", "extension", "datastore"
GEN_AI_TOOL_CALL_ID: Final = "gen_ai.tool.call.id"  # links an execute_tool span to the model's call
GEN_AI_TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"  # content
GEN_AI_TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"  # content
GEN_AI_AGENT_ID: Final = "gen_ai.agent.id"
GEN_AI_AGENT_NAME: Final = "gen_ai.agent.name"

# -- evaluation (what Tracy writes feedback as) -------------------------------------

GEN_AI_EVALUATION_NAME: Final = "gen_ai.evaluation.name"
GEN_AI_EVALUATION_SCORE: Final = "gen_ai.evaluation.score"  # on user feedback
GEN_AI_EVALUATION_SCORE_VALUE: Final = "gen_ai.evaluation.score.value"  # on evaluation results
GEN_AI_EVALUATION_SCORE_LABEL: Final = "gen_ai.evaluation.score.label"
GEN_AI_EVALUATION_EXPLANATION: Final = "gen_ai.evaluation.explanation"

# -- events ------------------------------------------------------------------------

#: Carries gen_ai.system_instructions / input.messages / output.messages instead of the span.
GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS: Final = "gen_ai.client.inference.operation.details"
GEN_AI_EVALUATION_USER_FEEDBACK: Final = "gen_ai.evaluation.user_feedback"
GEN_AI_EVALUATION_RESULT: Final = "gen_ai.evaluation.result"
# One event per message, each with its JSON in gen_ai.event.content: the Azure AI Inference
# SDK and the older conventions. With content recording off the events stay, without content.
GEN_AI_SYSTEM_MESSAGE: Final = "gen_ai.system.message"
GEN_AI_USER_MESSAGE: Final = "gen_ai.user.message"
GEN_AI_ASSISTANT_MESSAGE: Final = "gen_ai.assistant.message"
GEN_AI_TOOL_MESSAGE: Final = "gen_ai.tool.message"
GEN_AI_CHOICE: Final = "gen_ai.choice"  # the model's answer

# -- OpenInference (which @tracefile.trace writes too) ------------------------------

INPUT_VALUE: Final = "input.value"  # a function's arguments, as JSON
INPUT_MIME_TYPE: Final = "input.mime_type"
OUTPUT_VALUE: Final = "output.value"  # its return value
OUTPUT_MIME_TYPE: Final = "output.mime_type"  # "text/plain" for a str, else application/json
