"""Feedback in the GenAI conventions: who counts as a user, and the evaluation event that carries a record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import names

if TYPE_CHECKING:  # the conventions sit below the format layer: its types only annotate here
    from ..format.schema import Feedback

USER_FEEDBACK_EVENT = names.GEN_AI_EVALUATION_USER_FEEDBACK
EVALUATION_EVENT = names.GEN_AI_EVALUATION_RESULT
#: Evaluator names that mean "a person using the app".
USER_EVALUATORS = ("", "user", "end_user", "human")


def is_user_feedback(fb: Feedback) -> bool:
    """True when a person gave ``fb`` (its evaluator is empty or one of `USER_EVALUATORS`)."""
    return fb.evaluator.strip().lower() in USER_EVALUATORS


def event_for(fb: Feedback) -> tuple[str, dict[str, Any]]:
    """The OpenTelemetry event name and attributes that carry this feedback to other backends."""
    user = is_user_feedback(fb)
    attrs: dict[str, Any] = {}
    if fb.response_id:
        attrs[names.GEN_AI_RESPONSE_ID] = fb.response_id
    if not user:
        attrs[names.GEN_AI_EVALUATION_NAME] = fb.evaluator
    if fb.score is not None:
        # People's feedback carries a plain score; evaluation results a score value.
        attrs[names.GEN_AI_EVALUATION_SCORE if user else names.GEN_AI_EVALUATION_SCORE_VALUE] = fb.score
    if fb.label:
        attrs[names.GEN_AI_EVALUATION_SCORE_LABEL] = fb.label
    if fb.comment:
        attrs[names.GEN_AI_EVALUATION_EXPLANATION] = fb.comment
    for k, v in fb.metadata.items():
        if isinstance(v, (str, bool, int, float)):
            attrs[f"tracy.feedback.{k}"] = v
    return (USER_FEEDBACK_EVENT if user else EVALUATION_EVENT), attrs


#: The prefix of every GenAI evaluation event name (`USER_FEEDBACK_EVENT`, `EVALUATION_EVENT`, ...).
EVALUATION_PREFIX = "gen_ai.evaluation."
_METADATA_PREFIX = "tracy.feedback."


def fields_from_event(event_name: str, attrs: dict[str, Any], comment: str = "") -> dict[str, Any] | None:
    """The reverse of `event_for`: the Feedback fields an evaluation event or log record carries
    (``response_id``, ``score``, ``label``, ``comment``, ``evaluator``, ``metadata``), or None
    when ``event_name`` is not a GenAI evaluation. ``comment`` is the record's body, if it has one."""
    if not event_name.startswith(EVALUATION_PREFIX):
        return None
    user = event_name == USER_FEEDBACK_EVENT
    score = attrs.get(names.GEN_AI_EVALUATION_SCORE if user else names.GEN_AI_EVALUATION_SCORE_VALUE)
    if score is None:
        score = attrs.get(names.GEN_AI_EVALUATION_SCORE_VALUE, attrs.get(names.GEN_AI_EVALUATION_SCORE))
    if isinstance(score, bool) or not isinstance(score, (int, float, str)):
        score = None
    else:
        try:
            score = float(score)
        except ValueError:
            score = None
    evaluator = "" if user else str(attrs.get(names.GEN_AI_EVALUATION_NAME) or "")
    return {
        "response_id": str(attrs.get(names.GEN_AI_RESPONSE_ID) or ""),
        "score": score,
        "label": str(attrs.get(names.GEN_AI_EVALUATION_SCORE_LABEL) or ""),
        "comment": str(attrs.get(names.GEN_AI_EVALUATION_EXPLANATION) or comment or ""),
        "evaluator": evaluator,
        "metadata": {k[len(_METADATA_PREFIX):]: v for k, v in attrs.items() if k.startswith(_METADATA_PREFIX)},
    }
