"""Appending frames to a .tracy file, safely shared by several writers.

Each append is one ``write()`` on a descriptor opened with ``O_APPEND``, made
under an exclusive ``flock`` where the platform has one, so frames from
different threads or processes never interleave and a crash can only tear the
last frame.

Before each append the writer checks that its path still names the file it
has open (device and inode). A file deleted or renamed under it (log rotation,
a user cleaning up) is followed by a new file at the path, with its own header
and ``file-info`` frame, and one warning; without this every later span would
go silently into the unlinked or renamed file.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from pathlib import Path

import msgspec
import zstandard

from .. import __version__
from .content import ContentWriter, content_payload
from .errors import TraceFileError
from .framing import check_file_header, encode_frame, file_header
from .schema import (
    FILE_HEADER_SIZE,
    FORMAT_MAJOR,
    FORMAT_MINOR,
    KIND_CONTENT,
    WRITABLE_VERSIONS,
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
_logger = logging.getLogger("tracefile")

# Files this process gave a shared file-info frame (``share_file_info=True``), by
# (pid, device, inode), with the file's size just after that frame. A smaller file
# under the same inode is a new file (the inode was reused), which gets its own.
_SHARED_INFO: dict[tuple[int, int, int], int] = {}
_SHARED_INFO_LOCK = threading.Lock()


class ShortWriteError(OSError):
    """An append that reached the file only in part (a full disk, ``ulimit -f``).

    ``written`` of ``expected`` bytes are in the file: its first ``frames`` frames
    whole, holding ``spans`` spans (a ``spans`` frame whose ``span-details`` frame was
    cut: its spans are readable, without their attributes, events and links).
    """

    def __init__(
        self, path: Path, offset: int, written: int, expected: int, frames: int, spans: int, reason: str
    ) -> None:
        super().__init__(f"short write to {path}: {written:,} of {expected:,} bytes ({reason})")
        self.offset = offset  # where the append began
        self.written = written
        self.expected = expected
        self.frames = frames
        self.spans = spans


class TraceWriter:
    """Appends frames to one .tracy file. Thread-safe.

    Opening creates the file (and its parent folders) with a header if it
    does not exist, and refuses a non-empty file that is not ours, so that a
    foreign file is never damaged by an append.

    ``share_file_info=True`` (feedback appends, which open the file once per
    record) writes the ``file-info`` frame only if this process has not yet
    written one to this file that way.

    ``format_version`` is the version a new file is created in: (2, 0) by default, with the
    content store (long texts stored once, docs/FORMAT.md §2.6), or (1, 1) for readers of
    format 1. Appending to an existing file keeps to its version: a 1.x file gets no content
    frames, whatever is asked.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        compression: bool = True,
        level: int = DEFAULT_ZSTD_LEVEL,
        fsync: bool = False,
        writer: str = "tracefile",
        share_file_info: bool = False,
        format_version: tuple[int, int] = (FORMAT_MAJOR, FORMAT_MINOR),
    ) -> None:
        if tuple(format_version) not in WRITABLE_VERSIONS:
            raise ValueError(f"cannot write .tracy format {format_version}; choose one of {WRITABLE_VERSIONS}")
        self.path = Path(path)
        self.format_version = tuple(format_version)
        #: This writer's content store, when the file is of format 2 (None for 1.x).
        self.content: ContentWriter | None = None
        self.fsync = fsync
        self._level = level if compression else None
        self._writer = writer
        self._share_info = share_file_info
        # Absolute, so that the app changing its working folder is not taken for a moved file.
        self._where = os.path.abspath(self.path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._index: list[IndexEntry] = []
        self._spans = 0
        self._closed = False
        self._moved = 0  # how many times the file was found deleted or renamed
        self._fd = self._start()

    def _start(self) -> int:
        """Open (or create) the file at the path: header, then the file-info frame. Returns the descriptor."""
        os.makedirs(os.path.dirname(self._where), exist_ok=True)
        fd = os.open(self._where, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        try:
            with _FileLock(fd):
                self._ensure_header(fd)
                self._write_info(fd)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _ensure_header(self, fd: int) -> None:
        if os.fstat(fd).st_size == 0:
            self._write_all(fd, file_header(*self.format_version), ())
            version = self.format_version
        else:
            with open(self._where, "rb") as f:
                head = f.read(FILE_HEADER_SIZE)
            version = check_file_header(head, str(self.path))
            if version is None:
                raise TraceFileError(f"{self.path}: header is incomplete; refusing to append", offset=len(head))
        # A new file (or one found at the path after a rotation) starts a new store: references
        # never point into another file.
        self.content = ContentWriter() if version[0] >= 2 and self.format_version[0] >= 2 else None

    def _write_info(self, fd: int) -> None:
        key = None
        if self._share_info:
            st = os.fstat(fd)
            key = (os.getpid(), st.st_dev, st.st_ino)
            with _SHARED_INFO_LOCK:
                known = _SHARED_INFO.get(key)
            if known is not None and st.st_size >= known:
                return
        info = FileInfo(self._writer, __version__, os.getpid(), socket.gethostname(), time.time_ns())
        frame = encode_frame(KIND_FILE_INFO, _ENCODER.encode(info), self._compressor())
        self._write_all(fd, frame, ())
        if key is not None:
            with _SHARED_INFO_LOCK:
                if len(_SHARED_INFO) >= 4096:  # a long-lived process appending feedback to many files
                    _SHARED_INFO.clear()
                _SHARED_INFO[key] = os.fstat(fd).st_size

    def _write_all(self, fd: int, blob: bytes, frames: list[bytes] | tuple, items: list | tuple = ()) -> int:
        """Write ``blob`` (the concatenated ``frames``) at the end of the file; raise `ShortWriteError`
        if only part of it got there. Returns the offset it was written at. Call under the file lock."""
        offset = os.fstat(fd).st_size
        written = 0
        reason = "the system wrote less than asked"
        view = memoryview(blob)
        while written < len(blob):
            try:
                n = os.write(fd, view[written:])
            except OSError as exc:
                if not written:
                    raise
                reason = exc.strerror or str(exc)
                break
            if n <= 0:
                break
            written += n
        if written == len(blob):
            return offset
        # Count what did reach the file: the frames that are whole are readable.
        whole = spans = 0
        end = 0
        for frame, item in zip(frames, items):
            end += len(frame)
            if end > written:
                break
            whole += 1
            if item[0] == KIND_SPANS:
                spans += item[2]
        raise ShortWriteError(self.path, offset, written, len(blob), whole, spans, reason)

    def _is_open_file(self) -> bool:
        """True while the path still names the file this writer has open."""
        try:
            st = os.stat(self._where)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError:  # cannot tell (permissions): keep writing where we are
            return True
        here = os.fstat(self._fd)
        return st.st_ino == here.st_ino and st.st_dev == here.st_dev

    def _follow_path(self) -> None:
        """The file was deleted or renamed: start a new one at the path. Call under ``_lock``."""
        self._moved += 1
        try:
            fd = self._start()
        except Exception as exc:
            raise OSError(f"{self.path} was deleted or renamed, and a new file could not be made there: {exc}") from exc
        old, self._fd = self._fd, fd
        os.close(old)
        # The index lists the frames of the file it is in; the old file keeps what it had.
        self._index = []
        self._spans = 0
        if self._moved == 1:
            _logger.warning("Tracy: %s was deleted or renamed while being written; writing on in a new file there", self.path)
        else:
            _logger.info("Tracy: %s was deleted or renamed again; writing on in a new file there", self.path)

    def _locked(self):
        return _FileLock(self._fd)

    def _compressor(self) -> zstandard.ZstdCompressor | None:
        if self._level is None:
            return None
        c = getattr(self._local, "zstd", None)
        if c is None:
            c = self._local.zstd = zstandard.ZstdCompressor(level=self._level)
        return c

    def _append(self, items: list[tuple[int, bytes, int, int, int]], follow: bool = True) -> bool:
        """Write several frames as one contiguous append. ``items`` are
        (kind, payload, count, min_start, max_end) tuples. A file deleted or renamed
        meanwhile is followed (`_follow_path`); with ``follow=False`` nothing is
        written then, and the result is False."""
        comp = self._compressor()
        frames = [encode_frame(kind, payload, comp) for kind, payload, *_ in items]
        with self._lock:
            if self._closed:
                raise ValueError("writer is closed")
            if not self._is_open_file():
                if not follow:
                    return False
                self._follow_path()
            self._write_frames(items, frames)
        return True

    def _indexed(self, items: list[tuple[int, bytes, int, int, int]], frames: list[bytes], offset: int) -> None:
        """Note frames written at ``offset`` for the index frame."""
        for (kind, _, count, lo, hi), frame in zip(items, frames):
            self._index.append(IndexEntry(offset, kind, count, lo, hi))
            if kind == KIND_SPANS:
                self._spans += count
            offset += len(frame)

    def write_spans(self, columns: SpanColumns, details: SpanDetails, min_start: int = 0, max_end: int = 0) -> None:
        """Append one batch: its spans frame and span-details frame, adjacent; in a file of format 2,
        preceded by a content frame holding the batch's new long texts (all in one ``write()``)."""
        if self.content is not None:
            self._append_with_content(columns, details, min_start, max_end)
            return
        self._append(
            [
                (KIND_SPANS, _ENCODER.encode(columns), columns.count, min_start, max_end),
                (KIND_SPAN_DETAILS, _details_v1(details), columns.count, min_start, max_end),
            ]
        )

    def _append_with_content(self, columns: SpanColumns, details: SpanDetails, min_start: int, max_end: int) -> None:
        """`write_spans` for a file with a content store. The store numbers and remembers texts in
        file order, so the batch is converted and written under the writer's lock; a failed append
        makes the store forget what it took from the batch."""
        comp = self._compressor()
        spans_payload = _ENCODER.encode(columns)
        spans_frame = encode_frame(KIND_SPANS, spans_payload, comp)
        with self._lock:
            if self._closed:
                raise ValueError("writer is closed")
            if not self._is_open_file():
                self._follow_path()
            store = self.content
            if store is None:  # the file found at the path after a rotation is of format 1
                items = [(KIND_SPANS, spans_payload, columns.count, min_start, max_end),
                         (KIND_SPAN_DETAILS, _details_v1(details), columns.count, min_start, max_end)]  # fmt: skip
                frames = [spans_frame, encode_frame(KIND_SPAN_DETAILS, items[1][1], comp)]
                self._write_frames(items, frames)
                return
            mark = store.mark()
            try:
                details, first, entries = store.extract(details)
                details_payload = _ENCODER.encode(details)
                items = []
                frames = []
                if entries:
                    payload = content_payload(store.store, first, entries, comp)
                    items.append((KIND_CONTENT, payload, len(entries), 0, 0))
                    frames.append(encode_frame(KIND_CONTENT, payload, msgpack=False))  # its entries carry their own compression
                items.append((KIND_SPANS, spans_payload, columns.count, min_start, max_end))
                items.append((KIND_SPAN_DETAILS, details_payload, columns.count, min_start, max_end))
                frames += [spans_frame, encode_frame(KIND_SPAN_DETAILS, details_payload, comp)]
                self._write_frames(items, frames)
            except BaseException:
                store.rollback(mark)
                raise

    def _write_frames(self, items: list[tuple[int, bytes, int, int, int]], frames: list[bytes]) -> None:
        """Write encoded frames as one append. Call under ``_lock``, the path checked."""
        blob = b"".join(frames)
        try:
            with self._locked():
                offset = self._write_all(self._fd, blob, frames, items)
        except ShortWriteError as exc:
            self._indexed(items[: exc.frames], frames, exc.offset)
            raise
        if self.fsync:
            os.fsync(self._fd)
        self._indexed(items, frames, offset)

    def write_feedback(self, records: list[Feedback]) -> None:
        self._append([(KIND_FEEDBACK, _ENCODER.encode(FeedbackBatch(records)), len(records), 0, 0)])

    def flush(self) -> None:
        if not self._closed:
            os.fsync(self._fd)

    def close(self, *, write_index: bool = True) -> None:
        """Append the index frame (unless told not to) and close. Closing twice is harmless.

        A file deleted or renamed since the last append gets no index, and no new file is made for one."""
        if self._closed:
            return
        try:
            if write_index and self._index:
                index = Index(os.getpid(), self._spans, list(self._index))
                self._append([(KIND_INDEX, _ENCODER.encode(index), 0, 0, 0)], follow=False)
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


_V1_DETAILS_FIELDS = 8


def _details_v1(details: SpanDetails) -> bytes:
    """A span-details payload as format 1 has it: without field 8 (``content_store``, since 2.0)."""
    return _ENCODER.encode(msgspec.structs.astuple(details)[:_V1_DETAILS_FIELDS])


def new_batch_id() -> int:
    """A random 63-bit id linking a spans frame to its span-details frame."""
    return random.getrandbits(63)
