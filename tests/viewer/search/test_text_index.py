"""Search in span details (no Qt): the text index over real recordings, and queries that combine it
with the timeline columns and feedback.

Recordings: `tests/helpers/apps/chat_app.py` (the real azure-ai-inference SDK against the loopback
ChatServer, content on: message text in ``gen_ai.event.content`` JSON, and ``@tracefile.trace``
spans with ``input.value``); the current semconv layout (``gen_ai.input.messages`` attributes)
through the OpenTelemetry SDK; feedback appended with ``tracefile.record_feedback``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tracefile
from tests.helpers import e2e
from tracefile.format.reader import open_buffer
from viewer.search import Term, parse
from viewer.search import text_index
from viewer.search import words as search_words
from viewer.search.text_index import STATUS_MESSAGE_KEY, TextIndex, evaluate, index_batches, value_text
from viewer.session import FileSession

# -- recordings -------------------------------------------------------------------------------


@pytest.fixture
def chat_file(record_app) -> tuple[Path, dict]:
    """chat_app.py with content on: a plain call, an agent with a tool call, failing calls."""
    return record_app("chat_app.py", "--steps", "sync,tools,errors", "--content")


INPUT = [
    {"role": "user", "parts": [{"type": "text", "content": 'Weather in Zürich?\nAnd "quickly", please.'}]},
    {"role": "assistant", "parts": [
        {"type": "tool_call", "id": "call_9", "name": "get_weather", "arguments": '{"location": "Zürich", "unit": "celsius"}'},
    ]},
]  # fmt: skip


def _semconv_file(path: Path, spans: int = 1, start: int = 0) -> None:
    """Chat spans in the current semconv layout, messages as (ASCII-escaped) JSON attributes.
    Each span is written as its own batch (SimpleSpanProcessor)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.trace import SpanKind

    from tracefile.record.redact import Policy

    provider = TracerProvider()
    exporter = tracefile.TracyFileExporter(path, redaction=Policy(record_content=True, redact=False))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("search-test")
    for i in range(start, start + spans):
        with tracer.start_as_current_span(f"chat gpt-4o #{i}", kind=SpanKind.CLIENT) as span:
            span.set_attributes({
                "gen_ai.operation.name": "chat",
                "gen_ai.input.messages": json.dumps(INPUT),  # ensure_ascii: "Z\\u00fcrich" in the file
                "gen_ai.request.temperature": 0.25 + i,
                "tracy.test.turn": f"turn-{i:03d}",
            })  # fmt: skip
    provider.shutdown()


class Opened:
    """A file read as the viewer reads it, with its details indexed (``batches`` of them)."""

    def __init__(self, path: Path, batches: int | None = None, text: TextIndex | None = None, finish: bool = True) -> None:
        self.session = FileSession(path)
        assert self.session.load().ok
        self.index = self.session.index
        self.text = text or TextIndex()
        refs = self.session.reader.timeline.batches
        if not finish:  # as while the file is still being indexed: the last text added is not sealed yet
            with open_buffer(path) as data:
                for ref in refs:
                    self.text.add_batch(ref.first_row, ref.count, text_index._decode_details(data, ref.details_offset, self.session.reader.content))
            return
        with open_buffer(path) as data:
            index_batches(self.text, data, refs if batches is None else refs[:batches])

    def search(self, text: str):
        return evaluate(parse(text), self.index, self.text, self.session.feedback)

    def names(self, text: str) -> list[str]:
        ev = self.search(text)
        assert ev.exact, text
        return sorted(self.index.name(int(r)) for r in np.flatnonzero(ev.mask))

    def row_named(self, name: str, **attrs) -> int:
        spans = self.session.reader
        rows = [r for r in range(self.index.n) if self.index.name(r) == name
                and all(spans.span(r).attributes.get(k) == v for k, v in attrs.items())]  # fmt: skip
        assert len(rows) == 1, (name, attrs, rows)
        return rows[0]


# -- message text, keys and values ----------------------------------------------------------------


def test_message_text_finds_the_span_whose_events_hold_it(chat_file):
    path, out = chat_file
    f = Opened(path)
    sync = f.row_named("chat gpt-4o-mini", **{"gen_ai.response.id": out["sync"]["id"]})
    # The marker is only in the user message and the answer (gen_ai.event.content JSON), never in a name.
    for query in ("USER-MARKER-91c2", "user-marker-91c2", '"capital of France"', "sys-marker-7f3a"):
        ev = f.search(query)
        assert ev.exact and list(np.flatnonzero(ev.mask)) == [sync], query
    assert f.names("absent-word-zq") == []


def test_json_content_is_searched_unescaped(chat_file):
    path, _ = chat_file
    f = Opened(path)
    # output.value is {"city":"Lisbon","forecast":"sunny, 21C",...}: "forecast: sunny" exists only once
    # the JSON is unescaped; in the chat span it sits in a tool message's JSON string inside JSON.
    names = f.names('"forecast: sunny"')
    assert "execute_tool get_weather" in names and "chat gpt-4o-mini" in names
    assert "POST" not in names
    # What's (an apostrophe) and quotes escaped as \" inside the content.
    assert "chat gpt-4o-mini" in f.names("\"what's the weather in lisbon\"")


def test_unicode_escapes_and_nested_json_arguments(tmp_path):
    path = tmp_path / "semconv.tracy"
    _semconv_file(path)
    assert b"Z\\u00fcrich" in e2e.all_payload_bytes(path)  # the file holds the escape, not the letter
    f = Opened(path)
    assert f.names("zürich") == ["chat gpt-4o #0"]
    assert f.names("ZÜRICH") == ["chat gpt-4o #0"]
    assert f.names("gen_ai.request.temperature:0.25") == ["chat gpt-4o #0"]  # numbers as text
    assert f.names('"location: zürich"') == ["chat gpt-4o #0"]  # arguments: JSON inside a JSON string
    assert f.names('"content: weather in zürich"') == ["chat gpt-4o #0"]


def test_key_value_fields_and_keys(chat_file):
    path, out = chat_file
    f = Opened(path)
    agent_chats = sorted(f.names(f"gen_ai.response.id:{out['tools']['first_id']}"))
    assert agent_chats == ["chat gpt-4o-mini"]
    assert f.names("input.value:lisbon") == ["execute_tool get_weather", "invoke_agent weather-agent"]
    assert f.names("INPUT.VALUE:Lisbon") == ["execute_tool get_weather", "invoke_agent weather-agent"]
    assert f.names("output.value:lisbon") == ["execute_tool get_weather", "invoke_agent weather-agent"]
    assert f.names("input.mime_type:") == ["execute_tool get_weather", "invoke_agent weather-agent"]
    # Event attributes are fields too; an event's name is a key with no value.
    assert f.names("gen_ai.event.content:sys-marker") == ["chat gpt-4o-mini"]
    assert f.names("gen_ai.tool.message:") == ["chat gpt-4o-mini"]
    assert f.names("has:gen_ai.tool.message") == ["chat gpt-4o-mini"]
    assert len(f.names("has:gen_ai.choice")) == 4  # the four calls that answered
    # A value that contains the text, under another key, does not count.
    assert f.names("gen_ai.response.id:lisbon") == []
    assert f.names("no.such.key:") == []
    # Free text also matches keys and event names.
    assert f.names("input.mime_type") == ["execute_tool get_weather", "invoke_agent weather-agent"]
    assert f.names("gen_ai.tool.message") == ["chat gpt-4o-mini"]


def test_status_messages_and_exceptions(chat_file):
    path, _ = chat_file
    f = Opened(path)
    assert f.names(f"{STATUS_MESSAGE_KEY}:ratelimitreached") == ["chat error-429"]
    assert f.names("ratelimitreached") == ["chat error-429"]
    assert f.names("exception.type:HttpResponseError") == ["chat error-429", "chat error-500"]


def test_details_combine_with_columns_and_negation(chat_file):
    path, _ = chat_file
    f = Opened(path)
    n = f.index.n
    lisbon = f.search("lisbon")
    assert lisbon.count >= 3
    assert f.search("-lisbon").count == n - lisbon.count
    assert f.search("NOT lisbon OR lisbon").count == n
    assert f.names("category:llm lisbon") == ["chat gpt-4o-mini", "chat gpt-4o-mini"]
    assert f.names("lisbon -category:llm") == ["execute_tool get_weather", "invoke_agent weather-agent"]
    assert f.names("status:error this call fails") == ["chat error-429", "chat error-500"]
    assert f.names("(user-marker-91c2 OR sys-marker-7f3a) category:llm") == ["chat gpt-4o-mini"]


# -- agreement with a plain scan of every span ---------------------------------------------------


def _span_texts(path: Path) -> dict[int, str]:
    """Every searchable string of each span, lower-cased, by span id: the definition, spelled out."""
    out = {}
    for s in tracefile.load(path).spans:
        parts = [s.name, s.status_message]
        for k, v in s.attributes.items():
            parts += [k, value_text(v)]
        for ev in s.events:
            parts.append(ev.name)
            for k, v in ev.attributes.items():
                parts += [k, value_text(v)]
        out[int(s.span_id, 16)] = "\x1e".join(parts).lower()
    return out


@pytest.mark.parametrize(
    ("compact_every", "dedup_pairs", "seal", "finished"),
    [(1 << 20, 1 << 20, None, True), (7, 1 << 20, None, True), (7, 5, None, True),
     (7, 1 << 20, (300, 8), True), (1 << 20, 5, (1500, 12), False)],
    ids=["defaults", "merged-often", "repeats-forgotten", "small-chunks-and-segments", "text-not-sealed-yet"],
)  # fmt: skip
def test_results_agree_with_scanning_every_span(chat_file, monkeypatch, compact_every, dedup_pairs, seal, finished):
    """Words from the file, parts of them and phrases across punctuation match exactly the spans a
    scan of the text finds: whether entries sit in the inverted index or in the tail not yet
    merged into it, when the table that finds repeated values starts over, when the text is
    sealed in many small chunks whose words sit in many segments, and when part of it is not
    sealed yet (searched as text)."""
    path, _ = chat_file
    monkeypatch.setattr(text_index, "_DEDUP_PAIRS", dedup_pairs)
    monkeypatch.setattr(text_index, "_MOVE_ENTRIES", 16)  # the merge moves entries a few at a time
    text = TextIndex()
    text.COMPACT_ENTRIES = compact_every  # small: merge after almost every batch
    if seal:
        monkeypatch.setattr(search_words, "SEGMENT_VALUES", max(12, seal[1]))
        (text.SEAL_BYTES, text.SEAL_PAIRS), text.CHUNK_BYTES = seal, 100
    f = Opened(path, text=text, finish=finished)
    snap = f.text._snap
    if seal:
        assert len(snap.segments) >= 2 and len(snap.chunks) > 10, (len(snap.segments), len(snap.chunks), snap.pairs)
    if not finished:
        assert snap.open_text and 0 < snap.sealed < snap.pairs
    by_id = _span_texts(path)
    texts = [by_id[int.from_bytes(int(sid).to_bytes(8, "little"), "big")] for sid in f.index.timeline.span_id]
    words = sorted({w for t in texts for w in t.replace("\x1e", " ").split() if len(w) > 2})
    assert len(words) > 100
    for word in words[:: max(1, len(words) // 150)] + ["ai.", "err", "POST", "0.7", "12", "rld", "-4o-", ": ", '"']:
        want = [word.lower() in t for t in texts]
        got = evaluate(Term(word), f.index, f.text)
        assert got.exact and got.mask.tolist() == want, word


# -- long conversations: each message indexed once -----------------------------------------------


def _conversation_file(path: Path, turns: int, *, conversations: int = 1, max_length: int | None = None) -> list[str]:
    """Chat spans of ``conversations`` interleaved conversations in the current layout, each call
    repeating its conversation so far in ``gen_ai.input.messages`` (one span per batch, as a chat
    app flushes). Returns each turn's marker word, found only in that turn's user message."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from tracefile.record.redact import Policy

    provider = TracerProvider()
    policy = Policy(record_content=True, redact=False, max_length=max_length)
    provider.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(path, redaction=policy)))
    tracer = provider.get_tracer("conversation-test")
    filler = "Plan the trip step by step, with trains, hotels and a budget. " * 8
    histories = [[{"role": "system", "parts": [{"type": "text", "content": f"You are agent {c}. " + filler}]}]
                 for c in range(conversations)]  # fmt: skip
    markers = []
    for turn in range(turns):
        for c, history in enumerate(histories):
            marker = f"mark{c}x{turn:03d}q"
            markers.append(marker)
            history.append({"role": "user", "parts": [{"type": "text", "content": f"Turn {turn}: {marker}. {filler}"}]})
            with tracer.start_as_current_span(f"chat c{c} t{turn}") as span:
                span.set_attribute("gen_ai.input.messages", json.dumps(history))
            history.append({"role": "assistant", "parts": [{"type": "text", "content": f"Answer {turn}. {filler}"}]})
    provider.shutdown()
    return markers


def test_split_array():
    def parts(text, prior=None):
        out = text_index.split_array(text, prior)
        if out is None:
            return None
        bounds, reused, parsed, tail = out
        return [text[a:b] for a, b in bounds], reused, parsed, None if tail is None else text[tail:]

    assert parts(' [1, "a" , {"b": [2]}]\n') == (["1", '"a"', '{"b": [2]}'], 0, [1, "a", {"b": [2]}], None)
    assert parts("[]") == ([], 0, [], None) and parts(" [ ] ") == ([], 0, [], None)
    for not_an_array in ('{"a": 1}', "[INFO] started", "[", "", "plain"):
        assert parts(not_an_array) is None, not_an_array
    # Cut short, or something after the first elements: the rest stays text.
    assert parts('[{"a": "b"}, {"a": "cut…[12 more]') == (['{"a": "b"}'], 0, [{"a": "b"}], '{"a": "cut…[12 more]')
    assert parts("[1, 2] and more") == (["1", "2"], 0, [1, 2], "] and more")
    assert parts("[1 2]") == (["1"], 0, [1], " 2]")

    def continued(earlier, text):
        from tracefile.format.content import common_prefix

        return parts(text, (text_index.split_array(earlier)[0], common_prefix(earlier, text)))

    a = json.dumps([{"role": "user", "c": "hi"}, {"role": "assistant", "c": "yo"}])
    b = json.dumps([{"role": "user", "c": "hi"}, {"role": "assistant", "c": "yo"}, {"role": "user", "c": "more"}])
    assert continued(a, b) == ([json.dumps(m) for m in json.loads(b)], 2, [{"role": "user", "c": "more"}], None)
    # A number that ends where the texts part may go on; a string, object or literal cannot.
    assert continued("[1, 12]", "[1, 123]") == (["1", "123"], 1, [123], None)
    assert continued('["ab", true]', '["ab", true, 1]') == (['"ab"', "true", "1"], 2, [1], None)
    assert continued('["ab", "c"]', '["ab", "cd"]') == (['"ab"', '"cd"'], 1, ["cd"], None)
    assert continued("[1, 2]", "[3]") == (["3"], 0, [3], None)


@pytest.mark.parametrize("conversations", [1, 3], ids=["one", "interleaved"])
def test_a_conversation_is_indexed_one_message_at_a_time(tmp_path, conversations):
    """Each call repeats the conversation so far: the index holds each message once (and its
    text grows with the conversation, not with its square), and finds exactly the spans whose
    history holds a word, as indexing each history whole does."""
    path = tmp_path / "conversation.tracy"
    markers = _conversation_file(path, 12, conversations=conversations)
    split, whole = Opened(path), Opened(path, text=TextIndex(split_arrays=False))
    assert split.index.n == whole.index.n == 12 * conversations
    assert split.text.text_bytes * 4 < whole.text.text_bytes
    for k, marker in enumerate(markers):
        c, turn = k % conversations, k // conversations
        want = [f"chat c{c} t{t}" for t in range(turn, 12)]
        assert split.names(marker) == sorted(want) == whole.names(marker), marker
        assert split.names(f"gen_ai.input.messages:{marker}") == sorted(want)
    for query in ('"role: assistant"', "answer 11", '"trains, hotels"', "gen_ai.input.messages:", "-agent"):
        assert split.names(query) == whole.names(query), query
    assert split.names('"hotels and a budget. turn 3"') == []  # messages are searched one by one
    # Its words agree with a plain scan of every span, one message at a time.
    by_id = _span_texts(path)
    texts = [by_id[int.from_bytes(int(sid).to_bytes(8, "little"), "big")] for sid in split.index.timeline.span_id]
    for word in ["turn 5", "mark", "x011q", "system", "agent 2", "budget", "you are"]:
        got = evaluate(Term(word), split.index, split.text)
        assert got.exact and got.mask.tolist() == [word in t for t in texts], word


def test_a_cut_history_keeps_its_complete_messages_searchable(tmp_path):
    """A recorder's length limit cuts long histories mid-message: the messages before the cut are
    still read as messages, and the cut one is searched as the text it was cut to."""
    path = tmp_path / "cut.tracy"
    markers = _conversation_file(path, 10, max_length=4000)
    f = Opened(path)
    spans = tracefile.load(path).spans
    assert all(len(s.attributes["gen_ai.input.messages"]) <= 4000 for s in spans)
    cut = [s.name for s in spans if "…[truncated" in s.attributes["gen_ai.input.messages"]]
    assert len(cut) >= 5
    # The first turn's marker is kept in every history; later turns fall past the cut.
    assert f.names(markers[0]) == sorted(s.name for s in spans)
    assert f.names(markers[9]) == []
    assert f.names('"role: user"') == sorted(s.name for s in spans)  # read as messages, cut ones too
    assert f.text.text_bytes < sum(len(s.attributes["gen_ai.input.messages"]) for s in spans) / 3


# -- building: partial results, growth, damage, limits ---------------------------------------------


def test_results_refine_while_the_index_fills(tmp_path):
    path = tmp_path / "many.tracy"
    _semconv_file(path, spans=12)
    full = Opened(path)
    assert len(full.session.reader.timeline.batches) == 12
    assert full.names("turn-007") == ["chat gpt-4o #7"]
    empty = Opened(path, batches=0)
    ev = empty.search("turn-007")
    assert not ev.exact and ev.count == 12 and not ev.certain.any()  # every row may match, none surely
    assert empty.search("name:#7").exact  # columns alone decide this one
    half = Opened(path, batches=6)
    assert half.text.rows == 6
    ev = half.search("turn-00")
    assert not ev.exact and ev.certain.sum() == 6 and ev.count == 12
    ev = half.search("-turn-007")  # the first six surely do not hold it; the rest are unknown
    assert not ev.exact and ev.certain.sum() == 6
    index_batches(half.text, path.read_bytes(), half.session.reader.timeline.batches)
    assert half.search("turn-00").exact and half.search("turn-00").count == 10


def test_a_growing_file_gets_its_new_batches_indexed(tmp_path):
    path = tmp_path / "live.tracy"
    _semconv_file(path, spans=3)
    session = FileSession(path)
    assert session.load().ok
    assert session.index_details() == 3
    assert session.index_details() == 0  # nothing new
    _semconv_file(path, spans=2, start=3)  # a second writer appends to the same file
    outcome = session.load()
    assert outcome.new_spans == 2
    assert session.index_details() == 2
    ev = evaluate(parse("tracy.test.turn:turn-004"), session.index, session.text)
    assert ev.exact and [session.index.name(int(r)) for r in np.flatnonzero(ev.mask)] == ["chat gpt-4o #4"]


def test_a_damaged_details_frame_leaves_its_spans_without_text(tmp_path):
    path = tmp_path / "damaged.tracy"
    _semconv_file(path, spans=3)
    session = FileSession(path)
    assert session.load().ok
    ref = session.reader.timeline.batches[1]
    data = bytearray(path.read_bytes())
    data[ref.details_offset + 40] ^= 0xFF  # inside the payload: its checksum no longer matches
    path.write_bytes(bytes(data))
    session = FileSession(path)
    assert session.load().ok  # the timeline does not read details
    session.index_details()
    assert session.text.damaged == 1 and session.text.rows == 3
    ev = evaluate(parse("tracy.test.turn:"), session.index, session.text)
    assert ev.exact and sorted(session.index.name(int(r)) for r in np.flatnonzero(ev.mask)) == [
        "chat gpt-4o #0", "chat gpt-4o #2"]  # fmt: skip


def test_long_values_are_indexed_up_to_the_cap(chat_file):
    path, _ = chat_file
    capped = Opened(path, text=TextIndex(max_value_chars=40))
    # output.value unescaped: "city: Lisbon\nforecast: sunny, 21C\nnote: TOOL-RESULT-MARKER-c3d9"
    assert "execute_tool get_weather" in capped.names("forecast")
    assert "execute_tool get_weather" not in capped.names("tool-result-marker")
    assert "execute_tool get_weather" in Opened(path).names("tool-result-marker")


def test_value_text():
    assert value_text('{"a": {"b": ["x", 2, null, true]}, "c": "{\\"d\\": \\"e\\"}"}') == "b: x\nb: 2\nb: null\nb: true\nc:\nd: e"
    assert value_text("[not json") == "[not json"
    assert value_text(["one", 2, 3.5, False]) == "one\n2\n3.5\nfalse"
    assert value_text(b"\x00\x01") == ""


# -- feedback -----------------------------------------------------------------------------------


def test_feedback_fields(chat_file, tmp_path):
    src, out = chat_file
    path = tmp_path / "feedback.tracy"
    path.write_bytes(src.read_bytes())
    f = Opened(path)
    tool_row = f.row_named("execute_tool get_weather")
    span_id = int(f.index.timeline.span_id[tool_row]).to_bytes(8, "little").hex()
    tracefile.record_feedback(response_id=out["sync"]["id"], score=0, label="thumbs_down",
                              comment="Wrong capital, FB-MARKER-3c1", path=path)  # fmt: skip
    tracefile.record_feedback(span_id=span_id, score=0.9, evaluator="relevance", path=path)
    f = Opened(path)
    sync = f.row_named("chat gpt-4o-mini", **{"gen_ai.response.id": out["sync"]["id"]})

    def rows(query: str) -> list[int]:
        ev = f.search(query)
        assert ev.exact, query
        return list(np.flatnonzero(ev.mask))

    assert rows("has:feedback") == sorted([sync, tool_row]) == rows("feedback:")
    assert rows("feedback:negative") == [sync]
    assert rows("feedback:positive") == []
    assert rows("feedback:evaluated") == [tool_row]
    assert rows("feedback:relevance") == [tool_row]
    assert rows("feedback:fb-marker-3c1") == [sync]
    assert rows("-has:feedback category:llm") == [r for r in rows("category:llm") if r != sync]


def test_spans_with_bytes_and_array_values(make_tracy):
    """The OpenTelemetry SDK takes bytes and arrays as attribute values: arrays are text, bytes are
    not, and the span's other attributes are searched all the same."""

    def build(rec):
        with rec.span("tool.call", 0, 5, payload=b"\x00\x01secret-bytes", tags=["alpha", "beta"], note="plain-note"):
            pass
        with rec.span("tool.other", 10, 5, scores=[0.5, 1.5], flags=[True, False]):
            pass

    f = Opened(make_tracy("values.tracy", build))
    assert f.names("plain-note") == ["tool.call"]
    assert f.names("tags:beta") == ["tool.call"]
    assert f.names("secret-bytes") == []
    assert f.names("scores:1.5") == ["tool.other"]
    assert f.names("flags:false") == ["tool.other"]
