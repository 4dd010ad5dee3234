"""Feedback end to end: `tracefile.record_feedback()` in the app that made the response, and later
from another process; `load()` joins it to the right span; `tracy info` counts it; `tracy convert`
turns it into the GenAI evaluation events; and it goes out through the OpenTelemetry logs API.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers.requirements import require_azure

require_azure()

import tracefile
from tests.helpers import e2e
from tests.helpers.apps import feedback_app
from tracefile import cli

LATER = """
import json, sys, tracefile
fb = tracefile.record_feedback(span_id=sys.argv[2], score=0.4, evaluator="relevance", comment=sys.argv[3], path=sys.argv[1])
print(json.dumps(None if fb is None else {"span_id": fb.span_id, "evaluator": fb.evaluator, "comment": fb.comment}))
"""
LATER_COMMENT = "Mostly relevant; password=hunter2hunter2 was asked for twice"


class Recorded:
    def __init__(self, out: dict, path: Path) -> None:
        self.out, self.path = out, path


@pytest.fixture(scope="module")
def recorded(record_app) -> Recorded:
    """feedback_app.py's run, shared by the session: tests that append to the file copy it first."""
    path, out = record_app("feedback_app.py")
    return Recorded(out, path)


@pytest.fixture(scope="module")
def appended(recorded: Recorded, tmp_path_factory) -> tuple[Path, bytes, str]:
    """A copy of the finished file, to which another process appended a relevance score on the chat span."""
    path = tmp_path_factory.mktemp("appended") / "run.tracy"
    before = recorded.path.read_bytes()
    path.write_bytes(before)
    chat = e2e.by_response_id(tracefile.load(path), recorded.out["seen"]["response_id"])
    done = e2e.run([sys.executable, "-c", LATER, str(path), chat.span_id, LATER_COMMENT])
    assert done.returncode == 0, done.stderr
    assert e2e.last_json(done.stdout) == {
        "span_id": chat.span_id,
        "evaluator": "relevance",
        "comment": "Mostly relevant; password=[REDACTED] was asked for twice",
    }
    return path, before, chat.span_id


# -- in the app ---------------------------------------------------------------------------------


def test_feedback_without_a_target_raises_value_error(recorded: Recorded) -> None:
    assert recorded.out["no_target"] == "record_feedback() needs response_id, span_id or trace_id to say what is judged"
    assert recorded.out["no_target_warnings"] == []


def test_feedback_without_configure_or_path_returns_none_with_one_warning(recorded: Recorded) -> None:
    assert recorded.out["unconfigured"] is None
    (warning,) = recorded.out["unconfigured_warnings"]
    assert "no .tracy file to write to" in warning and "configure()" in warning and "path=" in warning
    tf = tracefile.load(recorded.path)
    assert "chatcmpl-nowhere" not in [fb.response_id for fb in tf.feedback]


def test_feedback_by_response_id_joins_the_chat_span(recorded: Recorded) -> None:
    out = recorded.out
    assert out["configured_warnings"] == []
    tf = tracefile.load(recorded.path)
    assert tf.warnings == [] and not tf.truncated
    chat = e2e.by_response_id(tf, out["seen"]["response_id"])
    assert chat.name == "chat gpt-4o-mini"
    (fb,) = chat.feedback
    assert fb.response_id == out["seen"]["response_id"]
    assert (fb.score, fb.label, fb.evaluator) == (1.0, "thumbs_up", "")
    assert fb.span_id == "" and fb.trace_id == ""  # joined by the response id alone
    # The comment is free text from a user: redacted like everything else.
    assert fb.comment == "Spot on. (my key is [REDACTED])"
    assert out["user"]["comment"] == fb.comment
    assert feedback_app.SECRET.encode() not in e2e.all_payload_bytes(recorded.path)


def test_feedback_by_span_id_joins_that_span(recorded: Recorded) -> None:
    seen = recorded.out["seen"]
    tf = tracefile.load(recorded.path)
    (agent,) = [s for s in tf.spans if s.name == "invoke_agent feedback-agent"]
    assert (agent.span_id, agent.trace_id) == (seen["span_id"], seen["trace_id"])
    (fb,) = agent.feedback
    assert (fb.evaluator, fb.score, fb.label) == ("groundedness", 0.75, "pass")
    assert len(tf.feedback) == 2
    assert sum(len(s.feedback) for s in tf.spans) == 2  # each record on exactly one span


def test_feedback_goes_out_through_the_otel_logs_api(recorded: Recorded) -> None:
    seen = recorded.out["seen"]
    events = recorded.out["events"]
    user = [e for e in events if e["attributes"].get("gen_ai.response.id") == seen["response_id"]]
    assert len(user) == 1
    (user,) = user
    assert user["event_name"] == "gen_ai.evaluation.user_feedback"
    assert user["attributes"] == {
        "gen_ai.response.id": seen["response_id"],
        "gen_ai.evaluation.score": 1.0,
        "gen_ai.evaluation.score.label": "thumbs_up",
        "gen_ai.evaluation.explanation": "Spot on. (my key is [REDACTED])",
    }
    assert user["body"] == {"comment": "Spot on. (my key is [REDACTED])"}
    (evaluation,) = [e for e in events if e["event_name"] == "gen_ai.evaluation.result"]
    assert evaluation["attributes"] == {
        "gen_ai.evaluation.name": "groundedness",
        "gen_ai.evaluation.score.value": 0.75,
        "gen_ai.evaluation.score.label": "pass",
    }
    # Parented to the judged span, so a backend can show it there.
    assert (evaluation["trace_id"], evaluation["span_id"]) == (seen["trace_id"], seen["span_id"])
    # The unconfigured call could not write a record, but other backends still heard about it.
    assert [e["attributes"].get("gen_ai.response.id") for e in events].count("chatcmpl-nowhere") == 1
    assert len(events) == 3


# -- later, from another process ----------------------------------------------------------------


def test_feedback_appended_by_another_process_is_joined(recorded: Recorded, appended) -> None:
    path, before, chat_span_id = appended
    after = path.read_bytes()
    # Appended only: everything written before is byte for byte what it was.
    assert len(after) > len(before) and after[: len(before)] == before
    old, new = tracefile.load(recorded.path), tracefile.load(path)
    assert new.warnings == [] and not new.truncated
    assert len(new.spans) == len(old.spans)
    for a, b in zip(old.spans, new.spans):
        assert (a.span_id, a.name, a.attributes, a.events, a.start_time, a.end_time) == (
            b.span_id, b.name, b.attributes, b.events, b.start_time, b.end_time,
        )  # fmt: skip
    assert len(new.feedback) == 3
    chat = new.span(chat_span_id)
    assert chat is not None
    assert [(fb.evaluator, fb.score) for fb in chat.feedback] == [("", 1.0), ("relevance", 0.4)]
    later = chat.feedback[1]
    assert later.span_id == chat_span_id and later.comment == "Mostly relevant; password=[REDACTED] was asked for twice"
    assert b"hunter2" not in e2e.all_payload_bytes(path)
    assert [w.writer for w in new.writers].count("feedback") >= 1


def test_tracy_info_counts_feedback(appended, capsys) -> None:
    path, _, _ = appended
    assert cli.main(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["feedback"] == 3
    assert info["spans"] == 3  # the agent, its chat span and the chat's HTTP span
    assert info["input_tokens"] > 0


def test_tracy_convert_turns_feedback_into_evaluation_events(appended, recorded: Recorded, tmp_path: Path, capsys) -> None:
    path, _, chat_span_id = appended
    out = tmp_path / "run.json"
    assert cli.main(["convert", str(path), str(out)]) == 0
    doc = json.loads(out.read_text())
    spans = {
        s["spanId"]: s for rs in doc["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]
    }
    seen = recorded.out["seen"]

    def events(span_id: str, name: str) -> list[dict]:
        found = [e for e in spans[span_id].get("events", []) if e["name"] == name]
        return [{a["key"]: next(iter(a["value"].values())) for a in e.get("attributes", [])} for e in found]

    chat_user = events(chat_span_id, "gen_ai.evaluation.user_feedback")
    assert chat_user == [
        {
            "gen_ai.response.id": seen["response_id"],
            "gen_ai.evaluation.score": 1.0,
            "gen_ai.evaluation.score.label": "thumbs_up",
            "gen_ai.evaluation.explanation": "Spot on. (my key is [REDACTED])",
        }
    ]
    assert events(chat_span_id, "gen_ai.evaluation.result") == [
        {
            "gen_ai.evaluation.name": "relevance",
            "gen_ai.evaluation.score.value": 0.4,
            "gen_ai.evaluation.explanation": "Mostly relevant; password=[REDACTED] was asked for twice",
        }
    ]
    assert events(seen["span_id"], "gen_ai.evaluation.result") == [
        {"gen_ai.evaluation.name": "groundedness", "gen_ai.evaluation.score.value": 0.75, "gen_ai.evaluation.score.label": "pass"}
    ]
    # The HTTP span was not judged.
    (http_id,) = [k for k, s in spans.items() if s["name"] == "POST"]
    assert not [e for e in spans[http_id].get("events", []) if e["name"].startswith("gen_ai.evaluation")]
