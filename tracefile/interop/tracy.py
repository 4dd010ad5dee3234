"""Our own format, through the same interface as the foreign importers."""

from __future__ import annotations

from ..format.reader import load
from ..format.schema import FILE_MAGIC
from . import Imported


def read(path: str, head: bytes) -> Imported | None:
    if not head.startswith(FILE_MAGIC[: len(head)]) or not head:
        return None
    tf = load(path)
    return Imported("tracy", tf.spans, tf.feedback, tf.warnings)
