"""tracy push into tracy receive, over each protocol: the file the receiver writes holds the same
spans as the file pushed (ids, times, names, kinds, status, attributes, events, resources, scopes)
and the same feedback."""

from __future__ import annotations

import pytest

import tracefile
from tracefile.cli import main
from tracefile.receive import Receiver
from tracefile.record.redact import Policy


def _canon(tf) -> dict:
    spans = {
        s.span_id: (s.trace_id, s.parent_span_id, s.name, s.kind, s.start_time, s.end_time, s.status_code,
                    s.status_message, s.attributes, [(e.name, e.time_unix_nano, e.attributes) for e in s.events
                                                     if not e.name.startswith("gen_ai.evaluation")],
                    dict(s.resource.attributes), (s.scope.name, s.scope.version))
        for s in tf.spans
    }  # fmt: skip
    feedback = sorted((f.span_id, f.trace_id, f.response_id, f.score, f.label, f.comment, f.evaluator) for f in tf.feedback)
    return {"spans": spans, "feedback": feedback}


@pytest.mark.parametrize("protocol", ["http/protobuf", "http/json", "grpc"])
def test_what_push_sends_receive_writes_back_the_same(run_file, tmp_path, protocol):
    out = tmp_path / "received.tracy"
    # Record everything as it comes: the pushed file was redacted when it was recorded.
    policy = Policy(record_content=True, redact=False, max_length=None)
    with Receiver(out, http_port=0 if protocol != "grpc" else None, grpc_port=0 if protocol == "grpc" else None,
                  redaction=policy) as rx:  # fmt: skip
        endpoint = rx.grpc_endpoint if protocol == "grpc" else rx.http_endpoint
        assert main(["push", str(run_file), "--endpoint", endpoint, "--protocol", protocol]) == 0
    assert _canon(tracefile.load(out)) == _canon(tracefile.load(run_file))
