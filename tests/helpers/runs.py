"""Runs of `apps/chat_app.py` as the tests read them: what the app saw, and the file it wrote, loaded once."""

from __future__ import annotations

from pathlib import Path

import tracefile
from tracefile.format.model import Span

from . import e2e

_LOADED: dict[Path, tracefile.TraceFile] = {}


class Run:
    """One chat_app run: what the app saw (`out`), the file it wrote (`path`) and that file loaded (`tf`)."""

    def __init__(self, out: dict, tf: tracefile.TraceFile, path: Path) -> None:
        self.out, self.tf, self.path = out, tf, path

    def chat(self, response_id: str) -> Span:
        return e2e.by_response_id(self.tf, response_id)

    def named(self, name: str) -> Span:
        (span,) = [s for s in self.tf.spans if s.name == name]
        return span

    def trace_of(self, span: Span) -> list[Span]:
        from viewer.diff import logic

        return logic.trace_spans(self.tf.spans, span.trace_id)

    def agent_trace(self) -> list[Span]:
        return self.trace_of(self.named("invoke_agent weather-agent"))


def record_run(record_app, *flags: str) -> Run:
    """chat_app.py --steps sync,tools with `flags`, recorded (by the `record_app` fixture) and loaded once per session.

    Runs share their loaded file: tests read it, never change it."""
    path, out = record_app("chat_app.py", "--steps", "sync,tools", *flags)
    if path not in _LOADED:
        _LOADED[path] = tracefile.load(path)
    return Run(out, _LOADED[path], path)
