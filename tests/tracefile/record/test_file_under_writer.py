"""The file under a running writer: deleted, renamed (log rotation), cut short by a full disk or
``ulimit -f``, and shared by many feedback appends. Real SDK spans, real files, real processes."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

import tracefile
from tests.helpers.spans import numbered_spans, provider, seq_of
from tracefile.format.framing import ScanReport, scan_frames
from tracefile.format.reader import open_buffer
from tracefile.format.schema import KIND_FEEDBACK, KIND_FILE_INFO, KIND_INDEX, KIND_SPANS
from tracefile.record.exporter import TracyFileExporter
from tracefile.record.feedback import record_feedback

CHILD = Path(__file__).resolve().parents[2] / "helpers" / "crash_child.py"
ROOT = Path(__file__).resolve().parents[3]


def _kinds(path: Path) -> list[int]:
    with open_buffer(path) as buf:
        return [ref.kind for ref in scan_frames(buf, ScanReport())]


def _seqs(path: Path) -> list[int]:
    return [seq_of(s.name) for s in tracefile.load(path).spans]


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tracefile" and r.levelno == logging.WARNING]


class _App:
    """An app recording through the SDK: SimpleSpanProcessor, so each span is one export."""

    def __init__(self, path: Path) -> None:
        self.exporter = TracyFileExporter(path)
        self.tp, _ = provider({"service.name": "moved"})
        self.tp.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = self.tp.get_tracer("moved")
        self.next = 0

    def record(self, n: int) -> None:
        numbered_spans(self.tracer, self.next, n)
        self.next += n


def test_a_renamed_file_is_followed_by_a_new_one_and_keeps_what_it_had(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="tracefile")
    path = tmp_path / "run.tracy"
    app = _App(path)
    app.record(5)
    path.rename(tmp_path / "run.tracy.1")  # log rotation: rename, and the app writes on
    app.record(7)
    path.rename(tmp_path / "run.tracy.2")  # and again
    app.record(3)
    app.tp.shutdown()

    assert _seqs(tmp_path / "run.tracy.1") == list(range(5))
    assert _seqs(tmp_path / "run.tracy.2") == list(range(5, 12))
    assert _seqs(path) == list(range(12, 15))
    for name in ("run.tracy.1", "run.tracy.2", "run.tracy"):
        tf = tracefile.load(tmp_path / name)
        assert tf.warnings == [] and [w.writer for w in tf.writers] == ["otel-exporter"]
        assert _kinds(tmp_path / name)[0] == KIND_FILE_INFO
    # The index frame goes to the file its frames are in: the last one.
    assert KIND_INDEX not in _kinds(tmp_path / "run.tracy.1") and _kinds(path)[-1] == KIND_INDEX
    warns = _warnings(caplog)
    assert len(warns) == 1 and "deleted or renamed" in warns[0] and str(path) in warns[0]


def test_a_deleted_file_is_made_again_and_no_span_after_is_lost(tmp_path, caplog):
    path = tmp_path / "runs" / "run.tracy"
    app = _App(path)
    app.record(4)
    path.unlink()
    app.record(6)
    path.unlink()
    path.parent.rmdir()  # the folder too
    app.record(2)
    app.tp.shutdown()
    assert _seqs(path) == [10, 11]
    assert len(_warnings(caplog)) == 1


def test_a_writer_closed_after_its_file_was_deleted_makes_no_new_file(tmp_path):
    path = tmp_path / "run.tracy"
    app = _App(path)
    app.record(3)
    path.unlink()
    app.tp.shutdown()  # the index frame has nowhere to go: no file made for it alone
    assert not path.exists()


def _spawn(path: Path, limit: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    args = [sys.executable, str(CHILD), str(path), "simple", "1", "", str(limit)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)


@pytest.mark.parametrize("how", ["rename", "delete"])
def test_a_running_app_follows_its_path(tmp_path, how):
    """Another process moves the file while the app records as fast as it can: the spans before
    are in the old file, the spans after in the new one at the path, none lost or twice."""
    path = tmp_path / "run.tracy"
    limit = 600
    child = _spawn(path, limit)
    for line in child.stdout:
        if int(line) >= 150:
            break
    if how == "rename":
        path.rename(tmp_path / "old.tracy")
    else:
        held = open(path, "rb")  # the deleted file's bytes, for the check below
        path.unlink()
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert "deleted or renamed" in err
    after = _seqs(path)
    assert after and after == list(range(after[0], limit)), "the new file holds every span after the move"
    if how == "rename":
        before = _seqs(tmp_path / "old.tracy")
    else:
        copy = tmp_path / "deleted.tracy"
        copy.write_bytes(held.read())
        held.close()
        before = _seqs(copy)
    assert before + after == list(range(limit))
    assert 150 <= len(before) < limit


def _short_write_child(tmp_path: Path) -> str:
    """An app whose second batch meets ``ulimit -f`` inside its span-details frame."""
    return textwrap.dedent(
        f"""
        import logging, os, resource, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.helpers.spans import numbered_spans, provider
        from tracefile.format.framing import encode_frame
        from tracefile.format.writer import _ENCODER
        from tracefile.record import convert, exporter as exporter_module
        import zstandard

        logging.basicConfig(level=logging.WARNING, format="%(message)s")
        exporter_module.new_batch_id = lambda: 7  # so the frames can be sized beforehand
        path = {str(tmp_path / "run.tracy")!r}
        exporter = exporter_module.TracyFileExporter(path)
        tp, col = provider({{"service.name": "short"}})
        numbered_spans(tp.get_tracer("t"), 0, 3)
        assert exporter.export(col.take()).name == "SUCCESS"
        numbered_spans(tp.get_tracer("t"), 3, 10)
        batch = col.take()
        columns, details, _ = convert.convert(batch, 7, exporter._redactor)
        comp = zstandard.ZstdCompressor(level=2)
        spans_frame = encode_frame(0x10, _ENCODER.encode(columns), comp)
        size = os.path.getsize(path)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + len(spans_frame) + 30, resource.RLIM_INFINITY))
        print(exporter.export(batch).name, flush=True)
        """
    )


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="needs RLIMIT_FSIZE")
def test_a_short_write_says_which_spans_reached_the_file(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", _short_write_child(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "FAILURE"
    assert "could not write 10 spans" not in done.stderr
    assert "wrote 10 spans" in done.stderr and "without their attributes, events and links" in done.stderr
    tf = tracefile.load(tmp_path / "run.tracy")
    assert [seq_of(s.name) for s in tf.spans] == list(range(13))  # what the warning says is there, is there
    assert all(s.attributes == {} for s in tf.spans[3:]) and tf.spans[0].attributes["seq"] == 0


def test_feedback_appends_share_one_file_info_frame(tmp_path):
    path = tmp_path / "run.tracy"
    app = _App(path)
    app.record(2)
    app.tp.shutdown()
    for i in range(1500):
        assert record_feedback(span_id=i + 1, score=i % 2, path=path) is not None
    kinds = _kinds(path)
    assert kinds.count(KIND_FEEDBACK) == 1500
    assert kinds.count(KIND_FILE_INFO) == 2  # the exporter's, and one for all the feedback
    assert kinds.count(KIND_INDEX) == 1  # the exporter's
    tf = tracefile.load(path)
    assert [w.writer for w in tf.writers] == ["otel-exporter", "feedback"]
    assert len(tf.feedback) == 1500


def test_feedback_to_a_new_file_at_the_same_path_gets_its_own_file_info(tmp_path):
    path = tmp_path / "fb.tracy"
    record_feedback(span_id=1, score=1, path=path)
    record_feedback(span_id=2, score=1, path=path)
    path.unlink()
    record_feedback(span_id=3, score=0, path=path)
    assert _kinds(path) == [KIND_FILE_INFO, KIND_FEEDBACK]
    assert KIND_SPANS not in _kinds(path)
