"""Time pricing and rolling up the tokens of 1,000,000 spans (not a test).

Run: .venv/bin/python scripts/bench_cost.py [rows]

Prints the best and median of 7 runs of each step: `price_spans` (resolve each model name
once, then array arithmetic), the per-trace `rollup` and the `file_totals`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracefile.format.columns import Timeline  # noqa: E402
from viewer.cost.logic import default_table, file_totals, price_spans, rollup  # noqa: E402


def synthetic_timeline(n: int, n_names: int = 5000, seed: int = 0) -> Timeline:
    """``n`` spans in traces of 20, a third of them model calls over eight model names (one unpriced)."""
    rng = np.random.default_rng(seed)
    names = [f"span name {i}" for i in range(n_names)]
    models = ["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1", "o3-mini", "o4-mini",
              "claude-sonnet-4-20250514", "text-embedding-3-small", "my-finetune"]  # fmt: skip
    names += models
    llm = rng.random(n) < 0.33
    model = np.where(llm, n_names + 1 + rng.integers(0, len(models), n), 0).astype(np.uint32)
    tin = np.where(llm, rng.integers(10, 20_000, n), 0).astype(np.uint32)
    tout = np.where(llm, rng.integers(1, 2_000, n), 0).astype(np.uint32)
    z64, z32 = np.zeros(n, np.uint64), np.zeros(n, np.uint32)
    return Timeline(
        trace_id=np.stack([np.arange(n, dtype=np.uint64) // 20, z64], axis=1), span_id=np.arange(1, n + 1, dtype=np.uint64),
        parent_span_id=z64, start=z64, end=z64, name=z32, kind=np.zeros(n, np.uint8), status=np.zeros(n, np.uint8),
        batch=z32, category=np.where(llm, 1, 0).astype(np.uint8), model=model, input_tokens=tin, output_tokens=tout,
        cache_read_tokens=(tin * rng.random(n) * 0.5).astype(np.uint32),
        reasoning_tokens=(tout * rng.random(n) * 0.3).astype(np.uint32), names=names,
    )  # fmt: skip


def timed(label: str, fn):
    times, out = [], None
    for _ in range(7):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    print(f"{min(times):7.1f} ms (median {sorted(times)[3]:.1f})  {label}")
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    tl = synthetic_timeline(n)
    table = default_table()
    trace = (np.arange(n, dtype=np.int64) // 20)
    count = int(trace[-1]) + 1 if n else 0
    print(f"{n:,} spans, {count:,} traces, {len(tl.names):,} distinct names, {len(table.entries)} price rows")
    costs = timed("price_spans (cost of every span)", lambda: price_spans(tl, table))
    timed("rollup per trace (4 token kinds + cost + unpriced)", lambda: rollup(tl, costs, trace, count))
    totals = timed("file_totals", lambda: file_totals(tl, costs))
    timed("all three", lambda: (lambda c: (rollup(tl, c, trace, count), file_totals(tl, c)))(price_spans(tl, table)))
    print(f"file: {totals.tokens:,} tokens, {totals.cost:,.2f} {totals.currency}, "
          f"{totals.unpriced_spans:,} unpriced spans ({', '.join(totals.unpriced_models)})")  # fmt: skip


if __name__ == "__main__":
    main()
