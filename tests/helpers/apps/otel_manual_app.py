"""An app that knows nothing about Tracy: it makes spans with the plain OpenTelemetry API.

Run under ``opentelemetry-instrument --traces_exporter tracy python otel_manual_app.py``
(with ``OTEL_EXPORTER_TRACY_PATH``), whatever SDK the launcher set up records them.
Prints the ids of the spans it made as one JSON object.
"""

from __future__ import annotations

import json

from opentelemetry import trace

tracer = trace.get_tracer("manual-app", "1.2.3")

with tracer.start_as_current_span("handle_request", kind=trace.SpanKind.SERVER) as root:
    root.set_attribute("app.user", "ada")
    with tracer.start_as_current_span("chat manual-model", kind=trace.SpanKind.CLIENT) as chat:
        chat.set_attribute("gen_ai.operation.name", "chat")
        chat.set_attribute("gen_ai.provider.name", "manual")
        chat.set_attribute("gen_ai.request.model", "manual-model")
        chat.set_attribute("gen_ai.usage.input_tokens", 12)
        chat.set_attribute("gen_ai.usage.output_tokens", 34)
        chat.add_event("step", {"n": 1})
    with tracer.start_as_current_span("postprocess") as post:
        post.set_status(trace.Status(trace.StatusCode.ERROR, "could not format"))

ids = {
    "trace_id": f"{root.get_span_context().trace_id:032x}",
    "root": f"{root.get_span_context().span_id:016x}",
    "chat": f"{chat.get_span_context().span_id:016x}",
    "post": f"{post.get_span_context().span_id:016x}",
    "provider": type(trace.get_tracer_provider()).__name__,
}
print(json.dumps(ids))
