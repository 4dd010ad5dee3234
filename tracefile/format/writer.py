"""Appending frames to a .tracy file, safely shared by several writers.

Each append is one ``write()`` on a descriptor opened with ``O_APPEND``, made
under an exclusive ``flock`` where the platform has one, so frames from
different threads or processes never interleave and a crash can only tear the
last frame.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from pathlib import Path

import msgspec
import zstandard

from .. import __version__
from .errors import TraceFileError
from .framing import check_file_header, encode_frame, file_header
from .schema import (
    FILE_HEADER_SIZE,
    KIND_FEEDBACK,
    KIND_FILE_INFO,
    KIND_INDEX,
    KIND_SPAN_DETAILS,
    KIND_SPANS,
    Feedback,
    FeedbackBatch,
    FileInfo,
    Index,
    IndexEntry,
    SpanColumns,
    SpanDetails,
)

try:
    import fcntl
except ImportError:  # Windows: O_APPEND alone keeps appends whole there.
    fcntl = None

# Level 2 compresses span frames about a quarter faster than level 3, for 2% more bytes
# (scripts/bench_format.py: 175 against 172 bytes per span).
DEFAULT_ZSTD_LEVEL = 2
# An Encoder keeps no state between calls, so one is shared by all threads.
_ENCODER = msgspec.msgpack.Encoder()


class TraceWriter:
    """Appends frames to one .tracy file. Thread-safe.

    Opening creates the file (and its parent folders) with a header if it
    does not exist, and refuses a non-empty file that is not ours, so that a
    foreign file is never damaged by an append.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        compression: bool = True,
        level: int = DEFAULT_ZSTD_LEVEL,
        fsync: bool = False,
        writer: str = "tracefile",
    ) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._level = level if compression else None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._index: list[IndexEntry] = []
        self._spans = 0
        self._closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        try:
            self._ensure_header()
            info = FileInfo(writer, __version__, os.getpid(), socket.gethostname(), time.time_ns())
            self._append([(KIND_FILE_INFO, _ENCODER.encode(info), 0, 0, 0)])
        except BaseException:
            os.close(self._fd)
            raise

    def _ensure_header(self) -> None:
        with self._locked():
            size = os.fstat(self._fd).st_size
            if size == 0:
                os.write(self._fd, file_header())
                return
            with open(self.path, "rb") as f:
                head = f.read(FILE_HEADER_SIZE)
            if check_file_header(head, str(self.path)) is None:
                raise TraceFileError(f"{self.path}: header is incomplete; refusing to append", offset=len(head))

    def _locked(self):
        return _FileLock(self._fd)

    def _compressor(self) -> zstandard.ZstdCompressor | None:
        if self._level is None:
            return None
        c = getattr(self._local, "zstd", None)
        if c is None:
            c = self._local.zstd = zstandard.ZstdCompressor(level=self._level)
        return c

    def _append(self, items: list[tuple[int, bytes, int, int, int]]) -> None:
        """Write several frames as one contiguous append. ``items`` are
        (kind, payload, count, min_start, max_end) tuples."""
        comp = self._compressor()
        frames = [encode_frame(kind, payload, comp) for kind, payload, *_ in items]
        blob = b"".join(frames)
        with self._lock:
            if self._closed:
                raise ValueError("writer is closed")
            with self._locked():
                offset = os.fstat(self._fd).st_size
                written = os.write(self._fd, blob)
            if written != len(blob):
                raise OSError(f"short write to {self.path}: {written} of {len(blob)} bytes")
            if self.fsync:
                os.fsync(self._fd)
            for (kind, _, count, lo, hi), frame in zip(items, frames):
                if kind != KIND_FILE_INFO:
                    self._index.append(IndexEntry(offset, kind, count, lo, hi))
                offset += len(frame)

    def write_spans(self, columns: SpanColumns, details: SpanDetails, min_start: int = 0, max_end: int = 0) -> None:
        """Append one batch: its spans frame and span-details frame, adjacent."""
        self._append(
            [
                (KIND_SPANS, _ENCODER.encode(columns), columns.count, min_start, max_end),
                (KIND_SPAN_DETAILS, _ENCODER.encode(details), columns.count, min_start, max_end),
            ]
        )
        self._spans += columns.count

    def write_feedback(self, records: list[Feedback]) -> None:
        self._append([(KIND_FEEDBACK, _ENCODER.encode(FeedbackBatch(records)), len(records), 0, 0)])

    def flush(self) -> None:
        if not self._closed:
            os.fsync(self._fd)

    def close(self, *, write_index: bool = True) -> None:
        """Append the index frame (unless told not to) and close. Closing twice is harmless."""
        if self._closed:
            return
        try:
            if write_index and self._index:
                index = Index(os.getpid(), self._spans, list(self._index))
                self._append([(KIND_INDEX, _ENCODER.encode(index), 0, 0, 0)])
        finally:
            with self._lock:
                self._closed = True
                os.close(self._fd)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "TraceWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _FileLock:
    __slots__ = ("_fd",)

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def __enter__(self) -> None:
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc) -> None:
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


def new_batch_id() -> int:
    """A random 63-bit id linking a spans frame to its span-details frame."""
    return random.getrandbits(63)
