"""One call that records an app's GenAI spans to a .tracy file.

    import tracefile
    tracefile.configure()                       # spans go to .runs/<service>.<time>.<pid>.tracy

`configure()` sets up (or joins) the OpenTelemetry TracerProvider, adds a
batching processor with `TracyFileExporter`, and turns on the Azure AI
Inference SDK's own instrumentation. Every setting can also come from the
environment, so `tracy run app.py` or `opentelemetry-instrument
--traces_exporter tracy python app.py` record without code changes.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from pathlib import Path
from typing import Iterable

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from .. import settings
from .exporter import TracyFileExporter, default_file_name, default_path

_logger = logging.getLogger("tracefile")

#: How often the batching processor writes, unless OTEL_BSP_SCHEDULE_DELAY says otherwise:
#: short enough for a viewer following the file to show new spans within a second.
SCHEDULE_DELAY_MS = 500

_lock = threading.Lock()
_active: "Recording | None" = None


class _Switch(SpanProcessor):
    """Forwards to the batching processor until the recording is closed.

    A processor cannot be removed from a TracerProvider; after close() this
    one simply stops forwarding, so the app keeps running without warnings.
    """

    def __init__(self, inner: SpanProcessor) -> None:
        self.inner = inner
        self.active = True

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        if self.active:
            self.inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        if self.active:
            self.inner.on_end(span)

    def shutdown(self) -> None:
        if self.active:
            self.active = False
            self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis) if self.active else True


class Recording:
    """What `configure()` returns: where spans go, and how to finish.

    Use it as a context manager, or call `close()`; it also closes itself
    when the interpreter exits. Closing flushes every pending span.
    """

    def __init__(self, path: Path, exporter: TracyFileExporter, switch: _Switch, provider: TracerProvider,
                 content_recording: bool, instrumented: list[str]) -> None:  # fmt: skip
        self.path = path
        self.exporter = exporter
        self.provider = provider
        self.content_recording = content_recording
        self.instrumented = instrumented
        self._switch = switch
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def flush(self, timeout_millis: int = 30000) -> bool:
        """Write every span that has ended so far. Returns False on timeout."""
        return self._switch.force_flush(timeout_millis)

    def close(self) -> None:
        """Flush and close the file. Later spans are not recorded. Closing twice is harmless."""
        global _active
        if self._closed:
            return
        self._closed = True
        try:
            self._switch.force_flush()
        finally:
            self._switch.shutdown()
        with _lock:
            if _active is self:
                _active = None

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "recording"
        return f"<tracefile.Recording {state} to {self.path}>"


def _resolve_path(path: str | os.PathLike[str] | None, service_name: str) -> Path:
    raw = os.fspath(path) if path is not None else default_path()
    if raw.endswith(("/", os.sep)) or os.path.isdir(raw):
        return Path(raw) / default_file_name(service_name)
    return Path(raw)


def _instrument(names: Iterable[str], content_recording: bool) -> list[str]:
    done = []
    for name in names:
        key = name.strip().lower().replace("_", "-")
        if not key:
            continue
        try:
            if key == "azure-ai-inference":
                from azure.ai.inference.tracing import AIInferenceInstrumentor
                from azure.core.settings import settings

                # The SDK's instrumentation only runs when azure-core traces through OpenTelemetry.
                settings.tracing_implementation = "opentelemetry"
                AIInferenceInstrumentor().instrument(enable_content_recording=content_recording)
            elif key == "openai":
                from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor  # type: ignore[import-not-found]

                if content_recording:
                    _openai_content_on_spans()
                OpenAIInstrumentor().instrument()
            else:
                _logger.warning("tracefile.configure(): unknown instrumentation %r (known: azure-ai-inference, openai)", name)
                continue
        except ImportError as exc:
            hint = "pip install 'tracy-genai[azure]'" if key == "azure-ai-inference" else "pip install opentelemetry-instrumentation-openai-v2"
            _logger.warning("tracefile.configure(): %s instrumentation is not available (%s); %s", name, exc, hint)
            continue
        except Exception as exc:  # an instrumentation failing must not stop the app
            _logger.warning("tracefile.configure(): could not turn on %s instrumentation: %s", name, exc)
            continue
        done.append(key)
    return done


#: Content modes of opentelemetry-util-genai, on which opentelemetry-instrumentation-openai-v2 2.x
#: records: only the SPAN_* ones put messages on spans, and spans are what Tracy records.
_SPAN_CONTENT_MODES = ("SPAN_ONLY", "SPAN_AND_EVENT")


def _openai_content_on_spans() -> None:
    """Ask opentelemetry-instrumentation-openai-v2 for message content in the words its version understands.

    Versions built on opentelemetry-util-genai take ``SPAN_ONLY``/``EVENT_ONLY``/``SPAN_AND_EVENT``
    and log "true is not a valid option" for ``true``; earlier ones take only ``true``.
    ``EVENT_ONLY`` would send content to the logs API, never into the file, so it becomes
    ``SPAN_AND_EVENT``: the events still go out, and the spans carry the messages too.
    """
    name = settings.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
    current = (settings.read(name) or "").upper()
    try:
        from opentelemetry.util.genai.utils import is_experimental_mode  # type: ignore[import-not-found]

        modes = bool(is_experimental_mode())
    except ImportError:
        modes = False
    if not modes:
        wanted = "true"
    elif current in _SPAN_CONTENT_MODES:
        return
    else:
        wanted = "SPAN_AND_EVENT" if current == "EVENT_ONLY" else "SPAN_ONLY"
    if current != wanted.upper():
        os.environ[name] = wanted


def configure(
    path: str | os.PathLike[str] | None = None,
    *,
    service_name: str | None = None,
    content_recording: bool | None = None,
    instrument: Iterable[str] | None = None,
    compression: str | bool | None = None,
    fsync: bool | None = None,
    redaction=None,
) -> Recording:
    """Record this process's spans to a .tracy file. Safe to call more than once.

    ``path``: a file or a folder (default ``.runs/``, or ``OTEL_EXPORTER_TRACY_PATH``).
    ``service_name``: the ``service.name`` resource attribute (default ``OTEL_SERVICE_NAME``,
    else the script's name). ``content_recording``: record prompts and completions
    (default off, or ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` /
    ``AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED``). ``instrument``: which
    libraries to instrument (default ``("azure-ai-inference",)``, or ``TRACY_INSTRUMENT``
    as a comma-separated list). ``redaction``: a `tracefile.record.redact.Policy`
    overriding the one built from these settings and the environment.

    A second call while a recording is open returns that recording (and logs a
    warning if it asked for something different): spans are never written twice.
    """
    global _active
    with _lock:
        if _active is not None and not _active.closed:
            _logger.warning(
                "tracefile.configure() was already called; spans keep going to %s and are not "
                "duplicated. Close that recording first to record elsewhere.",
                _active.path,
            )
            return _active

        if content_recording is None:
            content_recording = bool(settings.content_recording())
        if instrument is None:
            instrument = settings.items(settings.TRACY_INSTRUMENT, ("azure-ai-inference",))

        provider = trace.get_tracer_provider()
        if isinstance(provider, TracerProvider):
            resource_name = provider.resource.attributes.get("service.name")
            service = service_name or str(resource_name or "unknown_service")
        else:
            service = service_name or settings.text(settings.OTEL_SERVICE_NAME) or _script_name()
            provider = TracerProvider(resource=Resource.create({"service.name": service}))
            trace.set_tracer_provider(provider)
            if trace.get_tracer_provider() is not provider:  # another thread won the race
                provider = trace.get_tracer_provider()  # type: ignore[assignment]

        file_path = _resolve_path(path, service)
        policy = redaction if redaction is not None else _default_policy(content_recording)
        exporter = TracyFileExporter(file_path, compression=compression, fsync=fsync, redaction=policy)
        delay = None if settings.text(settings.OTEL_BSP_SCHEDULE_DELAY) else SCHEDULE_DELAY_MS
        switch = _Switch(BatchSpanProcessor(exporter, schedule_delay_millis=delay))
        provider.add_span_processor(switch)
        instrumented = _instrument(instrument, content_recording)
        _apply_value_policy(policy)
        recording = Recording(file_path, exporter, switch, provider, content_recording, instrumented)
        _active = recording
    atexit.register(recording.close)
    return recording


def active() -> Recording | None:
    """The recording `configure()` opened, if it is still open."""
    rec = _active
    return rec if rec is not None and not rec.closed else None


def _default_policy(content_recording: bool):
    from .redact import Policy

    return Policy.from_env(record_content=content_recording)


def _apply_value_policy(policy) -> None:
    """Values captured by @trace and log() follow the same redaction and size limits."""
    try:
        from .decorator import set_value_policy
        from .redact import Redactor
    except ImportError:
        return
    from .redact import DEFAULT_MAX_LENGTH
    from .values import DEFAULT_MAX_LENGTH as VALUE_MAX_LENGTH

    redactor = Redactor(policy)
    # @trace encodes its inputs and outputs on the app's own thread: they keep their own, shorter
    # default unless a limit was chosen (TRACY_MAX_VALUE_LENGTH, or a Policy's max_length).
    limit = VALUE_MAX_LENGTH if policy.max_length == DEFAULT_MAX_LENGTH else policy.max_length
    set_value_policy(max_length=limit, scrub=redactor.json_scrub, text_hook=redactor.json_text)


def _script_name() -> str:
    import sys

    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    return Path(file).stem if file else "python"
