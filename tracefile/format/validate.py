"""Everything `tracy validate` checks in a .tracy file: checksums, the decode budget, and meaning."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .content import content_lost, decode_content
from .errors import TraceFileError
from .framing import ScanReport, check_file_header, scan_frames
from .meaning import Finding, details_findings, file_findings
from .reader import Batch, iter_records, open_buffer
from .schema import KIND_CONTENT, FeedbackBatch

LOST_PREFIX = content_lost("")[: -len("]")]


@dataclass
class Validation:
    """What `validate` found: counts, and every problem with its byte offset (and row, for meaning)."""

    frames: int = 0
    spans: int = 0
    feedback: int = 0
    problems: list[str] = field(default_factory=list)
    #: Odd but not impossible (duplicate span ids, events far outside their span): listed, not counted.
    notes: list[str] = field(default_factory=list)
    #: True when the file ends inside its header or a frame (a writer may still be running).
    truncated: bool = False


def _lost_content(details, offset: int) -> list[Finding]:
    """Rows whose texts from the content store could not be read (FORMAT.md §2.6)."""
    found = []
    for row, (attrs, events) in enumerate(zip(details.attributes, details.events)):
        texts = [v for v in attrs.values() if type(v) is str and v.startswith(LOST_PREFIX)]
        texts += [e.name for e in events if e.name.startswith(LOST_PREFIX)]
        texts += [v for e in events for v in e.attributes.values() if type(v) is str and v.startswith(LOST_PREFIX)]
        if texts:
            found.append(Finding("span-details", offset, row, texts[0][1:-1]))
    return found


def validate(path: str | os.PathLike[str]) -> Validation:
    """Read every frame of a file as `load()` would, and check what a checksum cannot
    (docs/FORMAT.md §5.2): indexes, kinds and codes, sparse rows, event times, duplicate span
    ids and parent cycles. Raises TraceFileError only for a file that is not a .tracy file."""
    p = os.fspath(path)
    out = Validation()
    report = ScanReport()
    columns = []
    found = []
    with open_buffer(p) as data:
        if check_file_header(data, p) is None:
            out.truncated = True
            out.problems.append(f"file ends inside its {len(data)}-byte header")
            return out
        out.frames = 0
        for ref in scan_frames(data, ScanReport(), path=p):
            out.frames += 1
            if ref.kind == KIND_CONTENT:  # every entry must decode, referred to or not
                try:
                    decode_content(data, ref.offset)
                except TraceFileError as exc:
                    found.append(Finding("content", ref.offset, None, str(exc).split(": ", 1)[-1]))
        for rec in iter_records(data, report, path=p):
            if isinstance(rec, Batch):
                out.spans += rec.columns.count
                columns.append((rec.columns, rec.offset))
                if rec.details is not None and rec.details_offset is not None:
                    found.extend(details_findings(rec.columns, rec.details, rec.details_offset))
                    if rec.details.content_store:
                        found.extend(_lost_content(rec.details, rec.details_offset))
            elif isinstance(rec, FeedbackBatch):
                out.feedback += len(rec.records)
        found.extend(file_findings(columns))
    out.truncated = report.truncated_at is not None
    out.problems = list(dict.fromkeys([*report.warnings, *(str(f) for f in found if not f.note)]))
    out.notes = [str(f) for f in found if f.note]
    return out
