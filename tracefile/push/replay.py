"""Model spans back into the OpenTelemetry SDK's shapes: ReadableSpans with their original ids,
times, resources and scopes, and feedback as ``gen_ai.evaluation.*`` span events and log records."""

from __future__ import annotations

from typing import Any, Iterable

from opentelemetry import trace as trace_api
from opentelemetry.sdk.resources import Resource as SdkResource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState

from ..format.model import Span
from ..format.schema import Feedback, Resource, Scope
from ..genai.feedback import event_for

#: The scope of the feedback log records (the spans keep their own scopes).
FEEDBACK_SCOPE = "tracy.feedback"


class ReplayedSpan(ReadableSpan):
    """A ReadableSpan that reports the dropped counts the original span had, not zero."""

    def __init__(self, *args: Any, dropped: tuple[int, int, int] = (0, 0, 0), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tracy_dropped = dropped

    @property
    def dropped_attributes(self) -> int:
        return self._tracy_dropped[0]

    @property
    def dropped_events(self) -> int:
        return self._tracy_dropped[1]

    @property
    def dropped_links(self) -> int:
        return self._tracy_dropped[2]


def _trace_state(text: str) -> TraceState | None:
    if not text:
        return None
    return TraceState.from_header([text])


def _context(trace_id: str, span_id: str, flags: int = 0, trace_state: str = "") -> SpanContext:
    return SpanContext(
        int(trace_id, 16),
        int(span_id, 16),
        is_remote=False,
        trace_flags=TraceFlags(flags & 0xFF),
        trace_state=_trace_state(trace_state),
    )


class Replayer:
    """Turns model spans into ReadableSpans, sharing one SDK Resource and scope per distinct one."""

    def __init__(self) -> None:
        self._resources: dict[tuple, SdkResource] = {}
        self._scopes: dict[tuple, InstrumentationScope] = {}

    def resource(self, r: Resource) -> SdkResource:
        key = (tuple(sorted((k, repr(v)) for k, v in r.attributes.items())), r.schema_url)
        got = self._resources.get(key)
        if got is None:
            # Resource(), not Resource.create(): create() would add the SDK's own defaults.
            got = self._resources[key] = SdkResource(dict(r.attributes), r.schema_url or None)
        return got

    def scope(self, sc: Scope) -> InstrumentationScope:
        key = (sc.name, sc.version, sc.schema_url, tuple(sorted((k, repr(v)) for k, v in sc.attributes.items())))
        got = self._scopes.get(key)
        if got is None:
            got = self._scopes[key] = InstrumentationScope(
                sc.name, sc.version or None, sc.schema_url or None, dict(sc.attributes) or None
            )
        return got

    def span(self, s: Span) -> ReplayedSpan:
        """``s`` as the SDK would have handed it to an exporter; feedback on it becomes evaluation events."""
        events = [Event(e.name, dict(e.attributes), e.time_unix_nano) for e in s.events]
        for fb in s.feedback:
            name, attrs = event_for(fb)
            events.append(Event(name, attrs, fb.time_unix_nano))
        links = [Link(_context(lk.trace_id, lk.span_id, lk.flags, lk.trace_state), dict(lk.attributes)) for lk in s.links]
        code = StatusCode(s.status_code) if 0 <= s.status_code < 3 else StatusCode.UNSET
        # The SDK accepts a description only with ERROR (and warns otherwise).
        status = Status(code, s.status_message or None) if code is StatusCode.ERROR else Status(code)
        parent = _context(s.trace_id, s.parent_span_id, s.flags) if s.parent_span_id else None
        return ReplayedSpan(
            name=s.name,
            context=_context(s.trace_id, s.span_id, s.flags, s.trace_state),
            parent=parent,
            resource=self.resource(s.resource),
            attributes=dict(s.attributes),
            events=events,
            links=links,
            kind=SpanKind(s.kind) if 0 <= s.kind < 5 else SpanKind.INTERNAL,
            status=status,
            start_time=s.start_time,
            end_time=s.end_time,
            instrumentation_scope=self.scope(s.scope),
            dropped=(s.dropped_attributes, s.dropped_events, s.dropped_links),
        )

    def spans(self, spans: Iterable[Span]) -> list[ReplayedSpan]:
        return [self.span(s) for s in spans]

    def feedback_logs(self, spans: Iterable[Span]) -> list[Any]:
        """One log record per feedback record on ``spans``: the evaluation event, in the span's context."""
        from opentelemetry._logs import LogRecord
        from opentelemetry.sdk._logs import ReadableLogRecord

        scope = InstrumentationScope(FEEDBACK_SCOPE)
        out = []
        for s in spans:
            for fb in s.feedback:
                out.append(
                    ReadableLogRecord(
                        log_record=LogRecord(
                            timestamp=fb.time_unix_nano or s.end_time,
                            observed_timestamp=fb.time_unix_nano or s.end_time,
                            context=trace_api.set_span_in_context(
                                trace_api.NonRecordingSpan(_context(s.trace_id, s.span_id, s.flags))
                            ),
                            event_name=event_for(fb)[0],
                            attributes=event_for(fb)[1],
                            body=_body(fb),
                        ),
                        resource=self.resource(s.resource),
                        instrumentation_scope=scope,
                    )
                )
        return out


def _body(fb: Feedback) -> str:
    # The comment only: a receiver reads a body as the comment (label and score travel as attributes),
    # so anything else here would come back as a comment the record never had.
    return fb.comment
