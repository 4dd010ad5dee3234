"""Shared pieces of the end-to-end tests: run an app in a fresh interpreter, and look inside a .tracy file.

`configure()` installs the process-wide TracerProvider and instruments the
Azure SDK globally, so every scenario runs in its own subprocess; the tests
then read what it wrote with `tracefile.load()` and, for "this text must never
be in the file" checks, with the raw frames (`all_payload_bytes`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterable

import tracefile
from tracefile.format.framing import ScanReport, check_file_header, scan_frames, frame_payload

ROOT = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"
VENV_BIN = Path(sys.executable).parent

# Variables that change what configure() or the exporter record: never inherited from the test's environment.
_SCRUBBED_PREFIXES = ("OTEL_", "TRACY_", "AZURE_TRACING_", "AZURE_AI_CHAT_", "AZURE_SDK_TRACING")


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any tracing settings, with the repository importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run(args: list[str], *, env: dict[str, str] | None = None, cwd: str | os.PathLike[str] | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess:  # fmt: skip
    """Run a command to completion, capturing text stdout and stderr."""
    return subprocess.run(
        args, env=env if env is not None else clean_env(), cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout
    )


def run_app(app: str, *args: str, env: dict[str, str] | None = None, cwd: str | os.PathLike[str] | None = None,
            check: bool = True) -> subprocess.CompletedProcess:  # fmt: skip
    """``python tests/helpers/apps/<app> args...``; with ``check``, fail the test (showing stderr) unless it exits 0."""
    done = run([sys.executable, str(APPS / app), *args], env=env, cwd=cwd)
    if check:
        assert done.returncode == 0, f"{app} exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done


def last_json(stdout: str) -> Any:
    """The JSON object an app printed on its last line."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    assert lines, "the app printed nothing"
    return json.loads(lines[-1])


def warnings_in(stderr: str, logger: str = "tracefile") -> list[str]:
    """Lines logged at WARNING by `logger` (the apps log as ``LOG WARNING <logger>: message``)."""
    return [line for line in stderr.splitlines() if line.startswith(f"LOG WARNING {logger}:")]


def all_payload_bytes(path: str | os.PathLike[str]) -> bytes:
    """Every frame's decompressed payload, concatenated: what a secret must never be found in."""
    data = Path(path).read_bytes()
    assert check_file_header(data, str(path)) is not None
    report = ScanReport()
    payloads = [frame_payload(data, ref) for ref in scan_frames(data, report, path=str(path))]
    assert not report.warnings, report.warnings
    return b"".join(payloads)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


def span_text(span: tracefile.Span) -> str:
    """Every string a span holds (name, status, attribute and event values, links, feedback), one per line."""
    parts = [span.name, span.status_message]
    parts.extend(_strings(span.attributes))
    for event in span.events:
        parts.append(event.name)
        parts.extend(_strings(event.attributes))
    for link in span.links:
        parts.extend(_strings(link.attributes))
    return "\n".join(parts)


def file_text(tf: tracefile.TraceFile) -> str:
    """Every string in a loaded file: spans, resources and feedback."""
    parts = [span_text(s) for s in tf.spans]
    for r in tf.resources:
        parts.extend(_strings(r.attributes))
    for fb in tf.feedback:
        parts.extend([fb.comment, fb.label, fb.evaluator, fb.response_id])
        parts.extend(_strings(fb.metadata))
    return "\n".join(parts)


def chat_spans(tf: tracefile.TraceFile) -> list[tracefile.Span]:
    return [s for s in tf.spans if s.attributes.get("gen_ai.operation.name") == "chat"]


def by_response_id(tf: tracefile.TraceFile, response_id: str) -> tracefile.Span:
    found = [s for s in tf.spans if s.attributes.get("gen_ai.response.id") == response_id]
    assert len(found) == 1, f"{len(found)} spans with gen_ai.response.id {response_id!r}"
    return found[0]


def children(tf: tracefile.TraceFile, span: tracefile.Span) -> list[tracefile.Span]:
    return [s for s in tf.spans if s.parent_span_id == span.span_id and s.trace_id == span.trace_id]


def event(span: tracefile.Span, name: str) -> tracefile.SpanEvent:
    found = [e for e in span.events if e.name == name]
    assert len(found) == 1, f"{span.name}: {len(found)} {name!r} events; events: {[e.name for e in span.events]}"
    return found[0]


def event_content(span: tracefile.Span, name: str) -> Any:
    """The parsed ``gen_ai.event.content`` of the span's one event called `name`."""
    ev = event(span, name)
    assert "gen_ai.event.content" in ev.attributes, f"{name} has no content: {ev.attributes}"
    return json.loads(ev.attributes["gen_ai.event.content"])
