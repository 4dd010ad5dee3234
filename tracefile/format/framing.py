"""Frame codec: file header, frame headers, checksums, compression and resync.

Layout (all integers little-endian), specified in docs/FORMAT.md:

    file   = header frame*
    header = FILE_MAGIC u16:major u16:minor u16:reserved
    frame  = FRAME_SYNC u8:kind u8:flags u16:reserved u32:stored_len
             u32:raw_len u32:payload_crc32 u32:header_crc32 payload
"""

from __future__ import annotations

import struct
import threading
import zlib
from dataclasses import dataclass, field
from typing import Iterator

import zstandard

from .budget import check_payload, item_budget
from .errors import TraceFileError
from .schema import (
    FILE_HEADER_SIZE,
    FILE_MAGIC,
    FLAG_ZSTD,
    FORMAT_MAJOR,
    FORMAT_MINOR,
    FRAME_HEADER_SIZE,
    FRAME_KIND_NAMES,
    FRAME_SYNC,
    KIND_CONTENT,
    MAX_FRAME_PAYLOAD,
    MAX_FRAME_RAW,
)

_FILE_HEADER = struct.Struct("<10sHHH")
_FRAME_HEAD = struct.Struct("<4sBBHIII")  # the 20 bytes covered by header_crc32
_U32 = struct.Struct("<I")


def file_header(major: int = FORMAT_MAJOR, minor: int = FORMAT_MINOR) -> bytes:
    return _FILE_HEADER.pack(FILE_MAGIC, major, minor, 0)


class FrameTooLarge(Exception):
    """A payload a reader would refuse (docs/FORMAT.md §5.1): split the batch and write the halves."""


def encode_frame(kind: int, payload: bytes, compressor: zstandard.ZstdCompressor | None = None, *, msgpack: bool = True) -> bytes:
    """Return one complete frame holding ``payload``, compressed when a compressor is given.

    The frame stays within what readers accept (FORMAT.md §5.1): a payload that compresses so well
    that it would hold more items per stored byte than allowed is stored uncompressed, and one too
    big for any frame raises `FrameTooLarge` before anything is written. ``msgpack=False`` is for
    a payload that is not one MessagePack array (a content frame's, which checks its own entries)."""
    raw_len = len(payload)
    if not msgpack:
        if raw_len > MAX_FRAME_RAW + 64:
            raise FrameTooLarge(f"a {raw_len:,}-byte payload is over the {MAX_FRAME_RAW >> 20} MiB a frame may hold")
        head = _FRAME_HEAD.pack(FRAME_SYNC, kind, 0, 0, raw_len, raw_len, zlib.crc32(payload))
        return head + _U32.pack(zlib.crc32(head)) + payload
    if raw_len > MAX_FRAME_RAW:
        raise FrameTooLarge(f"a {raw_len:,}-byte payload is over the {MAX_FRAME_RAW >> 20} MiB a frame may hold")
    flags = 0
    if compressor is not None:
        packed = compressor.compress(payload)
        # Each MessagePack item takes at least a byte, so only a payload longer than its item budget
        # can break it; counting is left to that rare case.
        if raw_len <= item_budget(len(packed)) or check_payload(payload, item_budget(len(packed))) is None:
            payload = packed
            flags |= FLAG_ZSTD
    if flags == 0 and raw_len > item_budget(raw_len) and check_payload(payload, item_budget(raw_len)) is not None:
        raise FrameTooLarge(f"a payload of over {item_budget(raw_len):,} items is more than a frame may hold")
    head = _FRAME_HEAD.pack(FRAME_SYNC, kind, flags, 0, len(payload), raw_len, zlib.crc32(payload))
    return head + _U32.pack(zlib.crc32(head)) + payload


@dataclass(slots=True)
class FrameRef:
    """Where one intact frame sits in a file."""

    offset: int
    kind: int
    flags: int
    stored_len: int
    raw_len: int

    @property
    def payload_offset(self) -> int:
        return self.offset + FRAME_HEADER_SIZE

    @property
    def end(self) -> int:
        return self.offset + FRAME_HEADER_SIZE + self.stored_len

    @property
    def kind_name(self) -> str:
        return FRAME_KIND_NAMES.get(self.kind, f"unknown kind 0x{self.kind:02x}")


@dataclass(slots=True)
class ScanReport:
    """What a scan found besides intact frames."""

    warnings: list[str] = field(default_factory=list)
    #: Damage in the middle of the file (checksum failures, garbage between frames).
    damaged: list[tuple[int, int, str]] = field(default_factory=list)
    #: Offset where an incomplete final frame starts, or None.
    truncated_at: int | None = None
    #: Offset just past the last intact frame: where a live reader resumes.
    end: int = FILE_HEADER_SIZE
    version: tuple[int, int] = (FORMAT_MAJOR, FORMAT_MINOR)


def check_file_header(data, path: str = "<buffer>") -> tuple[int, int] | None:
    """Validate the file header. Returns (major, minor), or None when the file is
    shorter than a header but so far agrees with one (a writer is creating it)."""
    head = bytes(data[:FILE_HEADER_SIZE])
    if len(head) < FILE_HEADER_SIZE:
        if len(head) == 0:
            raise TraceFileError(f"{path}: file is empty, so it is not a .tracy file yet", offset=0)
        if FILE_MAGIC.startswith(head[: len(FILE_MAGIC)]):
            return None
    if not head.startswith(FILE_MAGIC):
        raise TraceFileError(f"{path}: not a .tracy file: {_describe_foreign(head)}", offset=0)
    _, major, minor, _ = _FILE_HEADER.unpack(head)
    if major > FORMAT_MAJOR:
        raise TraceFileError(
            f"{path}: written in .tracy format {major}.{minor}; this reader understands {FORMAT_MAJOR}.x. "
            "Upgrade tracy to read it.",
            offset=10,
        )
    return major, minor


def _describe_foreign(head: bytes) -> str:
    stripped = head.lstrip()
    if stripped.startswith((b"{", b"[")):
        return (
            "it starts like JSON (Prompty writes JSON .tracy files); "
            "import it with `tracy convert IN OUT.tracy`"
        )
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "it is a bare zstd stream (the Tracy C++ profiler also uses the .tracy extension)"
    if head.startswith(b"tracy"):
        return "it looks like a capture from the Tracy C++ profiler, which shares the extension"
    return f"it does not start with the .tracy signature (first bytes: {head[:10].hex(' ')})"


_WHOLE_HEAD = struct.Struct("<4sBBHIIII")  # the 24 bytes: the 20 above, then header_crc32


def _header_ok(data, pos: int, size: int) -> tuple[int, int, int, int, int] | None:
    """Decode and check the frame header at ``pos``; None if it is not a valid header."""
    if pos + FRAME_HEADER_SIZE > size:
        return None
    sync, kind, flags, _, stored_len, raw_len, payload_crc, header_crc = _WHOLE_HEAD.unpack_from(data, pos)
    if sync != FRAME_SYNC or zlib.crc32(data[pos : pos + 20]) != header_crc:
        return None
    if stored_len > MAX_FRAME_PAYLOAD or raw_len > MAX_FRAME_PAYLOAD:
        return None
    return kind, flags, stored_len, raw_len, payload_crc


def _find_next_header(data, start: int, size: int) -> int:
    """Offset of the next valid frame header at or after ``start``, or -1."""
    pos = start
    while True:
        pos = data.find(FRAME_SYNC, pos, size)
        if pos < 0:
            return -1
        if _header_ok(data, pos, size) is not None:
            return pos
        pos += 1


def scan_frames(
    data,
    report: ScanReport,
    *,
    start: int = FILE_HEADER_SIZE,
    verify: bool = True,
    strict: bool = False,
    path: str = "<buffer>",
    trust_kinds: frozenset[int] = frozenset(),
) -> Iterator[FrameRef]:
    """Yield every intact frame in ``data`` (bytes, mmap or memoryview) from ``start``.

    Damage is recorded in ``report`` and skipped; with ``strict`` it raises
    TraceFileError instead. An incomplete final frame is never an error: a
    writer may be appending to it right now. Payloads of ``trust_kinds`` are
    not checksummed here (their headers are): a reader that skips them checks
    them when, and if, it decodes them.
    """
    size = len(data)
    pos = start
    ahead: tuple[int, tuple | None] | None = None  # the header checked at the end of a trusted frame
    while pos < size:
        if ahead is not None and ahead[0] == pos:
            hdr = ahead[1]
        else:
            hdr = _header_ok(data, pos, size)
        if hdr is None:
            if size - pos < FRAME_HEADER_SIZE and FRAME_SYNC.startswith(bytes(data[pos : pos + 4])[: size - pos]):
                report.truncated_at = pos
                report.warnings.append(
                    f"file ends inside a frame header at byte {pos} ({size - pos} bytes); "
                    "the writer was interrupted or is still writing"
                )
                return
            nxt = _find_next_header(data, pos + 1, size)
            stop = nxt if nxt >= 0 else size
            _damage(report, pos, stop, f"bytes {pos}..{stop} are not a valid frame; skipped", strict, path)
            if nxt < 0:
                return
            pos = nxt
            continue
        kind, flags, stored_len, raw_len, payload_crc = hdr
        end = pos + FRAME_HEADER_SIZE + stored_len
        if end > size:
            nxt = _find_next_header(data, pos + FRAME_HEADER_SIZE, size)
            if nxt < 0:
                report.truncated_at = pos
                report.warnings.append(
                    f"file ends inside the frame at byte {pos} ({size - pos} of {end - pos} bytes present); "
                    "the writer was interrupted or is still writing"
                )
                return
            _damage(report, pos, nxt, f"frame at byte {pos} is incomplete; skipped to byte {nxt}", strict, path)
            pos = nxt
            continue
        check = verify and kind not in trust_kinds
        if verify and not check and end < size:
            # A trusted frame's payload is not checksummed, so its length is only as good as its
            # header: a lying one (a torn header spliced in) would swallow the frames it covers.
            # Trust it only when a valid frame header, or the start of one at the end of the
            # file, follows; otherwise check the payload after all.
            ahead = (end, _header_ok(data, end, size))
            if ahead[1] is None and not (size - end < FRAME_HEADER_SIZE and FRAME_SYNC.startswith(bytes(data[end : end + 4])[: size - end])):
                check = True
        if check and zlib.crc32(data[pos + FRAME_HEADER_SIZE : end]) != payload_crc:
            # A torn frame followed by a later writer's appends also fails here, as does a header
            # whose length claims more than its frame holds: resume at the first valid header
            # after this one's (FORMAT.md §5), even one that runs past the claimed end.
            name = FRAME_KIND_NAMES.get(kind, f"kind 0x{kind:02x}")
            nxt = _find_next_header(data, pos + FRAME_HEADER_SIZE, size)
            stop = nxt if 0 <= nxt < end else end
            _damage(report, pos, stop, f"{name} frame at byte {pos} fails its checksum; skipped", strict, path)
            pos = stop
            continue
        report.end = end
        yield FrameRef(pos, kind, flags, stored_len, raw_len)
        pos = end


def frame_at(data, offset: int, kind: int) -> FrameRef:
    """The intact frame of ``kind`` that starts exactly at ``offset`` (its payload checksummed).

    Raises TraceFileError when there is none: unlike `scan_frames`, it never resyncs to a
    frame further on, which belongs to something else."""
    size = len(data)
    name = FRAME_KIND_NAMES.get(kind, f"kind 0x{kind:02x}")
    hdr = _header_ok(data, offset, size)
    if hdr is None:
        raise TraceFileError(f"no valid {name} frame header at byte {offset}", offset)
    found, flags, stored_len, raw_len, payload_crc = hdr
    ref = FrameRef(offset, found, flags, stored_len, raw_len)
    if found != kind:
        raise TraceFileError(f"the frame at byte {offset} is a {ref.kind_name} frame, not {name}", offset)
    if ref.end > size:
        raise TraceFileError(f"{name} frame at byte {offset} is incomplete", offset)
    if zlib.crc32(data[ref.payload_offset : ref.end]) != payload_crc:
        raise TraceFileError(f"{name} frame at byte {offset} fails its checksum", offset)
    return ref


def _damage(report: ScanReport, start: int, stop: int, message: str, strict: bool, path: str) -> None:
    if strict:
        raise TraceFileError(f"{path}: {message}", offset=start)
    report.damaged.append((start, stop, message))
    report.warnings.append(message)


_local = threading.local()


def _decompressor() -> zstandard.ZstdDecompressor:
    # A ZstdDecompressor reuses one context and must not be shared between threads.
    d = getattr(_local, "zstd", None)
    if d is None:
        d = _local.zstd = zstandard.ZstdDecompressor()
    return d


def frame_payload(data, ref: FrameRef) -> bytes:
    """The decompressed payload of an intact frame, checked against the decode budget.

    Raises TraceFileError if it does not decompress, or would cost more to decode than
    docs/FORMAT.md §5.1 allows: more than `MAX_FRAME_RAW` bytes (refused before anything is
    decompressed, so a zstd bomb costs nothing), or too many items or levels for its size.
    A content frame's payload is its entries' MessagePack array (FORMAT.md §2.6).
    """
    if ref.kind == KIND_CONTENT:
        from .content import entries_payload

        return entries_payload(data, ref)[0]
    if ref.raw_len > MAX_FRAME_RAW or ref.stored_len > MAX_FRAME_RAW:
        raise TraceFileError(
            f"{ref.kind_name} frame at byte {ref.offset} claims {max(ref.raw_len, ref.stored_len):,} bytes, "
            f"more than the {MAX_FRAME_RAW >> 20} MiB a frame may hold",
            ref.offset,
        )
    out = _decompressed(data, ref)
    problem = check_payload(out, item_budget(ref.stored_len))
    if problem is not None:
        raise TraceFileError(f"{ref.kind_name} frame at byte {ref.offset} is over the decode budget: {problem}", ref.offset)
    return out


def _decompressed(data, ref: FrameRef) -> bytes:
    stored = data[ref.payload_offset : ref.end]
    if not ref.flags & FLAG_ZSTD:
        return bytes(stored)
    try:
        # max_output_size is ignored when the zstd header declares a size: check that first,
        # or a damaged header claiming terabytes becomes a MemoryError.
        declared = zstandard.frame_content_size(stored)
        if declared >= 0 and declared != ref.raw_len:
            raise TraceFileError(
                f"{ref.kind_name} frame at byte {ref.offset} claims {declared} bytes, header says {ref.raw_len}",
                ref.offset,
            )
        out = _decompressor().decompress(stored, max_output_size=ref.raw_len)
    except (zstandard.ZstdError, MemoryError) as exc:
        raise TraceFileError(f"{ref.kind_name} frame at byte {ref.offset} does not decompress: {exc}", ref.offset)
    if len(out) != ref.raw_len:
        raise TraceFileError(
            f"{ref.kind_name} frame at byte {ref.offset} decompresses to {len(out)} bytes, header says {ref.raw_len}",
            ref.offset,
        )
    return out
