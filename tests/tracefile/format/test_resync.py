"""Where reading resumes after a damaged frame (FORMAT.md §5): the frame after the damage is read,
never decoded in the damaged one's place, and a length field that lies costs no intact frame.

The files are the fuzz corpus's clean file (the project's writer: three batches of 100 spans) with
bytes damaged as the fuzz harness damages them."""

from __future__ import annotations

import pytest

import tracefile
from tracefile.format.columns import TimelineReader
from tracefile.format.schema import FRAME_HEADER_SIZE, KIND_FEEDBACK
from tests.helpers import fuzz, hostile


def _names(spans) -> list[str]:
    return [s.name for s in spans]


def _timeline_spans(reader: TimelineReader) -> list:
    return [s for b in range(len(reader.timeline.batches)) for s in reader.batch_spans(b)]


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    data = hostile.clean_file()
    path = tmp_path_factory.mktemp("resync") / "clean.tracy"
    path.write_bytes(data)
    return data, fuzz.Recording.of(data), tracefile.load(path).spans


# --- F1: a damaged span-details frame is lost, not replaced by the frame after it ------------------


def test_a_details_frame_failing_its_checksum_loses_only_its_details(clean, tmp_path):
    data, rec, spans = clean
    s, d, _ = rec.batches[1]
    path = tmp_path / "flip.tracy"
    path.write_bytes(fuzz.flip_bits(data, [(d.offset + FRAME_HEADER_SIZE + d.stored_len // 2, 0x80)]))
    reader = TimelineReader(path)
    assert reader.read() == 300
    # Opening stays fast: the details payload is not checksummed until its spans are decoded.
    assert reader.warnings == [] and reader.damaged_details == set()
    got = reader.batch_spans(1)
    assert _names(got) == _names(spans[100:200]) and all(sp.attributes == {} for sp in got)
    assert [sp.span_id for sp in got] == [sp.span_id for sp in spans[100:200]]
    assert reader.batch_spans(2)[5].attributes == spans[205].attributes  # the next batch keeps its own
    assert reader.damaged_details == {1}
    lost = [w for w in reader.warnings if f"byte {d.offset}" in w and "details of 100 spans" in w]
    assert len(lost) == 1 and "fails its checksum" in lost[0]
    reader.batch_spans(1)
    assert len([w for w in reader.warnings if "details of 100 spans" in w]) == 1  # reported once


def test_a_damaged_last_details_frame_is_not_read_from_the_feedback_after_it(tmp_path):
    data = hostile.plain_file()  # four uncompressed batches, then a feedback frame
    rec = fuzz.Recording.of(data)
    s, d, _ = rec.batches[-1]
    path = tmp_path / "flip.tracy"
    path.write_bytes(fuzz.flip_bits(data, [(d.offset + FRAME_HEADER_SIZE + 3, 0x01)]))
    reader = TimelineReader(path)
    reader.read()
    got = reader.batch_spans(3)
    assert len(got) == 10 and all(sp.attributes == {} and sp.events == [] for sp in got)
    assert reader.damaged_details == {3} and reader.batch_spans(2)[0].attributes


# --- F2: a file that ends inside its last details frame ---------------------------------------------


def test_a_file_ending_inside_the_last_details_frame_shows_its_rows(clean, tmp_path):
    data, rec, spans = clean
    s, d, _ = rec.batches[2]
    path = tmp_path / "torn.tracy"
    path.write_bytes(data[: d.offset + 100])
    loaded = tracefile.load(path)
    reader = TimelineReader(path)
    assert reader.read() == len(loaded.spans) == 300 and reader.truncated
    got = reader.batch_spans(2)
    assert _names(got) == _names(spans[200:]) and all(sp.attributes == {} for sp in got)


@pytest.mark.parametrize("cut", [0, 100], ids=["before-details", "inside-details"])
def test_details_written_after_their_rows_were_shown_join_them(clean, tmp_path, cut):
    """A live file: the rest of the batch arrives on a later read and joins the rows shown."""
    data, rec, spans = clean
    s, d, _ = rec.batches[2]
    path = tmp_path / "live.tracy"
    path.write_bytes(data[: d.offset + cut])
    reader = TimelineReader(path)
    assert reader.read() == 300
    assert reader.batch_spans(2)[0].attributes == {}
    with open(path, "ab") as f:
        f.write(data[d.offset + cut :])
    assert reader.read() == 0 and reader.late_details == [2] and not reader.truncated
    assert [sp.attributes for sp in reader.batch_spans(2)] == [sp.attributes for sp in spans[200:]]
    assert reader.read() == 0 and reader.late_details == []


def test_details_of_a_shown_batch_are_given_up_when_another_batch_follows(clean, tmp_path):
    data, rec, spans = clean
    s1, d1, _ = rec.batches[1]
    s2 = rec.batches[2][0]
    path = tmp_path / "live.tracy"
    path.write_bytes(data[: d1.offset + 50])
    reader = TimelineReader(path)
    assert reader.read() == 200
    with open(path, "ab") as f:  # a restarted writer appends after the torn frame
        f.write(data[s2.offset :])
    assert reader.read() == 100 and reader.late_details == []
    assert reader.batch_spans(1)[0].attributes == {}
    assert [sp.attributes for sp in reader.batch_spans(2)] == [sp.attributes for sp in spans[200:]]


# --- F3: a length that claims more than its frame holds costs only that frame -----------------------


@pytest.mark.parametrize("extra", [1, 10, FRAME_HEADER_SIZE - 1])
@pytest.mark.parametrize("batch", [0, 1])
def test_a_length_claiming_a_little_more_costs_only_its_frame(clean, tmp_path, extra, batch):
    data, rec, spans = clean
    index = rec.frames.index(rec.batches[batch][1])  # the details frame; the next batch's spans frame follows
    d = rec.frames[index]
    path = tmp_path / "long.tracy"
    path.write_bytes(fuzz.patch_length(rec, index, "stored_len", d.stored_len + extra, fix_crc=True))
    lost = range(100 * batch, 100 * batch + 100)
    want = [sp.attributes if i not in lost else {} for i, sp in enumerate(spans)]
    tf = tracefile.load(path)
    assert _names(tf.spans) == _names(spans) and [sp.attributes for sp in tf.spans] == want
    assert any(f"frame at byte {d.offset} fails its checksum" in w for w in tf.warnings)
    assert _names(tracefile.iter_spans(path)) == _names(spans)
    reader = TimelineReader(path)
    assert reader.read() == 300
    assert [sp.attributes for sp in _timeline_spans(reader)] == want


def test_a_torn_header_copy_spliced_before_a_frame_costs_nothing_after_it(clean, tmp_path):
    data, rec, spans = clean
    # A writer died after the header of a small feedback frame: its claimed payload ends inside
    # the header of the frame a later writer appended.
    torn = fuzz.frame(KIND_FEEDBACK, b"\x91\x90" * 6)[:FRAME_HEADER_SIZE]
    s = rec.batches[1][0]
    path = tmp_path / "splice.tracy"
    path.write_bytes(fuzz.splice(data, s.offset, torn))
    tf = tracefile.load(path)
    assert _names(tf.spans) == _names(spans) and [sp.attributes for sp in tf.spans] == [sp.attributes for sp in spans]
    assert len(list(tracefile.iter_spans(path))) == 300


# --- F4: the timeline reader skips details payloads, but a lying length swallows nothing ------------


@pytest.mark.parametrize("before", [1, 2])
def test_a_torn_details_header_spliced_in_swallows_no_batch_in_the_timeline(clean, tmp_path, before):
    data, rec, spans = clean
    d = rec.batches[0][1]
    s = rec.batches[before][0]
    path = tmp_path / "splice.tracy"
    path.write_bytes(fuzz.splice(data, s.offset, data[d.offset : d.offset + FRAME_HEADER_SIZE]))
    assert len(tracefile.load(path).spans) == 300
    reader = TimelineReader(path)
    assert reader.read() == 300
    assert [sp.attributes for sp in _timeline_spans(reader)] == [sp.attributes for sp in spans]
    assert any("fails its checksum" in w for w in reader.warnings)



def test_a_frame_of_an_unknown_kind_between_spans_and_details_keeps_them_paired(clean, tmp_path):
    """A newer writer's frame kind is skipped by every reader, and ends no batch (FORMAT.md §2.3)."""
    from tracefile.format.framing import encode_frame

    data, rec, spans = clean
    s, d, _ = rec.batches[1]
    unknown = encode_frame(0x55, b"\x91\x01")
    path = tmp_path / "unknown-kind.tracy"
    path.write_bytes(data[: d.offset] + unknown + data[d.offset :])
    tf = tracefile.load(path)
    assert tf.warnings == [] and tf.spans == spans
    reader = TimelineReader(path)
    reader.read()
    assert reader.warnings == [] and _timeline_spans(reader) == spans
    assert all(reader.details_problem(b) is None for b in range(len(reader.timeline.batches)))
