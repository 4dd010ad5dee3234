"""The named hostile files of the fuzz harness, built with the project's own writer and encoder.

Every case is a pair ``(clean, hostile)``: ``clean`` is a file of good spans (300 GenAI spans in three
batches, from `tracefile.testing.synthetic`), and ``hostile`` is that file with something added
or broken in it. A reader must return every span of ``clean`` whose frames are intact in
``hostile``; the frames that carry the hostile content are the damage. Cases whose hostile
content is itself a span (a 10 MB name) put it in the clean file too, so it must read back.

`tests/data/hostile/make_hostile.py` writes the small ones to disk; the big ones are built when
a test asks for them (`build`).
"""

from __future__ import annotations

import functools
import io
import json
import struct
from pathlib import Path
from typing import Callable

import msgspec
import zstandard

from tracefile.format.encode import model_to_frames
from tracefile.format.framing import encode_frame, file_header
from tracefile.format.schema import (
    KIND_FEEDBACK,
    KIND_FILE_INFO,
    KIND_SPAN_DETAILS,
    KIND_SPANS,
    Feedback,
    FeedbackBatch,
    FileInfo,
    SpanColumns,
    SpanDetails,
)
from tracefile.format.model import Span
from tracefile.record.convert import spans_to_frames
from tracefile.testing import synthetic

from . import fuzz

HERE = Path(__file__).resolve().parents[1] / "data" / "hostile"
_ENC = msgspec.msgpack.Encoder()
_COMPRESSOR = zstandard.ZstdCompressor(level=2)
GOOD_SPANS = 300
GiB = 1 << 30


def _frame(kind: int, obj) -> bytes:
    return encode_frame(kind, _ENC.encode(obj), _COMPRESSOR)


@functools.lru_cache(maxsize=None)
def clean_file() -> bytes:
    """300 synthetic GenAI spans in three batches of 100, with fixed batch ids and writer info:
    the same bytes on every run (for one zstandard version)."""
    spans = synthetic.make_spans(GOOD_SPANS, seed=14)
    out = [file_header(), _frame(KIND_FILE_INFO, FileInfo("hostile-corpus", "1", 1, "host", 1))]
    for b in range(3):
        columns, details = spans_to_frames(spans[100 * b : 100 * (b + 1)], 0x7000 + b)
        out += [_frame(KIND_SPANS, columns), _frame(KIND_SPAN_DETAILS, details)]
    return b"".join(out)


def plain_file() -> bytes:
    """40 synthetic spans in four uncompressed batches, then a feedback frame."""
    spans = synthetic.make_spans(40, seed=15)
    out = [file_header(), encode_frame(KIND_FILE_INFO, _ENC.encode(FileInfo("plain", "1", 1, "host", 1)))]
    for b in range(4):
        columns, details = spans_to_frames(spans[10 * b : 10 * (b + 1)], 0x7900 + b)
        out += [encode_frame(KIND_SPANS, _ENC.encode(columns)), encode_frame(KIND_SPAN_DETAILS, _ENC.encode(details))]
    records = FeedbackBatch([Feedback(time_unix_nano=1, span_id=spans[3].context.span_id.to_bytes(8, "big").hex(), label="good")])
    out.append(encode_frame(KIND_FEEDBACK, _ENC.encode(records)))
    return b"".join(out)


def _insert_before_batch(clean: bytes, batch: int, extra: bytes) -> bytes:
    """``clean`` with ``extra`` put just before the spans frame of ``batch``."""
    rec = fuzz.Recording.of(clean)
    at = rec.batches[batch][0].offset
    return clean[:at] + extra + clean[at:]


def _model_batch(spans: list[Span], batch_id: int) -> bytes:
    columns, details = model_to_frames(spans, batch_id)
    return _frame(KIND_SPANS, columns) + _frame(KIND_SPAN_DETAILS, details)


def _span(i: int, name: str = "", **fields) -> Span:
    base = 1_700_000_000_000_000_000
    fields.setdefault("kind", 0)
    return Span(trace_id=f"{0xABC:032x}", span_id=f"{0xD00 + i:016x}", parent_span_id="", name=name or f"hostile {i}",
                start_time=base + i * 1000, end_time=base + i * 1000 + 500, **fields)  # fmt: skip


def _patched_batch(clean: bytes, patch: Callable[[SpanColumns], None], batch_id: int = 0x7100) -> bytes:
    """A copy of the clean file's first batch, its spans frame patched, under a new batch id.
    The copy is CRC-valid: what is wrong is its meaning."""
    rec = fuzz.Recording.of(clean)
    s, d, _ = rec.batches[0]
    columns = msgspec.msgpack.decode(fuzz.payload(clean, s), type=SpanColumns)
    details = msgspec.msgpack.decode(fuzz.payload(clean, d), type=SpanDetails)
    columns.batch_id = details.batch_id = batch_id
    patch(columns)
    return _frame(KIND_SPANS, columns) + _frame(KIND_SPAN_DETAILS, details)


def _set_u32(column: bytes, row: int, value: int) -> bytes:
    out = bytearray(column)
    struct.pack_into("<I", out, 4 * row, value)
    return bytes(out)


@functools.lru_cache(maxsize=1)
def _gib_of_zeros() -> bytes:
    """One zstd frame that decompresses to 1 GiB of zero bytes (about 40 KB)."""
    out = io.BytesIO()
    with zstandard.ZstdCompressor(level=1).stream_writer(out, size=GiB, closefd=False) as w:
        chunk = bytes(1 << 24)
        for _ in range(GiB >> 24):
            w.write(chunk)
    return out.getvalue()


def _zstd_frame(kind: int, compressed: bytes, raw_len: int) -> bytes:
    return fuzz.frame(kind, compressed, raw_len=raw_len, flags=fuzz.FLAG_ZSTD)


# --- the cases: name -> (clean, hostile) ----------------------------------------------------------


def truncated_mid_frame() -> tuple[bytes, bytes]:
    clean = clean_file()
    s, d, _ = fuzz.Recording.of(clean).batches[2]
    return clean, clean[: d.offset + 100]


def bitflip_in_frame_header() -> tuple[bytes, bytes]:
    clean = clean_file()
    s = fuzz.Recording.of(clean).batches[1][0]
    return clean, fuzz.flip_bits(clean, [(s.offset + 9, 0x04)])


def bitflip_in_payload() -> tuple[bytes, bytes]:
    clean = clean_file()
    d = fuzz.Recording.of(clean).batches[1][1]
    return clean, fuzz.flip_bits(clean, [(d.offset + 24 + d.stored_len // 2, 0x80)])


def zeroed_run() -> tuple[bytes, bytes]:
    clean = clean_file()
    s = fuzz.Recording.of(clean).batches[1][0]
    return clean, fuzz.zero_run(clean, s.offset + 10, 4096)


def reordered_frames() -> tuple[bytes, bytes]:
    clean = clean_file()
    rec = fuzz.Recording.of(clean)
    order = list(range(len(rec.frames)))
    order[1:3], order[5:7] = order[5:7], order[1:3]  # batch 2 first, batch 0 last
    return clean, fuzz.rebuild(rec, order)


def garbage_between_frames() -> tuple[bytes, bytes]:
    clean = clean_file()
    junk = bytes(range(256)) * 4 + fuzz.FRAME_SYNC + b"\x10\x00" + bytes(100)
    return clean, _insert_before_batch(clean, 1, junk)


def huge_length_field() -> tuple[bytes, bytes]:
    """The second batch's spans frame claims 2^30 stored bytes, with a header checksum that matches."""
    clean = clean_file()
    rec = fuzz.Recording.of(clean)
    index = rec.frames.index(rec.batches[1][0])
    return clean, fuzz.patch_length(rec, index, "stored_len", fuzz.MAX_LEN, fix_crc=True)


def zstd_bomb() -> tuple[bytes, bytes]:
    """A spans frame whose 40 KB of zstd inflate to 1 GiB, though its raw_len says 4 KB."""
    clean = clean_file()
    return clean, _insert_before_batch(clean, 1, _zstd_frame(KIND_SPANS, _gib_of_zeros(), 4096))


def twelve_frames_of_1gib_zeros() -> tuple[bytes, bytes]:
    """Twelve spans frames, each honestly 1 GiB of zeros once inflated (a 512 KB file)."""
    clean = clean_file()
    bomb = _zstd_frame(KIND_SPANS, _gib_of_zeros(), GiB)
    return clean, _insert_before_batch(clean, 1, bomb * 12)


def details_of_200_million_empty_maps() -> tuple[bytes, bytes]:
    """A spans frame of one span, then its span-details frame: valid MessagePack holding 200
    million empty attribute maps (200 MB inflated, about 150 KB stored)."""
    clean = clean_file()
    n = 200_000_000
    columns, _ = model_to_frames([_span(0)], 0x7200)
    # SpanDetails by hand: [batch_id, count, attributes (array32 of n empty maps), events, links, 3 maps]
    body = b"\x98" + _ENC.encode(0x7200) + _ENC.encode(1) + b"\xdd" + struct.pack(">I", n) + b"\x80" * n + b"\x90\x90\x80\x80\x80"
    details = fuzz.frame(KIND_SPAN_DETAILS, body, compress=True)
    return clean, _insert_before_batch(clean, 1, _frame(KIND_SPANS, columns) + details)


def model_index_out_of_range() -> tuple[bytes, bytes]:
    def patch(c: SpanColumns) -> None:
        c.model = _set_u32(c.model or bytes(4 * c.count), 0, 99_999)

    clean = clean_file()
    return clean, _insert_before_batch(clean, 1, _patched_batch(clean, patch))


def negative_base_time() -> tuple[bytes, bytes]:
    """A spans frame whose base time is -1 (no u64 holds it); found by the fuzz run (mutant #1627)."""
    def patch(c: SpanColumns) -> None:
        c.base_time = -1

    clean = clean_file()
    return clean, _insert_before_batch(clean, 1, _patched_batch(clean, patch))


def times_past_u64() -> tuple[bytes, bytes]:
    """A spans frame whose base time is near 2**64 ns, so its spans and events end past what a time
    may be; found by the fuzz run (mutant #660)."""
    def patch(c: SpanColumns) -> None:
        c.base_time = (1 << 64) - 10

    clean = clean_file()
    return clean, _insert_before_batch(clean, 1, _patched_batch(clean, patch))


def kind_and_status_255() -> tuple[bytes, bytes]:
    def patch(c: SpanColumns) -> None:
        c.kind = b"\xff" + c.kind[1:]
        c.status_code = b"\xff" + c.status_code[1:]

    clean = clean_file()
    return clean, _insert_before_batch(clean, 1, _patched_batch(clean, patch))


def string_index_out_of_range() -> tuple[bytes, bytes]:
    def patch(c: SpanColumns) -> None:
        c.name = _set_u32(c.name, 3, 1_000_000)

    clean = clean_file()
    return clean, _insert_before_batch(clean, 1, _patched_batch(clean, patch))


def parent_cycle() -> tuple[bytes, bytes]:
    a, b = _span(1), _span(2)
    a.parent_span_id, b.parent_span_id = b.span_id, a.span_id
    clean = clean_file()
    return clean, _insert_before_batch(clean, 1, _model_batch([a, b], 0x7300))


def duplicate_span_ids() -> tuple[bytes, bytes]:
    clean = clean_file()
    twins = [_span(1, name="first twin"), _span(1, name="second twin")]
    return clean, _insert_before_batch(clean, 1, _model_batch(twins, 0x7400))


def _with_span(span: Span, batch_id: int) -> tuple[bytes, bytes]:
    """A hostile span that is not damage: it belongs to the clean file too, and must read back."""
    data = _insert_before_batch(clean_file(), 1, _model_batch([span], batch_id))
    return data, data


def span_name_10mb() -> tuple[bytes, bytes]:
    return _with_span(_span(1, name="n" * 10_000_000), 0x7500)


def attribute_key_40mb() -> tuple[bytes, bytes]:
    return _with_span(_span(1, name="huge key", attributes={"k" * 40_000_000: "v"}), 0x7600)


def attribute_nested_990_deep() -> tuple[bytes, bytes]:
    value: object = "bottom"
    for _ in range(990):
        value = [value]
    return _with_span(_span(1, name="deep attribute", attributes={"deep": value}), 0x7700)


def message_50mb() -> tuple[bytes, bytes]:
    messages = [{"role": "user", "parts": [{"type": "text", "content": "m" * 50_000_000}]}]
    span = _span(1, name="chat gpt-4o", kind=2, attributes={
        "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
        "gen_ai.input.messages": json.dumps(messages),
    })  # fmt: skip
    return _with_span(span, 0x7800)


#: name -> (builder, whether the file is small enough to commit)
CASES: dict[str, tuple[Callable[[], tuple[bytes, bytes]], bool]] = {
    "truncated-mid-frame": (truncated_mid_frame, True),
    "bitflip-in-frame-header": (bitflip_in_frame_header, True),
    "bitflip-in-payload": (bitflip_in_payload, True),
    "zeroed-run": (zeroed_run, True),
    "reordered-frames": (reordered_frames, True),
    "garbage-between-frames": (garbage_between_frames, True),
    "huge-length-field": (huge_length_field, True),
    "zstd-bomb": (zstd_bomb, False),
    "twelve-frames-of-1gib-zeros": (twelve_frames_of_1gib_zeros, False),
    "details-of-200-million-empty-maps": (details_of_200_million_empty_maps, False),
    "model-index-out-of-range": (model_index_out_of_range, True),
    "negative-base-time": (negative_base_time, False),
    "times-past-u64": (times_past_u64, False),
    "kind-and-status-255": (kind_and_status_255, True),
    "string-index-out-of-range": (string_index_out_of_range, True),
    "parent-cycle": (parent_cycle, True),
    "duplicate-span-ids": (duplicate_span_ids, True),
    "span-name-10mb": (span_name_10mb, False),
    "attribute-key-40mb": (attribute_key_40mb, False),
    "attribute-nested-990-deep": (attribute_nested_990_deep, True),
    "message-50mb": (message_50mb, False),
}
#: Cases whose hostile content is a span that must read back: their clean file is the file itself.
SPAN_CASES = {"span-name-10mb", "attribute-key-40mb", "attribute-nested-990-deep", "message-50mb"}
CLEAN_NAME = "clean-300-spans.tracy"


def build(name: str, folder: Path) -> tuple[Path, Path]:
    """(clean file, hostile file) of case ``name``: the committed ones, or built into ``folder``."""
    _, small = CASES[name]
    clean_path = HERE / CLEAN_NAME
    committed = HERE / f"{name}.tracy"
    if small and committed.is_file() and clean_path.is_file():
        return (committed if name in SPAN_CASES else clean_path), committed
    clean, hostile = CASES[name][0]()
    folder.mkdir(parents=True, exist_ok=True)
    a, b = folder / f"{name}.clean.tracy", folder / f"{name}.tracy"
    a.write_bytes(clean)
    b.write_bytes(hostile)
    return a, b
