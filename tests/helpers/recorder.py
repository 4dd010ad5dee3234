"""Spans with chosen timings written into a .tracy file through the real OpenTelemetry SDK, and the viewer's sample."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

#: Fixed start so screenshots come out the same every run (local time).
BASE_NS = int(datetime(2025, 11, 25, 14, 3, 12).timestamp()) * 1_000_000_000
MS = 1_000_000


class Recorder:
    """Writes spans with chosen timings through the real SDK into a .tracy file."""

    def __init__(self, path: Path) -> None:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor

        from tracefile import TracyFileExporter

        self.provider = TracerProvider(resource=Resource.create({"service.name": "travel-agent"}))
        self.provider.add_span_processor(SimpleSpanProcessor(TracyFileExporter(str(path))))
        self.tracer = self.provider.get_tracer("tests.viewer")

    @contextmanager
    def span(self, name: str, start_ms: float, dur_ms: float, *, kind=None, error: str | None = None, **attrs):
        from opentelemetry import trace

        start = BASE_NS + int(start_ms * MS)
        with self.tracer.start_as_current_span(
            name,
            kind=kind or trace.SpanKind.INTERNAL,
            start_time=start,
            attributes={k.replace("__", "."): v for k, v in attrs.items()},
            end_on_exit=False,
        ) as span:
            yield span
            if error:
                span.set_status(trace.Status(trace.StatusCode.ERROR, error))
            span.end(end_time=start + int(dur_ms * MS))

    def close(self) -> None:
        self.provider.shutdown()


def write_sample(path: Path) -> Path:
    """Five GenAI traces: agent runs with tool calls, a failing chat call, an embedding call."""
    from opentelemetry.trace import SpanKind

    rec = Recorder(path)
    client = SpanKind.CLIENT
    # 1. An agent run: two model calls around a tool call.
    with rec.span("invoke_agent travel-planner", 0, 4820, gen_ai__operation__name="invoke_agent"):
        with rec.span("chat gpt-4o", 12, 1830, kind=client, gen_ai__request__model="gpt-4o"):
            pass
        with rec.span("execute_tool get_weather", 1850, 412.5, gen_ai__tool__name="get_weather"):
            with rec.span("GET api.weather.example/v1/forecast", 1861, 388.2, kind=client):
                pass
        with rec.span("execute_tool search_flights", 2270, 980, gen_ai__tool__name="search_flights"):
            pass
        with rec.span("chat gpt-4o", 3260, 1552, kind=client, gen_ai__request__model="gpt-4o"):
            pass
    # 2. A chat call that fails after a retry.
    with rec.span("chat gpt-4o-mini", 6000, 2315, kind=client, error="RateLimitError: 429 Too Many Requests"):
        with rec.span("POST /v1/chat/completions", 6002, 1001, kind=client, error="429 Too Many Requests"):
            pass
        with rec.span("POST /v1/chat/completions", 7310, 1003.7, kind=client, error="429 Too Many Requests"):
            pass
    # 3. Embeddings.
    with rec.span("embeddings text-embedding-3-small", 9100, 86.4, kind=client):
        pass
    # 4. A second agent run.
    with rec.span("invoke_agent travel-planner", 12000, 2950.8):
        with rec.span("chat gpt-4o", 12010, 2210, kind=client):
            pass
        with rec.span("execute_tool book_hotel", 14230, 0.72):
            pass
    # 5. A quick cache lookup.
    with rec.span("cache.lookup", 15500, 0.0385):
        pass
    rec.close()
    return path
