"""The in-memory trace model that `tracefile.load()` returns."""

from __future__ import annotations

from typing import Any

import msgspec

from .schema import SPAN_KIND_NAMES, STATUS_ERROR, STATUS_NAMES, Event, Feedback, FileInfo, Resource, Scope


#: Events are decoded straight into the format's own struct:
#: ``SpanEvent(time_unix_nano, name, attributes={}, dropped_attributes=0)``.
SpanEvent = Event


class SpanLink(msgspec.Struct, gc=False):
    """A reference from a span to another span, possibly in another trace."""

    trace_id: str
    span_id: str
    trace_state: str = ""
    attributes: dict[str, Any] = {}
    dropped_attributes: int = 0
    flags: int = 0


class Span(msgspec.Struct, gc=False):
    """One span with every field the file holds. Ids are lowercase hex.

    Construct it with keywords; readers use the field order for speed.
    """

    trace_id: str
    span_id: str
    parent_span_id: str  # "" for a root span
    name: str
    kind: int
    start_time: int  # unix nanoseconds
    end_time: int
    status_code: int = 0
    status_message: str = ""
    attributes: dict[str, Any] = {}
    events: list[SpanEvent] = []
    links: list[SpanLink] = []
    resource: Resource = Resource()
    scope: Scope = Scope()
    trace_state: str = ""
    flags: int = 0
    dropped_attributes: int = 0
    dropped_events: int = 0
    dropped_links: int = 0
    #: Feedback records that refer to this span (filled in by `load()`).
    feedback: list[Feedback] = []

    @property
    def duration_ns(self) -> int:
        return self.end_time - self.start_time

    @property
    def is_error(self) -> bool:
        return self.status_code == STATUS_ERROR

    @property
    def kind_name(self) -> str:
        return SPAN_KIND_NAMES[self.kind] if 0 <= self.kind < len(SPAN_KIND_NAMES) else str(self.kind)

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status_code] if 0 <= self.status_code < 3 else str(self.status_code)


class TraceFile(msgspec.Struct, kw_only=True):
    """Everything read from one trace file (a .tracy file, or another format imported)."""

    path: str
    size: int
    version: tuple[int, int]
    spans: list[Span] = []
    resources: list[Resource] = []
    feedback: list[Feedback] = []
    writers: list[FileInfo] = []
    #: Anything the reader skipped or could not read, with its byte offset.
    warnings: list[str] = []
    #: True when the file ends inside a frame (a writer is still running or was killed).
    truncated: bool = False
    #: Which format the file was read from: "tracy", or the importer's name ("otlp-json", "jaeger",
    #: "zipkin", "prompty", ...) when `tracefile.load` imported it.
    format: str = "tracy"

    def traces(self) -> dict[str, list[Span]]:
        """Spans grouped by trace id, in file order."""
        out: dict[str, list[Span]] = {}
        for span in self.spans:
            out.setdefault(span.trace_id, []).append(span)
        return out

    def span(self, span_id: str) -> Span | None:
        for s in self.spans:
            if s.span_id == span_id:
                return s
        return None
