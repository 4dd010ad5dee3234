"""Damaged, truncated and foreign files: the reader returns exactly what
survived, reports the rest, and never raises anything but TraceFileError."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracefile
from tracefile.format.errors import TraceFileError
from tracefile.format.framing import FrameRef, ScanReport, encode_frame, file_header, scan_frames
from tracefile.record.convert import spans_to_frames
from tracefile.format.schema import (
    FILE_HEADER_SIZE,
    FILE_MAGIC,
    KIND_CONTENT,
    KIND_FEEDBACK,
    KIND_FILE_INFO,
    KIND_INDEX,
    KIND_SPAN_DETAILS,
    KIND_SPANS,
    Feedback,
)
from tracefile.format import reader
from tracefile.format.writer import TraceWriter
from tests.helpers.spans import dicts, numbered_spans, provider, rich_spans, sdk_span_dict, without_details

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DAMAGE_WORDS = ("fails its checksum", "not a valid frame", "incomplete", "no spans frame", "are missing", "does not")


@dataclass
class Original:
    data: bytes
    frames: list[FrameRef]
    #: per batch: (spans frame, details frame, full span dicts)
    batches: list[tuple[FrameRef, FrameRef, list[dict]]]
    feedback_ref: FrameRef
    feedback: list[Feedback]
    workdir: Path

    def write(self, data: bytes) -> Path:
        path = self.workdir / "case.tracy"
        path.write_bytes(data)
        return path


def _build(workdir: Path, compression: bool) -> Original:
    path = workdir / f"orig-{compression}.tracy"
    tp, col = provider({"service.name": "damage"})
    tracer = tp.get_tracer("t")
    feedback = [
        Feedback(time_unix_nano=1, span_id="", trace_id="", response_id="resp-1", score=1.0, label="good", comment="👍"),
        Feedback(time_unix_nano=2, label="bad", evaluator="judge", metadata={"k": [1, 2]}),
    ]
    sdk_batches = []
    with TraceWriter(path, compression=compression) as w:
        seq = 0
        for b, n in enumerate((1, 4, 2, 6, 3)):
            if b == 2:
                batch = rich_spans(prefix="b2-")
            else:
                numbered_spans(tracer, seq, n, pad=40 * b, tag=f"b{b}-")
                batch = col.take()
            seq += n
            sdk_batches.append(batch)
            w.write_spans(*spans_to_frames(batch, 1000 + b))
            if b == 1:
                w.write_feedback(feedback)
    data = path.read_bytes()
    frames = list(scan_frames(data, ScanReport()))
    kinds = [f.kind for f in frames]
    assert kinds == [KIND_FILE_INFO] + [KIND_SPANS, KIND_SPAN_DETAILS] * 2 + [KIND_FEEDBACK] + [KIND_SPANS, KIND_SPAN_DETAILS] * 3 + [KIND_INDEX]
    pairs = [(a, b) for a, b in zip(frames, frames[1:]) if a.kind == KIND_SPANS]
    batches = [(a, b, [sdk_span_dict(s) for s in spans]) for (a, b), spans in zip(pairs, sdk_batches)]
    # Sanity: the intact file reads back as written.
    tf = tracefile.load(path)
    assert tf.warnings == [] and not tf.truncated
    assert dicts(tf.spans) == [d for _, _, ds in batches for d in ds]
    return Original(data, frames, batches, frames[5], feedback, workdir)


@pytest.fixture(scope="module", params=[True, False], ids=["zstd", "raw"])
def orig(request, tmp_path_factory):
    return _build(tmp_path_factory.mktemp("damage"), request.param)


def _fb_tuple(f: Feedback) -> tuple:
    return tuple(msgspec.structs.astuple(f))


# --------------------------------------------------------------------------- (a) truncation


def _check_truncated(orig: Original, cut: int) -> None:
    path = orig.write(orig.data[:cut])
    if cut == 0:
        with pytest.raises(TraceFileError, match="empty") as ei:
            tracefile.load(path)
        assert ei.value.offset == 0
        return
    tf = tracefile.load(path)
    if cut < FILE_HEADER_SIZE:
        assert tf.spans == [] and tf.feedback == [] and tf.truncated
        assert tf.size == cut
        return
    boundaries = {FILE_HEADER_SIZE} | {f.end for f in orig.frames}
    assert tf.truncated == (cut not in boundaries)
    expected = []
    missing_details = False
    for spans_ref, details_ref, ds in orig.batches:
        if details_ref.end <= cut:
            expected += ds
        elif spans_ref.end <= cut:
            expected += [without_details(d) for d in ds]
            missing_details = True
    assert dicts(tf.spans) == expected
    fb_expected = orig.feedback if orig.feedback_ref.end <= cut else []
    assert [_fb_tuple(f) for f in tf.feedback] == [_fb_tuple(f) for f in fb_expected]
    # Warnings: only about the tail.
    for w in tf.warnings:
        assert "file ends inside" in w or "are missing" in w, w
    assert any("are missing" in w for w in tf.warnings) == missing_details
    assert any("file ends inside" in w for w in tf.warnings) == tf.truncated
    # Streaming agrees.
    assert [s.span_id for s in tracefile.iter_spans(path)] == [s.span_id for s in tf.spans]


@SETTINGS
@given(data=st.data())
def test_truncation_at_random_offsets(orig, data):
    cut = data.draw(st.integers(0, len(orig.data)))
    _check_truncated(orig, cut)


def test_truncation_at_every_frame_edge(orig):
    cuts = {0, 1, 9, 10, 15, 16, 17, len(orig.data)}
    for f in orig.frames:
        cuts |= {f.offset + k for k in (0, 1, 3, 4, 5, 23, 24, 25)} | {f.end - 1, f.end}
    for cut in sorted(c for c in cuts if 0 <= c <= len(orig.data)):
        _check_truncated(orig, cut)


# --------------------------------------------------------------------------- (b) flipped bytes


flips_strategy = st.lists(
    st.tuples(st.integers(FILE_HEADER_SIZE, 10**9), st.integers(1, 255)), min_size=1, max_size=5, unique_by=lambda t: t[0]
)


def _flip(data: bytes, flips) -> tuple[bytes, list[int]]:
    buf = bytearray(data)
    positions = []
    for pos, mask in flips:
        pos = FILE_HEADER_SIZE + (pos - FILE_HEADER_SIZE) % (len(data) - FILE_HEADER_SIZE)
        if pos in positions:
            continue
        buf[pos] ^= mask
        positions.append(pos)
    return bytes(buf), positions


def _touched(start: int, end: int, positions) -> bool:
    return any(start <= p < end for p in positions)


@SETTINGS
@given(flips=flips_strategy)
def test_flipped_bytes_lose_only_the_frames_they_hit(orig, flips):
    damaged, positions = _flip(orig.data, flips)
    path = orig.write(damaged)
    tf = tracefile.load(path)  # must not raise: the header is intact
    assert not tf.truncated
    assert tf.warnings, "damage went unreported"
    assert all(any(w_ in w for w_ in DAMAGE_WORDS) for w in tf.warnings), tf.warnings
    got = dicts(tf.spans)
    expected_present = []
    allowed = []
    for spans_ref, details_ref, ds in orig.batches:
        if not _touched(spans_ref.offset, details_ref.end, positions):
            expected_present += ds
        allowed += ds
        if _touched(details_ref.offset, details_ref.end, positions):
            allowed += [without_details(d) for d in ds]
    for d in expected_present:
        assert d in got, f"span {d['name']} of an undamaged batch is missing"
    for d in got:
        assert d in allowed, f"invented or altered span {d['name']}"
    # Order and multiplicity: untouched batches appear once each, in file order.
    names = [d["span_id"] + d["name"] for d in got]
    assert len(names) == len(set(names))
    if not _touched(orig.feedback_ref.offset, orig.feedback_ref.end, positions):
        assert [_fb_tuple(f) for f in tf.feedback] == [_fb_tuple(f) for f in orig.feedback]
    else:
        assert tf.feedback == []

    with pytest.raises(TraceFileError) as ei:
        tracefile.load(path, strict=True)
    assert isinstance(ei.value.offset, int)
    first = min(positions)
    hit = next(f for f in orig.frames if f.offset <= first < f.end)
    assert ei.value.offset == hit.offset
    assert str(hit.offset) in str(ei.value)


def test_flip_in_every_frame_strict_names_the_frame(orig):
    for f in orig.frames:
        for pos in (f.offset, f.offset + 21, f.end - 1):
            damaged, _ = _flip(orig.data, [(pos, 0x40)])
            path = orig.write(damaged)
            with pytest.raises(TraceFileError) as ei:
                tracefile.load(path, strict=True)
            assert ei.value.offset == f.offset
            tf = tracefile.load(path)
            assert len(tf.warnings) >= 1 and str(f.offset) in tf.warnings[0]


# --------------------------------------------------------------------------- (c) damaged file header


@SETTINGS
@given(pos=st.integers(0, len(FILE_MAGIC) - 1), mask=st.integers(1, 255))
def test_flip_in_magic_is_refused(orig, pos, mask):
    buf = bytearray(orig.data)
    buf[pos] ^= mask
    path = orig.write(bytes(buf))
    for strict in (False, True):
        with pytest.raises(TraceFileError, match="not a .tracy file") as ei:
            reader.load(path, strict=strict)
        assert ei.value.offset == 0
    with pytest.raises(TraceFileError, match="not a .tracy file"):
        list(reader.iter_spans(path))


@pytest.mark.parametrize("major", [3, 4, 0x0101, 0xFFFF])
def test_newer_major_version_is_refused(orig, major):
    buf = bytearray(orig.data)
    buf[10:12] = major.to_bytes(2, "little")
    path = orig.write(bytes(buf))
    with pytest.raises(TraceFileError) as ei:
        tracefile.load(path)
    assert ei.value.offset == 10
    assert f"format {major}." in str(ei.value) and "Upgrade" in str(ei.value)


def test_newer_minor_version_is_read(orig):
    buf = bytearray(orig.data)
    buf[12:14] = (7).to_bytes(2, "little")
    tf = tracefile.load(orig.write(bytes(buf)))
    assert tf.version == (2, 7) and tf.warnings == []
    assert dicts(tf.spans) == [d for _, _, ds in orig.batches for d in ds]


# --------------------------------------------------------------------------- (d) not .tracy files


def test_prompty_json_file(tmp_path):
    p = tmp_path / "prompty.tracy"
    p.write_text(json.dumps({"runtime": "python", "sdk": "prompty", "trace": {"name": "main", "__frames": []}}, indent=2))
    with pytest.raises(TraceFileError) as ei:
        reader.load(p)
    msg = str(ei.value)
    assert str(p) in msg and "not a .tracy file" in msg and "JSON" in msg and "tracy convert" in msg
    assert ei.value.offset == 0


def test_tracy_profiler_and_zstd_files(tmp_path):
    p = tmp_path / "profiler.tracy"
    p.write_bytes(b"tracy\x01\x02\x03" + bytes(100))
    with pytest.raises(TraceFileError, match="Tracy C\\+\\+ profiler"):
        reader.load(p)
    p.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(100))
    with pytest.raises(TraceFileError, match="zstd"):
        reader.load(p)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.tracy"
    p.write_bytes(b"")
    with pytest.raises(TraceFileError, match="empty") as ei:
        tracefile.load(p)
    assert str(p) in str(ei.value)
    assert list(_iter_or_error(p)) == ["TraceFileError"]


def _iter_or_error(p):
    try:
        list(tracefile.iter_spans(p))
    except TraceFileError:
        yield "TraceFileError"


def test_directory_and_missing_paths(tmp_path):
    with pytest.raises(TraceFileError, match="cannot open") as ei:
        tracefile.load(tmp_path)
    assert str(tmp_path) in str(ei.value) and "directory" in str(ei.value).lower()
    missing = tmp_path / "nope.tracy"
    with pytest.raises(TraceFileError, match="cannot open") as ei:
        tracefile.load(missing)
    assert str(missing) in str(ei.value) and "No such file" in str(ei.value)
    with pytest.raises(TraceFileError, match="cannot open"):
        list(tracefile.iter_spans(missing))


@SETTINGS
@given(blob=st.binary(min_size=1, max_size=300))
def test_random_bytes_are_refused(tmp_path_factory, blob):
    if FILE_MAGIC.startswith(blob[: len(FILE_MAGIC)]):
        blob = b"X" + blob  # random bytes, not an accidental header prefix
    d = tmp_path_factory.getbasetemp() / "random"
    d.mkdir(exist_ok=True)
    p = d / "r.tracy"
    p.write_bytes(blob)
    with pytest.raises(TraceFileError, match="not a .tracy file") as ei:
        reader.load(p)
    assert ei.value.offset == 0


@SETTINGS
@given(body=st.binary(max_size=2000))
def test_garbage_after_a_valid_header_never_raises(tmp_path_factory, body):
    d = tmp_path_factory.getbasetemp() / "garbage"
    d.mkdir(exist_ok=True)
    p = d / "g.tracy"
    p.write_bytes(file_header() + body)
    tf = tracefile.load(p)
    assert tf.spans == [] and tf.version == (2, 0)
    assert bool(body) == bool(tf.warnings)


frame_kinds = st.sampled_from([KIND_FILE_INFO, KIND_SPANS, KIND_SPAN_DETAILS, KIND_CONTENT, KIND_FEEDBACK, KIND_INDEX, 0x55])


@SETTINGS
@given(frames=st.lists(st.tuples(frame_kinds, st.binary(max_size=200)), min_size=1, max_size=5))
def test_checksum_valid_frames_with_garbage_payloads_never_raise(tmp_path_factory, frames):
    """A buggy writer's frames: correct checksums, payloads that are not what the kind promises."""
    d = tmp_path_factory.getbasetemp() / "crafted"
    d.mkdir(exist_ok=True)
    p = d / "c.tracy"
    p.write_bytes(file_header() + b"".join(encode_frame(k, payload) for k, payload in frames))
    try:
        tf = tracefile.load(p)
    except TraceFileError:
        pytest.fail("non-strict load raised on checksum-valid frames")
    assert tf.spans == []
    try:
        tracefile.load(p, strict=True)
    except TraceFileError as exc:
        assert isinstance(exc.offset, int)


def _crafted(tmp_path: Path, *frames: bytes) -> Path:
    p = tmp_path / "crafted.tracy"
    p.write_bytes(file_header() + b"".join(frames))
    return p


def test_deeply_nested_attribute_value_is_damage_not_a_crash(tmp_path):
    """A checksum-valid span-details frame whose attribute value nests 200000 arrays deep."""
    details = b"\x96\x07\x01\x91\xa1k\x91\x81\x00" + b"\x91" * 200_000 + b"\xc0" + b"\x91\x90\x91\x90"
    p = _crafted(tmp_path, encode_frame(KIND_SPAN_DETAILS, details))
    try:
        tf = tracefile.load(p)
    except TraceFileError:
        pytest.fail("non-strict load raised")
    assert tf.spans == [] and any("16" in w for w in tf.warnings)
    with pytest.raises(TraceFileError) as ei:
        tracefile.load(p, strict=True)
    assert ei.value.offset == FILE_HEADER_SIZE


def test_zstd_frame_declaring_a_huge_size_is_damage_not_a_crash(tmp_path):
    """A checksum-valid zstd frame whose zstd header claims 1 TiB of content."""
    import struct
    import zlib

    from tracefile.format.framing import _FRAME_HEAD, _U32
    from tracefile.format.schema import FLAG_ZSTD, FRAME_SYNC

    rle_block = (1 | 2 | (1 << 3)).to_bytes(3, "little") + b"\x00"  # last block, RLE, 1 byte
    zst = b"\x28\xb5\x2f\xfd" + bytes([0xE0]) + struct.pack("<Q", 1 << 40) + rle_block
    head = _FRAME_HEAD.pack(FRAME_SYNC, KIND_SPANS, FLAG_ZSTD, 0, len(zst), 100, zlib.crc32(zst))
    p = _crafted(tmp_path, head + _U32.pack(zlib.crc32(head)) + zst)
    try:
        tf = tracefile.load(p)
    except TraceFileError:
        pytest.fail("non-strict load raised")
    assert tf.spans == [] and tf.warnings and "16" in tf.warnings[0]
    with pytest.raises(TraceFileError) as ei:
        tracefile.load(p, strict=True)
    assert ei.value.offset == FILE_HEADER_SIZE


def test_out_of_range_indices_read_as_bad_rows(tmp_path):
    """An index out of range costs its row's value, never the batch (docs/FORMAT.md §5.2)."""
    from tracefile.format.schema import SpanColumns, SpanDetails

    enc = msgspec.msgpack.encode
    one = dict(trace_id=bytes(16), span_id=bytes(8), parent_span_id=bytes(8), start_time=bytes(8), duration=bytes(8),
               name=bytes(4), kind=b"\0", status_code=b"\0", flags=bytes(4), resource=bytes(2), scope=bytes(2))  # fmt: skip
    no_strings = SpanColumns(batch_id=1, count=1, base_time=0, strings=[], resources=[tracefile.Resource()], scopes=[tracefile.Scope()], **one)
    no_resources = SpanColumns(batch_id=2, count=1, base_time=0, strings=["n"], resources=[], scopes=[tracefile.Scope()], **one)
    ok_cols = SpanColumns(batch_id=3, count=1, base_time=0, strings=["ok"], resources=[tracefile.Resource()], scopes=[tracefile.Scope()], **one)
    bad_details = SpanDetails(batch_id=3, count=1, attributes=[{5: 1}], events=[[]], links=[[]])  # keys must be strings
    wrong_count = SpanDetails(batch_id=3, count=2, attributes=[{}], events=[[]], links=[[]])
    p = _crafted(
        tmp_path,
        encode_frame(KIND_SPANS, enc(no_strings)),
        encode_frame(KIND_SPANS, enc(no_resources)),
        encode_frame(KIND_SPANS, enc(ok_cols)),
        encode_frame(KIND_SPAN_DETAILS, enc(bad_details)),
    )
    tf = tracefile.load(p)
    assert [s.name for s in tf.spans] == ["<bad name index 0>", "n", "ok"] and tf.spans[2].attributes == {}
    assert tf.spans[1].resource.attributes == {"tracy.bad_resource_index": 0}
    assert any("spans frame at byte 16, row 0: name index 0 is out of range" in w for w in tf.warnings)
    assert sum("resource index 0 is out of range" in w for w in tf.warnings) == 1
    assert any("span-details frame at byte" in w and "does not decode" in w for w in tf.warnings)
    with pytest.raises(TraceFileError):
        tracefile.load(p, strict=True)
    p = _crafted(tmp_path, encode_frame(KIND_SPANS, enc(ok_cols)), encode_frame(KIND_SPAN_DETAILS, enc(wrong_count)))
    tf = tracefile.load(p)
    assert [s.name for s in tf.spans] == ["ok"] and tf.spans[0].attributes == {}
    assert any("lists disagree with count" in w for w in tf.warnings)
    assert any("are missing" in w for w in tf.warnings)


# --------------------------------------------------------------------------- (e) unknown frame kinds


def test_unknown_frame_kind_is_skipped_silently(orig):
    unknown = encode_frame(0x55, b"a frame from a newer writer") + encode_frame(0x56, bytes(1000))
    # Between two batches (after the second batch's details frame) and at the end.
    b1 = orig.batches[1][1].end
    data = orig.data[:b1] + unknown + orig.data[b1:] + unknown
    tf = tracefile.load(orig.write(data))
    assert tf.warnings == [] and not tf.truncated
    assert dicts(tf.spans) == [d for _, _, ds in orig.batches for d in ds]
    assert [_fb_tuple(f) for f in tf.feedback] == [_fb_tuple(f) for f in orig.feedback]
    tf = tracefile.load(orig.write(data), strict=True)
    assert len(tf.spans) == sum(len(ds) for _, _, ds in orig.batches)


# --------------------------------------------------------------------------- (f) nothing hangs


def test_large_damaged_file_reads_quickly(tmp_path):
    """Sync bytes everywhere and a frame claiming 1 GiB: the scan still finishes
    (pytest's faulthandler_timeout catches a hang)."""
    import zlib

    from tracefile.format.framing import _FRAME_HEAD, _U32
    from tracefile.format.schema import FRAME_SYNC

    head = _FRAME_HEAD.pack(FRAME_SYNC, KIND_SPANS, 0, 0, 1 << 30, 1 << 30, 0)
    liar = head + _U32.pack(zlib.crc32(head))
    body = FRAME_SYNC * 50_000 + liar + os.urandom(1000)
    p = tmp_path / "syncs.tracy"
    p.write_bytes(file_header() + body)
    tf = tracefile.load(p)
    assert tf.spans == [] and (tf.truncated or tf.warnings)
