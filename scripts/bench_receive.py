#!/usr/bin/env python
"""Benchmark `tracy receive`: spans per second received and written over OTLP/HTTP protobuf from
several concurrent sender processes, against the senders' own export cost in the same run.

    python scripts/bench_receive.py [--senders 3] [--spans 20000] [--batch 512] [--rounds 5] [--json]

Each sender process makes ``--spans`` realistic GenAI spans (tracefile.testing.synthetic) once,
then exports them ``--rounds`` times through the Python SDK's own OTLPSpanExporter (HTTP
protobuf), ``--batch`` spans per request, as a BatchSpanProcessor would. It reports its CPU time
in export (the SDK's encoding and the HTTP client) and its wall time. The receiver runs in this
process, writing to a temporary file with the default redaction policy (content dropped); its
CPU time over the run is the receiver's cost. The receiver is not the bottleneck when its CPU
per span is below the senders' (each sender then spends more to send a span than the receiver
to receive and write it). The exit status is 0 whether or not the target is met.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

TARGET_SPANS_PER_S = 50_000


def _sender(endpoint: str, n_spans: int, batch: int, rounds: int, ready, go, out) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SpanExportResult

    from tracefile.testing import synthetic

    spans = synthetic.make_spans(n_spans, seed=os.getpid())
    batches = [spans[i : i + batch] for i in range(0, len(spans), batch)]
    exporter = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")
    ready.set()
    go.wait()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    failed = 0
    for _ in range(rounds):
        for b in batches:
            failed += exporter.export(b) is not SpanExportResult.SUCCESS
    out.put({"cpu": time.process_time() - cpu0, "wall": time.perf_counter() - wall0, "spans": n_spans * rounds, "failed": failed})
    exporter.shutdown()


def run(senders: int, n_spans: int, batch: int, rounds: int) -> dict:
    from tracefile.receive import Receiver

    ctx = mp.get_context("spawn")  # a clean interpreter per sender, as separate apps would be
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "received.tracy"
        with Receiver(path, http_port=0, grpc_port=None) as rx:
            out, go = ctx.Queue(), ctx.Event()
            readies = [ctx.Event() for _ in range(senders)]
            procs = [ctx.Process(target=_sender, args=(rx.http_endpoint, n_spans, batch, rounds, r, go, out)) for r in readies]
            for p in procs:
                p.start()
            for r in readies:
                r.wait()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            go.set()
            results = [out.get() for _ in procs]
            wall = time.perf_counter() - wall0
            cpu = time.process_time() - cpu0
            for p in procs:
                p.join()
            written = rx.sink.spans
        size = path.stat().st_size
    sent = sum(r["spans"] for r in results)
    return {
        "senders": senders, "batch": batch, "spans_sent": sent, "spans_written": written,
        "failed_exports": sum(r["failed"] for r in results), "file_bytes": size,
        "wall_s": round(wall, 3), "spans_per_s": round(written / wall),
        "receiver_cpu_us_per_span": round(cpu / written * 1e6, 2),
        "sender_export_cpu_us_per_span": round(sum(r["cpu"] for r in results) / sent * 1e6, 2),
        "target_spans_per_s": TARGET_SPANS_PER_S,
    }  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--senders", type=int, default=3)
    ap.add_argument("--spans", type=int, default=20_000, help="spans per sender per round")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    r = run(args.senders, args.spans, args.batch, args.rounds)
    r["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    print(f"tracy receive over OTLP/HTTP protobuf, {r['senders']} sender processes, {r['batch']} spans per request ({r['machine']})")
    print(f"  received and written  {r['spans_written']:,} of {r['spans_sent']:,} spans in {r['wall_s']} s: {r['spans_per_s']:,} spans/s"
          f" (target {TARGET_SPANS_PER_S:,}: {'met' if r['spans_per_s'] >= TARGET_SPANS_PER_S else 'NOT met'})")
    print(f"  receiver CPU          {r['receiver_cpu_us_per_span']} µs per span (decode, redact, encode, write)")
    print(f"  senders' export CPU   {r['sender_export_cpu_us_per_span']} µs per span (the SDK's encoding and HTTP client)")
    print(f"  failed exports        {r['failed_exports']}; file {r['file_bytes']:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
