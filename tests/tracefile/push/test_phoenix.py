"""tracy push to a real Arize Phoenix server: the spans and their GenAI attributes arrive; JSON is refused well."""

from __future__ import annotations

import json
import time
import urllib.request

import tracefile
from tracefile.cli import main


def _phoenix_spans(url: str, want: int, timeout: float = 60) -> list[dict]:
    """Phoenix's spans (REST API), polled until ``want`` have been ingested (it writes in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        spans, cursor = [], None
        while True:
            q = "?limit=1000" + (f"&cursor={cursor}" if cursor else "")
            with urllib.request.urlopen(f"{url}/v1/projects/default/spans{q}", timeout=10) as r:
                page = json.loads(r.read())
            spans.extend(page["data"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        if len(spans) >= want or time.monotonic() > deadline:
            return spans
        time.sleep(0.2)  # waiting for the server's ingestion, not timing


def test_push_to_phoenix_arrives_with_genai_attributes(phoenix, run_file, capsys):
    assert main(["push", str(run_file), "--endpoint", phoenix]) == 0
    out = capsys.readouterr().out
    assert "120 of 120 spans sent, 0 rejected" in out
    tf = tracefile.load(run_file)
    got = {s["context"]["span_id"]: s for s in _phoenix_spans(phoenix, len(tf.spans))}
    assert set(got) >= {s.span_id for s in tf.spans}
    models = 0
    for s in tf.spans:
        p = got[s.span_id]
        assert p["context"]["trace_id"] == s.trace_id
        assert p["name"] == s.name
        assert (p["parent_id"] or "") == s.parent_span_id
        tokens = s.attributes.get("gen_ai.usage.input_tokens")
        if tokens is not None:
            flat = json.dumps(p["attributes"])
            assert f'"{s.attributes["gen_ai.request.model"]}"' in flat
            assert f'"input_tokens": {tokens}' in flat or f'"gen_ai.usage.input_tokens": {tokens}' in flat, flat[:500]
            models += 1
    assert models >= 5
    # The thumbs-down went as a gen_ai.evaluation event on its span.
    fb = next(f for f in tf.feedback if f.label == "thumbs_down")
    events = got[fb.span_id].get("events") or []
    assert any(e["name"] == "gen_ai.evaluation.user_feedback" for e in events), events


def test_json_to_phoenix_is_refused_with_a_clear_error(phoenix, run_file, capsys):
    assert main(["push", str(run_file), "--endpoint", phoenix, "--protocol", "http/json"]) == 1
    captured = capsys.readouterr()
    assert "0 of 120 spans sent, 120 rejected" in captured.out
    assert "HTTP 415" in captured.err and "try --protocol http/protobuf" in captured.err
