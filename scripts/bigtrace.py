"""Make large, realistic .tracy files quickly, and the same content as Prompty's JSON trace format.

A seed corpus of real SDK spans (tracefile.testing.synthetic) is converted to frames
once; copies of its batches are then written with fresh trace and span ids
(and shifted times), so a million-span file takes seconds instead of the
minutes the SDK would need to create a million spans. Such a file repeats the
seed's text; with ``--unique-text`` each copy also gets its own token (``c00042``)
in every string value of the span details, so no text value repeats.

    python scripts/bigtrace.py OUT.tracy --spans 1000000 [--unique-text] [--prompty OUT.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import msgspec
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracefile.testing import synthetic  # noqa: E402
from tracefile.record.convert import spans_to_frames  # noqa: E402
from tracefile.format.schema import Event, SpanColumns, SpanDetails  # noqa: E402
from tracefile.format.writer import TraceWriter, new_batch_id  # noqa: E402

SEED_SPANS = 20_480
BATCH = 512


def _seed_batches(seed: int = 0) -> list[tuple[SpanColumns, SpanDetails]]:
    spans = synthetic.make_spans(SEED_SPANS, seed=seed)
    return [spans_to_frames(spans[i : i + BATCH], new_batch_id()) for i in range(0, len(spans), BATCH)]


#: Width of a copy's token (``c00042``) and what stands for it in the encoded seed details: the
#: same number of bytes, so each copy is a byte replacement with no msgpack length to fix. No
#: prefix of the placeholder is also its suffix, so a length byte just before it cannot make a
#: match that starts early.
_TOKEN_WIDTH = 6
_PLACEHOLDER = "\x1b" + "\x1a" * (_TOKEN_WIDTH - 1)


def _mark(value: str) -> str:
    """``value`` with the placeholder put in: inside JSON (so it still parses), else in front."""
    if value[:1] in ("{", "["):
        at = value.find('": "')
        at = at + 4 if at >= 0 else value.find('"') + 1
        if at > 0:
            return value[:at] + _PLACEHOLDER + " " + value[at:]
    return _PLACEHOLDER + " " + value


def _marked(value):
    if isinstance(value, str):
        return _mark(value)
    if isinstance(value, (list, tuple)):
        return [_mark(v) if isinstance(v, str) else v for v in value]
    return value


class _UniqueText:
    """Each seed batch's details, encoded once with a placeholder in every text value (attribute
    values, event attribute values, status messages), to be copied with a copy's own token."""

    def __init__(self, batches: list[tuple[SpanColumns, SpanDetails]]) -> None:
        self._encoded: list[bytes] = []
        enc = msgspec.msgpack.Encoder()
        for _, d in batches:
            attributes = [{k: _marked(v) for k, v in a.items()} for a in d.attributes]
            # An event is an Event or, as spans_to_frames makes them, its fields as a tuple.
            events = [[Event(t, name, {k: _marked(v) for k, v in attrs.items()}, dropped)
                       for t, name, attrs, dropped in map(_event_fields, evs)] for evs in d.events]  # fmt: skip
            status = {i: _mark(m) for i, m in d.status_message.items()}
            data = enc.encode(SpanDetails(d.batch_id, d.count, attributes, events, d.links, status, d.trace_state,
                                          d.dropped))  # fmt: skip
            marks = data.count(_PLACEHOLDER.encode())
            # Every placeholder in the bytes is one put in above: none in the seed, none made by a length byte.
            assert marks == _count_marks(attributes, events, status), "placeholder found in the seed"
            self._encoded.append(data)
        self._decoder = msgspec.msgpack.Decoder(SpanDetails)

    def details(self, i: int, copy: int, batch_id: int) -> SpanDetails:
        token = f"c{copy:0{_TOKEN_WIDTH - 1}d}"
        assert len(token) == _TOKEN_WIDTH, f"more than {10 ** (_TOKEN_WIDTH - 1):,} copies"
        d = self._decoder.decode(self._encoded[i].replace(_PLACEHOLDER.encode(), token.encode()))
        d.batch_id = batch_id
        return d


def _event_fields(e) -> tuple:
    return tuple(e) if isinstance(e, tuple) else (e.time_unix_nano, e.name, e.attributes, e.dropped_attributes)


def _count_marks(attributes, events, status) -> int:
    def n(v) -> int:
        if isinstance(v, str):
            return v.count(_PLACEHOLDER)
        return sum(x.count(_PLACEHOLDER) for x in v if isinstance(x, str)) if isinstance(v, list) else 0

    return (sum(n(v) for a in attributes for v in a.values()) + sum(n(m) for m in status.values())
            + sum(n(v) for evs in events for e in evs for v in e.attributes.values()))  # fmt: skip


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


def write_big(path: Path, n_spans: int, seed: int = 0, unique_text: bool = False) -> int:
    """Write about ``n_spans`` spans (a whole number of batches) to ``path``. Returns the count.

    With ``unique_text``, every text value of the span details carries its copy's token."""
    batches = _seed_batches(seed)
    unique = _UniqueText(batches) if unique_text else None
    first = min(c.base_time for c, _ in batches)
    last = max(c.base_time + int(np.frombuffer(c.start_time, "<u8").max()) for c, _ in batches)
    span_of = (last - first) * 1.05
    written = 0
    path.unlink(missing_ok=True)
    with TraceWriter(path, writer="bigtrace") as w:
        copy = 0
        while written < n_spans:
            for i, (cols, details) in enumerate(batches):
                if written >= n_spans:
                    break
                c = _shifted(cols, copy, span_of)
                if unique:
                    d = unique.details(i, copy, c.batch_id)
                else:
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
    p.add_argument("--unique-text", action="store_true", help="make every text value of the span details distinct")
    p.add_argument("--prompty", type=Path, help="also write the same content as Prompty JSON here")
    args = p.parse_args()
    n = write_big(args.out, args.spans, args.seed, args.unique_text)
    print(f"wrote {n:,} spans to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    if args.prompty:
        write_prompty(args.prompty, args.out)
        print(f"wrote the same content as Prompty JSON to {args.prompty} ({args.prompty.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
