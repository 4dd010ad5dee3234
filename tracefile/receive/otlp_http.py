"""OTLP/HTTP: ``POST /v1/traces`` and ``/v1/logs``, protobuf or JSON, gzip or not, served by aiohttp
on a thread of its own.

aiohttp because one event loop holds every sender's keep-alive connection without a thread
each, streams a body (so a size limit stops reading at the limit, and a gzip body is inflated
as it arrives, never all at once), and survives a sender that disconnects mid-body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Callable

from aiohttp import web

from . import otlp
from .otlp import JSON, PROTOBUF, Outcome
from .sink import Sink

_logger = logging.getLogger("tracefile.receive")

#: Seconds a sender is asked to wait when the disk is full.
RETRY_AFTER = 5
#: Seconds the requests in progress get to finish when the receiver stops.
SHUTDOWN_TIMEOUT = 3.0
_CHUNK = 1 << 16


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _status_body(code: int, message: str, content_type: str) -> tuple[bytes, str]:
    """A google.rpc.Status, the body OTLP/HTTP gives with an error, in the request's encoding."""
    if content_type == PROTOBUF:
        text = message.encode()
        return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text, PROTOBUF
    return json.dumps({"code": code, "message": message}).encode(), JSON


# gRPC status codes OTLP/HTTP error bodies carry.
_INVALID_ARGUMENT, _RESOURCE_EXHAUSTED, _UNAVAILABLE, _INTERNAL = 3, 8, 14, 13


def _error(http: int, grpc_code: int, message: str, content_type: str, *, close: bool = False, **headers: str) -> web.Response:
    body, ctype = _status_body(grpc_code, message, content_type)
    resp = web.Response(status=http, body=body, content_type=ctype, headers=headers)
    if close:  # the rest of the body was not read: the connection cannot carry another request
        resp.force_close()
    return resp


def _success(signal: str, outcome: Outcome, content_type: str) -> web.Response:
    if content_type == PROTOBUF:
        if signal == "traces":
            from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse as Response

            resp = Response()
            if outcome.rejected or outcome.message:
                resp.partial_success.rejected_spans = outcome.rejected
        else:
            from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse as Response

            resp = Response()
            if outcome.rejected or outcome.message:
                resp.partial_success.rejected_log_records = outcome.rejected
        if outcome.rejected or outcome.message:
            resp.partial_success.error_message = outcome.message
        return web.Response(body=resp.SerializeToString(), content_type=PROTOBUF)
    out: dict = {}
    if outcome.rejected or outcome.message:
        key = "rejectedSpans" if signal == "traces" else "rejectedLogRecords"
        out["partialSuccess"] = {key: str(outcome.rejected), "errorMessage": outcome.message}
    return web.Response(body=json.dumps(out).encode(), content_type=JSON)


class HttpReceiver:
    """The OTLP/HTTP endpoint on ``host:port`` (0: a free port), running until `stop`."""

    def __init__(self, sink: Sink, host: str, port: int, max_body: int,
                 on_request: Callable[[str, Outcome], None] | None = None) -> None:  # fmt: skip
        self.sink = sink
        self.host = host
        self.port = port
        self.max_body = max_body
        self.on_request = on_request
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    # -- requests ---------------------------------------------------------------

    async def _read(self, request: web.Request, ctype: str) -> bytes | web.Response:
        limit = self.max_body
        if request.content_length is not None and request.content_length > limit:
            return _error(413, _RESOURCE_EXHAUSTED, f"request body of {request.content_length} bytes is over the limit of {limit} bytes", ctype, close=True)
        chunks, size = [], 0
        try:
            while True:
                chunk = await request.content.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    return _error(413, _RESOURCE_EXHAUSTED, f"request body is over the limit of {limit} bytes (after decompression)", ctype, close=True)
                chunks.append(chunk)
        except Exception as exc:  # the sender went away mid-body, or the gzip stream is broken
            return _error(400, _INVALID_ARGUMENT, f"cannot read the request body: {type(exc).__name__}: {exc}", ctype, close=True)
        return b"".join(chunks)

    async def _handle(self, request: web.Request, signal: str) -> web.Response:
        ctype = request.content_type
        if ctype not in otlp.CONTENT_TYPES:
            return _error(415, _INVALID_ARGUMENT, f"unsupported content type {ctype!r}: send {PROTOBUF} or {JSON}", JSON, close=True)
        body = await self._read(request, ctype)
        if isinstance(body, web.Response):
            return body
        try:
            handle = otlp.trace_body if signal == "traces" else otlp.logs_body
            outcome = handle(self.sink, body, ctype)
        except Exception as exc:  # a defect must not stop the receiver: say so and keep serving
            _logger.warning("tracy receive: could not handle a %s request: %s: %s", signal, type(exc).__name__, exc)
            return _error(500, _INTERNAL, f"{type(exc).__name__}: {exc}", ctype)
        if self.on_request is not None:
            self.on_request(signal, outcome)
        if outcome.status == "bad":
            return _error(400, _INVALID_ARGUMENT, outcome.message, ctype)
        if outcome.status == "full":
            return _error(503, _UNAVAILABLE, outcome.message, ctype, **{"Retry-After": str(RETRY_AFTER)})
        return _success(signal, outcome, ctype)

    async def _traces(self, request: web.Request) -> web.Response:
        return await self._handle(request, "traces")

    async def _logs(self, request: web.Request) -> web.Response:
        return await self._handle(request, "logs")

    # -- lifetime ---------------------------------------------------------------

    async def _start(self) -> None:
        app = web.Application(client_max_size=self.max_body)
        app.router.add_post("/v1/traces", self._traces)
        app.router.add_post("/v1/logs", self._logs)
        # A request still in progress at shutdown gets a few seconds to finish, not aiohttp's minute.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def start(self) -> None:
        """Listen (raises OSError when the port is taken) and serve on a thread of its own."""
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._start())
        except BaseException:
            loop.run_until_complete(self._runner.cleanup()) if self._runner else None
            loop.close()
            raise
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="tracy-receive-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening, finishing the requests in progress. Stopping twice is harmless."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result(timeout=SHUTDOWN_TIMEOUT + 10)
        except Exception as exc:  # a connection that would not close must not keep the file open
            _logger.warning("tracy receive: the HTTP endpoint did not stop cleanly: %s: %s", type(exc).__name__, exc)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout=10)
        loop.close()
