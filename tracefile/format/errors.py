"""The one exception type readers raise."""

from __future__ import annotations


class TraceFileError(Exception):
    """A file is not a readable .tracy file, or is damaged where that matters.

    ``offset`` is the byte offset of the problem, when there is one.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset
