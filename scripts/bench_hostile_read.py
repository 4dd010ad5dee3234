#!/usr/bin/env python
"""Time reading hostile files, and what the decode budget costs on good ones.

    python scripts/bench_hostile_read.py [--spans 20000] [--repeat 5]

For each hostile case of `tests/helpers/hostile_frames.py` (600 good spans around checksum-valid
frames that claim absurd sizes): seconds for `load()`, `tracy info`, `tracy validate` and the
timeline reader, best of ``--repeat``. Then, on the synthetic GenAI corpus, the budget's walk
against msgspec's decode of the same decompressed payloads.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tracefile  # noqa: E402
from tests.helpers import hostile_frames as hostile  # noqa: E402
from tracefile.cli import main  # noqa: E402
from tracefile.format import budget  # noqa: E402
from tracefile.format.columns import read_timeline  # noqa: E402
from tracefile.format.framing import ScanReport, frame_payload, scan_frames  # noqa: E402
from tracefile.format.reader import _DECODERS, open_buffer  # noqa: E402
from tracefile.record.exporter import TracyFileExporter  # noqa: E402
from tracefile.testing import synthetic  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def quiet(argv: list[str]) -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(argv)


def run() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    print(f"{'case':<22}{'file KB':>9}{'load() s':>10}{'info s':>8}{'validate s':>11}{'timeline s':>11}")
    for name, make in hostile.CASES.items():
        path = hostile.hostile_file(tmp / f"{name}.tracy", make())
        kb = path.stat().st_size / 1024
        t_load = best(lambda: tracefile.load(path), args.repeat)
        t_info = best(lambda: quiet(["info", str(path)]), args.repeat)
        t_val = best(lambda: quiet(["validate", str(path)]), args.repeat)
        t_tl = best(lambda: read_timeline(path), args.repeat)
        print(f"{name:<22}{kb:>9.0f}{t_load:>10.3f}{t_info:>8.3f}{t_val:>11.3f}{t_tl:>11.3f}")

    path = str(tmp / "corpus.tracy")
    spans = synthetic.make_spans(args.spans)
    ex = TracyFileExporter(path)
    for i in range(0, len(spans), 512):
        ex.export(spans[i : i + 512])
    ex.shutdown()
    with open_buffer(path) as data:
        frames = [(ref, frame_payload(data, ref)) for ref in scan_frames(data, ScanReport())]
    walk = best(lambda: [budget.check_payload(p, budget.item_budget(r.stored_len)) for r, p in frames], args.repeat)
    decode = best(lambda: [_DECODERS[r.kind].decode(p) for r, p in frames if r.kind in _DECODERS], args.repeat)
    load = best(lambda: tracefile.load(path), args.repeat)
    mb = sum(len(p) for _, p in frames) / 1e6
    print(f"\ncorpus: {args.spans:,} spans, {len(frames)} frames, {mb:.1f} MB decompressed"
          f" (walk {'compiled' if budget._walk else 'in Python'})")
    print(f"budget walk   {walk * 1e3:8.1f} ms  {walk / args.spans * 1e6:6.2f} us/span")
    print(f"msgspec decode{decode * 1e3:8.1f} ms  {decode / args.spans * 1e6:6.2f} us/span"
          f"  (walk = {walk / decode:.0%} of it)")
    print(f"load()        {load * 1e3:8.1f} ms  {load / args.spans * 1e6:6.2f} us/span (walk = {walk / load:.0%} of it)")


if __name__ == "__main__":
    run()
