"""What is received is recorded as `configure()` records: secrets redacted, message content dropped
unless asked for; GenAI evaluation log records (the Python SDK's own OTLP log exporter) become feedback."""

from __future__ import annotations

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource as SdkResource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

import tracefile
from tracefile.receive import Receiver


def _send_chat(endpoint: str) -> None:
    provider = TracerProvider(resource=SdkResource.create({"service.name": "app", "db.password": "hunter2hunter2"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
    with provider.get_tracer("t").start_as_current_span("chat gpt-4o", attributes={
        "gen_ai.operation.name": "chat", "gen_ai.input.messages": '[{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]',
        "http.request.header.authorization": "Bearer abcdefghijklmnop", "gen_ai.usage.input_tokens": 5,
    }) as span:  # fmt: skip
        span.add_event("gen_ai.user.message", {"content": "my question"})
    provider.shutdown()


def test_secrets_are_redacted_and_content_dropped_as_configure_does(tmp_path):
    with Receiver(tmp_path / "run.tracy", http_port=0, grpc_port=None, content_recording=False) as rx:
        _send_chat(rx.http_endpoint)
    (span,) = tracefile.load(rx.path).spans
    assert "gen_ai.input.messages" not in span.attributes
    assert span.attributes["http.request.header.authorization"] == "[REDACTED]"
    assert span.attributes["gen_ai.usage.input_tokens"] == 5
    assert span.events[0].name == "gen_ai.user.message" and "content" not in span.events[0].attributes
    assert span.resource.attributes["db.password"] == "[REDACTED]"


def test_content_is_kept_when_asked_for(tmp_path):
    with Receiver(tmp_path / "run.tracy", http_port=0, grpc_port=None, content_recording=True) as rx:
        _send_chat(rx.http_endpoint)
    (span,) = tracefile.load(rx.path).spans
    assert "parts" in span.attributes["gen_ai.input.messages"]
    assert span.events[0].attributes["content"] == "my question"
    assert span.attributes["http.request.header.authorization"] == "[REDACTED]"  # secrets still go


def test_evaluation_log_records_become_feedback(tmp_path):
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

    with Receiver(tmp_path / "run.tracy", http_port=0, grpc_port=None) as rx:
        _send_chat(rx.http_endpoint)
        span = tracefile.load(rx.path).spans[0]
        logs = LoggerProvider()
        logs.add_log_record_processor(SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"{rx.http_endpoint}/v1/logs")))
        logger = logs.get_logger("feedback")
        from opentelemetry import trace

        ctx = trace.set_span_in_context(trace.NonRecordingSpan(trace.SpanContext(int(span.trace_id, 16), int(span.span_id, 16), True)))
        logger.emit(event_name="gen_ai.evaluation.user_feedback", context=ctx, body={"comment": "spot on, my key is sk-proj-abcdefghijklmnopqrstuvwxyz012345"},
                    attributes={"gen_ai.evaluation.score": 1, "gen_ai.evaluation.score.label": "thumbs_up"})  # fmt: skip
        logger.emit(event_name="gen_ai.evaluation.result", context=ctx,
                    attributes={"gen_ai.evaluation.name": "groundedness", "gen_ai.evaluation.score.value": 0.75})  # fmt: skip
        logger.emit(body="an ordinary log line")
        logs.shutdown()
    got = tracefile.load(rx.path)
    user, judge = sorted(got.feedback, key=lambda fb: fb.evaluator)
    assert (user.score, user.label, user.span_id, user.trace_id) == (1.0, "thumbs_up", span.span_id, span.trace_id)
    assert user.comment == "spot on, my key is [REDACTED]"  # redacted as spans are
    assert (judge.evaluator, judge.score) == ("groundedness", 0.75)
    assert [fb.label for fb in got.spans[0].feedback] == ["thumbs_up", ""]
