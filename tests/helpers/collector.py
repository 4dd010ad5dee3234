"""A loopback OTLP collector for the push tests: real HTTP and gRPC servers on 127.0.0.1 that
decode what they receive with opentelemetry-proto and can answer with chosen failures."""

from __future__ import annotations

import json
import threading
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc


@dataclass
class Received:
    """Spans and log records as plain dicts (ids as lowercase hex), and every request's path and content type."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


def _value(v: dict) -> Any:
    for k in ("stringValue", "boolValue", "doubleValue"):
        if k in v:
            return v[k]
    if "intValue" in v:
        return int(v["intValue"])
    if "arrayValue" in v:
        return [_value(x) for x in v["arrayValue"].get("values", [])]
    if "kvlistValue" in v:
        return {kv["key"]: _value(kv.get("value", {})) for kv in v["kvlistValue"].get("values", [])}
    return None


def _attrs(kvs: list) -> dict[str, Any]:
    return {kv["key"]: _value(kv.get("value", {})) for kv in kvs or []}


def _hex(v: str, width: int, from_proto: bool) -> str:
    if not v:
        return ""
    if from_proto:  # MessageToDict writes bytes as base64
        import base64

        return base64.b64decode(v).hex()
    return v.lower().rjust(width, "0")


def flatten_traces(doc: dict, from_proto: bool) -> list[dict[str, Any]]:
    out = []
    for rs in doc.get("resourceSpans", []):
        resource = _attrs(rs.get("resource", {}).get("attributes"))
        for ss in rs.get("scopeSpans", []):
            scope = ss.get("scope", {})
            for s in ss.get("spans", []):
                out.append({
                    "trace_id": _hex(s.get("traceId", ""), 32, from_proto),
                    "span_id": _hex(s.get("spanId", ""), 16, from_proto),
                    "parent_span_id": _hex(s.get("parentSpanId", ""), 16, from_proto),
                    "name": s.get("name", ""),
                    "kind": s.get("kind", 0),
                    "start": int(s.get("startTimeUnixNano", 0)),
                    "end": int(s.get("endTimeUnixNano", 0)),
                    "attributes": _attrs(s.get("attributes")),
                    "events": [(e.get("name", ""), int(e.get("timeUnixNano", 0)), _attrs(e.get("attributes"))) for e in s.get("events", [])],
                    "links": [_hex(lk.get("spanId", ""), 16, from_proto) for lk in s.get("links", [])],
                    "status": s.get("status", {}),
                    "resource": resource,
                    "scope": (scope.get("name", ""), scope.get("version", "")),
                })  # fmt: skip
    return out


def flatten_logs(doc: dict, from_proto: bool) -> list[dict[str, Any]]:
    out = []
    for rl in doc.get("resourceLogs", []):
        for sl in rl.get("scopeLogs", []):
            for r in sl.get("logRecords", []):
                out.append({
                    "event_name": r.get("eventName", ""),
                    "trace_id": _hex(r.get("traceId", ""), 32, from_proto),
                    "span_id": _hex(r.get("spanId", ""), 16, from_proto),
                    "attributes": _attrs(r.get("attributes")),
                    "time": int(r.get("timeUnixNano", 0)),
                })  # fmt: skip
    return out


class Collector:
    """``with Collector() as c: ... c.endpoint``; ``c.fail(503, times=2)`` answers the next requests
    with that status; ``c.json_status`` answers every JSON request with it (415, as Phoenix does)."""

    def __init__(self) -> None:
        self.received = Received()
        self._lock = threading.Lock()
        self._failures: list[int] = []
        self.json_status: int | None = None
        self.logs_status: int | None = None
        self.partial_reject = 0
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ctype = self.headers.get("Content-Type", "")
                status, reply = collector._handle(self.path, ctype, body, dict(self.headers))
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def _handle(self, path: str, ctype: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        with self._lock:
            self.received.requests.append((path, ctype))
            self.received.headers.append({k.lower(): v for k, v in headers.items()})
            if self._failures:
                return self._failures.pop(0), b"try again later"
            is_json = "json" in ctype
            if is_json and self.json_status:
                return self.json_status, b"Unsupported content type, expected application/x-protobuf"
            if path == "/v1/logs":
                if self.logs_status:
                    return self.logs_status, b"Not Found"
                if is_json:
                    self.received.logs.extend(flatten_logs(json.loads(body), False))
                else:
                    msg = logs_service_pb2.ExportLogsServiceRequest.FromString(body)
                    self.received.logs.extend(flatten_logs(MessageToDict(msg, use_integers_for_enums=True), True))
                return 200, logs_service_pb2.ExportLogsServiceResponse().SerializeToString()
            if path != "/v1/traces":
                return 404, b"Not Found"
            if is_json:
                spans = flatten_traces(json.loads(body), False)
            else:
                msg = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
                spans = flatten_traces(MessageToDict(msg, use_integers_for_enums=True), True)
            self.received.spans.extend(spans)
            reply = trace_service_pb2.ExportTraceServiceResponse()
            if self.partial_reject:
                reply.partial_success.rejected_spans = self.partial_reject
                reply.partial_success.error_message = "too old"
            return 200, reply.SerializeToString()

    def __enter__(self) -> Collector:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


class GrpcCollector:
    """An OTLP/gRPC receiver (TraceService and LogsService) on 127.0.0.1."""

    def __init__(self) -> None:
        import grpc

        self.received = Received()
        outer = self

        class Traces(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request, context):  # noqa: N802 - the gRPC name
                outer.received.requests.append(("TraceService/Export", "grpc"))
                outer.received.spans.extend(flatten_traces(MessageToDict(request, use_integers_for_enums=True), True))
                return trace_service_pb2.ExportTraceServiceResponse()

        class Logs(logs_service_pb2_grpc.LogsServiceServicer):
            def Export(self, request, context):  # noqa: N802
                outer.received.requests.append(("LogsService/Export", "grpc"))
                outer.received.logs.extend(flatten_logs(MessageToDict(request, use_integers_for_enums=True), True))
                return logs_service_pb2.ExportLogsServiceResponse()

        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Traces(), self._server)
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(Logs(), self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self.endpoint = f"http://127.0.0.1:{port}"

    def __enter__(self) -> GrpcCollector:
        self._server.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.stop(None)
