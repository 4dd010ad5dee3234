"""Readers for trace files of other tools. Each importer is a pure function that
returns an `Imported`, or None for "not my format"; `read_any` guesses by file
suffix first, then confirms by content."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

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


def read_any(path: str | os.PathLike[str]) -> Imported:
    """Read a .tracy file or a foreign trace file into the trace model. Raises TraceFileError."""
    from . import jaeger, otlp_json, prompty, tracy, zipkin
    from .common import describe_start

    p = os.fspath(path)
    try:
        with open(p, "rb") as f:
            head = f.read(64)
    except OSError as exc:
        raise TraceFileError(f"{p}: cannot open: {exc.strerror or exc}") from None
    importers = [tracy, otlp_json, jaeger, zipkin, prompty]
    # Suffix first, content decides: .tracy may be ours or Prompty's JSON.
    if p.endswith((".json", ".jsonl")):
        importers = importers[1:] + importers[:1]
    for importer in importers:
        result = importer.read(p, head)
        if result is not None:
            return result
    tried = ".tracy, OTLP/JSON, Jaeger JSON, Zipkin v2 JSON, Prompty JSON"
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
