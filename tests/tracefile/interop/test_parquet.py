"""tracy convert FILE... spans.parquet: one row per span, and DuckDB gets the right counts and sums."""

from __future__ import annotations

import json

import duckdb
import pytest

import tracefile
from tests.helpers.push_files import recorded_run
from tracefile.cli import main
from tracefile.genai import summary
from tracefile.interop.parquet import COLUMNS


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("parquet")
    return [recorded_run(base / "a.tracy", 120, seed=0), recorded_run(base / "b.tracy", 200, seed=2, feedback=False)]


def test_duckdb_reads_the_counts_and_sums_of_several_runs(runs, tmp_path, capsys):
    out = tmp_path / "spans.parquet"
    assert main(["convert", *map(str, runs), str(out)]) == 0
    assert "wrote 320 spans from 2 files" in capsys.readouterr().out
    spans = [s for r in runs for s in tracefile.load(r).spans]
    db = duckdb.connect()
    table = f"read_parquet('{out}')"
    assert [c[0] for c in db.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()] == list(COLUMNS)
    assert db.execute(f"SELECT count(*), count(DISTINCT trace_id) FROM {table}").fetchone() == (
        len(spans), len({s.trace_id for s in spans})
    )
    # Tokens per model, by the same rule the file's columns use.
    want: dict[str, list[int]] = {}
    for s in spans:
        sm = summary(s.name, s.attributes)
        if sm.model:
            w = want.setdefault(sm.model, [0, 0, 0])
            w[0] += 1
            w[1] += sm.input_tokens
            w[2] += sm.output_tokens
    got = db.execute(f"SELECT model, count(*), sum(input_tokens), sum(output_tokens) FROM {table} WHERE model IS NOT NULL GROUP BY model").fetchall()
    assert {m: [c, i, o] for m, c, i, o in got} == want and len(want) >= 2
    # Errors, roots, categories, durations, feedback and the attributes as JSON.
    assert db.execute(f"SELECT count(*) FROM {table} WHERE status = 'error'").fetchone()[0] == sum(s.is_error for s in spans)
    assert db.execute(f"SELECT count(*) FROM {table} WHERE parent_span_id IS NULL").fetchone()[0] == sum(not s.parent_span_id for s in spans)
    assert db.execute(f"SELECT count(*) FROM {table} WHERE category = 'tool'").fetchone()[0] == sum(s.name.startswith("execute_tool") for s in spans)
    longest = max(spans, key=lambda s: s.end_time - s.start_time)
    assert db.execute(f"SELECT span_id, duration_ms FROM {table} ORDER BY duration_ms DESC LIMIT 1").fetchone() == (
        longest.span_id, (longest.end_time - longest.start_time) / 1e6
    )
    assert db.execute(f"SELECT sum(feedback), min(feedback_score) FROM {table}").fetchone() == (2, 0.0)
    chat = next(s for s in spans if s.name.startswith("chat "))
    row = db.execute(f"SELECT attributes, service, start_time FROM {table} WHERE span_id = ?", [chat.span_id]).fetchone()
    assert json.loads(row[0]) == chat.attributes
    assert row[1] == chat.resource.attributes["service.name"]
    assert int(row[2].timestamp() * 1e6) == chat.start_time // 1000
    # JSON functions reach into the attributes.
    assert db.execute(
        f"SELECT count(*) FROM {table} WHERE json_extract_string(attributes, '$.\"gen_ai.operation.name\"') = 'chat'"
    ).fetchone()[0] == sum(s.attributes.get("gen_ai.operation.name") == "chat" for s in spans)


def test_parquet_output_refuses_to_overwrite_and_other_outputs_take_one_input(runs, tmp_path, capsys):
    out = tmp_path / "spans.parquet"
    out.write_bytes(b"keep me")
    assert main(["convert", str(runs[0]), str(out)]) == 2
    assert out.read_bytes() == b"keep me"
    assert "already exists; pass --force" in capsys.readouterr().err
    assert main(["convert", *map(str, runs), str(tmp_path / "both.json")]) == 2
    assert "several inputs convert only to .parquet" in capsys.readouterr().err
