"""Search's word index (`viewer.search.words`, no Qt): splitting text into words, the vocabulary,
and the text index answering through it on real recordings (parts of words, phrases across
punctuation, dotted values, unicode and JSON escapes, a growing file, queries while it indexes)."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tracefile
from tests.helpers import e2e
from tracefile.format.reader import open_buffer
from viewer.search import Term, parse, words
from viewer.search.text_index import TextIndex, evaluate, index_batches, value_text
from viewer.session import FileSession

# -- words ----------------------------------------------------------------------------------------

_WORD = re.compile(rb"[0-9A-Za-z_\x80-\xff]+")
_TEXT = st.text(alphabet=st.sampled_from(list("ab_Z09 .,:-\"\n\x1eüé東京\u2014")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_words_are_runs_of_word_bytes_with_the_hash_of_their_bytes(text):
    data = text.lower().encode()
    starts, ends, hashes, gaps = words.split_words(data)
    spans = [m.span() for m in _WORD.finditer(data)]
    assert list(zip(starts.tolist(), ends.tolist())) == spans
    for i, (a, b) in enumerate(spans):
        assert int(hashes[i]) == words.hash_bytes(data[a:b])
        gap_end = spans[i + 1][0] if i + 1 < len(spans) else len(data)
        assert int(gaps[i]) == words.hash_bytes(data[b:gap_end])


def test_a_term_splits_into_words_with_the_separators_around_them():
    assert words.pieces(b"az.ai") == ([(b"az", False, True), (b"ai", True, False)], [b"."])
    assert words.pieces(b'"overdue  invoice"') == ([(b"overdue", True, True), (b"invoice", True, True)], [b"  "])
    assert words.pieces(b"-") == ([], [])
    assert words.pieces("zürich".encode()) == ([("zürich".encode(), False, False)], [])
    assert words.is_one_word("zürich".encode()) and not words.is_one_word(b"gpt-4o") and not words.is_one_word(b"")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, (1 << 64) - 1), unique=True, max_size=3000))
def test_hash_table_finds_what_was_added_and_nothing_else(keys):
    table = words.HashTable(bits=2)  # grows many times
    half = len(keys) // 2
    added = np.array(keys[:half], np.uint64)
    for part in np.array_split(np.arange(half), 5):
        table.add(added[part], part.astype(np.int64) + 7)
    got = table.get(np.array(keys, np.uint64))
    assert got[:half].tolist() == list(range(7, half + 7))
    assert (got[half:] == -1).all()
    assert len(table) == half


def test_vocabulary_gives_each_word_one_id_and_finds_words_by_part():
    vocab = words.Vocabulary()
    ids = {}
    for text in (b"paris lisbon paris", b"parisian cafe", b"\xe6\x9d\xb1\xe4\xba\xac tower lisbon"):
        starts, ends, hashes, _ = words.split_words(text)
        for a, b, i in zip(starts.tolist(), ends.tolist(), vocab.ids(text, starts, ends, hashes).tolist()):
            assert ids.setdefault(text[a:b], i) == i
    assert sorted(ids.values()) == list(range(vocab.count)) and vocab.count == 6
    _, chunks = vocab.snapshot()

    def found(word: bytes, after: bool = False, before: bool = False) -> list[bytes]:
        by_id = {i: w for w, i in ids.items()}
        return sorted(by_id[int(i)] for i in words.matching_words(chunks, word, after, before))

    assert found(b"pari") == [b"paris", b"parisian"]
    assert found(b"is") == [b"lisbon", b"paris", b"parisian"]
    assert found(b"paris", before=True) == [b"paris"]  # ends with it
    assert found(b"an", before=True) == [b"parisian"]
    assert found(b"lis", after=True) == [b"lisbon"]  # starts with it
    assert found(b"isbon", after=True) == []
    assert found(b"tower", True, True) == [b"tower"] and found(b"towe", True, True) == []
    assert found("京".encode()) == ["東京".encode()]


# -- the index over recordings --------------------------------------------------------------------


def _record(rec) -> None:
    rec_span = rec.span
    with rec_span("tool.trip", 0, 5, note="Trip to Paris, then Lisbon."):
        pass
    with rec_span("chat az", 10, 5, gen_ai__system="az.ai.inference", other="az ai"):
        pass
    with rec_span("tool.cafe", 20, 5, note="Parisian café; overdue-invoice #42"):
        pass
    with rec_span("tool.sent", 30, 5, note="The overdue invoice was sent."):
        pass
    with rec_span("tool.spaced", 40, 5, note="overdue  invoice, invoice overdue"):
        pass
    # JSON with its escapes: ü, a word split by an escape, and a quote inside a string.
    message = json.dumps([{"role": "user", "content": 'Zürich 東京タワー overdue "quoted" words'}])
    with rec_span("chat json", 50, 5, message=message.replace("overdue", "over\\u0064ue")):
        pass


def _truth(path: Path) -> dict[str, str]:
    """Each span's searchable text, lower-cased, by name."""
    out = {}
    for s in tracefile.load(path).spans:
        parts = [s.name]
        for k, v in s.attributes.items():
            parts += [k, value_text(v)]
        out[s.name] = "\x1e".join(parts).lower()
    return out


@pytest.fixture
def recorded(make_tracy) -> Path:
    path = make_tracy("words.tracy", _record)
    payload = e2e.all_payload_bytes(path)
    assert b"Z\\u00fcrich" in payload and b"over\\u0064ue" in payload  # escapes, as the file holds them
    return path


def _names(session: FileSession, text: TextIndex, query: str) -> list[str]:
    ev = evaluate(parse(query), session.index, text)
    assert ev.exact, query
    return sorted(session.index.name(int(r)) for r in np.flatnonzero(ev.mask))


def _opened(path: Path, **sizes) -> tuple[FileSession, TextIndex]:
    session = FileSession(path)
    assert session.load().ok
    text = TextIndex()
    for k, v in sizes.items():
        setattr(text, k, v)
    with open_buffer(path) as data:
        index_batches(text, data, session.reader.timeline.batches)
    assert text._snap.sealed == text._snap.pairs  # finished: every value is in the word index
    return session, text


def test_part_of_a_word_is_found_through_the_vocabulary(recorded):
    session, text = _opened(recorded)
    assert _names(session, text, "pari") == ["tool.cafe", "tool.trip"]
    assert _names(session, text, "ISBO") == ["tool.trip"]
    assert _names(session, text, "nvoic") == ["tool.cafe", "tool.sent", "tool.spaced"]
    assert _names(session, text, "zqxj") == []


def test_phrases_across_words_and_punctuation(recorded):
    session, text = _opened(recorded)
    assert _names(session, text, '"overdue invoice"') == ["tool.sent"]  # not two spaces, not reversed
    assert _names(session, text, '"invoice overdue"') == ["tool.spaced"]
    assert _names(session, text, '"overdue  invoice"') == ["tool.spaced"]
    assert _names(session, text, "overdue-invoice") == ["tool.cafe"]
    assert _names(session, text, '"paris, then"') == ["tool.trip"]
    assert _names(session, text, '"aris, the"') == ["tool.trip"]  # parts of words at both ends
    assert _names(session, text, "invoice,") == ["tool.spaced"]
    assert _names(session, text, "#42") == ["tool.cafe"]
    assert _names(session, text, '"then paris"') == []


def test_key_value_with_a_dotted_value(recorded):
    session, text = _opened(recorded)
    assert _names(session, text, "gen_ai.system:az.ai") == ["chat az"]
    assert _names(session, text, "gen_ai.system:.ai.inf") == ["chat az"]
    assert _names(session, text, "gen_ai.system:az.ai.inference") == ["chat az"]
    assert _names(session, text, "other:az.ai") == []  # "az ai" under another key
    assert _names(session, text, "az.ai") == ["chat az"]


def test_unicode_and_words_split_by_json_escapes(recorded):
    session, text = _opened(recorded)
    assert _names(session, text, "zürich") == ["chat json"] == _names(session, text, "ZÜRICH")
    assert _names(session, text, "zurich") == []
    assert _names(session, text, "東京") == ["chat json"]
    assert _names(session, text, "京タ") == ["chat json"]  # inside one word of CJK text
    assert _names(session, text, "café") == ["tool.cafe"]
    # "over\\u0064ue" in the file: one word once the JSON is read.
    assert "chat json" in _names(session, text, "overdue")
    assert _names(session, text, 'message:"content: zürich"') == ["chat json"]
    quote = evaluate(Term('overdue "quoted" w'), session.index, text)  # a quote escaped as \" in the JSON
    assert [session.index.name(int(r)) for r in np.flatnonzero(quote.mask)] == ["chat json"]


@pytest.mark.parametrize("segment_values", [words.SEGMENT_VALUES, 3], ids=["tail", "segments"])
def test_every_term_agrees_with_a_scan_of_the_recording(recorded, monkeypatch, segment_values):
    # With 3 values a segment, the postings go through sealed Segments as a big file's do.
    monkeypatch.setattr(words, "SEGMENT_VALUES", segment_values)
    session, text = _opened(recorded, SEAL_BYTES=40, SEAL_PAIRS=2, CHUNK_BYTES=16)
    assert bool(text._snap.segments) == (segment_values == 3)
    truth = _truth(recorded)
    names = [session.index.name(r) for r in range(session.index.n)]
    terms = set()
    for t in truth.values():
        for w in re.split(r"[\x1e\s]+", t):
            terms.update({w, w[1:], w[:-1], w[1:-1]})
    terms.update({"s, t", "e o", ". ", ", ", "ai.i", "ü", "\u30bf\u30ef"})
    terms.update("".join(truth.values()).replace("\x1e", ""))  # every single character, from its bits
    for term in sorted(t for t in terms if t):
        got = evaluate(Term(term), session.index, text)
        want = [term in truth[n] for n in names]
        assert got.exact and got.mask.tolist() == want, term


def test_a_growing_file_gets_its_new_words_indexed(make_tracy):
    def first(rec):
        with rec.span("tool.one", 0, 5, note="alpha beta"):
            pass

    path = make_tracy("live.tracy", first)
    session = FileSession(path)
    assert session.load().ok and session.index_details() == 1
    assert _names(session, session.text, "alpha") == ["tool.one"]
    words_before = session.text._snap.word_count

    def more(rec):
        with rec.span("tool.two", 10, 5, note="beta gamma-delta"):
            pass
        with rec.span("tool.three", 20, 5, note="alphabet"):
            pass

    assert make_tracy("live.tracy", more) == path  # a second writer appends to the same file
    assert session.load().new_spans == 2
    assert session.index_details() == 2
    assert session.text._snap.word_count > words_before
    assert _names(session, session.text, "alpha") == ["tool.one", "tool.three"]
    assert _names(session, session.text, "beta") == ["tool.one", "tool.two"]
    assert _names(session, session.text, "phabe") == ["tool.three"]
    assert _names(session, session.text, "gamma-delta") == ["tool.two"]
    assert _names(session, session.text, '"beta gamma"') == ["tool.two"]


def test_queries_see_a_consistent_snapshot_while_the_index_grows(tmp_path, make_tracy):
    """A reader thread queries while the writer indexes batch after batch: each answer covers a
    prefix of the rows and is exactly right for it."""

    def build(rec):
        for i in range(120):
            with rec.span(f"step {i}", i * 10, 5, note=f"word{i % 7} shared-{i % 3} text {i}"):
                pass

    path = make_tracy("grow.tracy", build)
    session = FileSession(path)
    assert session.load().ok
    truth = _truth(path)
    names = [session.index.name(r) for r in range(session.index.n)]
    terms = ["word3", "shared-1 text", "ord", "hared-2"]
    want = {t: [t in truth[n] for n in names] for t in terms}
    text = TextIndex()
    text.SEAL_BYTES, text.SEAL_PAIRS, text.CHUNK_BYTES = 200, 4, 64
    text.COMPACT_ENTRIES = 50
    started, seen, errors = threading.Event(), set(), []

    def write():
        started.wait()
        with open_buffer(path) as data:
            index_batches(text, data, session.reader.timeline.batches)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        started.set()
        while True:
            done = not writer.is_alive()
            for t in terms:
                mask = text.term_rows(t)
                seen.add(len(mask))
                if mask.tolist() != want[t][: len(mask)]:
                    errors.append((t, len(mask)))
            if done:
                break
    finally:
        writer.join()
    assert not errors
    assert max(seen) == len(names) == 120 and len(seen) >= 2, sorted(seen)


def test_a_short_part_of_many_words_is_found_in_all_of_them():
    """More hits than a loop over them should take: the vocabulary is compared at once."""
    vocab = words.Vocabulary()
    text = " ".join(f"w{i}x{'ab' if i % 3 else 'ba'}" for i in range(5000)).encode()
    starts, ends, hashes, _ = words.split_words(text)
    ids = vocab.ids(text, starts, ends, hashes)
    by_id = {int(i): text[a:b] for a, b, i in zip(starts.tolist(), ends.tolist(), ids.tolist())}
    _, chunks = vocab.snapshot()
    for part, after, before in ((b"xab", False, False), (b"ab", False, True), (b"w1", True, False), (b"x", False, False)):
        got = {by_id[int(i)] for i in words.matching_words(chunks, part, after, before)}
        want = {w for w in by_id.values() if (w.startswith(part) if after else True) and (w.endswith(part) if before else part in w)}
        assert got == want and len(want) > 1000, part
