"""Hostile .tracy files: frames that follow docs/FORMAT.md and carry valid checksums, but claim
absurd sizes or impossible values, placed between batches of good spans.

Run as ``python -m tests.helpers.hostile_frames FILE`` to read FILE every way a user can (`tracy info`,
`tracy validate`, `load()`, the timeline reader) under a 4 GB address-space limit, and print
what each found as one JSON line: a regression then fails a test instead of the machine.
"""

from __future__ import annotations

import contextlib
import io
import json
import struct
import sys
import zlib
from pathlib import Path

import msgspec
import zstandard

from tracefile.format.encode import model_to_frames
from tracefile.format.framing import encode_frame, file_header
from tracefile.format.model import Span
from tracefile.format.schema import FLAG_ZSTD, FRAME_SYNC, KIND_SPAN_DETAILS, KIND_SPANS, SpanColumns, SpanDetails

GOOD_BATCHES = 3
GOOD_PER_BATCH = 200
GOOD_SPANS = GOOD_BATCHES * GOOD_PER_BATCH
ADDRESS_SPACE = 4 << 30
_ENC = msgspec.msgpack.encode


def good_spans(batch: int, count: int = GOOD_PER_BATCH) -> list[Span]:
    """``count`` ordinary spans of one trace, named ``good-<batch>-<i>``."""
    base = 1_700_000_000_000_000_000 + batch * 10**9
    trace = f"{batch + 1:032x}"
    return [
        Span(trace_id=trace, span_id=f"{batch + 1:08x}{i + 1:08x}", parent_span_id="" if i == 0 else f"{batch + 1:08x}00000001",
             name=f"good-{batch}-{i}", kind=0, start_time=base + i * 1000, end_time=base + i * 1000 + 500,
             attributes={"i": i, "text": "x" * 20})  # fmt: skip
        for i in range(count)
    ]


def good_batch(batch: int, count: int = GOOD_PER_BATCH) -> tuple[SpanColumns, SpanDetails]:
    return model_to_frames(good_spans(batch, count), 1000 + batch)


def batch_frames(columns: SpanColumns, details: SpanDetails | bytes | None = None) -> bytes:
    """A spans frame and its span-details frame (a payload of ours, raw bytes, or none), compressed."""
    comp = zstandard.ZstdCompressor(level=2)
    out = encode_frame(KIND_SPANS, _ENC(columns), comp)
    if details is not None:
        out += encode_frame(KIND_SPAN_DETAILS, details if isinstance(details, bytes) else _ENC(details), comp)
    return out


def hostile_file(path: Path, *hostile: bytes) -> Path:
    """Good batch 0, the hostile frames, then good batches 1 and 2: 600 good spans in all."""
    good = [batch_frames(*good_batch(b)) for b in range(GOOD_BATCHES)]
    path.write_bytes(file_header() + good[0] + b"".join(hostile) + b"".join(good[1:]))
    return path


def raw_frame(kind: int, stored: bytes, raw_len: int, *, flags: int = FLAG_ZSTD) -> bytes:
    """A frame with valid checksums around whatever ``stored`` is, claiming ``raw_len``."""
    head = struct.pack("<4sBBHIII", FRAME_SYNC, kind, flags, 0, len(stored), raw_len, zlib.crc32(stored))
    return head + struct.pack("<I", zlib.crc32(head)) + stored


def streamed_frame(kind: int, prefix: bytes, fill: bytes, count: int, suffix: bytes = b"") -> bytes:
    """A compressed frame whose payload is ``prefix + fill * count + suffix``, never held in memory whole."""
    cctx = zstandard.ZstdCompressor(level=1)
    raw_len = len(prefix) + len(fill) * count + len(suffix)
    chunk = fill * (max(1, (1 << 22) // max(1, len(fill))))
    out = io.BytesIO()
    with cctx.stream_writer(out, size=raw_len, closefd=False) as w:
        w.write(prefix)
        left = count
        while left > 0:
            k = min(left, len(chunk) // len(fill))
            w.write(chunk[: k * len(fill)])
            left -= k
        w.write(suffix)
    return raw_frame(kind, out.getvalue(), raw_len)


def details_of_items(count: int, item: bytes) -> bytes:
    """A span-details frame of valid MessagePack whose attribute list holds ``count`` copies of ``item``."""
    prefix = b"\x95\xcf" + (7).to_bytes(8, "big") + b"\xce" + count.to_bytes(4, "big") + b"\xdd" + count.to_bytes(4, "big")
    return streamed_frame(KIND_SPAN_DETAILS, prefix, item, count, b"\x90\x90")


def zero_bomb(raw_len: int) -> bytes:
    """A span-details frame claiming ``raw_len`` bytes of zeros."""
    return streamed_frame(KIND_SPAN_DETAILS, b"", b"\0", raw_len)


def columns_with(batch: int, count: int = 3, **columns: bytes) -> SpanColumns:
    """A good batch's spans columns with some columns replaced."""
    cols, _ = good_batch(batch, count)
    for name, value in columns.items():
        setattr(cols, name, value)
    return cols


def deep_details() -> bytes:
    """The details of a one-span batch whose attribute nests 900 maps deep: under Python's
    recursion limit, so it decodes, and then every recursive reader of values trips on it."""
    value: object = "bottom"
    for _ in range(900):
        value = {"a": value}
    return _ENC(SpanDetails(batch_id=1077, count=1, attributes=[{"deep": value}], events=[[]], links=[[]]))


def twelve_gib_frames() -> bytes:
    return zero_bomb(1 << 30) * 12


CASES = {
    # 200 million empty maps: 147 KB in the file, 14 GB of dicts when decoded.
    "200m-empty-maps": lambda: details_of_items(200_000_000, b"\x80"),
    # Under the decompressed cap, so the item budget is what refuses it.
    "60m-empty-maps": lambda: details_of_items(60_000_000, b"\x80"),
    "1e9-integers": lambda: details_of_items(10**9, b"\x00"),
    "zstd-bomb": lambda: zero_bomb(60 << 20),
    "12-frames-of-1-gib": twelve_gib_frames,
    "deep-nesting": lambda: batch_frames(columns_with(77, 1, batch_id=1077), deep_details()),
}


def _read_all(path: str) -> dict:
    import tracefile
    from tracefile.cli import main
    from tracefile.format.columns import read_timeline

    out: dict = {}
    for command in ("info", "validate"):
        buf, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
            code = main([command, path])
        out[command] = {"code": code, "out": buf.getvalue(), "err": err.getvalue()}
    tf = tracefile.load(path)
    out["load"] = {"names": [s.name for s in tf.spans], "kinds": [s.kind for s in tf.spans],
                   "status": [s.status_code for s in tf.spans], "warnings": tf.warnings}  # fmt: skip
    timeline = read_timeline(path)
    out["timeline"] = {"spans": len(timeline), "names": [timeline.names[k] for k in timeline.name],
                       "models": [timeline.names[m - 1] if m else "" for m in timeline.model]}  # fmt: skip
    return out


if __name__ == "__main__":
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    print(json.dumps(_read_all(sys.argv[1])))
