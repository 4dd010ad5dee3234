"""Record OpenTelemetry traces of GenAI apps into crash-safe `.tracy` files, and read them back.

    import tracefile
    trace_file = tracefile.load("run.tracy")
    for span in trace_file.spans:
        print(span.name, span.duration_ns / 1e6, "ms")
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import TraceFileError
from .model import Span, SpanEvent, SpanLink, TraceFile
from .reader import iter_spans, load
from .schema import Feedback, Resource, Scope


def __getattr__(name: str):
    # The exporter pulls in the OpenTelemetry SDK; import it only when asked for.
    if name == "TracyFileExporter":
        from .otel.exporter import TracyFileExporter

        return TracyFileExporter
    raise AttributeError(f"module 'tracefile' has no attribute {name!r}")


__all__ = [
    "Feedback",
    "Resource",
    "Scope",
    "Span",
    "SpanEvent",
    "SpanLink",
    "TraceFile",
    "TraceFileError",
    "TracyFileExporter",
    "iter_spans",
    "load",
]
