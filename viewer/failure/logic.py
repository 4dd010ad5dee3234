"""What a failed span's banner says: the exception's type and message, and its stack trace (no Qt).

The span's last ``exception`` event wins (``exception.type``, ``exception.message``,
``exception.stacktrace``, as the OpenTelemetry SDK records them); without one, the status
message and the ``error.type`` attribute stand in::

    failure = span_failure(span)
    if failure is not None:
        banner(failure.headline, failure.stacktrace)
        chat_notice(failure.chat_sentence)   # "This call failed: HttpResponseError: (429) Rate limit…"
"""

from __future__ import annotations

from dataclasses import dataclass

from tracefile import Span
from tracefile.format import STATUS_ERROR, STATUS_OK

EXCEPTION_EVENT = "exception"
EXCEPTION_TYPE = "exception.type"
EXCEPTION_MESSAGE = "exception.message"
EXCEPTION_STACKTRACE = "exception.stacktrace"
ERROR_TYPE = "error.type"

#: Characters of the message a headline keeps (the banner's tooltip and the stack trace have it all).
HEADLINE_LIMIT = 300


@dataclass(frozen=True)
class Failure:
    """Why a span failed. ``type`` is as recorded (``azure.core.exceptions.HttpResponseError``)."""

    type: str = ""
    message: str = ""
    stacktrace: str = ""

    @property
    def short_type(self) -> str:
        """The exception's class name without its module: ``HttpResponseError``."""
        return self.type.rsplit(".", 1)[-1] if self.type else ""

    @property
    def first_line(self) -> str:
        """The message's first non-empty line (Azure repeats ``Code:`` and ``Message:`` on the lines after it)."""
        for line in self.message.splitlines():
            if line.strip():
                return line.strip()
        return ""

    @property
    def short_message(self) -> str:
        """`first_line`, cut to `HEADLINE_LIMIT` characters."""
        message = self.first_line
        return message if len(message) <= HEADLINE_LIMIT else message[: HEADLINE_LIMIT - 1].rstrip() + "…"

    @property
    def headline(self) -> str:
        """``HttpResponseError: (RateLimitReached) Rate limit is exceeded.``; the type or message alone when one is missing."""
        parts = [p for p in (self.short_type, self.short_message) if p]
        return ": ".join(parts) if parts else "Unknown error"

    @property
    def chat_sentence(self) -> str:
        """What the Chat tab of a failed LLM call says: ``This call failed: HttpResponseError: …``."""
        return f"This call failed: {self.headline}"

    @property
    def details(self) -> str:
        """The full type and message, for a tooltip."""
        return "\n".join(p for p in (self.type, self.message) if p)


def span_failure(span: Span) -> Failure | None:
    """Why `span` failed, or None when it did not: its status is OK (an exception it caught and recorded
    is no failure), or it is unset and the span recorded no exception."""
    if span.status_code == STATUS_OK:
        return None
    event = next((e for e in reversed(span.events) if e.name == EXCEPTION_EVENT), None)
    if event is not None:
        a = event.attributes
        message = str(a.get(EXCEPTION_MESSAGE, "") or "") or span.status_message
        return Failure(str(a.get(EXCEPTION_TYPE, "") or ""), message, str(a.get(EXCEPTION_STACKTRACE, "") or ""))
    if span.status_code != STATUS_ERROR:
        return None
    error_type = str(span.attributes.get(ERROR_TYPE, "") or "")
    if error_type == "_OTHER":  # the semantic conventions' "no better name" value says nothing
        error_type = ""
    return Failure(error_type, span.status_message)
