"""Loading a file for the viewer: never raises, always says what went wrong. No Qt here."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import tracefile
from tracefile import TraceFile, TraceFileError

from .traces import TraceSummary, format_size, plural, summarize_traces

_logger = logging.getLogger("viewer")


@dataclass(eq=False)
class LoadResult:
    """What opening one file produced: a trace file and its trace summaries, or an error message."""

    path: str
    trace_file: TraceFile | None = None
    traces: list[TraceSummary] = field(default_factory=list)
    #: Why the file could not be shown (no traceback, no path prefix).
    error: str | None = None
    #: True when the error was a bug rather than a bad file.
    unexpected: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def name(self) -> str:
        return os.path.basename(self.path) or self.path


def load_file(path: str | os.PathLike[str]) -> LoadResult:
    """`tracefile.load()` plus trace summaries; every failure becomes ``LoadResult.error``."""
    p = os.fspath(path)
    try:
        trace_file = tracefile.load(p)
        traces = summarize_traces(trace_file.spans)
    except TraceFileError as exc:
        return LoadResult(p, error=_strip_path(str(exc), p))
    except OSError as exc:
        return LoadResult(p, error=f"cannot read the file: {exc.strerror or exc}")
    except MemoryError:
        return LoadResult(p, error="not enough memory to load this file", unexpected=True)
    except Exception as exc:  # a bug in the reader or viewer: show it, don't crash
        _logger.debug("unexpected error loading %s", p, exc_info=True)
        text = str(exc) or "(no details)"
        return LoadResult(p, error=f"{type(exc).__name__}: {_strip_path(text, p)}", unexpected=True)
    return LoadResult(p, trace_file=trace_file, traces=traces)


def _strip_path(message: str, path: str) -> str:
    """Reader messages start with ``<path>: ``; the viewer shows the path on its own line."""
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def summary_text(result: LoadResult) -> str:
    """``12 spans · 3 traces · 4.10 KiB``."""
    tf = result.trace_file
    if tf is None:
        return ""
    return " · ".join((plural(len(tf.spans), "span"), plural(len(result.traces), "trace"), format_size(tf.size)))


def warning_text(result: LoadResult) -> str:
    """One short line about the reader's warnings ("" if none); the full list goes in a tooltip."""
    tf = result.trace_file
    if tf is None or not (tf.warnings or tf.truncated):
        return ""
    parts: list[str] = []
    others = list(tf.warnings)
    if tf.truncated:
        parts.append("file ends inside a frame… (still being written?)")
        others = [w for w in others if "still writing" not in w and "still starting" not in w]
    if others:
        first = others[0]
        if len(first) > 90:
            first = first[:89].rstrip() + "…"
        parts.append(first if len(others) == 1 else f"{first} (+{len(others) - 1} more)")
    return " · ".join(parts)
