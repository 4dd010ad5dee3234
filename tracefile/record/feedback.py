"""Feedback logging: attach a user's reaction or an evaluator's verdict to a response or a span.

    tracefile.record_feedback(response_id=reply.id, score=1, label="thumbs_up", comment="spot on")

The record is appended to the .tracy file as the format's own feedback frame,
which works long after the span ended and from another process. It is also
emitted as the OpenTelemetry GenAI evaluation event (``gen_ai.evaluation.user_feedback``
for people, ``gen_ai.evaluation.result`` for evaluators, the shapes Azure AI
Foundry documents), so any backend the app sends logs to sees it too.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from ..format.schema import Feedback
from ..format.writer import TraceWriter
from ..genai.feedback import event_for

_logger = logging.getLogger("tracefile")


def _hex_id(value: Any, width: int, what: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:0{width}x}"
    text = str(value).strip().lower()
    if text.startswith("0x"):
        text = text[2:]
    if len(text) > width or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(f"{what} must be {width} hex digits or an int, got {value!r}")
    return text.rjust(width, "0")


def record_feedback(
    *,
    response_id: str | None = None,
    span_id: str | int | None = None,
    trace_id: str | int | None = None,
    score: float | None = None,
    label: str | None = None,
    comment: str | None = None,
    evaluator: str | None = None,
    metadata: dict[str, Any] | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Feedback | None:
    """Record feedback on a model response (``response_id``, its ``gen_ai.response.id``) or a span.

    ``path`` is the .tracy file to append to; by default the file `configure()`
    is writing. Returns the record written, or None (with one warning logged)
    when it could not be written; it never raises into the app, except
    ValueError for arguments that can never be right (no target, bad ids).
    """
    from .recording import active

    if not (response_id or span_id or trace_id):
        raise ValueError("record_feedback() needs response_id, span_id or trace_id to say what is judged")
    fb = Feedback(
        time_unix_nano=time.time_ns(),
        trace_id=_hex_id(trace_id, 32, "trace_id"),
        span_id=_hex_id(span_id, 16, "span_id"),
        response_id=str(response_id or ""),
        score=float(score) if score is not None else None,
        label=str(label or ""),
        comment=str(comment or ""),
        evaluator=str(evaluator or ""),
        metadata=dict(metadata or {}),
    )
    recording = active()
    fb = _scrubbed(fb, recording)
    _emit_event(fb)
    target = Path(path) if path is not None else (recording.path if recording is not None else None)
    if target is None:
        _logger.warning("record_feedback(): no .tracy file to write to; call tracefile.configure() or pass path=")
        return None
    try:
        if recording is not None and target == recording.path:
            # The feedback may name a span still in the batching queue; write that first,
            # so a reader finds the span before the feedback that refers to it.
            recording.flush()
        _write(target, fb, "feedback")
    except Exception as exc:
        _logger.warning("record_feedback(): could not append to %s: %s", target, exc)
        return None
    return fb


def append_feedback(path: str | os.PathLike[str], fb: Feedback, *, writer: str = "feedback") -> Feedback:
    """Append ``fb`` to the .tracy file at ``path`` as a feedback frame; nothing already in the file changes.

    Its comment and metadata are redacted first, as spans are: by the running recording's
    policy, else the one the environment configures (``TRACY_REDACT`` ...). ``writer`` names the
    program in the file's writer record. Returns the record as written. Unlike `record_feedback`
    it raises: OSError when the file cannot be written (with the reason, e.g. read-only), and
    TraceFileError when the file is not a .tracy file.
    """
    from .recording import active

    fb = _scrubbed(fb, active())
    _write(path, fb, writer)
    return fb


def _write(path: str | os.PathLike[str], fb: Feedback, writer: str) -> None:
    # One file-info frame per process and file, however many records; no index frame,
    # which would list this one record (1,500 calls made 1,500 of each).
    out = TraceWriter(path, writer=writer, share_file_info=True)
    try:
        out.write_feedback([fb])
    finally:
        out.close(write_index=False)


def _scrubbed(fb: Feedback, recording) -> Feedback:
    """Comments and metadata are free text from users: they get the same redaction as spans."""
    try:
        from .redact import Policy, Redactor

        policy = recording.exporter.redaction if recording is not None else Policy.from_env()
        if policy is None:
            return fb
        scrub_feedback(fb, Redactor(policy))
    except ImportError:
        pass
    return fb


def scrub_feedback(fb: Feedback, redactor) -> Feedback:
    """``fb`` with its comment and metadata (free text from users) redacted by ``redactor``, as spans are."""
    fb.comment = redactor.text(fb.comment) if fb.comment else ""
    fb.metadata = dict(redactor.attributes(fb.metadata)) if fb.metadata else {}
    return fb


def _emit_event(fb: Feedback) -> None:
    """Send the feedback through the OpenTelemetry logs API, parented to the judged span when known."""
    try:
        from opentelemetry import trace
        from opentelemetry._logs import get_logger

        name, attrs = event_for(fb)
        context = None
        if fb.trace_id and fb.span_id:
            ctx = trace.SpanContext(int(fb.trace_id, 16), int(fb.span_id, 16), is_remote=True)
            context = trace.set_span_in_context(trace.NonRecordingSpan(ctx))
        body = {"comment": fb.comment} if fb.comment else None
        get_logger("tracefile").emit(event_name=name, attributes=attrs, body=body, context=context, timestamp=fb.time_unix_nano)
    except Exception as exc:  # older API without event_name, or a failing log pipeline
        _logger.debug("feedback event not emitted: %s", exc)
