"""Hostile files: checksum-valid frames that claim absurd sizes or hold impossible values.

Each costs its own frame (or its own row) and nothing else: the 600 good spans around it
all read, in `tracy info`, `tracy validate`, `load()` and the timeline reader, with no
traceback. The size cases run in a child process under a 4 GB address-space limit, so a
regression fails here instead of exhausting the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tracefile
from tracefile.format import budget
from tracefile.format.columns import read_timeline
from tracefile.format.framing import encode_frame, file_header
from tracefile.format.schema import KIND_SPAN_DETAILS, MAX_FRAME_DEPTH
from tracefile.format.validate import validate
from tests.helpers.hostile_frames import (
    CASES,
    GOOD_SPANS,
    batch_frames,
    columns_with,
    details_of_items,
    good_batch,
    good_spans,
    hostile_file,
    twelve_gib_frames,
)

ROOT = Path(__file__).resolve().parents[3]
GOOD_NAMES = [s.name for b in range(3) for s in good_spans(b)]


def _read_in_child(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tests.helpers.hostile_frames", str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_frame_over_the_decode_budget_costs_only_itself(tmp_path, case):
    frames = CASES[case]()
    path = hostile_file(tmp_path / f"{case}.tracy", frames)
    hostile_at = len(file_header()) + len(batch_frames(*good_batch(0)))
    got = _read_in_child(path)

    assert got["info"]["code"] == 0 and "Traceback" not in got["info"]["err"]
    names = got["load"]["names"]
    assert [n for n in names if n != "good-77-0"] == GOOD_NAMES
    assert [n for n in got["timeline"]["names"] if n != "good-77-0"] == GOOD_NAMES
    # validate says where: the hostile frame's offset.
    assert got["validate"]["code"] == 1
    assert f"frame at byte {hostile_at}" in got["validate"]["out"]
    damage = " ".join(got["load"]["warnings"])
    assert f"at byte {hostile_at}" in damage
    if case == "deep-nesting":
        assert f"deeper than {MAX_FRAME_DEPTH} levels" in damage and "span-77-0" not in damage
        assert names[200] == "good-77-0"  # the span itself keeps its timing and name
    elif case in ("200m-empty-maps", "1e9-integers", "12-frames-of-1-gib"):
        assert "more than the 64 MiB a frame may hold" in damage
    elif case == "60m-empty-maps":
        assert "items" in damage and "over the decode budget" in damage
    else:
        assert "not a MessagePack array" in damage


def test_a_bomb_is_refused_before_it_is_decompressed(tmp_path):
    """Twelve frames that each claim 1 GiB of zeros: refused from their headers alone."""
    path = hostile_file(tmp_path / "bombs.tracy", twelve_gib_frames())
    tf = tracefile.load(path)
    assert [s.name for s in tf.spans] == GOOD_NAMES
    assert sum("more than the 64 MiB a frame may hold" in w for w in tf.warnings) == 12


def test_a_container_claiming_more_items_than_bytes_left_is_damage(tmp_path):
    # An array header for 10^9 items followed by a few bytes: the walk stops at the header.
    payload = b"\x95\x07\x01\xdd" + (10**9).to_bytes(4, "big") + b"\x80" * 64
    message = budget.check_payload(payload, 10**6)
    assert message == "a container at byte 3 claims 1,000,000,000 items, more than the 64 bytes left"
    assert budget.walk_python(payload, 10**6, 64) == message
    path = hostile_file(tmp_path / "claim.tracy", encode_frame(KIND_SPAN_DETAILS, payload))
    tf = tracefile.load(path)
    assert [s.name for s in tf.spans] == GOOD_NAMES and any("claims 1,000,000,000 items" in w for w in tf.warnings)


def test_the_compiled_walk_and_its_reference_agree_on_real_payloads(tmp_path):
    from tracefile.format.framing import ScanReport, frame_payload, scan_frames
    from tracefile.format.reader import open_buffer

    assert budget._walk is not None, "tracefile/format/_budget.pyx was not compiled"
    path = hostile_file(tmp_path / "good.tracy")
    with open_buffer(path) as data:
        payloads = [frame_payload(data, ref) for ref in scan_frames(data, ScanReport())]
    for p in payloads:
        for cut in (len(p), len(p) // 2, 1):
            for items, depth in ((10**9, 64), (100, 3)):
                assert budget._walk(p[:cut], items, depth) == budget.walk_python(p[:cut], items, depth)


# --- impossible values: one bad row is shown as such ------------------------------------------


def _bad_rows_file(tmp_path: Path, **columns: bytes) -> tuple[Path, int]:
    cols = columns_with(50, 3, batch_id=1050, **columns)
    _, details = good_batch(50, 3)
    details.batch_id = 1050
    return hostile_file(tmp_path / "bad.tracy", batch_frames(cols, details)), len(file_header()) + len(batch_frames(*good_batch(0)))


def test_an_out_of_range_model_index_reads_as_a_bad_model(tmp_path):
    """The viewer refused the whole file (an IndexError in the timeline reader) while load() read it."""
    path, at = _bad_rows_file(tmp_path, model=np.array([0, 9999, 0], "<u4").tobytes())
    timeline = read_timeline(path)
    assert len(timeline) == GOOD_SPANS + 3
    models = ["" if m == 0 else timeline.names[m - 1] for m in timeline.model[200:203]]
    assert models == ["", "<bad model index 9998>", ""]
    v = validate(path)
    assert f"spans frame at byte {at}, row 1: model index 9998 is out of range" in "\n".join(v.problems)


def test_unknown_kind_status_and_name_index_read_as_bad_rows(tmp_path):
    path, at = _bad_rows_file(
        tmp_path,
        kind=bytes([0, 255, 2]),
        status_code=bytes([255, 0, 1]),
        name=np.array([0, 1, 9999], "<u4").tobytes(),
    )
    tf = tracefile.load(path)
    assert [s.name for s in tf.spans[:200] + tf.spans[203:]] == GOOD_NAMES
    bad = tf.spans[200:203]
    assert [s.name for s in bad] == ["good-50-0", "good-50-1", "<bad name index 9999>"]
    assert [s.kind for s in bad] == [0, 0, 2] and [s.status_code for s in bad] == [0, 0, 1]
    assert bad[0].attributes == {"i": 0, "text": "x" * 20}  # the rest of each row is intact
    warnings = "\n".join(tf.warnings)
    assert f"spans frame at byte {at}, row 1: kind 255 is unknown; read as internal" in warnings
    assert f"spans frame at byte {at}, row 0: status code 255 is unknown; read as unset" in warnings
    assert f"spans frame at byte {at}, row 2: name index 9999 is out of range" in warnings
    timeline = read_timeline(path)
    assert timeline.kind[201] == 0 and timeline.names[timeline.name[202]] == "<bad name index 9999>"
    v = validate(path)
    assert len(v.problems) == 3 and v.spans == GOOD_SPANS + 3


def _write_model_spans(path: Path, spans) -> Path:
    from tracefile.format.encode import write_spans

    write_spans(path, spans)
    return path


def test_validate_finds_duplicate_span_ids_and_parent_cycles(tmp_path):
    spans = good_spans(0, 6)
    spans[1].parent_span_id = spans[3].span_id  # 1 -> 3 -> 2 -> 1
    spans[3].parent_span_id = spans[2].span_id
    spans[2].parent_span_id = spans[1].span_id
    spans[5].span_id = spans[4].span_id
    path = _write_model_spans(tmp_path / "meaning.tracy", spans)
    v = validate(path)
    # A shared id is a note (Zipkin's client and server halves share one); a cycle is a problem.
    assert v.notes == [f"spans frame at byte {v.notes[0].split()[4][:-1]}, row 5: span id 0000000100000005 is also "
                       f"the span at row 4 of the spans frame at byte {v.notes[0].split()[4][:-1]}"]
    assert len(v.problems) == 1 and "parent cycle of 3 spans" in v.problems[0]
    # load() reads every span as it is: nothing is refused.
    assert len(tracefile.load(path).spans) == 6
    clean = validate(_write_model_spans(tmp_path / "clean.tracy", good_spans(0, 6)))
    assert clean.problems == clean.notes == [] and clean.spans == 6


def test_validate_finds_sparse_rows_out_of_range_and_events_far_from_their_span(tmp_path):
    from tracefile.format.schema import Event

    cols, details = good_batch(0, 3)
    details.status_message = {7: "no such row", -1: "nor this"}
    details.events[2] = [Event(10**9 * 7200, "two hours later")]
    path = tmp_path / "sparse.tracy"
    path.write_bytes(file_header() + batch_frames(cols, details))
    v = validate(path)
    text = "\n".join(v.problems + v.notes)
    assert "row 7: status message for row 7, but the batch has 3 spans" in text
    assert "row -1: status message for row -1" in text
    assert "row 2: an event lies more than an hour outside its span" in text
    tf = tracefile.load(path)
    assert [s.status_message for s in tf.spans] == ["", "", ""]  # -1 no longer lands on the last span


def test_the_cli_reports_meaning_with_offset_and_row(tmp_path, capsys):
    from tracefile.cli import main

    path, at = _bad_rows_file(tmp_path, kind=bytes([0, 0, 200]))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"  - spans frame at byte {at}, row 2: kind 200 is unknown; read as internal" in out
    assert main(["info", str(path)]) == 0
