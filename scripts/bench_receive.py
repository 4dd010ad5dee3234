#!/usr/bin/env python
"""Benchmark `tracy receive`: spans per second received and written over OTLP/HTTP protobuf from
several concurrent sender processes, against the senders' own export cost in the same run.

    python scripts/bench_receive.py [--senders 3] [--spans 20000] [--batch 512] [--rounds 5] [--mode sdk|replay|both] [--json]

Each sender process makes ``--spans`` realistic GenAI spans (tracefile.testing.synthetic) once,
then sends them ``--rounds`` times, ``--batch`` spans per request, as a BatchSpanProcessor would:

* ``sdk``: through the Python SDK's own OTLPSpanExporter (HTTP protobuf). This is what an app
  pays; on a 2-core machine the senders' encoding, not the receiver, limits the rate;
* ``replay``: the same requests, encoded once by the SDK's own OTLP encoder before the clock
  starts, then posted with a keep-alive ``http.client`` connection. Sending then costs the
  senders little, so the rate is the receiver's: this is the run the target is checked on.

Each sender reports its CPU time in sending and its wall time. The receiver runs in this
process, writing to a temporary file with the default redaction policy (content dropped); its
CPU time over the run is the receiver's cost. The exit status is 0 whether or not the target is met.
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


def _replayer(endpoint: str, n_spans: int, batch: int, rounds: int, ready, go, out) -> None:
    import http.client
    from urllib.parse import urlsplit

    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    from tracefile.testing import synthetic

    spans = synthetic.make_spans(n_spans, seed=os.getpid())
    bodies = [encode_spans(spans[i : i + batch]).SerializeToString() for i in range(0, len(spans), batch)]
    url = urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    headers = {"Content-Type": "application/x-protobuf"}
    ready.set()
    go.wait()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    failed = 0
    for _ in range(rounds):
        for body in bodies:
            conn.request("POST", "/v1/traces", body, headers)
            resp = conn.getresponse()
            resp.read()
            failed += resp.status != 200
    out.put({"cpu": time.process_time() - cpu0, "wall": time.perf_counter() - wall0, "spans": n_spans * rounds, "failed": failed})
    conn.close()


def run(senders: int, n_spans: int, batch: int, rounds: int, mode: str = "sdk") -> dict:
    from tracefile.receive import Receiver

    ctx = mp.get_context("spawn")  # a clean interpreter per sender, as separate apps would be
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "received.tracy"
        with Receiver(path, http_port=0, grpc_port=None) as rx:
            out, go = ctx.Queue(), ctx.Event()
            readies = [ctx.Event() for _ in range(senders)]
            target = _sender if mode == "sdk" else _replayer
            procs = [ctx.Process(target=target, args=(rx.http_endpoint, n_spans, batch, rounds, r, go, out)) for r in readies]
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
        "mode": mode, "senders": senders, "batch": batch, "spans_sent": sent, "spans_written": written,
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
    ap.add_argument("--mode", choices=("sdk", "replay", "both"), default="both")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    modes = ("sdk", "replay") if args.mode == "both" else (args.mode,)
    results = [run(args.senders, args.spans, args.batch, args.rounds, m) for m in modes]
    if args.json:
        print(json.dumps({"machine": machine, "runs": results}, indent=2))
        return 0
    what = {"sdk": "the SDK's OTLPSpanExporter (its encoding and HTTP client)",
            "replay": "requests the SDK encoded before the clock, posted by http.client"}  # fmt: skip
    print(f"tracy receive over OTLP/HTTP protobuf ({machine})")
    for r in results:
        print(f"{r['mode']}: {r['senders']} sender processes, {r['batch']} spans per request, sent by {what[r['mode']]}")
        print(f"  received and written  {r['spans_written']:,} of {r['spans_sent']:,} spans in {r['wall_s']} s: {r['spans_per_s']:,} spans/s")
        print(f"  receiver CPU          {r['receiver_cpu_us_per_span']} µs per span (HTTP, decode, redact, encode, write)"
              f" = {round(1e6 / r['receiver_cpu_us_per_span']):,} spans/s per core")
        print(f"  senders' CPU          {r['sender_export_cpu_us_per_span']} µs per span")
        print(f"  failed exports        {r['failed_exports']}; file {r['file_bytes']:,} bytes")
    replay = next((r for r in results if r["mode"] == "replay"), None)
    if replay is not None:
        met = replay["spans_per_s"] >= TARGET_SPANS_PER_S
        print(f"target: >= {TARGET_SPANS_PER_S:,} spans/s received and written (replay run): {replay['spans_per_s']:,} {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
