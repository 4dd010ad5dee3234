"""Everything `tracy validate` checks in a .tracy file: checksums, the decode budget, and meaning."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .framing import ScanReport, check_file_header, scan_frames
from .meaning import details_findings, file_findings
from .reader import Batch, iter_records, open_buffer
from .schema import FeedbackBatch


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
        out.frames = sum(1 for _ in scan_frames(data, ScanReport(), path=p))
        for rec in iter_records(data, report, path=p):
            if isinstance(rec, Batch):
                out.spans += rec.columns.count
                columns.append((rec.columns, rec.offset))
                if rec.details is not None and rec.details_offset is not None:
                    found.extend(details_findings(rec.columns, rec.details, rec.details_offset))
            elif isinstance(rec, FeedbackBatch):
                out.feedback += len(rec.records)
        found.extend(file_findings(columns))
    out.truncated = report.truncated_at is not None
    out.problems = list(dict.fromkeys([*report.warnings, *(str(f) for f in found if not f.note)]))
    out.notes = [str(f) for f in found if f.note]
    return out
