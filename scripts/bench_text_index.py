#!/usr/bin/env python
"""Build the viewer's search index over long conversations, with and without message-level
indexing, and check both find the same rows (not a test).

    python scripts/bench_text_index.py [--conversations 20] [--turns 30] [--repeat 3] [--json]

The file is the interactive corpus of `scripts/bench_format.py --corpus interactive`
(``--conversations`` conversations of ``--turns`` turns, every model call repeating the
conversation so far in ``gen_ai.input.messages``), written by `TracyFileExporter` in batches of
4, as an interactive app flushes. Each way of indexing is timed over the whole file (best of
``--repeat``, alternated so that a noisy stretch of the machine falls on both):

* ``messages`` (what the viewer does): a long JSON array value is indexed as its top-level
  elements, each distinct message once, found again by where a history continues the previous
  one of its attribute;
* ``whole values`` (the earlier index): every distinct value whole, so each call's history is
  indexed again.

It prints the seconds, the text indexed and the index's memory of each, and the rows each of
a few queries matches: message by message must find every row the whole values find (it finds
more where a history was cut by the recorder's length limit: whole, that is not JSON and is
searched as raw JSON text; its complete messages are read as messages).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracefile.format import TimelineReader, open_buffer  # noqa: E402
from tracefile.record.exporter import TracyFileExporter  # noqa: E402
from tracefile.testing import synthetic  # noqa: E402
from viewer.search.query import parse  # noqa: E402
from viewer.search.text_index import TextIndex, evaluate, index_batches  # noqa: E402
from viewer.tracedata import build_index  # noqa: E402

QUERIES = ["refund", "customer account", "get_weather", "\"role: tool\"", "gen_ai.input.messages:shipment", "\"the customer\"", "contoso"]


def write_corpus(path: Path, conversations: int, turns: int) -> int:
    collector = synthetic._Collector()
    plans = synthetic.make_interactive_plan(conversations, turns, seed=1)
    synthetic.emit(synthetic.new_provider(seed=1, processor=collector), plans)
    spans = collector.spans
    exporter = TracyFileExporter(path)
    for i in range(0, len(spans), 4):
        exporter.export(spans[i : i + 4])
    exporter.shutdown()
    return len(spans)


def build(path: Path, split: bool) -> tuple[float, TextIndex]:
    reader = TimelineReader(path)
    reader.read()
    text = TextIndex(split_arrays=split)
    gc.collect()
    t0 = time.perf_counter()
    with open_buffer(path) as data:
        index_batches(text, data, reader.timeline.batches, content=reader.content)
    return time.perf_counter() - t0, text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conversations", type=int, default=20)
    ap.add_argument("--turns", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tracy-bench-") as tmp:
        path = Path(tmp) / "interactive.tracy"
        n = write_corpus(path, args.conversations, args.turns)
        reader = TimelineReader(path)
        reader.read()
        index = build_index(reader.timeline)
        best: dict[str, float] = {}
        texts: dict[str, TextIndex] = {}
        for _ in range(args.repeat):
            for label, split in (("messages", True), ("whole values", False)):
                t, texts[label] = build(path, split)
                best[label] = min(best.get(label, t), t)
        out = {"spans": n, "file_bytes": path.stat().st_size, "conversations": args.conversations, "turns": args.turns,
               "ways": {}, "queries": []}  # fmt: skip
        for label, text in texts.items():
            out["ways"][label] = {"seconds": best[label], "us_per_span": best[label] / n * 1e6,
                                  "text_mb": text.text_bytes / 1e6, "index_mb": text.memory_bytes / 1e6}  # fmt: skip
        for q in QUERIES:
            rows = {label: evaluate(parse(q), index, text).mask for label, text in texts.items()}
            counts = {label: int(m.sum()) for label, m in rows.items()}
            # Message by message finds every row the whole values find; it may find more: a history
            # cut by the recorder's length limit is not JSON as a whole, so whole-value indexing
            # keeps it as raw JSON text, while its complete messages are read as messages.
            missed = int((rows["whole values"] & ~rows["messages"]).sum())
            out["queries"].append({"query": q, "rows": counts, "missed": missed})
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"search index of {n:,} spans ({args.conversations} conversations of {args.turns} turns, "
          f"{out['file_bytes'] / 1e6:.1f} MB file), best of {args.repeat}")  # fmt: skip
    print(f"{'indexing':<14}{'seconds':>9}{'us/span':>10}{'text MB':>10}{'index MB':>10}")
    for label, w in out["ways"].items():
        print(f"{label:<14}{w['seconds']:>9.3f}{w['us_per_span']:>10.1f}{w['text_mb']:>10.2f}{w['index_mb']:>10.2f}")
    print()
    for q in out["queries"]:
        m, w = q["rows"]["messages"], q["rows"]["whole values"]
        verdict = "same" if m == w and not q["missed"] else f"{m - w:+} rows" if not q["missed"] else f"MISSES {q['missed']} rows"
        print(f"  {q['query']:<34} rows {m:>6} / {w:<6} {verdict}")
    if any(q["missed"] for q in out["queries"]):
        raise SystemExit("message-level indexing missed rows that whole values find")


if __name__ == "__main__":
    main()
