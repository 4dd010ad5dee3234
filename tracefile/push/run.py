"""Replaying files to a backend: select traces, send them in batches, and count what arrived."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import IO, Iterable

from ..format.model import Span
from ..interop.opening import load
from .replay import Replayer
from .select import select
from .senders import Delivery

#: Spans per request: well under the usual 4 MB request limits for GenAI spans with content.
BATCH_SPANS = 256


@dataclass
class PushResult:
    """What a push did: counts of spans and feedback log records, and why anything failed."""

    selected: int = 0
    sent: int = 0
    rejected: int = 0
    retried: int = 0
    logs_selected: int = 0
    logs_sent: int = 0
    logs_rejected: int = 0
    #: The backend takes no logs (feedback then arrived as span events only).
    logs_unsupported: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every selected span arrived, and every feedback log record where the backend takes logs."""
        spans_ok = self.sent == self.selected and not self.rejected
        logs_ok = self.logs_unsupported or (self.logs_sent == self.logs_selected and not self.logs_rejected)
        return spans_ok and logs_ok

    def add(self, d: Delivery, logs: bool = False) -> None:
        if logs:
            self.logs_sent += d.accepted
            self.logs_rejected += d.rejected
        else:
            self.sent += d.accepted
            self.rejected += d.rejected
        self.retried += d.retried
        for e in d.errors:
            if e not in self.errors:
                self.errors.append(e)


class Progress:
    """A one-line progress bar on a terminal; silent when ``stream`` is not one."""

    def __init__(self, total: int, stream: IO[str] | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.total = total
        self.done = 0
        self.on = bool(getattr(self.stream, "isatty", lambda: False)()) and total > 0

    def advance(self, n: int, note: str = "") -> None:
        self.done += n
        if not self.on:
            return
        width = 30
        filled = width * self.done // self.total
        self.stream.write(f"\rpush [{'#' * filled}{'.' * (width - filled)}] {self.done:,}/{self.total:,} spans {note}\x1b[K")
        self.stream.flush()

    def finish(self) -> None:
        if self.on:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def push(
    files: Iterable[str],
    sender,
    *,
    query: str | None = None,
    since_ns: int | None = None,
    progress: IO[str] | None = None,
) -> PushResult:
    """Send the spans of ``files`` (any format `tracefile.load` reads) through ``sender``, trace by
    trace in batches, with each file's feedback as evaluation events and log records."""
    selections: list[list[Span]] = []
    for path in files:
        selections.append(select(load(path).spans, query, since_ns))
    result = PushResult(selected=sum(len(s) for s in selections))
    bar = Progress(result.selected, progress)
    replayer = Replayer()
    sends_logs = getattr(sender, "sends_logs", True)
    unreachable = False
    try:
        for spans in selections:
            for batch in _batches(spans):
                if unreachable:  # each batch would wait out the same retries: count it as not sent
                    result.rejected += len(batch)
                    continue
                d = sender.send_spans(replayer.spans(batch), batch)
                result.add(d)
                unreachable = d.unreachable
                bar.advance(len(batch), f"({result.retried} retried)" if result.retried else "")
            logs = replayer.feedback_logs(spans) if sends_logs else []
            if unreachable:
                result.logs_selected += len(logs)
                result.logs_rejected += len(logs)
                continue
            result.logs_selected += len(logs)
            for i in range(0, len(logs), BATCH_SPANS):
                if result.logs_unsupported:
                    break
                d = sender.send_logs(logs[i : i + BATCH_SPANS])
                if d.unsupported:
                    result.logs_unsupported = True
                    result.retried += d.retried
                    continue
                result.add(d, logs=True)
    finally:
        bar.finish()
        sender.close()
    return result


def _batches(spans: list[Span]) -> Iterable[list[Span]]:
    """Batches of about `BATCH_SPANS`, keeping each trace whole where it fits."""
    batch: list[Span] = []
    for trace in _by_trace(spans):
        if batch and len(batch) + len(trace) > BATCH_SPANS:
            yield batch
            batch = []
        for i in range(0, len(trace), BATCH_SPANS):
            part = trace[i : i + BATCH_SPANS]
            if len(part) == BATCH_SPANS:
                yield part
            else:
                batch.extend(part)
    if batch:
        yield batch


def _by_trace(spans: list[Span]) -> list[list[Span]]:
    out: dict[str, list[Span]] = {}
    for s in spans:
        out.setdefault(s.trace_id, []).append(s)
    return list(out.values())
