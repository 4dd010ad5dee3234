"""A Prompty app recorded by `tracefile.configure()` plus Prompty's own OpenTelemetry tracer
(`Tracer.add("otel", otel_tracer())`): the real `prompty` package runs a `.prompty` file through its
OpenAI executor against the loopback server, in a process of its own."""

from __future__ import annotations

import os

import pytest

import tracefile
from tests.helpers import e2e
from tracefile import genai
from tracefile.format import ScanReport, frame_payload, open_buffer, scan_frames
from tracefile.format.stats import summarize
from tracefile.testing.loopback import ChatServer
from viewer.chat.logic import conversation

QUESTION = "Which museum should I visit in Porto?"


@pytest.fixture(scope="module")
def prompty_runs(tmp_path_factory):
    """(content on, content off) recordings of the same app."""
    env = {k: v for k, v in os.environ.items() if k not in ("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",)}
    out = {}
    with ChatServer() as server:
        for flag in ("--content", "--no-content"):
            path = tmp_path_factory.mktemp("prompty") / "run.tracy"
            e2e.run_app("prompty_app.py", "--endpoint", server.endpoint, "--path", str(path), flag, env=env)
            out[flag] = path
    return out


def _llm(path):
    spans = tracefile.load(path).spans
    calls = [s for s in spans if genai.is_llm_call(s.name, s.attributes)]
    assert len(calls) == 1, [s.name for s in spans]
    return spans, calls[0]


def test_the_model_call_reads_as_an_llm_call_with_its_model_tokens_and_conversation(prompty_runs):
    spans, call = _llm(prompty_runs["--content"])
    assert {s.name for s in spans} >= {"invoke", "prepare", "execute", "chat.completions.create"}
    assert genai.model(call.attributes) == "gpt-4o-mini"
    assert genai.usage(call.name, call.attributes)[:2] == (13, 30)
    totals = summarize(spans)
    assert (totals["input_tokens"], totals["output_tokens"]) == (13, 30)  # counted once, on the call
    conv = conversation(call)
    assert [m.role for m in (*conv.system, *conv.input)] == ["system", "user"]
    assert conv.input[-1].text == QUESTION
    assert conv.output and conv.output[0].role == "assistant" and QUESTION in conv.output[0].text


def test_with_content_off_no_prompt_or_answer_reaches_the_file(prompty_runs):
    path = prompty_runs["--no-content"]
    spans, call = _llm(path)
    assert genai.usage(call.name, call.attributes)[:2] == (13, 30)  # what the call cost stays
    assert not conversation(call).input
    with open_buffer(path) as data:
        payloads = b"".join(bytes(frame_payload(data, ref)) for ref in scan_frames(data, ScanReport()))
    assert QUESTION.encode() not in payloads and b"concise travel assistant" not in payloads


@pytest.mark.parametrize("flag", ["--content", "--no-content"])
def test_the_connection_key_is_redacted(prompty_runs, flag):
    raw = prompty_runs[flag].read_bytes()
    with open_buffer(prompty_runs[flag]) as data:
        payloads = b"".join(bytes(frame_payload(data, ref)) for ref in scan_frames(data, ScanReport()))
    assert b"test-key" not in raw and b"test-key" not in payloads
