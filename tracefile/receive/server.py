"""The receiver: a sink file, an OTLP/HTTP endpoint and an OTLP/gRPC endpoint, started and stopped together."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

from .. import settings
from ..record.exporter import default_file_name, default_path
from ..record.redact import Policy
from .otlp import Outcome
from .sink import Sink

DEFAULT_HTTP_PORT = 4318
DEFAULT_GRPC_PORT = 4317
#: The largest request body taken (after decompression), as the OpenTelemetry Collector's default.
DEFAULT_MAX_BODY = 20 * 1024 * 1024


def resolve_path(path: str | os.PathLike[str] | None) -> Path:
    """A file as given, or a new ``receive.<time>.<pid>.tracy`` in a folder (default ``.runs/``)."""
    raw = os.fspath(path) if path is not None else default_path()
    if raw.endswith(("/", os.sep)) or os.path.isdir(raw):
        return Path(raw) / default_file_name("receive")
    return Path(raw)


class Receiver:
    """Receives OTLP traces (and feedback as GenAI evaluation logs) from any language's SDK into a .tracy file.

        with Receiver("run.tracy", http_port=0, grpc_port=None) as rx:
            print(rx.http_endpoint)        # http://127.0.0.1:PORT: point OTEL_EXPORTER_OTLP_ENDPOINT here

    Spans go through the recording layer's writer and redaction, with the policy `configure()`
    would use (content recording from the environment unless ``content_recording`` says).
    A port of 0 picks a free one; None leaves that protocol off. It listens on 127.0.0.1
    unless ``host`` says otherwise.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        host: str = "127.0.0.1",
        http_port: int | None = DEFAULT_HTTP_PORT,
        grpc_port: int | None = DEFAULT_GRPC_PORT,
        max_body: int = DEFAULT_MAX_BODY,
        content_recording: bool | None = None,
        redaction: Policy | None = None,
        compression: bool = True,
        on_request: Callable[[str, Outcome], None] | None = None,
    ) -> None:
        self.path = resolve_path(path)
        self.host = host
        self.max_body = max_body
        if redaction is None:
            content = bool(settings.content_recording()) if content_recording is None else content_recording
            redaction = Policy.from_env(record_content=content)
        self._want = (http_port, grpc_port)
        self._compression = compression
        self._redaction = redaction
        self._on_request = on_request
        self.sink: Sink | None = None
        self._http = None
        self._grpc = None
        self._lock = threading.Lock()

    @property
    def http_port(self) -> int | None:
        return self._http.port if self._http is not None else None

    @property
    def grpc_port(self) -> int | None:
        return self._grpc.port if self._grpc is not None else None

    @property
    def http_endpoint(self) -> str | None:
        """The base URL for ``OTEL_EXPORTER_OTLP_ENDPOINT`` (``/v1/traces`` is appended by senders)."""
        return f"http://{self._url_host()}:{self.http_port}" if self._http is not None else None

    @property
    def grpc_endpoint(self) -> str | None:
        return f"http://{self._url_host()}:{self.grpc_port}" if self._grpc is not None else None

    def _url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    def start(self) -> "Receiver":
        """Open the file and listen. Raises OSError when the file cannot be opened or a port is taken."""
        from .otlp_grpc import GrpcReceiver
        from .otlp_http import HttpReceiver

        http_port, grpc_port = self._want
        self.sink = Sink(self.path, self._redaction, compression=self._compression)
        try:
            if http_port is not None:
                self._http = HttpReceiver(self.sink, self.host, http_port, self.max_body, self._on_request)
                self._http.start()
            if grpc_port is not None:
                self._grpc = GrpcReceiver(self.sink, self.host, grpc_port, self.max_body, self._on_request)
                self._grpc.start()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop listening, finish the requests in progress and close the file. Closing twice is harmless."""
        with self._lock:
            http, grpc_, sink = self._http, self._grpc, self.sink
            self._http = self._grpc = None
        for server in (http, grpc_):
            if server is not None:
                server.stop()
        if sink is not None:
            sink.close()

    def __enter__(self) -> "Receiver":
        return self.start() if self.sink is None else self

    def __exit__(self, *exc) -> None:
        self.close()
