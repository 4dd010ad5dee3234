"""tracy push --azure-monitor: the real Azure Monitor exporter, its IngestionEndpoint a loopback server that records the envelopes."""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import tracefile
from tracefile.cli import main

IKEY = "00000000-0000-4000-8000-000000000001"


class Ingestion:
    """A loopback Application Insights ingestion endpoint: keeps every envelope posted to /v2.1/track."""

    def __init__(self) -> None:
        self.envelopes: list[dict] = []
        self.paths: list[str] = []
        self.status = 200
        ingestion = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                ingestion.paths.append(self.path)
                items = json.loads(body)
                if ingestion.status == 200:
                    ingestion.envelopes.extend(items)
                    reply = {"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []}
                else:
                    reply = {"itemsReceived": len(items), "itemsAccepted": 0,
                             "errors": [{"index": i, "statusCode": 400, "message": "bad"} for i in range(len(items))]}  # fmt: skip
                data = json.dumps(reply).encode()
                self.send_response(ingestion.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.connection_string = f"InstrumentationKey={IKEY};IngestionEndpoint=http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> Ingestion:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def quiet_azure(monkeypatch):
    # The exporter's own usage statistics go to Microsoft's endpoint, which does not exist here.
    monkeypatch.setenv("APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL", "true")


def test_push_to_azure_monitor_sends_one_envelope_per_span(run_file, quiet_azure, capsys):
    tf = tracefile.load(run_file)
    with Ingestion() as ingest:
        assert main(["push", str(run_file), "--azure-monitor", ingest.connection_string]) == 0
    assert "120 of 120 spans sent, 0 rejected" in capsys.readouterr().out
    assert set(ingest.paths) == {"/v2.1/track"}
    spans = [e for e in ingest.envelopes if e["data"]["baseType"] in ("RemoteDependencyData", "RequestData")]
    assert len(spans) == len(tf.spans)
    assert all(e["iKey"] == IKEY for e in ingest.envelopes)
    by_id = {e["data"]["baseData"]["id"]: e for e in spans}
    for s in tf.spans:
        e = by_id[s.span_id]
        assert e["tags"]["ai.operation.id"] == s.trace_id
        if s.parent_span_id:
            assert e["tags"]["ai.operation.parentId"] == s.parent_span_id
        assert e["tags"]["ai.cloud.role"] == s.resource.attributes["service.name"]
        assert e["data"]["baseData"]["success"] == (not s.is_error)
    # Feedback went as span events, which Application Insights keeps as events in the same operation.
    events = [e for e in ingest.envelopes if e["data"]["baseType"] == "EventData" or e["data"]["baseType"] == "MessageData"]
    names = {e["data"]["baseData"].get("name") or e["data"]["baseData"].get("message") for e in events}
    assert "gen_ai.evaluation.user_feedback" in names, names


def test_the_connection_string_comes_from_the_environment(run_file, quiet_azure, monkeypatch, capsys):
    with Ingestion() as ingest:
        monkeypatch.setenv("APPLICATIONINSIGHTS_CONNECTION_STRING", ingest.connection_string)
        monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
        assert main(["push", str(run_file), "--query", "status:error"]) == 0
    failing = sum(1 for spans in tracefile.load(run_file).traces().values() if any(s.is_error for s in spans) for _ in spans)
    assert "pushed to Azure Monitor" in capsys.readouterr().out
    assert sum(e["data"]["baseType"] in ("RemoteDependencyData", "RequestData") for e in ingest.envelopes) == failing


def test_a_refusing_ingestion_endpoint_fails_the_push(run_file, quiet_azure, capsys):
    with Ingestion() as ingest:
        ingest.status = 400
        assert main(["push", str(run_file), "--azure-monitor", ingest.connection_string]) == 1
    assert "0 of 120 spans sent, 120 rejected" in capsys.readouterr().out


def test_a_bad_connection_string_is_a_clear_error(run_file, capsys):
    assert main(["push", str(run_file), "--azure-monitor", "nonsense"]) == 2
    assert "--azure-monitor" in capsys.readouterr().err
