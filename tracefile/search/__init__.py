"""The search query language over model spans: `parse` the viewer's search text, `matching_traces` picks traces.

    from tracefile.search import parse, matching_traces
    keep = matching_traces(parse("model:gpt-4o status:error"), tracefile.load("run.tracy").spans)
"""

from __future__ import annotations

from .match import matches, matching_traces
from .query import Query, QueryError, parse

__all__ = ["Query", "QueryError", "matches", "matching_traces", "parse"]
