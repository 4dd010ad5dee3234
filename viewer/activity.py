"""When the window last painted or was used, so background Python work can step aside for it.

Background workers (the search indexer) are Python code that holds the GIL. A paint that has to
wait for it takes about twice as long, so workers pause between steps while the window is busy:

    activity.note()                  # the waterfall calls this when it paints
    activity.wait_until_quiet(stop)  # a worker calls this between steps
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

#: The window counts as busy this long after its last paint or input (seconds).
QUIET_S = 0.15
#: A worker waits at most this long in one go, so a window that never rests cannot starve it.
MAX_WAIT_S = 1.0

_last = 0.0
_hurry = threading.Event()


def note() -> None:
    global _last
    _last = time.monotonic()


@contextmanager
def hurry() -> Iterator[None]:
    """While the window itself waits for a worker, the worker must not wait for the window."""
    _hurry.set()
    try:
        yield
    finally:
        _hurry.clear()


def wait_until_quiet(stop: Callable[[], bool] | None = None) -> float:
    """Sleep while the window is busy; returns the seconds waited."""
    start = time.monotonic()
    while not _hurry.is_set() and time.monotonic() - _last < QUIET_S and time.monotonic() - start < MAX_WAIT_S:
        if stop is not None and stop():
            break
        time.sleep(0.02)
    return time.monotonic() - start
