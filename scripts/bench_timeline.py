"""Paint time of the timeline widgets on a synthetic one-trace, million-span index.

    QT_QPA_PLATFORM=offscreen python scripts/bench_timeline.py [--spans 1000000] [--repeat 10]

The trace: a root, 10,000 agent-like children, each with ~99 sequential children
(model calls, tools, HTTP, ...), 2% of them failing. Prints ms per paint of the
waterfall and the overview at 1600×900 (rendered into a QImage, never shown).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracefile.format.columns import Timeline  # noqa: E402
from viewer.tracedata import build_index  # noqa: E402

W, H = 1600, 900


def synthetic_timeline(n: int, seed: int = 0) -> Timeline:
    """One trace of about ``n`` spans, three levels deep, as columns."""
    rng = np.random.default_rng(seed)
    groups = max(1, n // 100)
    per = max(1, (n - 1 - groups) // groups)
    n = 1 + groups + groups * per
    parent = np.empty(n, np.int64)
    start = np.empty(n, np.uint64)
    end = np.empty(n, np.uint64)
    base = np.uint64(1_764_000_000_000_000_000)
    group_ns, child_ns = 1_000_000, 1_000_000 // (per + 1)
    parent[0] = -1
    start[0], end[0] = base, base + np.uint64(groups * group_ns)
    g = np.arange(groups)
    parent[1 : 1 + groups] = 0
    start[1 : 1 + groups] = base + (g * group_ns).astype(np.uint64)
    end[1 : 1 + groups] = start[1 : 1 + groups] + np.uint64(group_ns * 9 // 10)
    c = np.arange(groups * per)
    gi, ci = c // per, c % per
    parent[1 + groups :] = 1 + gi
    start[1 + groups :] = base + (gi * group_ns + ci * child_ns).astype(np.uint64)
    end[1 + groups :] = start[1 + groups :] + rng.integers(1, child_ns, len(c)).astype(np.uint64)
    sid = np.arange(1, n + 1, dtype=np.uint64)
    pid = np.where(parent >= 0, sid[np.maximum(parent, 0)], 0).astype(np.uint64)
    z32 = np.zeros(n, np.uint32)
    return Timeline(
        trace_id=np.tile(np.array([[7, 7]], np.uint64), (n, 1)), span_id=sid, parent_span_id=pid,
        start=start, end=end, name=rng.integers(0, 4, n).astype(np.uint32), kind=np.zeros(n, np.uint8),
        status=np.where(rng.random(n) < 0.02, 2, 0).astype(np.uint8), batch=z32,
        category=rng.integers(0, 8, n).astype(np.uint8), model=z32, input_tokens=z32, output_tokens=z32,
        cache_read_tokens=z32, reasoning_tokens=z32,
        names=["invoke_agent planner", "chat gpt-4o", "execute_tool search", "POST /v1/chat/completions"],
    )  # fmt: skip


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1e3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spans", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()

    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from viewer import theme
    from viewer.timeline import TraceOverview, TraceWaterfall, link
    from viewer.timeline.lod import SpanLanes, summarize

    app = QApplication.instance() or QApplication([])
    theme.apply_theme(app, "light")

    t = time.perf_counter()
    index = build_index(synthetic_timeline(args.spans))
    print(f"index: {index.n:,} spans in {len(index.traces)} trace, built in {(time.perf_counter() - t):.2f} s")

    wf, ov = TraceWaterfall(), TraceOverview()
    link(wf, ov)
    wf.resize(W, H)
    ov.resize(W, 76)
    t = time.perf_counter()
    ov.set_data(index, 0)
    wf.set_data(index, 0)
    print(f"set_data (both widgets): {(time.perf_counter() - t) * 1e3:.1f} ms")

    img = QImage(W, H, QImage.Format.Format_ARGB32_Premultiplied)
    oimg = QImage(W, 76, QImage.Format.Format_ARGB32_Premultiplied)

    def report(label: str, ms: list[float]) -> None:
        print(f"{label:44s} median {np.median(ms):6.2f} ms   max {max(ms):6.2f} ms")

    report("waterfall paint, top, whole trace", timed(lambda: wf.render(img), args.repeat))
    wf._scroll.setValue(wf._scroll.maximum() // 2)
    wf.zoom(40, wf.viewport.x0 + wf.viewport.width / 2)
    report("waterfall paint, middle rows, zoomed ×40", timed(lambda: wf.render(img), args.repeat))
    wf.select_row(int(wf.rows()[-1]))
    report("waterfall paint, last rows", timed(lambda: wf.render(img), args.repeat))

    wf.set_range(wf.viewport.t0 + wf.viewport.span / 4, wf.viewport.t1 - wf.viewport.span / 4)
    report("waterfall paint, a time range selected", timed(lambda: wf.render(img), args.repeat))
    from viewer.cost.logic import default_table
    from viewer.timeline.ranges import range_figures

    table = default_table()
    report("range figures, a quarter of the trace", timed(lambda: range_figures(index, 0, *wf.time_range(), table), args.repeat))
    wf.clear_range()
    report("collapse all, then expand all", timed(lambda: (wf.collapse_all(), wf.expand_all()), args.repeat))
    report("expand to depth 1", timed(lambda: (wf.expand_to_depth(1), wf.expand_all()), args.repeat))
    from viewer.summary.critical_path import critical_path

    # Above viewer.file_view.summary_part.PATH_IN_BACKGROUND spans this runs on a worker thread.
    report("critical path, whole trace (worker thread)", timed(lambda: critical_path(index, 0), 3))

    first = timed(lambda: ov.render(oimg), 1)
    report("overview paint, first (computes the LOD)", first)
    report("overview paint, cached", timed(lambda: ov.render(oimg), args.repeat))

    rows = index.trace_rows(0)
    tl = index.timeline
    lanes = SpanLanes.from_columns(tl.start[rows], tl.end[rows], index.depth[rows], tl.category[rows], tl.status[rows])
    report("lod.summarize, whole trace, 1600 px", timed(lambda: summarize(lanes, 0, lanes.duration, W), args.repeat))
    d = lanes.duration
    report("lod.summarize, 1% window, 1600 px", timed(lambda: summarize(lanes, d / 2, d / 2 + d / 100, W), args.repeat))
    app.processEvents()


if __name__ == "__main__":
    main()
