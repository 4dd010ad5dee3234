"""Crash safety: a writer killed with SIGKILL at any moment leaves a file that
reads back as an exact prefix of what it wrote, and concurrent writers never
damage each other's frames."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import tracefile
from tracefile.format.framing import ScanReport, scan_frames
from tracefile.record.convert import spans_to_frames
from tracefile.format.schema import FRAME_HEADER_SIZE, KIND_SPANS
from tracefile.format.writer import TraceWriter
from tests.helpers.crash_child import history_of
from tests.helpers.spans import dicts, numbered_spans, provider, sdk_span_dict, seq_of

CHILD = Path(__file__).resolve().parents[2] / "helpers" / "crash_child.py"
ROOT = Path(__file__).resolve().parents[3]
TAIL_WARNINGS = ("file ends inside", "are missing; their timing and names are kept")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _spawn(path: Path, mode: str, seed: int, tag: str, limit: int | None = None) -> subprocess.Popen:
    args = [sys.executable, str(CHILD), str(path), mode, str(seed), tag] + ([str(limit)] if limit is not None else [])
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)


def _read_count(proc: subprocess.Popen) -> int:
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        pytest.fail(f"child exited early ({proc.returncode}): {proc.stderr.read().decode(errors='replace')}")
    return int(line)


def _check_prefix(tf, reported: int, tag: str = "") -> int:
    """The spans in ``tf`` are exactly span-0..span-(k-1) in order, k >= reported; returns k."""
    seqs = [seq_of(s.name) for s in tf.spans]
    assert seqs == list(range(len(seqs))), f"not a gapless prefix: {seqs[:5]}..{seqs[-5:]}"
    assert len(seqs) >= reported, f"lost spans reported written: read {len(seqs)}, reported {reported}"
    for w in tf.warnings:
        assert any(t in w for t in TAIL_WARNINGS), f"unexpected warning: {w}"
    assert tf.truncated == any("file ends inside" in w for w in tf.warnings)
    # Content check: every span whose details survived carries its own number.
    missing_details = any("are missing" in w for w in tf.warnings)
    for i, s in enumerate(tf.spans):
        assert s.name == f"{tag}span-{i}"
        if s.attributes or not missing_details:
            assert s.attributes["seq"] == i and s.attributes["tag"] == tag
            assert len(s.attributes["pad"]) < 2000 and set(s.attributes["pad"]) <= {"p"}
            if "history" in s.attributes:  # batches mode: kept in the content store, never lost or wrong
                assert s.attributes["history"] == history_of(i)
        assert s.resource.attributes["service.name"] == f"crash-{tag}"
        assert s.end_time >= s.start_time > 0
    # Only the very last batch may have lost its details to the kill.
    if missing_details:
        bare = [i for i, s in enumerate(tf.spans) if not s.attributes]
        assert bare and bare == list(range(bare[0], len(tf.spans)))
    return len(seqs)


@pytest.mark.parametrize("run", range(8))
def test_sigkill_leaves_an_exact_prefix(tmp_path, run):
    rng = random.Random(1000 + run)
    mode = "simple" if run % 4 == 3 else "batches"
    path = tmp_path / "killed.tracy"
    proc = _spawn(path, mode, seed=run, tag="")
    try:
        reported = 0
        for _ in range(rng.randint(1, 120)):
            reported = _read_count(proc)
        if rng.random() < 0.5:
            time.sleep(rng.uniform(0, 0.003))  # kill at an arbitrary moment, maybe mid-write
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        proc.stdin.close()
    assert proc.returncode == -signal.SIGKILL
    tf = tracefile.load(path)
    count = _check_prefix(tf, reported)
    # No index frame (the writer never closed) and one writer.
    assert len(tf.writers) == 1 and tf.writers[0].pid == proc.pid
    # A streaming read agrees with load().
    assert [s.name for s in tracefile.iter_spans(path)] == [s.name for s in tf.spans]
    assert count >= 1


def test_sigkill_in_the_middle_of_a_large_write(tmp_path):
    """Cut the file at every kind of place a kill can tear a frame, including
    inside the span-details frame of the last batch."""
    path = tmp_path / "whole.tracy"
    proc = _spawn(path, "batches", seed=77, tag="", limit=300)
    out, err = proc.communicate()
    assert proc.returncode == 0, err.decode()
    data = path.read_bytes()
    refs = list(scan_frames(data, ScanReport()))
    spans_refs = [r for r in refs if r.kind == KIND_SPANS]
    last = spans_refs[-1]
    for cut in (last.offset + 3, last.offset + FRAME_HEADER_SIZE + 1, last.end + 5, refs[-1].offset - 1, len(data) - 1):
        p = tmp_path / f"cut{cut}.tracy"
        p.write_bytes(data[:cut])
        tf = tracefile.load(p)
        assert tf.truncated
        _check_prefix(tf, 0)


def test_append_after_a_torn_frame_keeps_the_new_writers_spans(tmp_path):
    """A writer killed mid-write leaves a torn frame; the app restarts and appends
    to the same file (fixed OTEL_EXPORTER_TRACY_PATH). Every span the second
    writer wrote must be read back."""
    path = tmp_path / "restarted.tracy"
    tp, col = provider({"service.name": "restart"})
    tracer = tp.get_tracer("t")
    with TraceWriter(path) as w:
        for b in range(3):
            numbered_spans(tracer, b * 5, 5, pad=300, tag="a-")
            w.write_spans(*spans_to_frames(col.take(), b))
    data = path.read_bytes()
    refs = list(scan_frames(data, ScanReport()))
    torn = [r for r in refs if r.kind == KIND_SPANS][-1]
    os.truncate(path, torn.offset + FRAME_HEADER_SIZE + 10)  # killed while writing the third batch
    second = []
    with TraceWriter(path) as w:
        for b in range(3):
            numbered_spans(tracer, b * 5, 5, pad=300, tag="b-")
            batch = col.take()
            second += batch
            w.write_spans(*spans_to_frames(batch, 100 + b))
    tf = tracefile.load(path)
    names = [s.name for s in tf.spans]
    assert names[:10] == [f"a-span-{i}" for i in range(10)]
    assert names[10:] == [f"b-span-{i}" for i in range(15)], names
    assert dicts(tf.spans[10:]) == [sdk_span_dict(s) for s in second]
    assert len(tf.writers) == 2
    assert len(tf.warnings) == 1 and str(torn.offset) in tf.warnings[0]


def test_two_processes_append_to_one_file(tmp_path):
    path = tmp_path / "shared.tracy"
    procs = [_spawn(path, "batches", seed=s, tag=tag, limit=400) for s, tag in ((1, "wait-a-"), (2, "wait-b-"))]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == b"ready"
        for p in procs:  # start both at once
            p.stdin.write(b"go\n")
            p.stdin.flush()
        results = [p.communicate() for p in procs]
    finally:
        for p in procs:
            p.kill()
            p.wait()
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err.decode()
        assert out.split()[-1] == b"400"
    tf = tracefile.load(path)
    assert tf.warnings == [] and not tf.truncated
    names = [s.name for s in tf.spans]
    assert len(names) == len(set(names)) == 800
    for tag in ("wait-a-", "wait-b-"):
        mine = [s for s in tf.spans if s.name.startswith(tag)]
        assert [seq_of(s.name) for s in mine] == list(range(400))
        assert all(s.attributes["seq"] == seq_of(s.name) and s.attributes["tag"] == tag for s in mine)
        assert all(s.attributes["history"] == history_of(seq_of(s.name)) for s in mine)
        assert {s.resource.attributes["service.name"] for s in mine} == {f"crash-{tag}"}
    assert sorted(w.pid for w in tf.writers) == sorted(p.pid for p in procs)


def test_two_threads_with_their_own_writers_on_one_file(tmp_path):
    path = tmp_path / "threads.tracy"
    tp, col = provider({"service.name": "threads"})
    tracer = tp.get_tracer("t")
    batches: dict[str, list] = {}
    for tag in ("x-", "y-"):
        numbered_spans(tracer, 0, 200, tag=tag)
        spans = col.take()
        batches[tag] = [spans[i : i + 7] for i in range(0, len(spans), 7)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(tag: str) -> None:
        try:
            with TraceWriter(path) as w:
                barrier.wait()
                for i, b in enumerate(batches[tag]):
                    w.write_spans(*spans_to_frames(b, hash((tag, i)) & 0x7FFFFFFF))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    tf = tracefile.load(path)
    assert tf.warnings == [] and not tf.truncated and len(tf.writers) == 2
    for tag, bs in batches.items():
        mine = [s for s in tf.spans if s.name.startswith(tag)]
        assert dicts(mine) == [sdk_span_dict(s) for b in bs for s in b]
