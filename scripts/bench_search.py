"""Time search-query evaluation over timeline columns at 1,000,000 rows (not a test).

Run: .venv/bin/python scripts/bench_search.py [rows]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracefile.format.columns import Timeline  # noqa: E402
from viewer.search import evaluate_columns, next_match, parse  # noqa: E402
from viewer.tracedata import TraceIndex, TraceTable  # noqa: E402

QUERIES = [
    "chat duration>2s -status:error tokens>1000",
    "category:llm model:gpt-4o (status:error OR duration>=5s)",
    '"tool call" OR name:embed kind:client',
    "-category:http input_tokens>=1.5k output_tokens<200 duration<=150ms",
    "rate limit gen_ai.system:openai OR feedback:",
]


def synthetic_index(n: int, n_names: int = 5000, seed: int = 0) -> TraceIndex:
    """A TraceIndex with realistic columns; structure arrays are flat (search needs only columns)."""
    rng = np.random.default_rng(seed)
    words = ["chat", "execute_tool", "invoke_agent", "embeddings", "GET", "POST", "db.query", "tool call"]
    names = [f"{words[i % len(words)]} op{i}" for i in range(n_names)]
    models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "llama-3"]
    names += models
    start = rng.integers(1_700_000_000 * 10**9, 1_700_000_100 * 10**9, n, dtype=np.uint64)
    dur = rng.exponential(300e6, n).astype(np.uint64)
    z = np.zeros(n, np.uint64)
    model = np.where(rng.random(n) < 0.3, n_names + 1 + rng.integers(0, len(models), n), 0).astype(np.uint32)
    tl = Timeline(
        trace_id=np.stack([np.arange(n, dtype=np.uint64) // 20, z], axis=1), span_id=np.arange(1, n + 1, dtype=np.uint64),
        parent_span_id=z.copy(), start=start, end=start + dur,
        name=rng.integers(0, n_names, n, dtype=np.uint32), kind=rng.integers(0, 5, n, dtype=np.uint8),
        status=rng.choice(np.array([0, 1, 2], np.uint8), n, p=[0.8, 0.15, 0.05]), batch=np.zeros(n, np.uint32),
        category=rng.integers(0, 8, n, dtype=np.uint8), model=model,
        input_tokens=rng.integers(0, 5000, n, dtype=np.uint32), output_tokens=rng.integers(0, 1000, n, dtype=np.uint32),
        names=names,
    )  # fmt: skip
    rows = np.arange(n, dtype=np.int64)
    traces = TraceTable(rows[:1], start[:1], start[:1], rows[:1], rows[:1], rows[:1], rows[:1], np.array([0, n]))
    return TraceIndex(tl, rows // 20, np.full(n, -1, np.int64), np.zeros(n, np.int32), rows, rows, np.ones(n, np.int64), traces)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    index = synthetic_index(n)
    print(f"{n:,} rows, {len(index.timeline.names):,} distinct names")
    for text in QUERIES:
        q = parse(text)
        evaluate_columns(q, index)  # warm the lower-cased names cache
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            ev = evaluate_columns(q, index)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{min(times):7.1f} ms (median {sorted(times)[2]:.1f})  {ev.count:>8,} may match, exact={ev.exact!s:5}  {text}")
    q = parse(QUERIES[0])
    t0 = time.perf_counter()
    ev = evaluate_columns(q, index)
    pos = next_match(ev.mask, index.order, n // 2)
    print(f"{(time.perf_counter() - t0) * 1000:7.1f} ms  evaluate + next_match (F3) -> position {pos}")
    t0 = time.perf_counter()
    for text in QUERIES:
        parse(text)
    print(f"{(time.perf_counter() - t0) * 1000:7.3f} ms  parsing all {len(QUERIES)} queries")


if __name__ == "__main__":
    main()
