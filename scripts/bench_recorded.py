#!/usr/bin/env python
"""Sizes of a real recorded run: the example travel agent (examples/travel_agent.py) holding one
long conversation, recorded by tracefile.configure() with the real Azure AI Inference client and
its instrumentation, against the built-in loopback model.

    python scripts/bench_recorded.py [--turns 30] [--keep DIR] [--json]

Each turn is flushed before the next starts, as a chat app's BatchSpanProcessor flushes while its
user reads and types (its schedule is seconds; a turn here takes a fraction of one). The same spans
go, through their own BatchSpanProcessors, to:

* tracy 2.0: the file configure() writes (the content store keeps long texts once);
* tracy 1.1: a TracyFileExporter writing format 1.1 (every text inline);
* OTLP protobuf + zstd: each batch's ExportTraceServiceRequest, zstd level 3, length-prefixed.

It prints bytes per span of each, and their ratios to OTLP protobuf + zstd.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class ZstdProtoFile:
    """A span exporter writing each batch as OTLP protobuf, zstd-compressed, length-prefixed."""

    def __init__(self, path: Path) -> None:
        import zstandard

        self.path = path
        self._f = open(path, "wb")
        self._zstd = zstandard.ZstdCompressor(level=3)

    def export(self, spans):
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
        from opentelemetry.sdk.trace.export import SpanExportResult

        blob = self._zstd.compress(encode_spans(spans).SerializeToString())
        self._f.write(struct.pack("<I", len(blob)) + blob)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self._f.close()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        self._f.flush()
        return True


def run(turns: int, keep: Path | None = None) -> dict:
    from azure.ai.inference import ChatCompletionsClient
    from azure.core.credentials import AzureKeyCredential
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    import tracefile
    from examples import travel_agent
    from tracefile.record.exporter import TracyFileExporter
    from tracefile.testing.loopback import ChatServer

    with tempfile.TemporaryDirectory(prefix="tracy-recorded-") as tmp, ChatServer(latency_s=0.0) as server:
        folder = Path(tmp)
        recording = tracefile.configure(folder / "run.tracy", service_name="travel-agent", content_recording=True)
        v11 = TracyFileExporter(folder / "run-v1.1.tracy", redaction=recording.exporter.redaction, format_version=(1, 1))
        proto = ZstdProtoFile(folder / "run.otlp.zst")
        for exporter in (v11, proto):
            recording.provider.add_span_processor(BatchSpanProcessor(exporter))
        with ChatCompletionsClient(endpoint=server.endpoint, credential=AzureKeyCredential("loopback-key")) as client:
            chat = travel_agent.Conversation(client, "gpt-4o-mini")
            for turn in range(turns):
                chat.ask(travel_agent.question(turn))
                recording.provider.force_flush()  # the user reads the answer: every processor flushes
        recording.close()
        v11.shutdown()
        proto.shutdown()
        if keep is not None:
            import shutil

            keep.mkdir(parents=True, exist_ok=True)
            for name in ("run.tracy", "run-v1.1.tracy", "run.otlp.zst"):
                shutil.copy(folder / name, keep / name)
        tf = tracefile.load(folder / "run.tracy")
        spans = len(tf.spans)
        sizes = {"tracy 2.0": (folder / "run.tracy").stat().st_size, "tracy 1.1": (folder / "run-v1.1.tracy").stat().st_size,
                 "otlp-proto+zstd": (folder / "run.otlp.zst").stat().st_size}  # fmt: skip
        assert [s.attributes for s in tracefile.load(folder / "run-v1.1.tracy").spans] == [s.attributes for s in tf.spans]
    base = sizes["otlp-proto+zstd"]
    return {"turns": turns, "spans": spans, "bytes": sizes,
            "bytes_per_span": {k: round(v / spans, 1) for k, v in sizes.items()},
            "vs_otlp_proto_zstd": {k: round(v / base, 3) for k, v in sizes.items()}}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--turns", type=int, default=30)
    ap.add_argument("--keep", type=Path, help="copy the three files to this folder")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    r = run(args.turns, args.keep)
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    print(f"examples/travel_agent.py, one conversation of {r['turns']} turns, flushed each turn: {r['spans']} spans")
    print(f"{'file':<18}{'bytes':>10}{'bytes/span':>12}{'vs proto+zstd':>15}")
    for k, v in r["bytes"].items():
        print(f"{k:<18}{v:>10,}{r['bytes_per_span'][k]:>12.1f}{r['vs_otlp_proto_zstd'][k]:>15.3f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OTEL_SERVICE_NAME", "travel-agent")
    sys.exit(main())
