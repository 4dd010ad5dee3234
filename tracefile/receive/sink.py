"""Where received spans go: one .tracy file, through the recording layer's writer and redaction."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Sequence

from ..format.model import Span
from ..format.schema import Feedback
from ..format.writer import TraceWriter
from ..record.feedback import scrub_feedback
from ..interop import otlp_proto
from ..format.framing import FrameTooLarge
from ..record.ingest import otlp_frames, write_frames, write_model_spans
from ..record.redact import Policy, Redactor

#: Write errors a sender should retry later: the disk (or the user's quota) is full. A short
#: write (errno None) is how a disk filling up mid-append shows.
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, None}


class StorageFull(Exception):
    """The file cannot take more now; the sender should retry later (OTLP's 503 / UNAVAILABLE)."""


class Sink:
    """Appends batches of received model spans, and feedback records, to one .tracy file. Thread-safe.

    The file is opened when the sink is, so a viewer can follow it from the start; when the
    disk is full then, opening is tried again with each batch.
    """

    def __init__(self, path: str | os.PathLike[str], policy: Policy, *, compression: bool = True) -> None:
        self.path = Path(path)
        self.policy = policy
        redactor = Redactor(policy)
        self._redactor = None if redactor.is_noop else redactor
        self._feedback_redactor = redactor
        self._compression = compression
        self._lock = threading.Lock()
        self._writer: TraceWriter | None = None
        self._closed = False
        self.spans = 0
        self.feedback = 0
        try:
            self._open()
        except StorageFull:
            pass

    def _open(self) -> TraceWriter:
        if self._writer is None:
            try:
                self._writer = TraceWriter(self.path, compression=self._compression, writer="tracy-receive")
            except OSError as exc:
                raise _error(exc) from None
        return self._writer

    def write_spans(self, spans: Sequence[Span]) -> None:
        """Redact and append ``spans`` as one batch. Raises StorageFull (retry later) or OSError."""
        if not spans:
            return
        with self._lock:
            if self._closed:
                raise StorageFull("the receiver is shutting down")
            try:
                write_model_spans(self._open(), spans, self._redactor)
            except OSError as exc:
                raise _error(exc) from None
            self.spans += len(spans)

    def write_trace_request(self, body: bytes) -> tuple[int, list[str]]:
        """Redact and append the spans of an OTLP protobuf ExportTraceServiceRequest as one batch:
        how many were written, and why each span left out was (OTLP's partial success). The
        common request is read straight into the file's columns; any other goes through the
        protobuf library and the trace model. Raises ValueError (a malformed request),
        StorageFull (retry later) or OSError."""
        frames = otlp_frames(body, self._redactor)  # the CPU work, outside the lock
        if frames is not None:
            count = frames[0].count
            if not count:
                return 0, []
            with self._lock:
                if self._closed:
                    raise StorageFull("the receiver is shutting down")
                try:
                    write_frames(self._open(), frames, self._redactor)
                    self.spans += count
                    return count, []
                except FrameTooLarge:
                    pass  # more than one frame may hold: the model path writes it in parts
                except OSError as exc:
                    raise _error(exc) from None
        spans, reasons = otlp_proto.request_spans(otlp_proto.parse_request(body))
        self.write_spans(spans)
        return len(spans), reasons

    def write_feedback(self, records: list[Feedback]) -> None:
        """Redact and append feedback records (comments and metadata, as spans are)."""
        if not records:
            return
        records = [scrub_feedback(fb, self._feedback_redactor) for fb in records]
        with self._lock:
            if self._closed:
                raise StorageFull("the receiver is shutting down")
            try:
                self._open().write_feedback(records)
            except OSError as exc:
                raise _error(exc) from None
            self.feedback += len(records)

    def close(self) -> None:
        """Write the file's index and close it. Closing twice is harmless."""
        with self._lock:
            self._closed = True
            writer, self._writer = self._writer, None
        if writer is not None:
            try:
                writer.close()
            except OSError:
                writer.close(write_index=False)


def _error(exc: OSError) -> Exception:
    if exc.errno in _FULL:
        return StorageFull(f"cannot write to the trace file: {exc.strerror or exc}")
    return exc
