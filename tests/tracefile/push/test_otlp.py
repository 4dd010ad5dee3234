"""tracy push to a loopback OTLP collector over HTTP (protobuf, JSON) and gRPC: what arrives, retries, errors, selection."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import tracefile
from tests.helpers.collector import Collector, GrpcCollector
from tracefile.cli import main


def _by_id(spans: list[dict]) -> dict[str, dict]:
    return {s["span_id"]: s for s in spans}


def _expected(tf) -> dict[str, dict]:
    out = {}
    for s in tf.spans:
        out[s.span_id] = {
            "trace_id": s.trace_id,
            "parent_span_id": s.parent_span_id,
            "name": s.name,
            "kind": s.kind + 1,
            "start": s.start_time,
            "end": s.end_time,
            "resource": dict(s.resource.attributes),
            "scope": (s.scope.name, s.scope.version),
            "event_names": [e.name for e in s.events],
        }
    return out


def _got(spans: list[dict]) -> dict[str, dict]:
    keys = ("trace_id", "parent_span_id", "name", "kind", "start", "end", "resource", "scope")
    return {
        sid: {**{k: s[k] for k in keys}, "event_names": [e[0] for e in s["events"] if not e[0].startswith("gen_ai.evaluation")]}
        for sid, s in _by_id(spans).items()
    }


@pytest.mark.parametrize("protocol", ["http/protobuf", "http/json", "grpc"])
def test_spans_arrive_with_their_ids_times_resources_and_scopes(run_file, protocol, capsys):
    tf = tracefile.load(run_file)
    with GrpcCollector() if protocol == "grpc" else Collector() as c:
        assert main(["push", str(run_file), "--endpoint", c.endpoint, "--protocol", protocol]) == 0
    assert _got(c.received.spans) == _expected(tf)
    assert len(c.received.spans) == len(tf.spans)  # each span once
    # Attributes arrive whole, GenAI ones included.
    sent = _by_id(c.received.spans)
    for s in tf.spans:
        assert sent[s.span_id]["attributes"] == s.attributes
    # Feedback: an evaluation event on its span, and a log record in the span's context.
    for fb in tf.feedback:
        name = "gen_ai.evaluation.user_feedback" if fb.label == "thumbs_down" else "gen_ai.evaluation.result"
        assert [e[0] for e in sent[fb.span_id]["events"]].count(name) == 1
    logs = {(r["event_name"], r["span_id"], r["trace_id"]) for r in c.received.logs}
    assert logs == {
        ("gen_ai.evaluation.user_feedback", tf.feedback[0].span_id, tf.feedback[0].trace_id),
        ("gen_ai.evaluation.result", tf.feedback[1].span_id, tf.feedback[1].trace_id),
    }
    assert "120 of 120 spans sent, 0 rejected, 0 retries" in capsys.readouterr().out


def test_an_endpoint_ending_in_v1_traces_is_used_as_it_is(run_file):
    with Collector() as c:
        assert main(["push", str(run_file), "--endpoint", c.endpoint + "/v1/traces"]) == 0
    assert {p for p, _ in c.received.requests} == {"/v1/traces", "/v1/logs"}


def test_the_otel_environment_gives_endpoint_and_headers(run_file, monkeypatch):
    with Collector() as c:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", c.endpoint)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s%3Dcret,x-team=genai")
        assert main(["push", str(run_file)]) == 0
        assert len(c.received.spans) == 120
        assert all(h.get("api-key") == "s=cret" and h.get("x-team") == "genai" for h in c.received.headers)
        # --header adds to the environment's headers and wins for the same key, as in the OTLP exporters.
        for protocol in ("http/protobuf", "http/json"):
            assert main(["push", str(run_file), "--protocol", protocol, "--header", "Authorization=Bearer t0k", "--header", "x-team=evals"]) == 0
            last = c.received.headers[-1]
            assert (last.get("authorization"), last.get("api-key"), last.get("x-team")) == ("Bearer t0k", "s=cret", "evals")


@pytest.mark.parametrize("protocol", ["http/protobuf", "http/json"])
def test_busy_backends_are_retried_and_counted(run_file, protocol, capsys):
    with Collector() as c:
        c.fail(503, times=2)
        assert main(["push", str(run_file), "--endpoint", c.endpoint, "--protocol", protocol]) == 0
    assert len(_by_id(c.received.spans)) == 120
    assert "120 of 120 spans sent, 0 rejected, 2 retries" in capsys.readouterr().out


def test_a_refused_content_type_is_reported_and_the_exit_code_says_so(run_file, capsys):
    with Collector() as c:
        c.json_status = 415
        assert main(["push", str(run_file), "--endpoint", c.endpoint, "--protocol", "http/json"]) == 1
    out, err = capsys.readouterr()
    assert "0 of 120 spans sent, 120 rejected" in out
    assert f"HTTP 415 Unsupported Media Type from {c.endpoint}/v1/traces" in err
    assert "try --protocol http/protobuf" in err


def test_partial_success_counts_the_rejected_spans(run_file, capsys):
    with Collector() as c:
        c.partial_reject = 3
        assert main(["push", str(run_file), "--endpoint", c.endpoint]) == 1
    out, err = capsys.readouterr()
    assert "117 of 120 spans sent, 3 rejected" in out
    assert "3 rejected: too old" in err


def test_a_backend_without_logs_still_gets_feedback_as_span_events(run_file, capsys):
    with Collector() as c:
        c.logs_status = 404
        assert main(["push", str(run_file), "--endpoint", c.endpoint]) == 0
    assert "2 records went as span events; the backend takes no OTLP logs" in capsys.readouterr().out
    assert sum(e[0].startswith("gen_ai.evaluation") for s in c.received.spans for e in s["events"]) == 2


def test_query_pushes_only_matching_traces(run_file, capsys):
    tf = tracefile.load(run_file)
    failing = {s.trace_id for s in tf.spans if s.is_error}
    tools = {s.trace_id for s in tf.spans if s.name.startswith("execute_tool")}
    with Collector() as c:
        assert main(["push", str(run_file), "--endpoint", c.endpoint, "--query", "status:error"]) == 0
        assert failing and {s["trace_id"] for s in c.received.spans} == failing
        assert len(c.received.spans) == sum(s.trace_id in failing for s in tf.spans)
        c.received.spans.clear()
        assert main(["push", str(run_file), "--endpoint", c.endpoint, "--query", "category:tool -status:error"]) == 0
        want = {s.trace_id for s in tf.spans if s.name.startswith("execute_tool") and not s.is_error}
        assert {s["trace_id"] for s in c.received.spans} == want and want <= tools
        c.received.spans.clear()
        assert main(["push", str(run_file), "--endpoint", c.endpoint, "--query", "feedback:wrong"]) == 0
        assert {s["trace_id"] for s in c.received.spans} == {tf.feedback[0].trace_id}
    assert main(["push", str(run_file), "--endpoint", "http://127.0.0.1:9", "--query", "duration>"]) == 2
    assert "--query 'duration>': duration> at column 10 needs a number with a unit" in capsys.readouterr().err


def test_since_pushes_only_traces_started_since(run_file, capsys):
    tf = tracefile.load(run_file)
    starts = sorted({min(s.start_time for s in spans) for spans in tf.traces().values()})
    cut = starts[len(starts) // 2]
    iso = datetime.fromtimestamp(cut / 1e9, tz=timezone.utc).isoformat().replace("+00:00", "Z")
    want = {tid for tid, spans in tf.traces().items() if min(s.start_time for s in spans) >= cut // 1000 * 1000}
    with Collector() as c:
        assert main(["push", str(run_file), "--endpoint", c.endpoint, "--since", iso]) == 0
        assert {s["trace_id"] for s in c.received.spans} == want
        assert 0 < len(want) < len(starts)
        # A duration back from now: the corpus is older than a minute, so nothing is sent.
        assert main(["push", str(run_file), "--endpoint", c.endpoint, "--since", "1m"]) == 0
    assert "nothing to push" in capsys.readouterr().err
    assert main(["push", str(run_file), "--endpoint", "http://127.0.0.1:9", "--since", "yesterday"]) == 2
    assert "--since 'yesterday': expected an ISO time" in capsys.readouterr().err


def test_several_files_and_other_formats(run_file, tmp_path):
    """A .tracy file and the same spans as OTLP/JSON: both are read, and every span goes (twice)."""
    second = tmp_path / "second.json"
    assert main(["convert", str(run_file), str(second)]) == 0  # the same spans as OTLP/JSON
    with Collector() as c:
        assert main(["push", str(run_file), str(second), "--endpoint", c.endpoint]) == 0
    assert len(c.received.spans) == 240


def test_no_destination_is_a_clear_error(run_file, monkeypatch, capsys):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("APPLICATIONINSIGHTS_CONNECTION_STRING", raising=False)
    assert main(["push", str(run_file)]) == 2
    assert "where to? give --endpoint URL" in capsys.readouterr().err


def test_a_terminal_gets_a_progress_bar_and_a_pipe_does_not(run_file):
    import io
    import os
    import pty

    from tracefile.push import make_sender, push

    master, slave = pty.openpty()
    with Collector() as c, os.fdopen(slave, "w") as terminal:
        result = push([str(run_file)], make_sender("http/protobuf", c.endpoint, {}), progress=terminal)
        piped = io.StringIO()
        push([str(run_file)], make_sender("http/protobuf", c.endpoint, {}), progress=piped)
    shown = os.read(master, 65536).decode()
    os.close(master)
    assert result.complete and result.sent == 120
    assert "push [" in shown and "120/120 spans" in shown
    assert piped.getvalue() == ""


def test_an_unreachable_backend_is_said_once_and_nothing_counts_as_sent(run_file, capsys):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["push", str(run_file), str(run_file), "--endpoint", f"http://127.0.0.1:{port}", "--protocol", "http/json"]) == 1
    out, err = capsys.readouterr()
    assert "0 of 240 spans sent, 240 rejected, 3 retries" in out  # one batch tried, the rest not sent
    assert "0 of 4 log records sent, 4 rejected" in out
    assert err.count("could not reach") == 1 and "ConnectionError" in err
