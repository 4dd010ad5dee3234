"""Where `tracy push` sends: OTLP over HTTP (protobuf or JSON) or gRPC, or Azure Monitor.

Each sender takes one batch of ReadableSpans (and of model spans, for OTLP/JSON) and says what
happened to it: a `Delivery` with the spans accepted and rejected, the retries made, and why a
batch failed. Protobuf and gRPC go through the official OpenTelemetry exporters, which retry
429, 502, 503, 504 and lost connections with exponential backoff; their retry and failure
messages are counted, not printed. OTLP/JSON is posted with the same policy.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Sequence

from ..format.errors import TraceFileError
from ..format.model import Span

PROTOCOLS = ("http/protobuf", "http/json", "grpc")
TRACES_PATH = "/v1/traces"
LOGS_PATH = "/v1/logs"
#: The OTLP exporters' retry policy, which the OTLP/JSON sender follows too.
RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
MAX_ATTEMPTS = 6
TIMEOUT_S = 10.0


@dataclass
class Delivery:
    """What became of one batch."""

    accepted: int = 0
    rejected: int = 0
    retried: int = 0
    errors: list[str] = field(default_factory=list)
    #: The backend does not take this signal at all (logs on a traces-only backend).
    unsupported: bool = False
    #: No answer at all (refused, unknown host, timed out): later batches would fare the same.
    unreachable: bool = False


def signal_urls(endpoint: str) -> tuple[str, str]:
    """The traces and logs URLs for an ``OTEL_EXPORTER_OTLP_ENDPOINT``-style base URL; a URL that
    already ends in ``/v1/traces`` is used as it is (its logs URL beside it)."""
    url = endpoint.strip()
    if "://" not in url:
        raise TraceFileError(f"--endpoint {endpoint!r}: expected a URL such as http://localhost:4318")
    url = url.rstrip("/")
    if url.endswith(TRACES_PATH):
        return url, url[: -len(TRACES_PATH)] + LOGS_PATH
    return url + TRACES_PATH, url + LOGS_PATH


class _ExporterLog(logging.Handler):
    """Counts the OTLP exporters' retry messages and keeps their failure messages, instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.retried = 0
        self.errors: list[str] = []
        #: The reason in the last retry message ("Transient error <reason> encountered ...").
        self.last_reason = ""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = record.getMessage()
        except Exception:  # a malformed log call in a library must not stop the push
            return
        if msg.startswith("Transient error"):
            self.retried += 1
            self.last_reason = msg[len("Transient error ") :].partition(" encountered")[0]
        elif record.levelno >= logging.ERROR:
            self.errors.append(msg)


class _Quiet:
    """While sending, the exporters' log goes to an `_ExporterLog` rather than to stderr."""

    _lock = threading.Lock()

    def __init__(self) -> None:
        self.log = _ExporterLog()
        self._logger = logging.getLogger("opentelemetry.exporter")

    def __enter__(self) -> _ExporterLog:
        self._lock.acquire()
        self._propagate = self._logger.propagate
        self._logger.addHandler(self.log)
        self._logger.propagate = False
        return self.log

    def __exit__(self, *exc: Any) -> None:
        self._logger.removeHandler(self.log)
        self._logger.propagate = self._propagate
        self._lock.release()


def _response_error(status: int, reason: str, body: bytes, url: str) -> str:
    text = body[:300].decode("utf-8", "replace").strip()
    hint = ""
    if status == 415:
        hint = "; the backend does not take this content type (try --protocol http/protobuf)"
    elif status == 404:
        hint = "; check the URL (OTLP/HTTP receivers listen on /v1/traces, usually on port 4318)"
    elif status in (401, 403):
        hint = "; check the credentials in --header or OTEL_EXPORTER_OTLP_HEADERS"
    return f"HTTP {status} {reason} from {url}{': ' + text if text else ''}{hint}"


class _Responses:
    """A requests response hook: keeps each response's status, reason and body, and reads partial success."""

    def __init__(self, url: str, signal: str) -> None:
        self.url = url
        self.signal = signal
        self.last: tuple[int, str, bytes] | None = None
        self.rejected = 0
        self.partial: list[str] = []

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.last = (response.status_code, response.reason or "", response.content or b"")
        if 200 <= response.status_code < 300 and response.content:
            self._partial(response.content, response.headers.get("Content-Type", ""))
        return response

    def _partial(self, body: bytes, content_type: str) -> None:
        rejected, message = 0, ""
        try:
            if "json" in content_type:
                ps = json.loads(body).get("partialSuccess") or {}
                rejected = int(ps.get("rejectedSpans" if self.signal == "spans" else "rejectedLogRecords") or 0)
                message = ps.get("errorMessage") or ""
            else:
                from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
                from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

                if self.signal == "spans":
                    ps = ExportTraceServiceResponse.FromString(body).partial_success
                    rejected = ps.rejected_spans
                else:
                    ps = ExportLogsServiceResponse.FromString(body).partial_success
                    rejected = ps.rejected_log_records
                message = ps.error_message
        except Exception:  # a body that is not an OTLP response: the status code is the answer
            return
        if rejected or message:
            self.rejected += rejected
            self.partial.append(f"{self.url} accepted part of a batch: {rejected} rejected{': ' + message if message else ''}")

    def take(self) -> tuple[int, list[str]]:
        rejected, partial = self.rejected, self.partial
        self.rejected, self.partial, self.last = 0, [], None
        return rejected, partial


def _session(hook: _Responses):
    import requests

    s = requests.Session()
    s.hooks["response"].append(hook)
    return s


class OtlpHttpSender:
    """OTLP/HTTP protobuf through ``opentelemetry-exporter-otlp-proto-http``'s span and log exporters."""

    def __init__(self, endpoint: str, headers: dict[str, str], timeout: float = TIMEOUT_S) -> None:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        self.traces_url, self.logs_url = signal_urls(endpoint)
        self._span_hook = _Responses(self.traces_url, "spans")
        self._log_hook = _Responses(self.logs_url, "logs")
        self._spans = OTLPSpanExporter(
            endpoint=self.traces_url, headers=headers, timeout=timeout, session=_session(self._span_hook)
        )
        self._logs = OTLPLogExporter(endpoint=self.logs_url, headers=headers, timeout=timeout, session=_session(self._log_hook))

    def send_spans(self, spans: Sequence[Any], model: Sequence[Span]) -> Delivery:
        return self._send(self._spans, self._span_hook, spans, self.traces_url)

    def send_logs(self, records: Sequence[Any]) -> Delivery:
        return self._send(self._logs, self._log_hook, records, self.logs_url)

    @staticmethod
    def _send(exporter: Any, hook: _Responses, items: Sequence[Any], url: str) -> Delivery:
        with _Quiet() as log:
            result = exporter.export(items)
        last = hook.last
        rejected, partial = hook.take()
        d = Delivery(retried=log.retried)
        if getattr(result, "name", "") == "SUCCESS":
            d.rejected = min(rejected, len(items))
            d.accepted = len(items) - d.rejected
            d.errors = partial
            return d
        d.rejected = len(items)
        if last is not None and not 200 <= last[0] < 300:
            d.errors.append(_response_error(*last, url))
            d.unsupported = last[0] in (404, 405, 501)
        elif last is None:
            d.unreachable = True
            d.errors.append(f"could not reach {url} ({log.retried + 1} attempts){': ' + log.last_reason if log.last_reason else ''}")
        else:
            d.errors.extend(log.errors or [f"{url} did not accept the batch"])
        return d

    def close(self) -> None:
        self._spans.shutdown()
        self._logs.shutdown()


class OtlpJsonSender:
    """OTLP/HTTP JSON: the mapping `tracefile.interop.otlp_json` writes, posted with the exporters' retry policy."""

    def __init__(self, endpoint: str, headers: dict[str, str], timeout: float = TIMEOUT_S) -> None:
        import requests

        self.traces_url, self.logs_url = signal_urls(endpoint)
        self._headers = {**headers, "Content-Type": "application/json"}
        self._timeout = timeout
        self._session = requests.Session()

    def send_spans(self, spans: Sequence[Any], model: Sequence[Span]) -> Delivery:
        from ..interop.otlp_json import spans_to_otlp

        return self._post(self.traces_url, spans_to_otlp(model), len(model), "spans")

    def send_logs(self, records: Sequence[Any]) -> Delivery:
        return self._post(self.logs_url, _logs_to_otlp(records), len(records), "logs")

    def _post(self, url: str, document: dict, count: int, signal: str) -> Delivery:
        import requests

        body = json.dumps(document, separators=(",", ":")).encode()
        hook = _Responses(url, signal)
        d = Delivery()
        deadline = time.monotonic() + self._timeout
        for attempt in range(MAX_ATTEMPTS):
            backoff = 2**attempt * random.uniform(0.8, 1.2)
            try:
                r = self._session.post(url, data=body, headers=self._headers, timeout=max(deadline - time.monotonic(), 0.1))
            except requests.RequestException as exc:
                status, error, retryable = None, f"could not reach {url} ({attempt + 1} attempts): {exc.__class__.__name__}", True
            else:
                if 200 <= r.status_code < 300:
                    hook(r)
                    rejected, d.errors = hook.take()
                    d.rejected = min(rejected, count)
                    d.accepted = count - d.rejected
                    return d
                status, error = r.status_code, _response_error(r.status_code, r.reason or "", r.content or b"", url)
                retryable = status in RETRYABLE_STATUS
                after = _retry_after(r.headers.get("Retry-After"))
                if retryable and after is not None:
                    backoff = after
            if not retryable or attempt + 1 == MAX_ATTEMPTS or time.monotonic() + backoff > deadline:
                d.rejected = count
                d.errors.append(error)
                d.unsupported = status in (404, 405, 501)
                d.unreachable = status is None
                return d
            d.retried += 1
            time.sleep(backoff)
        return d  # pragma: no cover - the loop always returns

    def close(self) -> None:
        self._session.close()


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def _logs_to_otlp(records: Sequence[Any]) -> dict:
    """Feedback log records (`Replayer.feedback_logs`) as an OTLP/JSON ExportLogsServiceRequest."""
    from ..interop.otlp_json import attributes_to_otlp

    groups: dict[int, tuple[Any, list]] = {}
    for rec in records:
        entry = groups.setdefault(id(rec.resource), (rec.resource, []))
        lr = rec.log_record
        entry[1].append({
            "timeUnixNano": str(lr.timestamp or 0),
            "observedTimeUnixNano": str(lr.observed_timestamp or 0),
            "eventName": lr.event_name or "",
            "body": {"stringValue": str(lr.body or "")},
            "attributes": attributes_to_otlp(dict(lr.attributes or {})),
            "traceId": f"{lr.trace_id:032x}",
            "spanId": f"{lr.span_id:016x}",
        })  # fmt: skip
    return {
        "resourceLogs": [
            {
                "resource": {"attributes": attributes_to_otlp(dict(resource.attributes))},
                "scopeLogs": [{"scope": {"name": "tracy.feedback"}, "logRecords": logs}],
            }
            for resource, logs in groups.values()
        ]
    }


class OtlpGrpcSender:
    """OTLP/gRPC through ``opentelemetry-exporter-otlp-proto-grpc``'s span and log exporters."""

    def __init__(self, endpoint: str, headers: dict[str, str], timeout: float = TIMEOUT_S) -> None:
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        url = endpoint.strip().rstrip("/")
        if url.endswith(TRACES_PATH):
            url = url[: -len(TRACES_PATH)]
        self.traces_url = self.logs_url = url
        insecure = url.startswith("http://")
        self._spans = OTLPSpanExporter(endpoint=url, insecure=insecure, headers=headers or None, timeout=timeout)
        self._logs = OTLPLogExporter(endpoint=url, insecure=insecure, headers=headers or None, timeout=timeout)

    def send_spans(self, spans: Sequence[Any], model: Sequence[Span]) -> Delivery:
        return self._send(self._spans, spans)

    def send_logs(self, records: Sequence[Any]) -> Delivery:
        return self._send(self._logs, records)

    def _send(self, exporter: Any, items: Sequence[Any]) -> Delivery:
        with _Quiet() as log:
            result = exporter.export(items)
        d = Delivery(retried=log.retried)
        if getattr(result, "name", "") == "SUCCESS":
            d.accepted = len(items)
        else:
            d.rejected = len(items)
            d.unsupported = any("UNIMPLEMENTED" in e for e in log.errors)
            d.unreachable = "UNAVAILABLE" in log.last_reason or any("UNAVAILABLE" in e or "DEADLINE" in e for e in log.errors)
            if d.unreachable:
                d.errors = [f"could not reach {self.traces_url} over gRPC ({log.retried + 1} attempts): {log.last_reason or 'UNAVAILABLE'}"]
            else:
                d.errors = log.errors or [f"{self.traces_url} did not accept the batch over gRPC"]
        return d

    def close(self) -> None:
        self._spans.shutdown()
        self._logs.shutdown()


class AzureMonitorSender:
    """Azure Monitor (Application Insights) through ``azure-monitor-opentelemetry-exporter``.
    Feedback reaches it as span events; the exporter keeps nothing on disk to retry later."""

    def __init__(self, connection_string: str) -> None:
        try:
            from azure.monitor.opentelemetry.exporter import AzureMonitorTraceExporter
        except ImportError:
            raise TraceFileError(
                "--azure-monitor needs the Azure Monitor exporter: pip install 'tracy-genai[azure-monitor]'"
            ) from None
        try:
            self._spans = AzureMonitorTraceExporter(connection_string=connection_string, disable_offline_storage=True)
        except ValueError as exc:
            raise TraceFileError(f"--azure-monitor: {exc}") from None
        self.traces_url = self.logs_url = "Azure Monitor"

    def send_spans(self, spans: Sequence[Any], model: Sequence[Span]) -> Delivery:
        with _Quiet() as log:
            result = self._spans.export(spans)
        if getattr(result, "name", "") == "SUCCESS":
            return Delivery(accepted=len(spans))
        return Delivery(rejected=len(spans), errors=log.errors or ["Azure Monitor did not accept the batch"])

    #: Feedback reaches Azure Monitor as span events only.
    sends_logs = False

    def send_logs(self, records: Sequence[Any]) -> Delivery:  # pragma: no cover - never called
        return Delivery()

    def close(self) -> None:
        self._spans.shutdown()


def make_sender(protocol: str, endpoint: str, headers: dict[str, str]):
    """A sender for ``protocol`` (one of `PROTOCOLS`)."""
    try:
        if protocol == "http/protobuf":
            return OtlpHttpSender(endpoint, headers)
        if protocol == "http/json":
            return OtlpJsonSender(endpoint, headers)
        if protocol == "grpc":
            return OtlpGrpcSender(endpoint, headers)
    except ImportError as exc:
        raise TraceFileError(
            f"--protocol {protocol} needs the OpenTelemetry OTLP exporters ({exc.name} is missing): "
            "pip install 'tracy-genai[push]'"
        ) from None
    raise TraceFileError(f"--protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")
