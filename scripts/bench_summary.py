"""Time the Summary view's figures at 1M spans: per model, tool, category and span name, the
trace-duration histogram, subtotals and a critical path (target: each grouping ≤ 150 ms).

    python scripts/bench_summary.py [FILE.tracy] [--spans 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = 150.0


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", help="a .tracy file (default: a synthetic one made with bigtrace.py)")
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from tracefile.format.columns import read_timeline
    from viewer.cost.logic import default_table, price_spans
    from viewer.summary import logic
    from viewer.summary.critical_path import critical_path
    from viewer.summary.distribution import duration_histogram
    from viewer.summary.rollup import subtotals
    from viewer.tracedata import build_index

    path = args.file
    if path is None:
        path = os.path.join(tempfile.gettempdir(), f"bench-summary-{args.spans}.tracy")
        if not os.path.exists(path):
            subprocess.run([sys.executable, str(ROOT / "scripts" / "bigtrace.py"), path, "--spans", str(args.spans)], check=True)
    ix = build_index(read_timeline(path))
    cost = price_spans(ix.timeline, default_table()).cost
    print(f"{path}: {ix.n:,} spans, {len(ix.traces):,} traces")
    worst = 0.0
    for grouping, label in logic.GROUPINGS:
        ms = _best(lambda: logic.summarize(ix.timeline, grouping, ix.counted, cost), args.repeat)
        worst = max(worst, ms)
        groups = len(logic.summarize(ix.timeline, grouping, ix.counted, cost))
        print(f"summary by {label.lower():<10} {ms:7.1f} ms  ({groups:,} rows)")
    ms = _best(lambda: duration_histogram(ix.traces.end - ix.traces.start), args.repeat)
    print(f"duration histogram     {ms:7.1f} ms")
    ms = _best(lambda: subtotals(ix, cost), args.repeat)
    print(f"subtotals (every span) {ms:7.1f} ms")
    biggest = int(ix.traces.spans.argmax())
    ms = _best(lambda: critical_path(ix, biggest), args.repeat)
    print(f"critical path          {ms:7.1f} ms  (largest trace, {int(ix.traces.spans[biggest]):,} spans)")
    ok = worst <= TARGET_MS
    print(f"{'PASS' if ok else 'FAIL'}: slowest grouping {worst:.1f} ms (target ≤ {TARGET_MS:.0f} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
