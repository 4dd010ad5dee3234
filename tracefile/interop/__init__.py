"""Readers for trace files of other tools. Each importer is a pure function that
returns an `Imported`, or None for "not my format"; `read_any` guesses by file
suffix first, then confirms by content."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Iterator

from ..format.errors import TraceFileError
from ..format.model import Span
from ..format.schema import Feedback


@dataclass
class Imported:
    """What an importer produced: spans in the trace model (feedback already joined to
    them), plus anything lost on the way."""

    format: str
    spans: list[Span]
    feedback: list[Feedback] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Batches:
    """A file read batch by batch as the batches are consumed, so that a big file streams;
    ``warnings()`` is complete once ``batches`` is exhausted."""

    format: str
    batches: Iterator[list[Span]]
    feedback: list[Feedback] = field(default_factory=list)
    warnings: Callable[[], list[str]] = list

    def collect(self) -> Imported:
        spans = [s for batch in self.batches for s in batch]
        return Imported(self.format, spans, self.feedback, self.warnings())


def read_any(path: str | os.PathLike[str]) -> Imported:
    """Read a .tracy file or a foreign trace file into the trace model. Raises TraceFileError."""
    return iter_any(path).collect()


def iter_any(path: str | os.PathLike[str]) -> Batches:
    """Like `read_any`, but the spans come in batches as they are read: OTLP files stream in
    bounded memory (other formats arrive as one batch). Raises TraceFileError."""
    from . import jaeger, otlp_json, otlp_proto, prompty, tracy, zipkin
    from .common import describe_start

    p = os.fspath(path)
    try:
        with open(p, "rb") as f:
            head = f.read(64)
    except OSError as exc:
        raise TraceFileError(f"{p}: cannot open: {exc.strerror or exc}") from None
    importers = [tracy, otlp_json, jaeger, zipkin, prompty, otlp_proto]
    # Suffix first, content decides: .tracy may be ours or Prompty's JSON.
    if p.endswith((".json", ".jsonl")):
        importers = importers[1:-1] + importers[:1] + importers[-1:]
    for importer in importers:
        if hasattr(importer, "stream"):
            batches = importer.stream(p, head)
            if batches is not None:
                return batches
            continue
        result = importer.read(p, head)
        if result is not None:
            return Batches(result.format, iter([result.spans]), result.feedback, lambda r=result: r.warnings)
    tried = ".tracy, OTLP/JSON, Jaeger JSON, Zipkin v2 JSON, Prompty JSON, OTLP protobuf"
    raise TraceFileError(f"{p}: not a trace format tracy can read (tried: {tried}); it {describe_start(p, head)}", offset=0)


#: Writing other tools' formats, for tools built on the reading API (the viewer's "Save as");
#: opening a file of any format (`tracefile.load`, the viewer's import into .tracy).
_WRITERS = {
    "write_otlp_json": "otlp_json", "spans_to_otlp": "otlp_json", "replace_file": "otlp_json",
    "FORMAT_NAMES": "opening", "format_name": "opening", "is_tracy_file": "opening", "skipped": "opening",
    "import_to_tracy": "opening", "Converted": "opening",
}  # fmt: skip


def __getattr__(name: str):
    module = _WRITERS.get(name)
    if module is None:
        raise AttributeError(f"module 'tracefile.interop' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)
