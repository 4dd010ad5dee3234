"""One piece of Python work at a time on a worker thread: start, cancel, wait, stop.

    job = BackgroundJob(parent)
    job.done.connect(on_result)          # in the GUI thread, with what work() returned
    job.start(work)                      # work(cancelled) runs on the worker thread
    job.stop()                           # cancel, and end the thread before returning

Waiting is on the work, not the thread: a worker thread ends through a quit that is queued to
the GUI thread, so a GUI thread that waited on the thread itself would always wait in vain.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal


class _Worker(QObject):
    finished = Signal(object)

    def __init__(self, work: Callable[[Callable[[], bool]], Any], cancel: threading.Event, done: threading.Event) -> None:
        super().__init__()
        self._work = work
        self._cancel = cancel
        self._done = done

    def run(self) -> None:
        result = None
        try:
            result = self._work(self._cancel.is_set)
        finally:
            self._done.set()
            self.finished.emit(result)


class BackgroundJob(QObject):
    """Runs ``work(cancelled)`` on a worker thread; ``done`` carries its result in the GUI thread.

    After `stop()` nothing is emitted until `start()` is called again.
    """

    done = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._cancel = threading.Event()
        self._work_done = threading.Event()
        self._stopped = False

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def start(self, work: Callable[[Callable[[], bool]], Any]) -> bool:
        """Run ``work`` unless a run is in progress (then False)."""
        if self._thread is not None:
            return False
        self._stopped = False
        self._cancel.clear()
        self._work_done = threading.Event()
        thread = QThread(self)
        worker = _Worker(work, self._cancel, self._work_done)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(self._finished)
        worker.finished.connect(thread.quit)
        thread.finished.connect(thread.deleteLater)
        self._thread, self._worker = thread, worker
        thread.start()
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, ms: int = 30000) -> bool:
        """Block until the work is done; True if it was. Posted signals arrive after this returns."""
        return True if self._thread is None else self._work_done.wait(ms / 1000)

    def stop(self) -> None:
        """Cancel, and end the worker thread before returning (before a tab closes)."""
        self._stopped = True
        self._cancel.set()
        self._end_thread()

    def _end_thread(self) -> None:
        thread = self._thread
        if thread is not None:
            # Destroying a running QThread aborts the process: let it end first.
            thread.quit()
            thread.wait()
        self._thread = None
        self._worker = None

    def _finished(self, result: Any) -> None:
        if self._stopped or self._thread is None:
            return
        self._end_thread()
        self.done.emit(result)
