"""Replaying trace files to an OpenTelemetry backend (a Collector, Phoenix, Jaeger) or Azure Monitor.

    from tracefile.push import make_sender, push
    result = push(["run.tracy"], make_sender("http/protobuf", "http://localhost:4318", {}), query="model:gpt-4o")
    print(result.sent, result.rejected, result.retried, result.complete)

Spans keep their trace and span ids, times, resources and scopes and go through the official
OTLP exporters; feedback goes as ``gen_ai.evaluation.*`` span events and log records. This layer
needs the OpenTelemetry SDK and the exporters (the ``push`` extra; ``azure-monitor`` for Azure).
"""

from __future__ import annotations

from .run import PushResult, push
from .select import parse_since, select
from .senders import PROTOCOLS, AzureMonitorSender, Delivery, make_sender, signal_urls

__all__ = ["PROTOCOLS", "AzureMonitorSender", "Delivery", "PushResult", "make_sender", "parse_since", "push", "select", "signal_urls"]
