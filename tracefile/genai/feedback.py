"""Feedback in the GenAI conventions: who counts as a user, and the evaluation event that carries a record."""

from __future__ import annotations

from typing import Any

from ..format.schema import Feedback

USER_FEEDBACK_EVENT = "gen_ai.evaluation.user_feedback"
EVALUATION_EVENT = "gen_ai.evaluation.result"
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
        attrs["gen_ai.response.id"] = fb.response_id
    if not user:
        attrs["gen_ai.evaluation.name"] = fb.evaluator
    if fb.score is not None:
        # People's feedback carries a plain score; evaluation results a score value.
        attrs["gen_ai.evaluation.score" if user else "gen_ai.evaluation.score.value"] = fb.score
    if fb.label:
        attrs["gen_ai.evaluation.score.label"] = fb.label
    if fb.comment:
        attrs["gen_ai.evaluation.explanation"] = fb.comment
    for k, v in fb.metadata.items():
        if isinstance(v, (str, bool, int, float)):
            attrs[f"tracy.feedback.{k}"] = v
    return (USER_FEEDBACK_EVENT if user else EVALUATION_EVENT), attrs
