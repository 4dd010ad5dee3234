"""Record OpenTelemetry traces of GenAI apps into crash-safe `.tracy` files, and read them back.

    import tracefile
    tracefile.configure()                       # record this app's spans

    @tracefile.trace
    def retrieve(query): ...

    trace_file = tracefile.load("run.tracy")    # or an OTLP, Jaeger, Zipkin or Prompty file
    for span in trace_file.spans:
        print(span.name, span.duration_ns / 1e6, "ms")
"""

from __future__ import annotations

__version__ = "0.1.0"

from .format.errors import TraceFileError
from .format.model import Span, SpanEvent, SpanLink, TraceFile
from .format.schema import Feedback, Resource, Scope
from .interop.opening import iter_spans, load


_LAZY = {
    # These pull in the OpenTelemetry SDK or API; import them only when asked for,
    # so reading files stays light.
    "TracyFileExporter": "record.exporter",
    "configure": "record.recording",
    "Recording": "record.recording",
    "record_feedback": "record.feedback",
    "trace": "record.decorator",
    "log": "record.decorator",
    "set_value_policy": "record.decorator",
    "to_json": "record.values",
    "to_attribute": "record.values",
    "truncate": "format.truncation",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tracefile' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "Feedback",
    "Recording",
    "Resource",
    "Scope",
    "Span",
    "SpanEvent",
    "SpanLink",
    "TraceFile",
    "TraceFileError",
    "TracyFileExporter",
    "configure",
    "iter_spans",
    "load",
    "log",
    "record_feedback",
    "set_value_policy",
    "to_attribute",
    "to_json",
    "trace",
    "truncate",
]
