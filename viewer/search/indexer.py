"""Builds a file's search text index on a worker thread, reporting progress, and keeps it up with a live file."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from .. import activity
from ..background import BackgroundJob

#: Progress is reported at most this often (seconds); each report makes the view search again.
PROGRESS_INTERVAL = 0.25


class DetailsIndexer(QObject):
    """Runs `FileSession.index_details` off the GUI thread. Asked again while busy, it runs
    once more when done, so batches appended to a live file meanwhile are indexed too."""

    progress = Signal(int, int)  # rows indexed, rows in the file
    finished = Signal()  # caught up with the file as it was read

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._job = BackgroundJob(self)
        self._job.done.connect(self._done)
        self._again = False
        self._last = 0.0

    @property
    def busy(self) -> bool:
        return self._job.busy

    @property
    def complete(self) -> bool:
        """Every span read so far is indexed."""
        return not self.busy and self.session.text.rows >= len(self.session.reader.timeline)

    def start(self) -> None:
        """Index what is not indexed yet."""
        if self._job.busy:
            self._again = True
            return
        self._again = False
        self._job.start(self._work)

    def stop(self) -> None:
        """Cancel and end the worker (before the file's tab closes or the file is re-read)."""
        self._again = False
        self._job.stop()

    def wait(self, ms: int = 30000) -> bool:
        """Block until the worker is done; True if it was (for tests, and small files)."""
        return self._job.wait(ms)

    def _work(self, cancelled) -> None:  # on the worker thread
        def report(rows: int) -> None:
            activity.wait_until_quiet(cancelled)  # a paint waiting for the GIL takes twice as long
            now = time.monotonic()
            if now - self._last >= PROGRESS_INTERVAL:
                self._last = now
                self.progress.emit(rows, len(self.session.reader.timeline))

        self.session.index_details(report, cancelled)

    def _done(self, _result) -> None:
        if self._again:
            self.start()
            return
        self.finished.emit()
