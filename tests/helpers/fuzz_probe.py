"""The fuzz harness's probe: reads {"path", "tool"} lines on stdin and answers each with one JSON line.

Tools: ``info`` and ``validate`` (the `tracy` command's `main`, as the console script calls it),
``load``, ``lazy`` (``load(lazy=True)``, every attribute map then asked for) and ``iter_spans`` (the library), ``viewer`` (a `viewer.session.FileSession`: load, the
search index, and every row's span with its inspector sections and its conversation, as the
window asks for them; no Qt). Spans come back as digests, so the parent compares them with the
undamaged file's. `tests/helpers/fuzz.py` starts this under an address-space limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
import traceback
from typing import Any

import msgspec

import tracefile
from tracefile import cli
from tracefile.format.errors import TraceFileError

_ENC = msgspec.msgpack.Encoder()


def _digest(obj: Any) -> str:
    return hashlib.blake2b(_ENC.encode(obj), digest_size=10).hexdigest()


def digests(spans) -> dict[str, list[str]]:
    full, timeline = [], []
    for s in spans:
        feedback, s.feedback = s.feedback, []
        full.append(_digest(s))
        s.feedback = feedback
        timeline.append(_digest((s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_time, s.end_time,
                                 s.status_code, s.flags, s.resource, s.scope)))  # fmt: skip
    return {"full": full, "timeline": timeline}


def _cli(command: str, path: str) -> dict:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([command, path])
    return {"status": "ok", "exit": code, "stdout": out.getvalue()[-2000:], "stderr": err.getvalue()[-2000:]}


def _load(path: str) -> dict:
    try:
        tf = tracefile.load(path)
    except TraceFileError as exc:
        return {"status": "error", "error": str(exc)[:500]}
    return {"status": "ok", "warnings": len(tf.warnings), **digests(tf.spans)}


def _lazy(path: str) -> dict:
    """``load(lazy=True)``, then every span's attributes asked for (decoded now, outside the reader)."""
    try:
        tf = tracefile.load(path, lazy=True)
    except TraceFileError as exc:
        return {"status": "error", "error": str(exc)[:500]}
    for s in tf.spans:
        s.attributes = dict(s.attributes)
    return {"status": "ok", "warnings": len(tf.warnings), **digests(tf.spans)}


def _iter_spans(path: str) -> dict:
    try:
        spans = list(tracefile.iter_spans(path))
    except TraceFileError as exc:
        return {"status": "error", "error": str(exc)[:500]}
    return {"status": "ok", **digests(spans)}


def _viewer(path: str) -> dict:
    from viewer.chat.logic import conversation
    from viewer.inspector.logic import build_sections
    from viewer.session import FileSession

    session = FileSession(path)
    try:
        outcome = session.load()
        if outcome.error is not None:
            return {"status": "error", "error": outcome.error[:500]}
        session.index_details()
        rows = len(session.reader.timeline)
        spans = session.spans(range(rows))
        for span in spans:
            build_sections(span)
            conversation(span)
        return {"status": "ok", "rows": rows, "warnings": len(outcome.warnings), **digests(spans)}
    finally:
        session.close()


TOOLS = {
    "info": lambda p: _cli("info", p),
    "validate": lambda p: _cli("validate", p),
    "load": _load,
    "lazy": _lazy,
    "iter_spans": _iter_spans,
    "viewer": _viewer,
}


def _where(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    last = tb[-1] if tb else None
    return f"{type(exc).__name__}: {str(exc)[:200]}" + (f" at {last.filename.rsplit('/', 2)[-1]}:{last.lineno} {last.name}" if last else "")


def main() -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    for line in sys.stdin:
        ask = json.loads(line)
        try:
            answer = TOOLS[ask["tool"]](ask["path"])
        except BaseException as exc:  # noqa: BLE001 - whatever escapes is the finding
            answer = {"status": "traceback", "error": _where(exc)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
