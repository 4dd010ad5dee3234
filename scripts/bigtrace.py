"""Make large, realistic .tracy files quickly, and the same content as Prompty's JSON trace format.

A seed corpus of real SDK spans (tracefile.synthetic) is converted to frames
once; copies of its batches are then written with fresh trace and span ids
(and shifted times), so a million-span file takes seconds instead of the
minutes the SDK would need to create a million spans.

    python scripts/bigtrace.py OUT.tracy --spans 1000000 [--prompty OUT.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracefile import synthetic  # noqa: E402
from tracefile.otel.convert import spans_to_frames  # noqa: E402
from tracefile.schema import SpanColumns, SpanDetails  # noqa: E402
from tracefile.writer import TraceWriter, new_batch_id  # noqa: E402

SEED_SPANS = 20_480
BATCH = 512


def _seed_batches(seed: int = 0) -> list[tuple[SpanColumns, SpanDetails]]:
    spans = synthetic.make_spans(SEED_SPANS, seed=seed)
    return [spans_to_frames(spans[i : i + BATCH], new_batch_id()) for i in range(0, len(spans), BATCH)]


def _shifted(cols: SpanColumns, copy: int, span_of: float) -> SpanColumns:
    """The batch with every id made unique to this copy and its times moved later."""
    salt = np.uint64((copy * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
    tid = np.frombuffer(cols.trace_id, "<u8").copy()
    tid[0::2] ^= salt
    sid = np.frombuffer(cols.span_id, "<u8") ^ salt
    pid = np.frombuffer(cols.parent_span_id, "<u8")
    pid = np.where(pid != 0, pid ^ salt, 0).astype("<u8")
    return SpanColumns(
        batch_id=new_batch_id(), count=cols.count, base_time=cols.base_time + int(copy * span_of),
        strings=cols.strings, resources=cols.resources, scopes=cols.scopes,
        trace_id=tid.tobytes(), span_id=sid.tobytes(), parent_span_id=pid.tobytes(),
        start_time=cols.start_time, duration=cols.duration, name=cols.name, kind=cols.kind,
        status_code=cols.status_code, flags=cols.flags, resource=cols.resource, scope=cols.scope,
        category=cols.category, model=cols.model, input_tokens=cols.input_tokens, output_tokens=cols.output_tokens,
    )  # fmt: skip


def write_big(path: Path, n_spans: int, seed: int = 0) -> int:
    """Write about ``n_spans`` spans (a whole number of batches) to ``path``. Returns the count."""
    batches = _seed_batches(seed)
    first = min(c.base_time for c, _ in batches)
    last = max(c.base_time + int(np.frombuffer(c.start_time, "<u8").max()) for c, _ in batches)
    span_of = (last - first) * 1.05
    written = 0
    path.unlink(missing_ok=True)
    with TraceWriter(path, writer="bigtrace") as w:
        copy = 0
        while written < n_spans:
            for cols, details in batches:
                if written >= n_spans:
                    break
                c = _shifted(cols, copy, span_of)
                d = SpanDetails(c.batch_id, details.count, details.attributes, details.events, details.links,
                                details.status_message, details.trace_state, details.dropped)  # fmt: skip
                w.write_spans(c, d)
                written += c.count
            copy += 1
    return written


def write_prompty(path: Path, tracy_path: Path) -> int:
    """The same spans as a Prompty ``.tracy`` JSON document: nested frames with inputs and results."""
    import tracefile

    tf = tracefile.load(tracy_path)
    children: dict[str, list] = {}
    for s in tf.spans:
        children.setdefault(s.parent_span_id, []).append(s)

    def frame(s) -> dict:
        return {
            "name": s.name,
            "type": "llm" if s.name.startswith("chat") else "function",
            "signature": s.name,
            "inputs": {**s.attributes, "events": [{"name": e.name, **e.attributes} for e in s.events]},
            "result": s.status_message or None,
            "__time": {"start": s.start_time / 1e9, "end": s.end_time / 1e9, "duration": (s.end_time - s.start_time) // 1_000_000},
            "__frames": [frame(c) for c in sorted(children.get(s.span_id, []), key=lambda c: c.start_time)],
        }

    roots = [frame(s) for s in children.get("", [])]
    doc = {"runtime": "python", "version": "1.0", "trace": {"name": "run", "type": "function", "__frames": roots}}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return len(tf.spans)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--spans", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--prompty", type=Path, help="also write the same content as Prompty JSON here")
    args = p.parse_args()
    n = write_big(args.out, args.spans, args.seed)
    print(f"wrote {n:,} spans to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    if args.prompty:
        write_prompty(args.prompty, args.out)
        print(f"wrote the same content as Prompty JSON to {args.prompty} ({args.prompty.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
