"""Secrets in every place a span can carry text: names, event names, status messages, exceptions,
links, resources, and nested JSON from ``@tracefile.trace``. Each case is recorded through the real
SDK and `TracyFileExporter`, and none of the secrets may appear anywhere in the file: not in the
decoded spans, not in any frame's decompressed payload, not in the raw bytes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Link, SpanContext, Status, StatusCode, TraceFlags

import tracefile
from tests.helpers import e2e
from tests.helpers.spans import provider
from tracefile.format.framing import ScanReport, frame_payload, scan_frames
from tracefile.format.reader import open_buffer
from tracefile.record.exporter import TracyFileExporter

OPENAI_KEY = "sk-proj-Q7rT2vX9kLmN4pWs8dF3gH6jB1cV5zY0aE"
URL_PASSWORD = "hunter2Secret"
AZURE_KEY = "7f3c9a1b2c3d4e5f60718293a4b5c6d7"
BEARER = "eZ9xQ2mV7kL4pN8rT1wY6uB3"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYXJvbCIsImV4cCI6OTk5OX0.c2lnbmF0dXJlX2hlcmVfMTIzNDU2"
GITHUB = "ghp_" + "Kq3Wm8Rt5Yp2Xz7Nv4Bc9Lg6Hd1Jf0Sa3Ue"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
ACCOUNT_KEY = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr=="
SAS = "SharedAccessSignature sr=myhub&sig=Xk2Lp9QwRt7YuZ3VbN5MmA%3D&se=1700000000"
SAS_SIG = "Xk2Lp9QwRt7YuZ3VbN5MmA"
URL_SIG = "sp=r&sig=Pq8Rs5Tu2Vw9Xy6Za3Bc4D%3D"
URL_SIG_VALUE = "Pq8Rs5Tu2Vw9Xy6Za3Bc4D"
NESTED_KEY = "Nz8Mq4Kw2Lp6Rt9Xv3Bn7"
NESTED_PASSWORD = "deep-down-Pa55phrase"

#: What must never reach the file, by the case that carries it.
SECRETS = {
    "url credentials in a span name": URL_PASSWORD,
    "a query key in a span name": OPENAI_KEY,
    "api-key in exception.message and .stacktrace": AZURE_KEY,
    "Authorization: Bearer in free text": BEARER,
    "a JWT in a status message": JWT,
    "a GitHub token in an event name": GITHUB,
    "an AWS key in a span name": AWS,
    "AccountKey= in a resource attribute": ACCOUNT_KEY,
    "SharedAccessSignature= in a link attribute": SAS_SIG,
    "sig= in a link attribute": URL_SIG_VALUE,
    "a nested key named key": NESTED_KEY,
    "a nested key named password": NESTED_PASSWORD,
}


def _frames_payloads(path: Path) -> list[bytes]:
    with open_buffer(path) as buf:
        report = ScanReport()
        payloads = [frame_payload(buf, ref) for ref in scan_frames(buf, report)]
    assert not report.damaged
    return payloads


def _assert_nowhere(path: Path) -> None:
    """No secret in the raw file, in any frame's decompressed payload, or in the decoded spans."""
    raw = path.read_bytes()
    payloads = _frames_payloads(path)
    assert len(payloads) >= 3
    tf = tracefile.load(path)
    decoded = json.dumps(
        [[s.name, s.status_message, s.attributes, [(e.name, e.attributes) for e in s.events],
          [lk.attributes for lk in s.links]] for s in tf.spans]
        + [r.attributes for r in tf.resources],
        default=str,
    )  # fmt: skip
    for case, secret in SECRETS.items():
        needle = secret.encode()
        assert needle not in raw, f"{case}: in the raw file"
        for k, payload in enumerate(payloads):
            assert needle not in payload, f"{case}: in frame {k}'s payload"
        assert secret not in decoded, f"{case}: in the decoded spans"


def _record(path: Path, compression: str) -> None:
    """Every free-text place of a span, each with its secret, through the SDK and the exporter."""
    tp, _ = provider(
        {"service.name": "secrets", "storage.connection": f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={ACCOUNT_KEY};EndpointSuffix=core.windows.net"}
    )  # fmt: skip
    tp.add_span_processor(SimpleSpanProcessor(TracyFileExporter(path, compression=compression)))
    tracer = tp.get_tracer("secrets")
    linked = SpanContext(0x1234, 0x5678, True, TraceFlags(1))
    links = [Link(linked, {"eventhub": f"Endpoint=sb://x.servicebus.windows.net/;{SAS}", "blob": f"https://a.blob.core.windows.net/c/b?{URL_SIG}"})]
    with tracer.start_as_current_span(f"GET https://carol:{URL_PASSWORD}@example.com/?key={OPENAI_KEY}", links=links) as span:
        span.add_event(f"pushed with token {GITHUB}", {"n": 1})
        span.set_status(Status(StatusCode.ERROR, f"token rejected: {JWT}"))
    with tracer.start_as_current_span(f"s3 upload as {AWS}") as span:
        try:
            raise PermissionError(f"auth failed with api-key {AZURE_KEY}; sent Authorization: Bearer {BEARER}")
        except PermissionError as exc:
            span.record_exception(exc)
    tp.shutdown()


@pytest.mark.parametrize("compression", ["zstd", "none"])
def test_no_secret_of_any_case_reaches_the_file(tmp_path, compression):
    path = tmp_path / "run.tracy"
    _record(path, compression)
    tf = tracefile.load(path)
    (first, second) = tf.spans
    # What is not secret stays, so the names still say what happened.
    assert first.name == "GET https://carol:[REDACTED]@example.com/?key=[REDACTED]"
    assert first.events[0].name == "pushed with token [REDACTED]"
    assert first.status_message == "token rejected: [REDACTED]"
    assert second.name == "s3 upload as [REDACTED]"
    (exc,) = second.events
    assert exc.attributes["exception.message"] == "auth failed with api-key [REDACTED]; sent Authorization: Bearer [REDACTED]"
    assert "api-key [REDACTED]" in exc.attributes["exception.stacktrace"]
    assert "AccountName=acct;AccountKey=[REDACTED]" in tf.resources[0].attributes["storage.connection"]
    link = first.links[0].attributes
    assert link["blob"].startswith("https://a.blob.core.windows.net/c/b?sp=r&sig=[REDACTED]")
    _assert_nowhere(path)


_TRACE = """
import sys, tracefile
{setup}

@tracefile.trace
def connect(settings, retries):
    return {{"ok": True, "settings": settings}}

connect({{"azure": {{"endpoint": "https://x.openai.azure.com", "key": "{key}"}},
         "db": {{"a": {{"b": {{"c": {{"password": "{password}"}}}}}}}}}}, retries=3)
{teardown}
"""

_SETUPS = {
    # configure(): the decorator scrubs values before they become JSON
    "configure": ("rec = tracefile.configure(sys.argv[1], instrument=())", "rec.close()"),
    # a bare exporter: the JSON text is scanned when the span is exported
    "exporter": (
        "from opentelemetry import trace\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "tp = TracerProvider()\n"
        "tp.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(sys.argv[1])))\n"
        "trace.set_tracer_provider(tp)",
        "tp.shutdown()",
    ),
}


@pytest.mark.parametrize("how", sorted(_SETUPS))
def test_keys_named_key_or_password_are_redacted_at_any_depth_of_trace_input(tmp_path, how):
    path = tmp_path / "trace.tracy"
    setup, teardown = _SETUPS[how]
    script = _TRACE.format(setup=setup, teardown=teardown, key=NESTED_KEY, password=NESTED_PASSWORD)
    done = e2e.run([sys.executable, "-c", script, str(path)])
    assert done.returncode == 0, done.stderr
    (span,) = tracefile.load(path).spans
    text = json.dumps(span.attributes)
    assert "x.openai.azure.com" in text and "[REDACTED]" in text  # the rest of the input stays
    _assert_nowhere(path)
