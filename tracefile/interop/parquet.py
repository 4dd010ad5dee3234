"""Spans as one flat Parquet table, one row per span, for DuckDB, Spark or pandas (needs pyarrow).

    tracy convert runs/*.tracy spans.parquet
    duckdb -c "SELECT model, count(*), sum(input_tokens) FROM 'spans.parquet' GROUP BY model"

Columns: `COLUMNS`. Times are UTC timestamps in nanoseconds, ids lowercase hex, and the span's
attributes (and its resource's) JSON text. The GenAI summary columns follow the same rules as
the `.tracy` file's own (`tracefile.genai.summary`). Cost is not a column: prices live in the
viewer's editable price table, so multiply tokens by your own prices in the query.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable

from ..format.errors import TraceFileError
from ..format.model import Span
from ..format.schema import SPAN_KIND_NAMES, STATUS_NAMES
from ..genai import CATEGORY_NAMES, summary

#: Rows per row group: bounded memory for big inputs, few enough groups for fast scans.
ROWS_PER_GROUP = 65_536


def _schema():
    import pyarrow as pa

    ts = pa.timestamp("ns", tz="UTC")
    return pa.schema([
        ("source", pa.string()),  # the file the span came from
        ("trace_id", pa.string()),
        ("span_id", pa.string()),
        ("parent_span_id", pa.string()),  # null for a root span
        ("name", pa.string()),
        ("kind", pa.string()),
        ("start_time", ts),
        ("end_time", ts),
        ("duration_ms", pa.float64()),
        ("status", pa.string()),
        ("status_message", pa.string()),
        ("service", pa.string()),
        ("scope", pa.string()),
        ("category", pa.string()),
        ("model", pa.string()),  # null when not a model call
        ("input_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("cache_read_tokens", pa.int64()),
        ("reasoning_tokens", pa.int64()),
        ("events", pa.int32()),
        ("feedback", pa.int32()),
        ("feedback_score", pa.float64()),  # mean score of the span's feedback, null without scores
        ("attributes", pa.string()),  # JSON object
        ("resource", pa.string()),  # JSON object
    ])  # fmt: skip


COLUMNS = (
    "source", "trace_id", "span_id", "parent_span_id", "name", "kind", "start_time", "end_time", "duration_ms",
    "status", "status_message", "service", "scope", "category", "model", "input_tokens", "output_tokens",
    "cache_read_tokens", "reasoning_tokens", "events", "feedback", "feedback_score", "attributes", "resource",
)  # fmt: skip


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, default=_opaque, separators=(",", ":"))


def _opaque(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _row(s: Span, source: str) -> dict[str, Any]:
    sm = summary(s.name, s.attributes)
    scores = [fb.score for fb in s.feedback if fb.score is not None]
    return {
        "source": source,
        "trace_id": s.trace_id,
        "span_id": s.span_id,
        "parent_span_id": s.parent_span_id or None,
        "name": s.name,
        "kind": SPAN_KIND_NAMES[s.kind] if 0 <= s.kind < len(SPAN_KIND_NAMES) else str(s.kind),
        "start_time": s.start_time,
        "end_time": s.end_time,
        "duration_ms": (s.end_time - s.start_time) / 1e6,
        "status": STATUS_NAMES[s.status_code] if 0 <= s.status_code < 3 else str(s.status_code),
        "status_message": s.status_message or None,
        "service": str(s.resource.attributes.get("service.name", "")) or None,
        "scope": s.scope.name or None,
        "category": CATEGORY_NAMES[sm.category],
        "model": sm.model or None,
        "input_tokens": sm.input_tokens,
        "output_tokens": sm.output_tokens,
        "cache_read_tokens": sm.cache_read_tokens,
        "reasoning_tokens": sm.reasoning_tokens,
        "events": len(s.events),
        "feedback": len(s.feedback),
        "feedback_score": sum(scores) / len(scores) if scores else None,
        "attributes": _json(s.attributes),
        "resource": _json(s.resource.attributes),
    }


def write_parquet(path: str | os.PathLike[str], sources: Iterable[tuple[str, Iterable[Span]]]) -> int:
    """Write the spans of each ``(source name, spans)`` to one Parquet file; returns the row count."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise TraceFileError("writing Parquet needs pyarrow: pip install 'tracy-genai[parquet]'") from None
    schema = _schema()
    count = 0
    with pq.ParquetWriter(os.fspath(path), schema, compression="zstd") as writer:
        rows: list[dict[str, Any]] = []
        for source, spans in sources:
            for s in spans:
                rows.append(_row(s, source))
                if len(rows) >= ROWS_PER_GROUP:
                    writer.write_table(pa.Table.from_pylist(rows, schema))
                    count += len(rows)
                    rows = []
        if rows or not count:
            writer.write_table(pa.Table.from_pylist(rows, schema))
            count += len(rows)
    return count
