"""Builds a file's search text index on a worker thread, reporting progress, and keeps it up with a live file."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, QThread, Signal

from .. import activity

#: Progress is reported at most this often (seconds); each report makes the view search again.
PROGRESS_INTERVAL = 0.25


class _Worker(QObject):
    progress = Signal(int, int)
    finished = Signal()

    def __init__(self, session, cancel: threading.Event, done: threading.Event) -> None:
        super().__init__()
        self._session = session
        self._cancel = cancel
        self._done = done
        self._last = 0.0

    def run(self) -> None:
        try:
            self._session.index_details(self._report, self._cancel.is_set)
        finally:
            self._done.set()
            self.finished.emit()

    def _report(self, rows: int) -> None:
        activity.wait_until_quiet(self._cancel.is_set)  # a paint waiting for the GIL takes twice as long
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self.progress.emit(rows, len(self._session.reader.timeline))


class DetailsIndexer(QObject):
    """Runs `FileSession.index_details` off the GUI thread. Asked again while busy, it runs
    once more when done, so batches appended to a live file meanwhile are indexed too."""

    progress = Signal(int, int)  # rows indexed, rows in the file
    finished = Signal()  # caught up with the file as it was read

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._cancel = threading.Event()
        self._work_done = threading.Event()
        self._again = False

    @property
    def busy(self) -> bool:
        return self._thread is not None

    @property
    def complete(self) -> bool:
        """Every span read so far is indexed."""
        return not self.busy and self.session.text.rows >= len(self.session.reader.timeline)

    def start(self) -> None:
        """Index what is not indexed yet."""
        if self._thread is not None:
            self._again = True
            return
        self._again = False
        self._cancel.clear()
        self._work_done = threading.Event()
        thread = QThread(self)
        worker = _Worker(self.session, self._cancel, self._work_done)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self.progress)
        worker.finished.connect(self._done)
        worker.finished.connect(thread.quit)
        thread.finished.connect(thread.deleteLater)
        self._thread, self._worker = thread, worker
        thread.start()

    def stop(self) -> None:
        """Cancel and wait for the worker (before the file's tab closes or the file is re-read)."""
        self._again = False
        self._cancel.set()
        self._finish_thread()

    def wait(self, ms: int = 30000) -> bool:
        """Block until the worker is done; True if it was (for tests, and small files)."""
        # The worker's end, not the thread's: the thread quits through a signal queued to this
        # (GUI) thread, which cannot run while it waits here.
        return True if self._thread is None else self._work_done.wait(ms / 1000)

    def _finish_thread(self) -> None:
        thread = self._thread
        if thread is not None:
            # Let the thread finish before it is dropped: destroying a running QThread aborts the process.
            thread.quit()
            thread.wait()
        self._thread = None
        self._worker = None

    def _done(self) -> None:
        if self._thread is None:  # stopped meanwhile
            return
        self._finish_thread()
        if self._again and not self._cancel.is_set():
            self.start()
            return
        self.finished.emit()
