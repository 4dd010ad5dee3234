"""How fast tracy-view opens and paints big files, against loading the same content as Prompty JSON.

For 10k, 100k and 1M spans it builds a .tracy file (scripts/bigtrace.py) and,
in a fresh process for each measurement (so peak memory is that of one job):

* open (best, and median, of --repeat fresh processes): from opening the file to the first painted timeline, in the real
  window (offscreen): worker-thread read of the columns, the trace index, the
  trace list, overview and waterfall of the first trace, and one paint;
* rss: the process's peak resident memory after that (the highest of the runs);
* paint: median time to repaint the waterfall and the overview at 1600x900;
* baseline: json.load of the same spans as a Prompty .tracy JSON file (time
  and peak memory), which is all Prompty's viewer does before it can draw;
* search (one more fresh process): the window's text index of span details, built on its
  worker thread after the timeline shows (time and memory after it), then each query of
  `QUERIES` applied to the window as typing does (evaluation, count, marks; median of 5),
  and the evaluation alone.

With --unique-text the files carry a token of their copy of the seed in every text value
(scripts/bigtrace.py --unique-text), so the text index cannot share text between copies.

    python scripts/bench_viewer.py [--sizes 10000,100000,1000000[,10000000]] [--repeat 5] [--json] [--no-prompty-1m] [--unique-text]
                                   [--keep DIR [--reuse]]

``--keep DIR --reuse`` measures the files a previous run kept in DIR (``bench-1m.tracy``,
``bench-1m-unique.tracy``) instead of writing them again.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_VIEWER_JOB = r"""
import json, os, statistics, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PEAK
path = sys.argv[1]
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication
from viewer import theme
from viewer.main_window import MainWindow
app = QApplication([])
theme.apply_theme(app, "light")
window = MainWindow(remember=False)
window.resize(1600, 900)
window.show()  # laid out at its real size, as on a desktop
app.processEvents()
t0 = time.perf_counter()
view = window.open_path(path)
while view.state == "loading":
    app.processEvents()
    time.sleep(0.001)
image = QImage(view.waterfall.size(), QImage.Format.Format_ARGB32_Premultiplied)
view.waterfall.render(image)
open_s = time.perf_counter() - t0
rss_mb = peak_mb()
assert view.waterfall.width() > 400 and view.waterfall.height() > 300, view.waterfall.size()

def paint_ms(widget, n=15):
    img = QImage(widget.size(), QImage.Format.Format_ARGB32_Premultiplied)
    times = []
    for i in range(n):
        widget.update()
        t = time.perf_counter()
        widget.render(img)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)

# The biggest trace, zoomed to a tenth and scrolled to the middle, is the hardest case to paint.
ix = view.session.index
biggest = int(ix.traces.spans.argmax())
view.select_trace(view.trace_model.row_of(biggest))
app.processEvents()
wf = view.waterfall
wf.zoom(10.0)
rows = wf.rows()
if len(rows):
    wf.scroll_to_row(int(rows[len(rows) // 2]))
# Right after opening, the search index of span details is being built on a worker thread: its
# Python code shares the GIL with painting. Paint is measured then, and again once it is done.
indexing = view.search.indexer.busy
paint_indexing = paint_ms(view.waterfall) if indexing else None
while view.search.indexer.busy:
    app.processEvents()
    time.sleep(0.002)
out = {
    "open_s": open_s, "rss_mb": rss_mb, "state": view.state, "spans": ix.n, "traces": len(ix.traces),
    "biggest_trace": int(ix.traces.spans[biggest]),
    "paint_waterfall_ms": paint_ms(view.waterfall), "paint_overview_ms": paint_ms(view.overview),
    "paint_window_ms": paint_ms(window, 5), "paint_while_indexing_ms": paint_indexing,
}
view.stop()
print(json.dumps(out))
"""

#: Search queries timed at each size: (what it stands for, query). The words occur in the corpus's
#: message content (tracefile.testing.synthetic's vocabulary).
QUERIES = [
    ("word in message content", "warehouse"),
    ("absent word", "zqxjvw"),
    ("phrase", '"overdue invoice"'),
    ("key:value", "gen_ai.system:az.ai"),
    ("columns only", "category:llm duration>2s"),
    ("negation", "-warehouse"),
    ("columns and text", "chat warehouse -status:error"),
    ("word in keys (broad)", "model"),
    ("one letter, as typing starts", "e"),
    ("punctuation after a word, as typing goes on", "ai."),
    ("punctuation before a word", ".inf"),
]

_SEARCH_JOB = r"""
import json, os, statistics, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PEAK
def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
path, queries = sys.argv[1], json.loads(sys.argv[2])
from PySide6.QtWidgets import QApplication
from viewer import theme
from viewer.main_window import MainWindow
from viewer.search import parse
from viewer.search.text_index import evaluate
app = QApplication([])
theme.apply_theme(app, "light")
window = MainWindow(remember=False)
window.resize(1600, 900)
window.show()
app.processEvents()
view = window.open_path(path)
while view.state == "loading":
    app.processEvents()
    time.sleep(0.001)
open_rss = rss_mb()
session = view.session
ix = session.index
t0 = time.perf_counter()
# A full-text query typed as soon as the file shows: the matches found so far appear while the
# details are still being indexed; time until the first of them is on screen.
field = view.search_field
field.setText("warehouse")
view.search.apply()
while view.search.matches is None or not view.search.matches.any():
    app.processEvents()
    time.sleep(0.001)
first_ms = (time.perf_counter() - t0) * 1000
first_label = view.search.label.text()
field.setText("")
view.search.apply()
indexer = view.search.indexer
while session.text.rows < ix.n or indexer.busy:  # the UI keeps running while the worker thread indexes
    app.processEvents()
    time.sleep(0.002)
index_s = time.perf_counter() - t0
out = {"text_index_s": index_s, "first_results_ms": first_ms, "first_results_label": first_label,
       "rss_after_index_mb": rss_mb(), "rss_open_mb": open_rss,
       "text_index_mb": session.text.memory_bytes / 1e6, "queries": []}
field = view.search_field
for label, q in queries:
    query = parse(q)
    ev_ms = []
    for _ in range(5):
        t = time.perf_counter()
        ev = evaluate(query, ix, session.text, session.feedback)
        ev_ms.append((time.perf_counter() - t) * 1000)
    field.blockSignals(True)  # no typing timer: apply it by hand, timed
    field.setText(q)
    field.blockSignals(False)
    ui_ms = []
    for _ in range(5):
        t = time.perf_counter()
        view.search.apply()
        ui_ms.append((time.perf_counter() - t) * 1000)
    assert ev.exact and view.search_label.text().split()[0].replace(",", "") == str(ev.count), view.search_label.text()
    out["queries"].append({"label": label, "query": q, "matches": ev.count, "evaluate_ms": statistics.median(ev_ms),
                           "apply_ms": statistics.median(ui_ms)})
out["rss_mb"] = peak_mb()
view.stop()
print(json.dumps(out))
"""

_PROMPTY_JOB = r"""
import json, sys, time
PEAK
t = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
print(json.dumps({"load_s": time.perf_counter() - t, "rss_mb": peak_mb()}))
"""


# Peak memory of this process alone. ru_maxrss would not do: Linux carries the parent's
# high-water mark across fork and exec, so every job would report at least the parent's.
_PEAK = """
def peak_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


def _job(code: str, *args: str) -> dict:
    code = code.replace("PEAK", _PEAK, 1)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark job failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-prompty-1m", action="store_true", help="skip the 1.7 GB Prompty JSON baseline")
    p.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    p.add_argument("--reuse", action="store_true", help="with --keep: use the files already there instead of writing them again")
    p.add_argument("--repeat", type=int, default=3, help="viewer runs per size, each in a fresh process (best open)")
    p.add_argument("--no-search", action="store_true", help="skip the search measurements")
    p.add_argument("--unique-text", action="store_true",
                   help="files whose copies of the seed share no text value (bigtrace.py --unique-text)")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT / "scripts"))
    import bigtrace

    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="tracy-bench-viewer-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}m"
            path = folder / f"bench-{label}{'-unique' if args.unique_text else ''}.tracy"
            t = time.perf_counter()
            if args.reuse and args.keep and path.exists():
                spans = _span_count(path)
            else:
                spans = bigtrace.write_big(path, n, unique_text=args.unique_text)
                os.sync()  # the generator's writes must not still be flushing while the viewer reads
            gen_s = time.perf_counter() - t
            runs = [_job(_VIEWER_JOB, str(path)) for _ in range(args.repeat)]
            viewer = min(runs, key=lambda r: r["open_s"])
            viewer["open_s_runs"] = [round(r["open_s"], 3) for r in runs]
            viewer["open_s_median"] = statistics.median(r["open_s"] for r in runs)
            viewer["rss_mb"] = max(r["rss_mb"] for r in runs)
            row = {"spans": spans, "file_mb": path.stat().st_size / 1e6, "generate_s": gen_s, **viewer}
            if not args.no_search:
                row["search"] = _job(_SEARCH_JOB, str(path), json.dumps(QUERIES))
            if not (n >= 1_000_000 and args.no_prompty_1m):
                pjson = folder / f"bench-{label}.prompty.json"
                bigtrace.write_prompty(pjson, path)
                base = _job(_PROMPTY_JOB, str(pjson))
                row.update(prompty_json_mb=pjson.stat().st_size / 1e6, prompty_load_s=base["load_s"],
                           prompty_rss_mb=base["rss_mb"])  # fmt: skip
                pjson.unlink()
            results[label] = row
            if not args.json:
                print(f"{label}: {json.dumps(row)}", file=sys.stderr)
    summary = {"results": results}
    one_m = results.get("1m")
    if one_m:
        summary.update(open_1m_s=one_m["open_s"], rss_1m_mb=one_m["rss_mb"], paint_1m_ms=one_m["paint_waterfall_ms"],
                       paint_1m_while_indexing_ms=one_m.get("paint_while_indexing_ms"))
        search = one_m.get("search")
        if search:
            summary.update(search_1m_ms=max(q["apply_ms"] for q in search["queries"]),
                           text_index_1m_s=search["text_index_s"], rss_1m_after_index_mb=search["rss_after_index_mb"],
                           rss_1m_search_peak_mb=search["rss_mb"])  # fmt: skip
    if args.json:
        print(json.dumps(summary))
    else:
        _print_table(results)
    return 0


def _span_count(path: Path) -> int:
    from tracefile.format.columns import TimelineReader

    reader = TimelineReader(str(path))
    reader.read()
    return len(reader.timeline)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _print_table(results: dict[str, dict]) -> None:
    print(f"{'file':>5} {'spans':>9} {'MB':>7} {'open s':>7} {'RSS MB':>7} {'paint ms':>9} {'indexing':>9} {'overview':>9} "
          f"{'Prompty json.load s':>20} {'its RSS MB':>11} {'open vs json.load':>18}")  # fmt: skip
    for label, r in results.items():
        base = r.get("prompty_load_s")
        ratio = f"{base / r['open_s']:.1f}x faster" if base else "-"
        base_s = f"{base:.2f}" if base else "-"
        base_mb = f"{r['prompty_rss_mb']:.0f}" if base else "-"
        print(f"{label:>5} {r['spans']:>9,} {r['file_mb']:>7.1f} {r['open_s']:>7.2f} {r['rss_mb']:>7.0f} "
              f"{r['paint_waterfall_ms']:>9.1f} {_ms(r.get('paint_while_indexing_ms')):>9} {r['paint_overview_ms']:>9.1f} "
              f"{base_s:>20} {base_mb:>11} {ratio:>18}")  # fmt: skip
    _print_search(results)
    one = results.get("1m")
    ten = results.get("10m")
    if ten:
        print()
        worst = max(q["apply_ms"] for q in ten["search"]["queries"]) if ten.get("search") else None
        for name, value, limit, unit in (("first painted timeline with 10M spans (median of runs)", ten["open_s_median"], 12, "s"),
                                         ("peak memory with 10M spans", ten["rss_mb"], 4096, "MB"),
                                         ("waterfall paint with 10M spans", ten["paint_waterfall_ms"], 16, "ms"),
                                         ("search query with 10M spans (worst of the set)", None if worst is None else worst / 1000, 1.5, "s")):  # fmt: skip
            if value is None:
                print(f"  open  {name}: not measured (--no-search)")
                continue
            print(f"  {'PASS' if value <= limit else 'FAIL'}  {name}: {value:.2f} {unit} (target <= {limit} {unit})")
    if one:
        print()
        median = one["open_s_median"]
        print(f"  {'PASS' if median <= 1.2 else 'FAIL'}  median open of 1M spans over {len(one['open_s_runs'])} runs: "
              f"{median:.2f} s (target <= 1.2 s; runs {one['open_s_runs']})")
        for name, value, limit, unit, better in (("open 1M spans to an interactive timeline", one["open_s"], 1.5, "s", "<="),
                                                 ("peak memory with 1M spans", one["rss_mb"], 1024, "MB", "<="),
                                                 ("waterfall paint with 1M spans", one["paint_waterfall_ms"], 16, "ms", "<=")):  # fmt: skip
            ok = value <= limit
            print(f"  {'PASS' if ok else 'FAIL'}  {name}: {value:.2f} {unit} (target {better} {limit} {unit})")
        hundred = (results.get("100k") or {}).get("search")
        if hundred:
            value = hundred["first_results_ms"]
            print(f"  {'PASS' if value <= 200 else 'FAIL'}  first full-text results with 100k spans, as soon as the file shows: "
                  f"{value:.0f} ms (target <= 200 ms)")
        search = one.get("search")
        if search:
            worst = max(q["apply_ms"] for q in search["queries"])
            for name, value, limit, unit in (("search query with 1M spans (worst of the set)", worst, 150, "ms"),
                                             ("peak memory with 1M spans and their text index", search["rss_mb"], 1024, "MB")):  # fmt: skip
                print(f"  {'PASS' if value <= limit else 'FAIL'}  {name}: {value:.2f} {unit} (target <= {limit} {unit})")


def _print_search(results: dict[str, dict]) -> None:
    searched = {label: r["search"] for label, r in results.items() if r.get("search")}
    if not searched:
        return
    print()
    print(f"{'file':>5} {'text index s':>13} {'first results ms':>17} {'index MB':>9} {'RSS open MB':>12} {'RSS indexed MB':>15} {'peak MB':>8}")
    for label, s in searched.items():
        print(f"{label:>5} {s['text_index_s']:>13.2f} {s['first_results_ms']:>17.0f} {s['text_index_mb']:>9.1f} {s['rss_open_mb']:>12.0f} "
              f"{s['rss_after_index_mb']:>15.0f} {s['rss_mb']:>8.0f}")  # fmt: skip
    print()
    labels = list(searched)
    print(f"{'query':<48} {'matches':>10} " + " ".join(f"{l + ' ms':>13}" for l in labels) + "   (search box / evaluation)")
    for i, q in enumerate(next(iter(searched.values()))["queries"]):
        cells = " ".join(f"{s['queries'][i]['apply_ms']:>6.1f}/{s['queries'][i]['evaluate_ms']:<6.1f}" for s in searched.values())
        last = searched[labels[-1]]["queries"][i]
        print(f"{q['label'] + ': ' + q['query']:<48} {last['matches']:>10,} {cells}")


if __name__ == "__main__":
    sys.exit(main())
