"""Loading a file on a worker thread with progress and cancel, and following it while it grows."""

from __future__ import annotations

import os
import threading

from PySide6.QtCore import QFileSystemWatcher, QObject, QThread, QTimer, Signal

from .session import Cancelled, FileSession, LoadOutcome

#: How often a growing file is checked when the file watcher says nothing (some file
#: systems, and writers holding the file open, do not notify on every append).
POLL_MS = 500


class _Worker(QObject):
    progress = Signal(int, int)
    finished = Signal(object)  # LoadOutcome, or None when cancelled

    def __init__(self, session: FileSession, cancel: threading.Event, done: threading.Event) -> None:
        super().__init__()
        self._session = session
        self._cancel = cancel
        self._done = done

    def run(self) -> None:
        try:
            outcome = self._session.load(self._report, self._cancel.is_set)
        except Cancelled:
            outcome = None
        self._done.set()
        self.finished.emit(outcome)

    def _report(self, done: int, total: int) -> None:
        self.progress.emit(done, total)


class Loader(QObject):
    """Runs `FileSession.load` off the GUI thread. One load at a time."""

    progress = Signal(int, int)  # bytes read, bytes in the file
    finished = Signal(object)  # LoadOutcome
    cancelled = Signal()

    def __init__(self, session: FileSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._cancel = threading.Event()
        self._work_done = threading.Event()
        self._stopped = False

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self) -> bool:
        """Start reading (the whole file, or what was appended since). False if already busy."""
        if self._thread is not None or self._stopped:
            return False
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
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, ms: int = 30000) -> bool:
        """Block until the worker is done (for tests and shutdown)."""
        # The worker's end, not the thread's: the thread quits through a signal queued to this
        # (GUI) thread, which cannot run while it waits here. Call sendPostedEvents() after.
        return True if self._thread is None else self._work_done.wait(ms / 1000)

    def stop(self) -> None:
        """Cancel, and end the worker thread before returning (before the tab closes); nothing is emitted after."""
        self._stopped = True
        self._cancel.set()
        thread = self._thread
        if thread is not None:
            thread.quit()  # the event loop ends as soon as the worker's run returns
            thread.wait()
        self._thread = None
        self._worker = None

    def _done(self, outcome: LoadOutcome | None) -> None:
        if self._stopped:
            return
        thread = self._thread
        if thread is not None:
            # Let the thread finish before it is dropped: destroying a running QThread aborts the process.
            thread.quit()
            thread.wait()
        self._thread = None
        self._worker = None
        if outcome is None:
            self.cancelled.emit()
        else:
            self.finished.emit(outcome)


class Follower(QObject):
    """Notices when the file grows: a file watcher, backed by polling."""

    grew = Signal()

    def __init__(self, session: FileSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._watcher = QFileSystemWatcher([session.path], self)
        self._watcher.fileChanged.connect(self._check)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._check)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._watcher.files():
            self._watcher.removePaths(self._watcher.files())

    def _check(self, *_args) -> None:
        if self.session.path not in self._watcher.files() and os.path.exists(self.session.path):
            # Some writers replace the file; watch the new one.
            self._watcher.addPath(self.session.path)
        if self.session.grew():
            self.grew.emit()
