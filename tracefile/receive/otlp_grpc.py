"""OTLP/gRPC: ``TraceService/Export`` and ``LogsService/Export``, served by grpcio's own threads."""

from __future__ import annotations

import logging
from concurrent import futures
from typing import Callable

import grpc
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from . import otlp
from .otlp import Outcome
from .sink import Sink

_logger = logging.getLogger("tracefile.receive")


def _finish(context: grpc.ServicerContext, outcome: Outcome) -> None:
    if outcome.status == "full":
        context.abort(grpc.StatusCode.UNAVAILABLE, outcome.message)  # retryable: the SDK's exporters retry it
    if outcome.status == "bad":
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, outcome.message)


_TRACE_SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService"


def _trace_request(sink: Sink, body: bytes) -> Outcome:
    return otlp.trace_body(sink, body, otlp.PROTOBUF)


class _Traces:
    """``TraceService/Export``, handed the request's protobuf bytes as they arrived (no deserializer),
    so that it is read as an OTLP/HTTP protobuf body is: straight into the file's columns."""

    def __init__(self, receiver: "GrpcReceiver") -> None:
        self.receiver = receiver

    def handler(self) -> grpc.GenericRpcHandler:
        export = grpc.unary_unary_rpc_method_handler(
            self.Export, request_deserializer=None,
            response_serializer=trace_service_pb2.ExportTraceServiceResponse.SerializeToString,
        )  # fmt: skip
        return grpc.method_handlers_generic_handler(_TRACE_SERVICE, {"Export": export})

    def Export(self, request: bytes, context):  # noqa: N802 (the service's method name)
        outcome = self.receiver.run("traces", _trace_request, request, context)
        resp = trace_service_pb2.ExportTraceServiceResponse()
        if outcome.rejected or outcome.message:
            resp.partial_success.rejected_spans = outcome.rejected
            resp.partial_success.error_message = outcome.message
        return resp


class _Logs(logs_service_pb2_grpc.LogsServiceServicer):
    def __init__(self, receiver: "GrpcReceiver") -> None:
        self.receiver = receiver

    def Export(self, request, context):  # noqa: N802
        outcome = self.receiver.run("logs", otlp.logs_request, request, context)
        resp = logs_service_pb2.ExportLogsServiceResponse()
        if outcome.rejected or outcome.message:
            resp.partial_success.rejected_log_records = outcome.rejected
            resp.partial_success.error_message = outcome.message
        return resp


class GrpcReceiver:
    """The OTLP/gRPC endpoint on ``host:port`` (0: a free port), running until `stop`."""

    def __init__(self, sink: Sink, host: str, port: int, max_body: int,
                 on_request: Callable[[str, Outcome], None] | None = None) -> None:  # fmt: skip
        self.sink = sink
        self.host = host
        self.port = port
        self.max_body = max_body
        self.on_request = on_request
        self._server: grpc.Server | None = None

    def run(self, signal: str, handle, request, context) -> Outcome:
        try:
            outcome = handle(self.sink, request)
        except Exception as exc:  # a defect must not stop the receiver: say so and keep serving
            _logger.warning("tracy receive: could not handle a gRPC %s request: %s: %s", signal, type(exc).__name__, exc)
            context.abort(grpc.StatusCode.INTERNAL, f"{type(exc).__name__}: {exc}")
        if self.on_request is not None:
            self.on_request(signal, outcome)
        _finish(context, outcome)
        return outcome

    def start(self) -> None:
        """Listen (raises OSError when the port is taken) and serve on grpcio's threads."""
        options = [("grpc.max_receive_message_length", self.max_body), ("grpc.so_reuseport", 0)]
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="tracy-receive-grpc"), options=options)
        server.add_generic_rpc_handlers((_Traces(self).handler(),))
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(_Logs(self), server)
        host = f"[{self.host}]" if ":" in self.host else self.host
        try:
            port = server.add_insecure_port(f"{host}:{self.port}")
        except RuntimeError as exc:
            raise OSError(f"cannot listen on {host}:{self.port}: {exc}") from None
        if port == 0:
            raise OSError(f"cannot listen on {host}:{self.port} (is the port taken?)")
        self.port = port
        server.start()
        self._server = server

    def stop(self) -> None:
        """Stop listening, finishing the calls in progress. Stopping twice is harmless."""
        server, self._server = self._server, None
        if server is not None and not server.stop(grace=5).wait(timeout=15):
            _logger.warning("tracy receive: the gRPC endpoint did not stop within 15 s")
