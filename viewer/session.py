"""One open file: its columns, its index, lazy span details, and following it as it grows.

A file in another format (OTLP, Jaeger, Zipkin, Prompty) is imported into a private .tracy
file first, which is then read like any other. Pure Python (no Qt), so loading, refreshing
and error handling are tested without a window; `viewer.loading` runs it on a worker thread.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from tracefile import Span, TraceFileError
from tracefile.format import TimelineReader, open_buffer
from tracefile.interop import format_name, import_to_tracy, is_tracy_file

from .feedback.logic import FeedbackIndex
from .search.text_index import TextIndex, index_batches
from .tracedata import TraceIndex, build_index

#: Decoded batches kept, so that the spans of one trace (often written together) decode once.
BATCH_CACHE = 8


class Cancelled(Exception):
    """Loading was cancelled by the user."""


@dataclass
class LoadOutcome:
    """What opening (or refreshing) a file produced."""

    spans: int = 0
    new_spans: int = 0
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class FileSession:
    """The data behind one tab. Not thread-safe: one thread at a time."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        #: The file the user opened.
        self.source = os.fspath(path)
        #: The .tracy file read: the source itself, or (after the first `load`) its import.
        self.path = self.source
        #: The source's format: "tracy", or the importer's name ("jaeger", "otlp-json", ...).
        self.format = "tracy"
        #: What the importer skipped or noted; empty for a .tracy file.
        self.import_warnings: list[str] = []
        #: The source's size in bytes when it was imported (`size` is that of the file read).
        self.source_size = 0
        self._import_dir: str | None = None
        self._sniffed = False
        self.reader = TimelineReader(self.path)
        self.index: TraceIndex | None = None
        self.feedback = FeedbackIndex()
        self.size = 0
        #: Search's text index of span details, filled by `index_details` (a second worker thread).
        self.text = TextIndex()
        self._batches: OrderedDict[int, list[Span]] = OrderedDict()

    @property
    def name(self) -> str:
        return os.path.basename(self.source)

    @property
    def imported(self) -> bool:
        """True when the source is in another format and what is read is its import."""
        return self.format != "tracy"

    @property
    def format_label(self) -> str:
        """"Jaeger JSON, imported" for an imported file; "" for a .tracy file."""
        return f"{format_name(self.format)}, imported" if self.imported else ""

    @property
    def warnings(self) -> list[str]:
        """The importer's warnings, then the reader's (damaged frames)."""
        return self.import_warnings + self.reader.warnings

    def close(self) -> None:
        """Remove the import (if any). The session reads nothing afterwards."""
        if self._import_dir is not None:
            shutil.rmtree(self._import_dir, ignore_errors=True)
            self._import_dir = None

    def _import(self, progress: Callable[[int, int], None] | None, cancelled: Callable[[], bool] | None) -> None:
        """Import a foreign source into a .tracy file in a private folder, and read that from now on."""
        total = self.source_size = _size(self.source)
        if progress is not None:
            progress(0, total)
        folder = tempfile.mkdtemp(prefix="tracy-import-")
        self._import_dir = folder
        target = os.path.join(folder, os.path.splitext(self.name)[0] + ".tracy")
        converted = import_to_tracy(self.source, target)
        if cancelled is not None and cancelled():
            raise Cancelled()
        self.format, self.import_warnings = converted.format, converted.warnings
        self.path = target
        self.reader = TimelineReader(target)

    def load(
        self,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> LoadOutcome:
        """Read everything (or everything new) and rebuild the index. Never raises,
        except `Cancelled` when ``cancelled()`` turned true."""
        try:
            if not self._sniffed:
                # Live following is for .tracy files: a foreign file is imported once, here.
                if not is_tracy_file(self.source):
                    self._import(progress, cancelled)
                self._sniffed = True
            before = len(self.reader.timeline)
            warned = len(self.reader.warnings)
            # The size before reading, not after: bytes appended while the reader runs must count as
            # growth the next time `grew()` is asked, or the follower never reads them.
            size = _size(self.path)
            self.reader.read(progress, cancelled)
            for batch in self.reader.late_details:
                self._batches.pop(batch, None)  # decoded before its details frame was written
            if cancelled is not None and cancelled():
                raise Cancelled()
            self.size = size
            added = len(self.reader.timeline) - before
            if added or self.index is None:
                self.index = build_index(self.reader.timeline)
            if added or len(self.reader.feedback) != len(self.feedback):
                self.feedback = FeedbackIndex.build(
                    self.reader.feedback, self.index, self._batch_spans, previous=self.feedback
                )
            return LoadOutcome(
                spans=len(self.reader.timeline),
                new_spans=added,
                warnings=self.reader.warnings[warned:],
                truncated=self.reader.truncated,
            )
        except Cancelled:
            raise
        except TraceFileError as exc:
            return LoadOutcome(error=str(exc))
        except MemoryError:
            return LoadOutcome(error=f"{self.source}: not enough memory to open this file")
        except Exception as exc:  # the viewer never shows a traceback
            return LoadOutcome(error=f"{self.source}: could not be read ({type(exc).__name__}: {exc})")

    def index_details(
        self,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> int:
        """Add the details of batches read since the last call to `text`; returns how many batches.
        Runs beside `load` on another thread: it only reads the file, and the timeline's batch
        list as it was when called. Never raises."""
        text = self.text
        batches = self.reader.timeline.batches
        if text.batches >= len(batches):
            return 0
        try:
            with open_buffer(self.path) as data:
                return index_batches(text, data, batches, cancelled=cancelled, progress=progress, content=self.reader.content)
        except TraceFileError:
            return 0  # the file went away; search keeps what it has

    def grew(self) -> bool:
        """True when the file is larger than when it was last read."""
        return _size(self.path) > self.size

    def span(self, row: int) -> Span | None:
        """Every field of the span at ``row``, decoded on demand; None if it cannot be read."""
        try:
            batch = int(self.reader.timeline.batch[row])
            span = self._batch_spans(batch)[row - self.reader.timeline.batches[batch].first_row]
        except (IndexError, ValueError):
            return None
        span.feedback = self.feedback.for_row(row)
        return span

    def details_problem(self, row: int) -> str | None:
        """Why the span at ``row`` shows no attributes, events or links (its details frame is damaged
        or missing), or None. Asked after `span`."""
        try:
            return self.reader.details_problem(int(self.reader.timeline.batch[row]))
        except (IndexError, ValueError):
            return None

    def spans(self, rows) -> list[Span]:
        """The spans at ``rows`` (in that order), decoding each batch they fall in once."""
        rows = np.asarray(rows, np.int64)
        if len(rows) == 0:
            return []
        tl = self.reader.timeline
        batch_of = tl.batch[rows]
        found: dict[int, Span] = {}
        for batch in np.unique(batch_of).tolist():
            spans = self._batch_spans(batch)
            first = tl.batches[batch].first_row
            for row in rows[batch_of == batch].tolist():
                if 0 <= row - first < len(spans):
                    span = spans[row - first]
                    span.feedback = self.feedback.for_row(row)
                    found[row] = span
        return [found[r] for r in rows.tolist() if r in found]

    def _batch_spans(self, batch: int) -> list[Span]:
        """Every span of one batch, decoded once and kept while it is among the last few used."""
        spans = self._batches.get(batch)
        if spans is not None:
            self._batches.move_to_end(batch)
            return spans
        try:
            spans = self.reader.batch_spans(batch)
        except (TraceFileError, IndexError, OSError, ValueError):
            return []
        self._batches[batch] = spans
        if len(self._batches) > BATCH_CACHE:
            self._batches.popitem(last=False)
        return spans


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
