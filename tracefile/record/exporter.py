"""An OpenTelemetry SpanExporter that appends spans to a crash-safe .tracy file.

Usage::

    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from tracefile import TracyFileExporter

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(TracyFileExporter("runs/")))
    trace.set_tracer_provider(provider)

Every ``export()`` call appends one batch with a single write, so a crash or
``kill -9`` loses at most the batch being written. ``export()`` never raises.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from .. import settings
from .redact import Policy, Redactor
from ..format.framing import FrameTooLarge
from ..format.writer import ShortWriteError, TraceWriter, new_batch_id
from .convert import ENCODE_ERRORS, convert, storable_frames

_logger = logging.getLogger("tracefile")

DEFAULT_FOLDER = ".runs"
#: The words ``compression`` takes, as an argument or in OTEL_EXPORTER_TRACY_COMPRESSION: compress or not.
COMPRESSION_CHOICES: dict[str, bool] = {"zstd": True, "none": False, **settings.FLAG_VALUES}


def default_path() -> str:
    """OTEL_EXPORTER_TRACY_PATH, else the ``.runs/`` folder."""
    return settings.text(settings.OTEL_EXPORTER_TRACY_PATH) or DEFAULT_FOLDER + os.sep


def default_file_name(service_name: str, started: datetime | None = None, pid: int | None = None) -> str:
    """``<service.name>.<YYYYMMDD.HHMMSS.ffffff>.<pid>.tracy``: two runs never share a name."""
    started = started or datetime.now()
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in service_name) or "unknown_service"
    return f"{safe}.{started:%Y%m%d.%H%M%S.%f}.{pid or os.getpid()}.tracy"


def default_policy() -> Policy:
    """The exporter's policy when none is given: from the environment, recording whatever
    message content the instrumentations produced unless the environment says otherwise.

    Instrumentations record content only when their own switch is on, so a bare
    exporter does not second-guess them; `configure()` passes an explicit policy.
    """
    content = settings.content_recording()
    return Policy.from_env(record_content=True if content is None else content)


class TracyFileExporter(SpanExporter):
    """Writes spans to a ``.tracy`` file.

    ``path`` may name a file or a folder (an existing folder, or a path ending
    in a separator). The default is the ``.runs/`` folder, or the
    ``OTEL_EXPORTER_TRACY_PATH`` environment variable. In a folder the file is
    named after the spans' ``service.name``, the start time and the process id.
    ``compression`` is ``"zstd"`` (default) or ``"none"``
    (``OTEL_EXPORTER_TRACY_COMPRESSION``); ``fsync=True`` forces every batch to
    disk before ``export()`` returns (``OTEL_EXPORTER_TRACY_FSYNC``).
    ``redaction`` is a `tracefile.record.redact.Policy`: secrets are redacted and long
    values cut by default (see "What gets recorded" in the README).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        compression: str | bool | None = None,
        fsync: bool | None = None,
        redaction: Policy | None = None,
        format_version: tuple[int, int] | None = None,
    ) -> None:
        if path is None:
            path = default_path()
        #: The .tracy format version of a new file (None: the writer's, 2.0); see TraceWriter.
        self.format_version = format_version
        if compression is None:
            compression = settings.choice(settings.OTEL_EXPORTER_TRACY_COMPRESSION, COMPRESSION_CHOICES, True)
        elif isinstance(compression, str):
            compression = settings.choice("compression", COMPRESSION_CHOICES, True, value=compression)
        if fsync is None:
            fsync = settings.flag(settings.OTEL_EXPORTER_TRACY_FSYNC, False)
        if redaction is None:
            redaction = default_policy()
        #: What is redacted, filtered and cut before anything reaches the file.
        self.redaction = redaction
        redactor = Redactor(redaction)
        self._redactor = None if redactor.is_noop else redactor
        self._requested = os.fspath(path)
        self._compression = compression
        self._fsync = fsync
        self._started = datetime.now()
        self._writer: TraceWriter | None = None
        self._open_lock = threading.Lock()
        self._shutdown = False
        self._warned: set[str] = set()
        self.path: Path | None = None
        if not self._is_folder(self._requested):
            self.path = Path(self._requested)

    @staticmethod
    def _is_folder(path: str) -> bool:
        return path.endswith(("/", os.sep)) or os.path.isdir(path)

    def _resolve_path(self, spans: Sequence[ReadableSpan]) -> Path:
        if self.path is not None:
            return self.path
        service = "unknown_service"
        if spans and spans[0].resource is not None:
            service = str(spans[0].resource.attributes.get("service.name") or service)
        self.path = Path(self._requested) / default_file_name(service, self._started)
        return self.path

    def _warn_once(self, key: str, message: str, *args) -> None:
        if key not in self._warned:
            self._warned.add(key)
            _logger.warning(message, *args)

    def _get_writer(self, spans: Sequence[ReadableSpan]) -> TraceWriter:
        with self._open_lock:
            if self._writer is None:
                options = {} if self.format_version is None else {"format_version": self.format_version}
                self._writer = TraceWriter(
                    self._resolve_path(spans), compression=self._compression, fsync=self._fsync, writer="otel-exporter", **options
                )
            return self._writer

    def _write_batch(self, writer: TraceWriter, spans: Sequence[ReadableSpan]) -> None:
        columns, details, max_end = convert(spans, new_batch_id(), self._redactor)
        try:
            try:
                writer.write_spans(columns, details, columns.base_time, max_end)
            except ENCODE_ERRORS:  # raised before anything is written
                if writer.closed:
                    raise
                self._warn_once(
                    "storable",
                    "TracyFileExporter: some values could not be stored as they are "
                    "(such as integers beyond 64 bits); they are written as text",
                )
                columns, details = storable_frames(columns, details, self._redactor)
                writer.write_spans(columns, details, columns.base_time, max_end)
        except FrameTooLarge:  # more than a frame may hold (FORMAT.md §5.1), raised before writing: halves
            if len(spans) == 1:
                raise
            half = len(spans) // 2
            self._write_batch(writer, spans[:half])
            self._write_batch(writer, spans[half:])

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shutdown:
            self._warn_once("shutdown", "TracyFileExporter is shut down; %d spans were not written", len(spans))
            return SpanExportResult.FAILURE
        if not spans:
            return SpanExportResult.SUCCESS
        try:
            self._write_batch(self._get_writer(spans), spans)
        except ShortWriteError as exc:  # a full disk, ``ulimit -f``: say what did reach the file
            if exc.spans:
                self._warn_once(
                    "ShortWriteError",
                    "TracyFileExporter wrote %d spans to %s without their attributes, events and links: %s",
                    exc.spans,
                    self.path or self._requested,
                    exc,
                )
            else:
                self._warn_once(
                    "ShortWriteError",
                    "TracyFileExporter could not write %d spans to %s: %s",
                    len(spans),
                    self.path or self._requested,
                    exc,
                )
            return SpanExportResult.FAILURE
        except Exception as exc:  # never raise into the host application
            self._warn_once(
                type(exc).__name__,
                "TracyFileExporter could not write %d spans to %s: %s",
                len(spans),
                self.path or self._requested,
                exc,
            )
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        # Every export is written before it returns: nothing is ever buffered here.
        return True

    def shutdown(self) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        with self._open_lock:
            writer = self._writer
        if writer is not None:
            try:
                writer.close()
            except Exception as exc:
                self._warn_once("close", "TracyFileExporter could not close %s cleanly: %s", self.path, exc)


__all__ = ["TracyFileExporter", "default_file_name"]
