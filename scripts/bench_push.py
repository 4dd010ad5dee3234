#!/usr/bin/env python
"""Benchmark `tracy push` and the Parquet table on one synthetic GenAI corpus.

    python scripts/bench_push.py [--spans 20000] [--repeat 3]

The corpus is written to a .tracy file through the real exporter. Push sends it to a loopback
OTLP receiver on 127.0.0.1 (HTTP and gRPC) that reads each request whole and answers 200
without decoding, so the numbers are push's own cost: loading the file, building ReadableSpans,
the exporters' encoding and the round trips. `tracy convert … spans.parquet` is timed too.
Best of ``--repeat`` runs each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracefile.interop.parquet import write_parquet  # noqa: E402
from tracefile.interop.opening import load  # noqa: E402
from tracefile.push import make_sender, push  # noqa: E402
from tracefile.record.exporter import TracyFileExporter  # noqa: E402
from tracefile.testing.synthetic import make_spans  # noqa: E402


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _grpc_sink():
    import grpc
    from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

    class T(trace_service_pb2_grpc.TraceServiceServicer):
        def Export(self, request, context):  # noqa: N802
            return trace_service_pb2.ExportTraceServiceResponse()

    class L(logs_service_pb2_grpc.LogsServiceServicer):
        def Export(self, request, context):  # noqa: N802
            return logs_service_pb2.ExportLogsServiceResponse()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), options=[("grpc.max_receive_message_length", 64 << 20)])
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(T(), server)
    logs_service_pb2_grpc.add_LogsServiceServicer_to_server(L(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"http://127.0.0.1:{port}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "run.tracy")
        exporter = TracyFileExporter(path)
        spans = make_spans(args.spans, seed=1)
        for i in range(0, len(spans), 512):
            exporter.export(spans[i : i + 512])
        exporter.shutdown()
        print(f"corpus: {args.spans:,} spans, {os.path.getsize(path):,} bytes (.tracy)")
        http = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
        threading.Thread(target=http.serve_forever, daemon=True).start()
        grpc_server, grpc_url = _grpc_sink()
        endpoints = {"http/protobuf": f"http://127.0.0.1:{http.server_address[1]}", "http/json": f"http://127.0.0.1:{http.server_address[1]}", "grpc": grpc_url}
        t0 = time.perf_counter()
        load(path)
        print(f"load the file: {time.perf_counter() - t0:.2f} s")
        for protocol, url in endpoints.items():
            best = float("inf")
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                result = push([path], make_sender(protocol, url, {}))
                best = min(best, time.perf_counter() - t0)
                assert result.complete, result
            print(f"push {protocol:13s} {best:6.2f} s  {args.spans / best:9,.0f} spans/s (file load included)")
        best = float("inf")
        for _ in range(args.repeat):
            out = os.path.join(tmp, "spans.parquet")
            t0 = time.perf_counter()
            write_parquet(out, [(path, load(path).spans)])
            best = min(best, time.perf_counter() - t0)
        print(f"convert to parquet {best:6.2f} s  {args.spans / best:9,.0f} spans/s, {os.path.getsize(out):,} bytes")
        http.shutdown()
        grpc_server.stop(None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
