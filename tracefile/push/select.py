"""Which traces `tracy push` sends: those matching a search query, started since a time."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from ..format.errors import TraceFileError
from ..format.model import Span
from ..search.match import matching_traces
from ..search.query import QueryError, parse

_AGO = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d|w)", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, now_ns: int | None = None) -> int:
    """A time as unix nanoseconds: an ISO time (``2025-06-01``, ``2025-06-01T12:00:00Z``; no zone
    means UTC) or a duration back from now (``90s``, ``30m``, ``2h``, ``7d``, ``1w``)."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    m = _AGO.fullmatch(text.strip())
    if m:
        return now_ns - int(float(m.group(1)) * _UNIT_S[m.group(2).lower()] * 1_000_000_000)
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise TraceFileError(
            f"--since {text!r}: expected an ISO time (2025-06-01T12:00:00Z) or a duration (30m, 2h, 7d)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp() * 1_000_000) * 1000


def select(spans: list[Span], query: str | None = None, since_ns: int | None = None) -> list[Span]:
    """The spans of the traces that match ``query`` (the viewer's search syntax) and start at or after ``since_ns``."""
    keep: set[str] | None = None
    if since_ns is not None:
        starts: dict[str, int] = {}
        for s in spans:
            t = starts.get(s.trace_id)
            starts[s.trace_id] = s.start_time if t is None else min(t, s.start_time)
        keep = {tid for tid, start in starts.items() if start >= since_ns}
    if query:
        try:
            parsed = parse(query)
            found = matching_traces(parsed, spans if keep is None else [s for s in spans if s.trace_id in keep])
        except QueryError as exc:
            raise TraceFileError(f"--query {query!r}: {exc.message}") from None
        keep = found if keep is None else keep & found
    if keep is None:
        return spans
    return [s for s in spans if s.trace_id in keep]
