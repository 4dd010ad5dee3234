"""Opening a file: reading it on a worker thread with progress and cancel, following it while it grows, and what came of it."""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from .background import BackgroundJob
from .session import Cancelled, FileSession, LoadOutcome

#: How often a growing file is checked when the file watcher says nothing (some file
#: systems, and writers holding the file open, do not notify on every append).
POLL_MS = 500


@dataclass(eq=False)
class LoadResult:
    """The outcome of opening one file: fine, or an error message to show in the window."""

    path: str
    #: Why the file could not be shown (no traceback, no path prefix).
    error: str | None = None
    #: True when the error was a bug rather than a bad file.
    unexpected: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def name(self) -> str:
        return os.path.basename(self.path) or self.path


def strip_path(message: str, path: str) -> str:
    """Reader messages start with ``<path>: ``; the viewer shows the path on its own line."""
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


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
