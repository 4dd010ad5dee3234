"""Every environment variable Tracy reads, and one parser per type: an unknown value is named in one warning, then the default applies.

Like ``opentelemetry.sdk.environment_variables``, each constant is the variable's
name and its docstring says what it does. The parsers read ``os.environ`` unless
given another mapping, treat an unset or blank variable as unset, and never raise.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Mapping, TypeVar

_logger = logging.getLogger("tracefile")

T = TypeVar("T")

# ---------------------------------------------------------------------------
# Names

OTEL_EXPORTER_TRACY_PATH = "OTEL_EXPORTER_TRACY_PATH"
"""Where spans go: a ``.tracy`` file, or a folder (existing, or ending in a separator)
in which each run gets its own file. Default ``.runs/``."""

OTEL_EXPORTER_TRACY_COMPRESSION = "OTEL_EXPORTER_TRACY_COMPRESSION"
"""``zstd`` (default) or ``none``: whether the exporter compresses each batch."""

OTEL_EXPORTER_TRACY_FSYNC = "OTEL_EXPORTER_TRACY_FSYNC"
"""A flag (default false): force each batch to disk before ``export()`` returns."""

OTEL_SERVICE_NAME = "OTEL_SERVICE_NAME"
"""The ``service.name`` resource attribute `configure()` gives a new TracerProvider,
which also names the file in a folder. Default: the script's name."""

OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""The OpenTelemetry GenAI instrumentations' switch for message content: ``true``,
``false``, ``SPAN_ONLY``, ``EVENT_ONLY``, ``SPAN_AND_EVENT`` or ``NO_CONTENT``, in any
case (see `content_capture`). Tracy records prompts and completions unless it says
``false`` or ``NO_CONTENT``."""

AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED = "AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED"
"""The Azure AI Inference SDK's switch for message content; read like
`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`. Either one turns content on."""

TRACY_INSTRUMENT = "TRACY_INSTRUMENT"
"""Comma-separated libraries `configure()` instruments (``azure-ai-inference``, ``openai``).
Default ``azure-ai-inference``; set but empty: none."""

TRACY_REDACT = "TRACY_REDACT"
"""A flag (default true): replace secrets in recorded values with ``[REDACTED]``."""

TRACY_REDACT_KEYS = "TRACY_REDACT_KEYS"
"""Extra regular expressions for secret keys, comma- or newline-separated; searched
case-insensitively in attribute and JSON keys."""

TRACY_REDACT_PATTERNS = "TRACY_REDACT_PATTERNS"
"""Extra regular expressions for secrets in values, comma- or newline-separated (a comma
inside brackets or braces, as in ``\\d{3,6}``, does not separate)."""

TRACY_MAX_VALUE_LENGTH = "TRACY_MAX_VALUE_LENGTH"
"""An integer (``_`` allowed as a digit separator): the characters a recorded value keeps,
its truncation marker included. Default 1048576 for span and event attributes (a long
conversation's history stays whole) and 32768 for what ``@trace`` captures; setting it sets
both. 0 or less: no limit."""

OTEL_BSP_SCHEDULE_DELAY = "OTEL_BSP_SCHEDULE_DELAY"
"""Read by the OpenTelemetry SDK's batching processor. When it is unset, `configure()`
writes every 500 ms, so a viewer following the file shows new spans within a second."""

OTEL_EXPORTER_OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
"""Where `tracy push` sends when ``--endpoint`` is absent: a base URL to which ``/v1/traces``
and ``/v1/logs`` are appended (a URL already ending in ``/v1/traces`` is used as it is)."""

OTEL_EXPORTER_OTLP_HEADERS = "OTEL_EXPORTER_OTLP_HEADERS"
"""Headers `tracy push` sends when no ``--header`` is given: ``key=value`` pairs separated by
commas, values percent-encoded (see `headers`)."""

OTEL_EXPORTER_OTLP_PROTOCOL = "OTEL_EXPORTER_OTLP_PROTOCOL"
"""``http/protobuf`` (default), ``http/json`` or ``grpc``: how `tracy push` sends when
``--protocol`` is absent."""

APPLICATIONINSIGHTS_CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
"""An Application Insights connection string: `tracy push` sends to Azure Monitor when it is set
and neither ``--endpoint`` nor ``--azure-monitor`` is given."""

# ---------------------------------------------------------------------------
# Accepted values

#: Flag values, in any case.
FLAG_VALUES: dict[str, bool] = {
    "true": True, "1": True, "yes": True, "on": True,
    "false": False, "0": False, "no": False, "off": False,
}  # fmt: skip

#: Content-capture values of the GenAI instrumentations, in any case, and whether content is recorded.
CONTENT_CAPTURE_VALUES: dict[str, bool] = {
    **FLAG_VALUES,
    "span_only": True,
    "event_only": True,
    "span_and_event": True,
    "no_content": False,
    "none": False,
}

_CONTENT_CAPTURE_NAMES = "true, false, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT, NO_CONTENT (any case; also 1/0, yes/no, on/off)"

# ---------------------------------------------------------------------------
# Parsers

_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def read(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The variable's value with surrounding whitespace removed; None when unset or blank."""
    value = (os.environ if environ is None else environ).get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def text(name: str, default: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """A free-text variable (a path, a name)."""
    value = read(name, environ)
    return default if value is None else value


def flag(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    """A true/false variable: ``true``/``false``, ``1``/``0``, ``yes``/``no`` or ``on``/``off``, in any case."""
    value = read(name, environ)
    if value is None:
        return default
    parsed = FLAG_VALUES.get(value.lower())
    if parsed is None:
        _unknown(name, value, "true or false (also 1/0, yes/no, on/off)", "true" if default else "false")
        return default
    return parsed


def integer(name: str, default: int, environ: Mapping[str, str] | None = None) -> int:
    """A whole number; ``_`` may separate digits (``32_768``)."""
    value = read(name, environ)
    if value is None:
        return default
    try:
        return int(value.replace("_", ""))
    except ValueError:
        _unknown(name, value, "an integer", str(default))
        return default


def choice(
    name: str,
    choices: Mapping[str, T],
    default: T,
    environ: Mapping[str, str] | None = None,
    *,
    value: str | None = None,
) -> T:
    """One of ``choices`` (lower-case keys, matched in any case), mapped to its meaning.

    ``value``, when given, is parsed instead of the environment, for an argument
    that takes the same words as a variable; ``name`` then names the argument.
    """
    raw = read(name, environ) if value is None else value.strip() or None
    if raw is None:
        return default
    parsed = choices.get(raw.lower(), _MISSING)
    if parsed is _MISSING:
        shown = next((k for k, v in choices.items() if v == default), str(default))
        _unknown(name, raw, "one of " + ", ".join(choices), shown)
        return default
    return parsed  # type: ignore[return-value]


def items(name: str, default: tuple[str, ...] = (), environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """A list: one item a line, or comma-separated when on one line. A comma inside
    brackets or braces does not separate, so regular expressions such as ``a{1,3}`` survive.
    Unset: ``default``; set but empty: no items."""
    raw = (os.environ if environ is None else environ).get(name)
    if raw is None:
        return default
    return tuple(_split(raw))


def headers(name: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """HTTP headers in the OpenTelemetry form ``key1=value1,key2=value2``: keys lower-cased,
    values percent-decoded. A pair without ``=`` is named in one warning and left out."""
    from urllib.parse import unquote

    raw = read(name, environ)
    out: dict[str, str] = {}
    if raw is None:
        return out
    for pair in raw.split(","):
        if not pair.strip():
            continue
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            _unknown(name, pair.strip(), "key=value pairs separated by commas", "the other headers")
            continue
        out[unquote(key.strip()).lower()] = unquote(value.strip())
    return out


def content_capture(name: str, environ: Mapping[str, str] | None = None) -> bool | None:
    """Whether a content-capture variable asks for message content: None when unset.

    Every value a GenAI instrumentation accepts means the same here: content is
    recorded unless the value is ``false`` or ``NO_CONTENT``. An unknown value means
    no content, as it does for the instrumentations (they fall back to ``NO_CONTENT``).
    """
    value = read(name, environ)
    if value is None:
        return None
    parsed = CONTENT_CAPTURE_VALUES.get(value.lower())
    if parsed is None:
        _unknown(name, value, _CONTENT_CAPTURE_NAMES, "NO_CONTENT")
        return False
    return parsed


def content_recording(environ: Mapping[str, str] | None = None) -> bool | None:
    """Whether the environment asks for message content: True if either content variable
    (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`,
    `AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED`) turns it on, False if one is set and
    none does, None if neither is set."""
    answers = [
        content_capture(OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, environ),
        content_capture(AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED, environ),
    ]
    if all(a is None for a in answers):
        return None
    return any(answers)


_MISSING = object()


def _unknown(name: str, value: str, accepted: str, default: str) -> None:
    # Once per variable and value: the same variable is read by configure(), by every
    # exporter and by each record_feedback() call, and one warning is enough.
    with _warned_lock:
        if (name, value) in _warned:
            return
        _warned.add((name, value))
    _logger.warning("Tracy: ignoring %s=%r: expected %s; using %s", name, value, accepted, default)


def _split(text: str) -> list[str]:
    """Split on newlines, or on commas outside brackets and braces."""
    if "\n" in text:
        return [p.strip() for p in text.splitlines() if p.strip()]
    parts, depth, cur, escaped = [], 0, [], False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    if depth > 0:
        # An unclosed bracket swallowed the rest: split that part plainly instead.
        parts.extend("".join(cur).split(","))
    else:
        parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]
