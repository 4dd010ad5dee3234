"""Opening any trace file as a `TraceFile`: `.tracy` files through the format's reader, every other
format through `read_any`; and importing a foreign file into a `.tracy` file (what the viewer opens)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Iterator

import msgspec

from ..format.errors import TraceFileError
from ..format.model import Span, TraceFile
from ..format.reader import iter_spans as iter_tracy_spans, load as load_tracy
from ..format.schema import FILE_MAGIC, Resource

#: What each `Imported.format` is called in messages, the CLI and the viewer.
FORMAT_NAMES = {
    "tracy": ".tracy",
    "otlp-json": "OTLP/JSON",
    "otlp-proto": "OTLP protobuf",
    "jaeger": "Jaeger JSON",
    "zipkin": "Zipkin v2 JSON",
    "prompty": "Prompty JSON",
}

# The importers' wording for a record they left out: `common.Skips` ("3 spans skipped: ...") and
# OTLP's per-line "line 4 is not JSON (...); skipped". Notes such as Prompty's time zone are not.
_SKIP = re.compile(r"\bskipped\b")


def format_name(fmt: str) -> str:
    """``"jaeger"`` -> ``"Jaeger JSON"``; an unknown key is shown as it is."""
    return FORMAT_NAMES.get(fmt, fmt)


def is_tracy_file(path: str | os.PathLike[str]) -> bool:
    """True when the file starts like a .tracy file, or is too short to tell (empty, or a writer
    that has written part of the header): those are read, and followed, as .tracy files."""
    p = os.fspath(path)
    try:
        with open(p, "rb") as f:
            head = f.read(len(FILE_MAGIC))
    except OSError as exc:
        raise TraceFileError(f"{p}: cannot open: {exc.strerror or exc}") from None
    return FILE_MAGIC.startswith(head)


def skipped(warnings: list[str]) -> list[str]:
    """The import warnings that report broken records left out (not notes about the mapping)."""
    return [w for w in warnings if _SKIP.search(w)]


def load(path: str | os.PathLike[str], *, strict: bool = False, lazy: bool = False) -> TraceFile:
    """Read a whole trace file of any format tracy knows into a `TraceFile`.

    A .tracy file is read as `tracefile.format.load` reads it. Any other file is detected by
    content and imported (`TraceFile.format` says which format it was; its warnings list the
    records skipped). A file in no known format raises TraceFileError naming the formats tried;
    with ``strict`` the first damage, or the first record an importer skipped, raises too.
    With ``lazy``, a .tracy file's span attributes are decoded the first time each is used
    (`tracefile.format.lazy.LazyAttributes`); imported files are read whole either way.
    """
    p = os.fspath(path)
    if is_tracy_file(p):
        return load_tracy(p, strict=strict, lazy=lazy)
    from . import read_any

    imported = read_any(p)
    if strict and skipped(imported.warnings):
        raise TraceFileError(f"{p}: {skipped(imported.warnings)[0]}", offset=0)
    resources: dict[bytes, Resource] = {}
    for s in imported.spans:
        if s.resource is not None:
            resources.setdefault(msgspec.msgpack.encode(s.resource), s.resource)
    return TraceFile(
        path=p, size=_size(p), version=(0, 0), spans=imported.spans, resources=list(resources.values()),
        feedback=imported.feedback, warnings=imported.warnings, format=imported.format,
    )  # fmt: skip


def iter_spans(path: str | os.PathLike[str], *, strict: bool = False, lazy: bool = False) -> Iterator[Span]:
    """The spans of a trace file of any format, one by one. A .tracy file streams batch by batch;
    other formats are imported first. Warnings are not returned: use `load()` when they matter.
    ``lazy`` as for `load()`."""
    p = os.fspath(path)
    if is_tracy_file(p):
        yield from iter_tracy_spans(p, strict=strict, lazy=lazy)
    elif strict:
        yield from load(p, strict=True).spans
    else:
        from . import iter_any

        for batch in iter_any(p).batches:  # an OTLP file streams in bounded memory
            yield from batch


@dataclass
class Converted:
    """What `import_to_tracy` wrote."""

    format: str
    spans: int
    warnings: list[str] = field(default_factory=list)


def import_to_tracy(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> Converted:
    """Import a trace file of any format and write it as a new .tracy file at ``target`` (what
    `tracy convert IN OUT.tracy` writes). Raises TraceFileError."""
    from ..format.encode import write_spans
    from . import iter_any

    imported = iter_any(source)  # written batch by batch as it is read: a big OTLP file streams
    try:
        count = write_spans(target, (s for batch in imported.batches for s in batch), imported.feedback)
    except OSError as exc:
        raise TraceFileError(f"{os.fspath(target)}: cannot write: {exc.strerror or exc}") from None
    return Converted(imported.format, count, imported.warnings())


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
