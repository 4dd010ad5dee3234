"""Loading a file on a worker thread with progress and cancel, and following it while it grows."""

from __future__ import annotations

import os

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from .background import BackgroundJob
from .session import Cancelled, FileSession, LoadOutcome

#: How often a growing file is checked when the file watcher says nothing (some file
#: systems, and writers holding the file open, do not notify on every append).
POLL_MS = 500


class Loader(QObject):
    """Runs `FileSession.load` off the GUI thread. One load at a time."""

    progress = Signal(int, int)  # bytes read, bytes in the file
    finished = Signal(object)  # LoadOutcome
    cancelled = Signal()

    def __init__(self, session: FileSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._job = BackgroundJob(self)
        self._job.done.connect(self._done)
        self._stopped = False

    @property
    def busy(self) -> bool:
        return self._job.busy

    def start(self) -> bool:
        """Start reading (the whole file, or what was appended since). False if already busy or stopped."""
        if self._stopped:
            return False
        return self._job.start(self._work)

    def cancel(self) -> None:
        self._job.cancel()

    def wait(self, ms: int = 30000) -> bool:
        """Block until the read is done (for tests and shutdown); call sendPostedEvents() after."""
        return self._job.wait(ms)

    def stop(self) -> None:
        """Cancel, and end the worker thread before returning (before the tab closes); nothing is emitted after."""
        self._stopped = True
        self._job.stop()

    def _work(self, cancelled) -> LoadOutcome | None:  # on the worker thread
        try:
            return self.session.load(self.progress.emit, cancelled)
        except Cancelled:
            return None

    def _done(self, outcome: LoadOutcome | None) -> None:
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
