"""load(lazy=True): span attributes decoded the first time they are used, with the same values an
eager load gives, also after the file is gone."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

import tracefile
from tests.helpers.content_files import content_frame, conversation, crafted, details_with_refs, write
from tracefile.format.content import ContentEntry
from tracefile.format.framing import encode_frame
from tracefile.format.lazy import LOST_KEY, LazyAttributes
from tracefile.format.schema import KIND_SPAN_DETAILS, SpanDetails

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize("name", ["golden-v1.tracy", "golden-v1.1.tracy", "golden-v2.tracy"])
def test_a_lazy_load_reads_what_an_eager_one_does(name):
    eager, lazy = tracefile.load(DATA / name), tracefile.load(DATA / name, lazy=True)
    assert len(lazy.spans) == len(eager.spans) > 0 and lazy.warnings == eager.warnings
    assert all(type(s.attributes) is LazyAttributes for s in lazy.spans)
    assert lazy.spans == eager.spans  # every field, the attribute maps decoded on the way
    assert all(s.attributes.decoded for s in lazy.spans)
    assert [s.events for s in lazy.spans] == [s.events for s in eager.spans]
    streamed = list(tracefile.iter_spans(DATA / name, lazy=True))
    assert [dict(s.attributes) for s in streamed] == [s.attributes for s in eager.spans]


def test_lazy_attributes_resolve_the_content_store_after_the_file_is_gone(tmp_path):
    spans = conversation(10)
    path = tmp_path / "chat.tracy"
    write(path, spans, batch=3)
    tf = tracefile.load(path, lazy=True)
    assert not any(s.attributes.decoded for s in tf.spans)  # nothing asked for them yet
    path.write_bytes(b"")  # the bytes the references point into are gone; the load kept its own copy
    path.unlink()
    last = tf.spans[-1].attributes
    assert not last.decoded
    assert last["gen_ai.input.messages"] == spans[-1].attributes["gen_ai.input.messages"]
    assert json.loads(last["gen_ai.input.messages"])[-1]["content"].startswith(" question 9: ")
    assert [dict(s.attributes) for s in tf.spans] == [s.attributes for s in spans]


def test_lazy_attributes_behave_as_a_dict():
    tf = tracefile.load(DATA / "golden-v2.tracy", lazy=True)
    eager = tracefile.load(DATA / "golden-v2.tracy")
    attrs, want = tf.spans[0].attributes, dict(eager.spans[0].attributes)
    key = next(iter(want))
    assert key in attrs and attrs.get(key) == want[key] and attrs.get("no such key", 7) == 7
    assert list(attrs) == list(want) and list(attrs.items()) == list(want.items()) and len(attrs) == len(want)
    assert attrs == want and want == attrs and repr(attrs) == repr(want)
    assert json.dumps(dict(attrs)) == json.dumps(want) and msgspec.json.encode(attrs.copy()) == msgspec.json.encode(want)
    attrs["tracy.note"] = "changed"
    del attrs[key]
    assert "tracy.note" in attrs and key not in attrs and attrs != want
    with pytest.raises(TypeError):
        hash(attrs)


def test_hostile_content_reads_as_content_lost_when_decoded_lazily(tmp_path):
    path = tmp_path / "hostile.tracy"
    crafted(path, content_frame(5, 0, [ContentEntry(-1, 0, "kept text")]), details_with_refs(5, {"ok": 0, "bad": 3}))
    (span,) = tracefile.load(path, lazy=True).spans
    assert span.attributes["ok"] == "kept text"
    assert span.attributes["bad"].startswith("…[content lost: entry 3 of content store 0x5")


def test_a_map_that_does_not_decode_says_so_in_its_place(tmp_path):
    """A details frame whose checksum holds but whose attribute map is not valid MessagePack text
    (a writer's bug): an eager load drops the frame's details with a warning, a lazy one finds it
    when the map is used and holds why, under `LOST_KEY`, instead of the attributes."""
    details = msgspec.msgpack.encode(SpanDetails(1, 1, [{"key": "AAAA"}], [[]], [[]]))
    bad = details.replace(b"\xa4AAAA", b"\xa4\xff\xfe\xfd\xfc")
    path = tmp_path / "bad-utf8.tracy"
    crafted(path, b"", encode_frame(KIND_SPAN_DETAILS, bad))
    eager = tracefile.load(path)
    assert eager.spans[0].attributes == {} and any("does not decode" in w for w in eager.warnings)
    (span,) = tracefile.load(path, lazy=True).spans
    assert list(span.attributes) == [LOST_KEY]
    assert span.attributes[LOST_KEY].startswith("…[content lost: the span's attributes do not decode: ")
    with pytest.raises(tracefile.TraceFileError):
        tracefile.load(path, strict=True, lazy=True)  # strict decodes everything now


def test_strict_and_imported_files_are_read_whole(tmp_path):
    assert all(type(s.attributes) is dict for s in tracefile.load(DATA / "golden-v2.tracy", strict=True, lazy=True).spans)
    otlp = next(p for p in (DATA / "interop" / "otlp-json").glob("*.json*") if not p.name.endswith(".expected.json"))
    assert all(type(s.attributes) is dict for s in tracefile.load(otlp, lazy=True).spans)


def test_lazy_spans_pickle_and_copy_as_plain_dicts(tmp_path):
    """Spans handed to another process (multiprocessing pickles them) or deep-copied carry their
    attributes as the dict, not the file's bytes and the reader's locks."""
    import copy
    import pickle

    path = tmp_path / "chat.tracy"
    write(path, conversation(4), batch=2)
    span = tracefile.load(path, lazy=True).spans[-1]
    for other in (pickle.loads(pickle.dumps(span)), copy.deepcopy(span)):
        assert type(other.attributes) is dict and other.attributes == span.attributes
        assert json.loads(other.attributes["gen_ai.input.messages"])[-1]["content"].startswith(" question 3: ")
