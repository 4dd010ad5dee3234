"""What opening a file produced, for the error panel: the path, and what went wrong. No Qt here."""

from __future__ import annotations

import os
from dataclasses import dataclass


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
