"""A child process for the crash tests: writes numbered spans to a .tracy file until killed.

    python crash_child.py PATH MODE SEED TAG [LIMIT]

MODE is ``batches`` (calls ``TracyFileExporter.export`` with batches of random
size, 1 to 40 spans, each span with a long ``history`` text for the content store) or ``simple`` (a SimpleSpanProcessor, one span per
export). After every successful export it prints the number of spans written
so far and flushes stdout, so a parent knows a lower bound of what the file
holds when it kills this process. With LIMIT it stops after that many spans
and shuts the exporter down; without it, it runs until it is killed (with a
safety stop after 60 s). With TAG ``wait`` it first prints ``ready`` and waits
for a line on stdin, so that two children can be started together.
"""

from __future__ import annotations

import random
import sys
import time

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult

from tracefile.record.exporter import TracyFileExporter


def history_of(seq: int) -> str:
    """The ``history`` attribute of span ``seq`` in ``batches`` mode: a text long enough for the
    content store that grows by a little with each span (and starts over every 64), as a
    conversation's history does, so that most entries continue an earlier one."""
    return f"conversation {seq // 64}: " + "H" * 1100 + "".join(f"<turn {k}>" for k in range(seq % 64))


class _Collect(SpanProcessor):
    def __init__(self) -> None:
        self.spans = []

    def on_end(self, span) -> None:
        self.spans.append(span)


def main() -> int:
    path, mode, seed, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else None
    rng = random.Random(seed)
    exporter = TracyFileExporter(path)
    tp = TracerProvider(resource=Resource({"service.name": f"crash-{tag}"}), shutdown_on_exit=False)
    if tag == "wait" or tag.startswith("wait-"):
        print("ready", flush=True)
        sys.stdin.readline()
    out = sys.stdout
    deadline = time.monotonic() + 60
    written = 0
    if mode == "simple":
        counter = {"n": 0}

        class Counting(SimpleSpanProcessor):
            def on_end(self, span) -> None:
                super().on_end(span)
                counter["n"] += 1
                out.write(f"{counter['n']}\n")
                out.flush()

        tp.add_span_processor(Counting(exporter))
        tracer = tp.get_tracer("crash")
        while (limit is None or written < limit) and time.monotonic() < deadline:
            with tracer.start_as_current_span(f"{tag}span-{written}", attributes={"seq": written, "tag": tag, "pad": "p" * rng.randrange(0, 2000)}):
                pass
            written += 1
    else:
        col = _Collect()
        tp.add_span_processor(col)
        tracer = tp.get_tracer("crash")
        while (limit is None or written < limit) and time.monotonic() < deadline:
            n = rng.randint(1, 40)
            if limit is not None:
                n = min(n, limit - written)
            for seq in range(written, written + n):
                attributes = {"seq": seq, "tag": tag, "pad": "p" * rng.randrange(0, 500), "history": history_of(seq)}
                with tracer.start_as_current_span(f"{tag}span-{seq}", attributes=attributes) as s:
                    s.add_event("e", {"seq": seq})
            batch, col.spans = col.spans, []
            if exporter.export(batch) is not SpanExportResult.SUCCESS:
                print("export failed", file=sys.stderr, flush=True)
                return 1
            written += n
            out.write(f"{written}\n")
            out.flush()
    exporter.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
