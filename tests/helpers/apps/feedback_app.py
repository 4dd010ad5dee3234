"""An app that records feedback, for test_feedback.py.

    python feedback_app.py --endpoint URL --path OUT

In order: sets up an OpenTelemetry LoggerProvider that keeps log records in
memory; calls record_feedback() with no target (must raise ValueError); calls it
before configure() with no path (must return None, with one warning); then
configure(OUT), one chat call inside a traced function, and after both ended:
a user's thumbs-up by response id (its comment holds a secret) and an
evaluator's score by span id. Prints one JSON object: what each call returned,
the ``tracefile`` warnings logged in each phase, and the log records emitted.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from opentelemetry import trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

import tracefile

SECRET = "sk-proj-feedbackSECRET0123456789abcdef"
COMMENT = f"Spot on. (my key is {SECRET})"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@tracefile.trace(name="invoke_agent feedback-agent")
def agent(client, question: str) -> dict:
    from azure.ai.inference.models import UserMessage

    ctx = trace.get_current_span().get_span_context()
    response = client.complete(messages=[UserMessage(question)], model="gpt-4o-mini")
    return {"response_id": response.id, "span_id": f"{ctx.span_id:016x}", "trace_id": f"{ctx.trace_id:032x}"}


def _feedback_json(fb) -> dict | None:
    if fb is None:
        return None
    return {k: getattr(fb, k) for k in ("trace_id", "span_id", "response_id", "score", "label", "comment", "evaluator")}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--path", required=True)
    args = parser.parse_args()

    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    set_logger_provider(provider)
    collect = Collect()
    logging.getLogger("tracefile").addHandler(collect)
    out: dict = {}

    try:
        tracefile.record_feedback(score=1)
        out["no_target"] = None
    except ValueError as exc:
        out["no_target"] = str(exc)
    out["no_target_warnings"] = list(collect.messages)
    collect.messages.clear()

    out["unconfigured"] = _feedback_json(tracefile.record_feedback(response_id="chatcmpl-nowhere", score=1))
    out["unconfigured_warnings"] = list(collect.messages)
    collect.messages.clear()

    configure = tracefile.configure
    configure = getattr(configure, "configure", configure)  # see test_configure.py::test_configure_stays_a_function
    recording = configure(args.path, service_name="feedback-app")
    from azure.ai.inference import ChatCompletionsClient
    from azure.core.credentials import AzureKeyCredential

    with ChatCompletionsClient(endpoint=args.endpoint, credential=AzureKeyCredential("k"), retry_total=0) as client:
        seen = agent(client, "Is this helpful?")
    out["seen"] = seen
    # Both spans have ended; the chat span may still sit in the batching queue.
    out["user"] = _feedback_json(
        tracefile.record_feedback(response_id=seen["response_id"], score=1, label="thumbs_up", comment=COMMENT)
    )
    out["evaluator"] = _feedback_json(
        tracefile.record_feedback(
            span_id=seen["span_id"], trace_id=seen["trace_id"], score=0.75, evaluator="groundedness", label="pass"
        )
    )
    out["configured_warnings"] = list(collect.messages)
    recording.close()

    out["events"] = [
        {
            "event_name": r.log_record.event_name,
            "attributes": dict(r.log_record.attributes or {}),
            "body": r.log_record.body,
            "trace_id": f"{r.log_record.trace_id or 0:032x}",
            "span_id": f"{r.log_record.span_id or 0:016x}",
        }
        for r in exporter.get_finished_logs()
    ]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
