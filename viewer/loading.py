"""Opening a file: reading it on a worker thread with progress and cancel, following it while it grows, and what came of it."""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QFileSystemWatcher, QObject, QTimer, Signal

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


class OpenFile(QObject):
    """A file as a tab reads it: the first read on a worker thread, then what is appended as it grows.

    ``read`` fires after each successful read (``first`` for the first of a session); ``failed``
    when the first read fails or is cancelled. ``reset()`` starts over with a fresh session.
    """

    progress = Signal(int, int)  # bytes read, bytes in the file
    read = Signal(object, bool)  # LoadOutcome, first
    failed = Signal(object)  # LoadResult

    def __init__(self, path: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.result: LoadResult | None = None
        self.session = FileSession(path)
        self.loader = Loader(self.session, self)
        self.loader.progress.connect(self.progress)
        self.loader.finished.connect(self._on_finished)
        self.loader.cancelled.connect(lambda: self._fail("loading was cancelled"))
        self.follower: Follower | None = None

    @property
    def state(self) -> str:
        """``loading``, ``loaded`` or ``error``."""
        if self.result is None:
            return "loading"
        return "loaded" if self.result.ok else "error"

    def start(self) -> None:
        """Read the file (from the start when nothing was read yet)."""
        self.result = None
        self.loader.start()

    def reset(self) -> bool:
        """Forget what was read and stop following, to read again from the start; False while a read runs."""
        if self.loader.busy:
            return False
        if self.follower is not None:
            self.follower.stop()
            self.follower = None
        self.session.close()
        self.session = FileSession(self.path)
        self.loader.session = self.session
        return True

    def read_appended(self) -> None:
        """Read what was appended (the follower saw the file grow, or the viewer appended feedback)."""
        if self.state == "loaded":
            self.loader.start()

    def cancel(self) -> None:
        self.loader.cancel()

    def wait(self, ms: int) -> bool:
        """Block until the read is done and its signals were handled (for tests and --screenshot)."""
        self.loader.wait(ms)
        QCoreApplication.sendPostedEvents()
        return self.state != "loading"

    def stop(self) -> None:
        """Stop following the file and wait for any read in progress (before the tab closes)."""
        if self.follower is not None:
            self.follower.stop()
        self.loader.stop()
        self.session.close()  # an imported file's .tracy copy goes with its tab

    def _fail(self, error: str) -> None:
        self.result = LoadResult(self.path, error=error)
        self.failed.emit(self.result)

    def _on_finished(self, outcome: LoadOutcome) -> None:
        first = self.result is None
        if not outcome.ok:
            if first:
                self._fail(strip_path(outcome.error or "", self.path))
            return
        if first:
            self.result = LoadResult(self.path)
            if self.follower is None and not self.session.imported:  # only .tracy files grow
                self.follower = Follower(self.session, self)
                self.follower.grew.connect(self.read_appended)
        self.read.emit(outcome, first)
