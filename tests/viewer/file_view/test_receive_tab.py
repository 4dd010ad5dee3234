"""File › Receive OTLP: a live tab on an OTLP receiver started in the viewer's process; the
OpenTelemetry SDK's real OTLP/HTTP exporter sends to it, and the spans appear as they arrive."""

from __future__ import annotations

import os
import socket

import pytest

import tracefile
from viewer.main_window import ReceiveError


def _send(endpoint: str, names: list[str]) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "node-like-app"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint + "/v1/traces")))
    tracer = provider.get_tracer("tests.receive")
    with tracer.start_as_current_span(names[0], attributes={"gen_ai.operation.name": "invoke_agent"}):
        for name in names[1:]:
            with tracer.start_as_current_span(name, attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}):
                pass
    provider.shutdown()


def test_spans_sent_to_the_receiver_appear_in_a_live_tab(qtbot, light_window):
    view = light_window.receive(0, None)
    qtbot.waitUntil(lambda: view.state == "loaded")
    assert view.format_label.startswith("receiving OTLP at http://127.0.0.1:")
    endpoint = view.format_label.removeprefix("receiving OTLP at ")
    assert endpoint in view.status.counts_label.text() or endpoint in view.status.counts_label.toolTip()
    assert "receiving OTLP" in light_window.windowTitle()

    _send(endpoint, ["invoke_agent planner", "chat gpt-4o", "chat gpt-4o"])
    qtbot.waitUntil(lambda: view.session.index is not None and view.session.index.n == 3, timeout=15000)
    assert sorted(s.name for s in tracefile.load(view.path).spans) == ["chat gpt-4o", "chat gpt-4o", "invoke_agent planner"]
    assert view.trace_model.rowCount() == 1

    # Closing the tab stops the receiver and removes its private file.
    path = view.path
    port = int(endpoint.rsplit(":", 1)[1])
    light_window.close_tab(light_window.tabs.indexOf(view))
    assert not os.path.exists(path)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_a_port_in_use_says_so(light_window):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ReceiveError, match=r"Cannot listen on port \d+"):
            light_window.receive(taken.getsockname()[1], None)
    assert light_window.file_views() == []
