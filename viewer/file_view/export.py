"""What the window exports from a file: the selected span or trace as Markdown, a trace as OTLP/JSON
(within a size limit), or the whole file as .tracy."""

from __future__ import annotations

import shutil

from tracefile.interop import replace_file

from ..session import FileSession
from .details import has_tool_parts, tool_spans

#: The most spans a trace may have to be copied as Markdown or saved from the window.
MAX_EXPORT_SPANS = 20_000


class ExportTooLarge(Exception):
    """A trace too large to export from the window (``tracy convert`` has no limit)."""


def trace_spans(session: FileSession, trace: int | None, limit: int = MAX_EXPORT_SPANS) -> list | None:
    """Every span of a trace, decoded; None when there is no such trace or it has more than ``limit``."""
    ix = session.index
    if ix is None or trace is None:
        return None
    rows = ix.trace_rows(trace)
    if len(rows) > limit:
        return None
    return session.spans(rows)


def span_markdown(session: FileSession, row: int) -> str:
    """Span ``row`` as Markdown (key attributes and its conversation), or "" for none (-1)."""
    from ..export.logic import span_markdown

    if row < 0:
        return ""
    span = session.span(row)
    return span_markdown(span, tool_spans(session, row) if has_tool_parts(span) else None)


def trace_markdown(session: FileSession, trace: int | None) -> str:
    """A trace as Markdown: an outline, then each LLM call's conversation; "" for none."""
    from ..export.logic import trace_markdown

    spans = trace_spans(session, trace)
    if spans is None:
        ix = session.index
        if ix is None or trace is None:
            return ""
        n = int(ix.traces.spans[trace])
        raise ExportTooLarge(f"this trace has {n:,} spans; copying is limited to {MAX_EXPORT_SPANS:,}")
    return trace_markdown(spans)


def save_trace_otlp(session: FileSession, trace: int | None, path: str) -> int:
    """Write a trace, with its feedback, as an OTLP/JSON file; returns the spans written."""
    from ..export.logic import save_otlp_json

    spans = trace_spans(session, trace)
    if spans is None:
        raise ExportTooLarge(f"this trace has more than {MAX_EXPORT_SPANS:,} spans; use: tracy convert FILE OUT.json")
    return save_otlp_json(path, spans)


def save_as_tracy(session: FileSession, path: str) -> int:
    """Write the whole open file as a .tracy file at ``path``: an imported file's .tracy copy, or the
    .tracy file itself (with any feedback added), through a temporary file and a rename, so that
    ``path`` is never half written. Returns the spans in it. Raises OSError."""
    source = session.path
    replace_file(path, lambda tmp: shutil.copyfile(source, tmp), ".tracy-save-")
    return session.index.n if session.index is not None else 0
