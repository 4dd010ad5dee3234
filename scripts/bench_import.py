#!/usr/bin/env python
"""Benchmark importing a big OTLP JSON Lines file: speed against `json.loads`, and peak memory.

    python scripts/bench_import.py [--spans 1000000] [--quick] [--keep DIR]

The input is the synthetic GenAI corpus (`tracefile.testing.synthetic`, made in chunks of
20,000 spans with one seed each) written by the SDK's own OTLP json-file exporter
(`opentelemetry-exporter-otlp-json-file`) one request per 512 spans, as BatchSpanProcessor
would hand it over. It is cached in ``--keep`` (default: a folder in the temp dir) by span
count. In the same run, each in a fresh subprocess:

* the peer: ``json.loads`` of every line (parsing only, nothing kept);
* Tracy: ``tracy convert in.jsonl out.tracy`` (detect, parse, build model spans, write .tracy).

Each reports wall time, spans/s and its peak RSS (``VmHWM`` of the child, Linux). ``--quick``
runs 100,000 spans. The exit status is 0 whether or not Tracy keeps up.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHUNK = 20_000
BATCH = 512

PEER = r"""
import json, sys
n = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        doc = json.loads(line)
        n += sum(len(ss["spans"]) for rs in doc["resourceSpans"] for ss in rs["scopeSpans"])
print(n)
"""


def make_input(path: Path, n_spans: int) -> None:
    from opentelemetry.exporter.otlp.json.file import FileSpanExporter

    from tracefile.testing import synthetic

    tmp = path.with_suffix(".partial")
    exporter = FileSpanExporter(tmp)
    made = 0
    seed = 0
    while made < n_spans:
        spans = synthetic.make_spans(min(CHUNK, n_spans - made), seed=seed)
        for i in range(0, len(spans), BATCH):
            exporter.export(spans[i : i + BATCH])
        made += len(spans)
        seed += 1
        print(f"  made {made:,} of {n_spans:,} spans", file=sys.stderr, end="\r")
    exporter.shutdown()
    os.replace(tmp, path)
    print(file=sys.stderr)


def run_child(argv: list[str]) -> tuple[float, int, str]:
    """(seconds, peak RSS in bytes, stdout) of one child process."""
    t0 = time.perf_counter()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent.
    wrapper = ("import runpy, sys; sys.argv = sys.argv[1:]; "
               "code = 0\n"
               "try:\n runpy.run_path(sys.argv[0], run_name='__main__') if sys.argv[0].endswith('.py') else runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
               "except SystemExit as e:\n code = e.code or 0\n"
               "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
               "print('PEAK_RSS_KB', hwm, file=sys.stderr)\n"
               "sys.exit(code)")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", wrapper, *argv], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
    peak = next(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_RSS_KB"))
    return seconds, peak * 1024, proc.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spans", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="100,000 spans")
    ap.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "tracy-bench-import")
    args = ap.parse_args()
    n = 100_000 if args.quick else args.spans
    args.keep.mkdir(parents=True, exist_ok=True)
    src = args.keep / f"synthetic-{n}.jsonl"
    if not src.exists():
        print(f"writing {src} ...", file=sys.stderr)
        make_input(src, n)
    size = src.stat().st_size
    peer_py = args.keep / "peer_json_loads.py"
    peer_py.write_text(PEER)
    out = args.keep / f"synthetic-{n}.tracy"
    out.unlink(missing_ok=True)

    peer_s, peer_rss, peer_out = run_child([str(peer_py), str(src)])
    assert int(peer_out.strip()) == n, peer_out
    tracy_s, tracy_rss, tracy_out = run_child(["tracefile.cli", "convert", str(src), str(out)])
    assert f"wrote {n:,} spans" in tracy_out, tracy_out
    idle_s, idle_rss, _ = run_child(["tracefile.cli", "--help"])

    mb = 1024 * 1024
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(f"input  {src.name}: {n:,} spans, {size / mb:,.0f} MiB OTLP JSON Lines "
          f"({size // n:,} bytes/span), {n // BATCH + (n % BATCH > 0):,} lines")  # fmt: skip
    print(f"output {out.name}: {out.stat().st_size / mb:,.0f} MiB")
    print(f"{'':<28}{'seconds':>9}{'spans/s':>12}{'peak RSS':>12}")
    print(f"{'json.loads, every line':<28}{peer_s:>9.1f}{n / peer_s:>12,.0f}{peer_rss / mb:>9,.0f} MiB")
    print(f"{'tracy convert (.tracy)':<28}{tracy_s:>9.1f}{n / tracy_s:>12,.0f}{tracy_rss / mb:>9,.0f} MiB")
    print(f"{'tracy --help (baseline)':<28}{idle_s:>9.1f}{'':>12}{idle_rss / mb:>9,.0f} MiB")
    print(f"tracy / json.loads: {peer_s / tracy_s:.2f}x the speed; "
          f"import peak RSS {tracy_rss / size:.1%} of the file ({(tracy_rss - idle_rss) / mb:,.0f} MiB above the baseline)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
