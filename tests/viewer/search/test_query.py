"""The search query language (parse, errors, describe) and its evaluation over timeline columns. No Qt."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

import tracefile
from tracefile.format.columns import read_timeline
from viewer.search import (
    And, Compare, Field, Not, Or, Query, QueryError, Term, describe, evaluate_columns, match_positions,
    matching_rows, next_match, parse,
)  # fmt: skip
from viewer.tracedata import build_index

MS = 1_000_000
S = 1_000_000_000


def root(text: str):
    return parse(text).root


# --- syntax -------------------------------------------------------------------------------------


def test_empty_and_blank_queries_match_everything():
    for text in ("", "   ", "\t\n"):
        q = parse(text)
        assert q.root is None and q.empty and describe(q) == ""


def test_free_text_words_and_phrases():
    assert root("chat") == Term("chat")
    assert root('"rate limit"') == Term("rate limit", quoted=True)
    assert root('Retry "rate limit" gpt-4o') == And((Term("Retry"), Term("rate limit", True), Term("gpt-4o")))
    # Lower-case keywords are plain words.
    assert root("this or that not") == And((Term("this"), Term("or"), Term("that"), Term("not")))


def test_attribute_fields():
    assert root("gen_ai.system:openai") == Field("gen_ai.system", "openai")
    assert root('error.type:"rate limit"') == Field("error.type", "rate limit")
    assert root("http.status_code:") == Field("http.status_code", None)
    assert root("a:b:c") == Field("a", "b:c")
    # Not a key (starts with a digit): the whole word is free text.
    assert root("12:30") == Term("12:30")


def test_builtin_fields_are_normalized():
    assert root("NAME:Chat") == Field("name", "Chat")
    assert root("model:gpt-4o") == Field("model", "gpt-4o")
    assert root("model:") == Field("model", None)
    assert root("status:ERROR") == Field("status", "error")
    assert [root(f"status:{v}") for v in ("ok", "unset")] == [Field("status", "ok"), Field("status", "unset")]
    assert [root(f"kind:{k}").value for k in ("client", "server", "internal", "producer", "consumer")] == [
        "client", "server", "internal", "producer", "consumer"]  # fmt: skip
    cats = ("llm", "tool", "agent", "http", "embeddings", "database", "function", "other")
    assert [root(f"category:{c}") for c in cats] == [Field("category", c) for c in cats]
    assert root("feedback:") == Field("feedback", None)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("duration>2s", Compare("duration", ">", 2 * S)),
        ("duration<=150ms", Compare("duration", "<=", 150 * MS)),
        ("duration>=1.5s", Compare("duration", ">=", 1500 * MS)),
        ("duration<10us", Compare("duration", "<", 10_000)),
        ("duration<10µs", Compare("duration", "<", 10_000)),
        ("duration=250ns", Compare("duration", "=", 250)),
        ("duration>2m", Compare("duration", ">", 120 * S)),
        ("duration > 2s", Compare("duration", ">", 2 * S)),
        ("duration:>2s", Compare("duration", ">", 2 * S)),
        ("DURATION>.5MS", Compare("duration", ">", 500_000)),
        ("trace_duration>=1s", Compare("trace_duration", ">=", S)),
        ("trace_duration < 200ms", Compare("trace_duration", "<", 200 * MS)),
        ("tokens>1000", Compare("tokens", ">", 1000)),
        ("tokens>1.5k", Compare("tokens", ">", 1500)),
        ("tokens>=2M", Compare("tokens", ">=", 2_000_000)),
        ("input_tokens>=500", Compare("input_tokens", ">=", 500)),
        ("output_tokens<20", Compare("output_tokens", "<", 20)),
    ],
)
def test_comparisons(text, expected):
    assert root(text) == expected


def test_negation_with_dash_and_not():
    assert root("-status:error") == Not(Field("status", "error"))
    assert root("NOT status:error") == Not(Field("status", "error"))
    assert root("-(a OR b)") == Not(Or((Term("a"), Term("b"))))
    assert root("NOT NOT a") == Not(Not(Term("a")))
    assert root('-"rate limit"') == Not(Term("rate limit", True))
    # A dash inside a word is part of it.
    assert root("gpt-4o") == Term("gpt-4o")


def test_precedence_and_over_or_and_parentheses():
    a, b, c, d = (Term(x) for x in "abcd")
    assert root("a b OR c d") == Or((And((a, b)), And((c, d))))
    assert root("a OR b c") == Or((a, And((b, c))))
    assert root("(a OR b) c") == And((Or((a, b)), c))
    assert root("a AND b OR c") == Or((And((a, b)), c))
    assert root("a OR b OR c") == Or((a, b, c))  # flattened
    assert root("a (b c) d") == And((a, b, c, d))
    assert root("((a))") == a
    assert root("-a b") == And((Not(a), b))
    assert root("NOT a OR b") == Or((Not(a), b))
    assert root("chat duration>2s -status:error tokens>1000") == And((
        Term("chat"), Compare("duration", ">", 2 * S), Not(Field("status", "error")), Compare("tokens", ">", 1000)))  # fmt: skip


def test_parentheses_end_words():
    assert root("(status:error OR kind:client)") == Or((Field("status", "error"), Field("kind", "client")))
    assert root("(duration>2s)") == Compare("duration", ">", 2 * S)


@pytest.mark.parametrize(
    "text,position,fragments",
    [
        ("duration>", 9, ["needs a number with a unit", "like duration>2s", "column 10"]),
        ("duration>2", 10, ["needs a unit", "duration>2s"]),
        ("duration>2sec", 10, ["Unknown unit 'sec'", "column 11", "ns, us, ms, s or m"]),
        ("duration>fast", 9, ["'fast'", "not a number with a unit"]),
        ("duration:2s", 0, ["needs a comparison", "duration>2s"]),
        ("trace_duration>2", 16, ["needs a unit", "trace_duration>2s"]),
        ("trace_duration:", 0, ["needs a comparison", "trace_duration>2s"]),
        ("chat (a OR b", 5, ["Unbalanced parenthesis at column 6", "never closed"]),
        ("a b) c", 3, ["Unbalanced parenthesis at column 4", "closes nothing"]),
        ("status:erorr", 7, ["Unknown status 'erorr' at column 8", "error, ok or unset"]),
        ("kind:clinet", 5, ["Unknown kind 'clinet'", "internal, server, client, producer or consumer"]),
        ("category:llms", 9, ["Unknown category 'llms' at column 10", "other, llm, tool, agent, http, embeddings, database or function"]),
        ("status:", 7, ["status: at column 8 needs a value"]),
        ("name:", 5, ["needs some text", "name:chat"]),
        ("tokens>", 7, ["tokens> at column 8 needs a number", "tokens>1000"]),
        ("tokens>1.5", 7, ["not a whole number of tokens"]),
        ("tokens>5x", 8, ["Unknown suffix 'x'", "1.5k"]),
        ("a ()", 2, ["Empty parentheses at column 3"]),
        ("a OR", 2, ["OR at column 3 needs a term after it"]),
        ("OR a", 0, ["OR at column 1 needs a term before it"]),
        ("a OR OR b", 2, ["OR at column 3 needs a term after it"]),
        ("a - b", 2, ["'-' at column 3 needs a term right after it"]),
        ("a NOT", 2, ["NOT at column 3 needs a term after it"]),
        ('a "rate limit', 2, ["Unclosed quote at column 3"]),
        ('""', 0, ["Empty quotes at column 1"]),
        ("AND a", 0, ["AND at column 1 needs a term on both sides"]),
    ],
)
def test_errors_say_what_and_where(text, position, fragments):
    with pytest.raises(QueryError) as info:
        parse(text)
    err = info.value
    assert err.position == position and err.column == position + 1
    for f in fragments:
        assert f in str(err), (f, str(err))
    assert err.message == str(err)


@pytest.mark.parametrize(
    "text",
    [
        "chat duration>2s -status:error tokens>1000",
        'key:"rate limit" "rate limit" model: feedback: kind:client',
        "(a OR b) c -(d OR e f) NOT g",
        "tokens>=1.5k duration<=150ms duration>2m duration>1500us input_tokens<3 output_tokens=7",
        "trace_duration>=1s trace_duration<2s",
    ],
)
def test_describe_normalizes_and_round_trips(text):
    q = parse(text)
    assert parse(describe(q)).root == q.root
    assert describe(parse(describe(q))) == describe(q)


def test_describe_output():
    assert describe(parse("a AND b OR (c)")) == "a b OR c"
    assert describe(parse("NOT (a OR b) c")) == "-(a OR b) c"
    assert describe(parse("tokens>=1.5k duration>1500ms STATUS:Error")) == "tokens>=1500 duration>1500ms status:error"
    assert describe(parse('x:"a b"')) == 'x:"a b"'
    assert describe(Field("name", "chat")) == "name:chat"


_ALPHABET = st.sampled_from(
    list('abc:()"- \t><=.5sk') + ["OR", "AND", "NOT", "duration", "tokens", "status:", "kind:", "ms", "µs", "é", "\x00"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=14).map("".join) | st.text(max_size=30))
@example("duration(>a)")  # two words that, written "duration >a", read back as one comparison
@example("duration(>)")
def test_parse_raises_only_query_error_and_round_trips(text):
    try:
        q = parse(text)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text) and exc.message
        return
    assert isinstance(q, Query)
    assert parse(describe(q)).root == q.root


# --- evaluation over columns of a real file -----------------------------------------------------


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """A real .tracy file written through the OpenTelemetry SDK, as a TraceIndex.

    Rows (file order, each span is written when it ends):
      0 chat gpt-4o        llm   client  1.2 s   in 1200 out 300  model gpt-4o
      1 execute_tool search tool internal 300 ms                  error
      2 chat claude        llm   client  3 s     in 800  out 50   model claude-sonnet, status ok
      3 GET /weather       http  client  150 ms                   error ("rate limit" only in attributes)
      4 invoke_agent Planner agent server 5 s
      5 embeddings         embeddings client 20 ms in 40          model text-embedding-3
    """
    path = tmp_path_factory.mktemp("search") / "run.tracy"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(path)))
    tracer = provider.get_tracer("t")
    t0 = 1_764_000_000 * S

    def span(name, start, dur, kind=SpanKind.INTERNAL, status=None, **attrs):
        s = tracer.start_span(name, kind=kind, start_time=t0 + start, attributes=attrs)
        if status is not None:
            s.set_status(status)
        s.end(end_time=t0 + start + dur)

    agent = tracer.start_span("invoke_agent Planner", kind=SpanKind.SERVER, start_time=t0,
                              attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Planner"})  # fmt: skip
    from opentelemetry.trace import set_span_in_context, use_span

    with use_span(agent, end_on_exit=False):
        span("chat gpt-4o", 0, 1200 * MS, SpanKind.CLIENT, **{
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 300})  # fmt: skip
        span("execute_tool search", 1300 * MS, 300 * MS, status=Status(StatusCode.ERROR, "boom"),
             **{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"})  # fmt: skip
        span("chat claude", 1700 * MS, 3 * S, SpanKind.CLIENT, status=Status(StatusCode.OK), **{
            "gen_ai.operation.name": "chat", "gen_ai.response.model": "claude-sonnet",
            "gen_ai.usage.input_tokens": 800, "gen_ai.usage.output_tokens": 50})  # fmt: skip
        span("GET /weather", 4800 * MS, 150 * MS, SpanKind.CLIENT, status=Status(StatusCode.ERROR, "rate limit"),
             **{"http.request.method": "GET", "error.type": "rate limit"})  # fmt: skip
    agent.end(end_time=t0 + 5 * S)
    ctx = set_span_in_context(agent)
    emb = tracer.start_span("embeddings", context=ctx, kind=SpanKind.CLIENT, start_time=t0 + 4990 * MS, attributes={
        "gen_ai.operation.name": "embeddings", "gen_ai.request.model": "text-embedding-3",
        "gen_ai.usage.input_tokens": 40})  # fmt: skip
    emb.end(end_time=t0 + 5010 * MS)
    provider.shutdown()
    ix = build_index(read_timeline(path))
    assert [ix.name(r) for r in range(ix.n)] == [
        "chat gpt-4o", "execute_tool search", "chat claude", "GET /weather", "invoke_agent Planner", "embeddings"]  # fmt: skip
    return ix


def rows(text: str, index, **kw) -> list[int]:
    return matching_rows(evaluate_columns(parse(text), index, **kw).mask).tolist()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", [0, 1, 2, 3, 4, 5]),
        ("name:chat", [0, 2]),
        ("name:CHAT name:gpt", [0]),
        ("name:weather OR name:planner", [3, 4]),
        ("model:gpt", [0]),
        ("model:", [0, 2, 5]),
        ("-model:", [1, 3, 4]),
        ("model:sonnet OR model:embedding", [2, 5]),
        ("status:error", [1, 3]),
        ("status:ok", [2]),
        ("status:unset", [0, 4, 5]),
        ("-status:error", [0, 2, 4, 5]),
        ("kind:client", [0, 2, 3, 5]),
        ("kind:server", [4]),
        ("kind:internal", [1]),
        ("kind:producer", []),
        ("category:llm", [0, 2]),
        ("category:tool", [1]),
        ("category:agent", [4]),
        ("category:http", [3]),
        ("category:embeddings", [5]),
        ("category:database", []),
        ("duration>2s", [2, 4]),
        ("duration>=3s", [2, 4]),
        ("duration>3s", [4]),
        ("duration<=150ms", [3, 5]),
        ("duration<150ms", [5]),
        ("duration=20ms", [5]),
        ("tokens>1000", [0]),
        ("tokens>=850", [0, 2]),
        ("tokens>0", [0, 2, 5]),
        ("input_tokens>=800", [0, 2]),
        ("output_tokens<100", [1, 2, 3, 4, 5]),
        ("tokens<1.5k tokens>0", [2, 5]),
        ("category:llm -status:ok duration>1s tokens>1000", [0]),
        ("(status:error OR category:llm) kind:client", [0, 2, 3]),
        ("status:error OR category:llm kind:client", [0, 1, 2, 3]),
        ("-(status:error OR category:llm)", [4, 5]),
        ("tokens>99999999999999999999", []),
        ("tokens<99999999999999999999", [0, 1, 2, 3, 4, 5]),
        ("duration>100000000h", []),
    ],
)
def test_columns_exact(index, text, expected):
    ev = evaluate_columns(parse(text), index)
    assert matching_rows(ev.mask).tolist() == expected
    assert ev.exact and ev.needs_details == []
    assert (ev.certain == ev.mask).all() and not ev.undecided.any()
    assert ev.count == len(expected)


def test_free_text_matches_names_and_leaves_the_rest_to_details(index):
    q = parse("chat")
    ev = evaluate_columns(q, index)
    assert matching_rows(ev.certain).tolist() == [0, 2]  # names containing "chat"
    assert ev.mask.all() and not ev.exact  # any other span may have "chat" in its attributes
    assert ev.needs_details == [Term("chat")]
    assert matching_rows(ev.undecided).tolist() == [1, 3, 4, 5]
    # Names only (no text index yet): exact.
    names_only = evaluate_columns(q, index, text_in_details=False)
    assert matching_rows(names_only.mask).tolist() == [0, 2] and names_only.exact
    assert rows('"chat gpt"', index, text_in_details=False) == [0]
    assert rows("CHAT", index, text_in_details=False) == [0, 2]
    assert rows("-chat", index, text_in_details=False) == [1, 3, 4, 5]


def test_columns_narrow_what_details_must_decide(index):
    # "rate limit" is only in an attribute of row 3: the columns keep every row with status:error.
    ev = evaluate_columns(parse('"rate limit" status:error'), index)
    assert matching_rows(ev.mask).tolist() == [1, 3]
    assert not ev.certain.any() and not ev.exact
    assert ev.needs_details == [Term("rate limit", True)]
    ev = evaluate_columns(parse("error.type:x category:http"), index)
    assert matching_rows(ev.mask).tolist() == [3] and ev.needs_details == [Field("error.type", "x")]
    ev = evaluate_columns(parse("feedback: OR status:ok"), index)
    assert ev.mask.all() and matching_rows(ev.certain).tolist() == [2]
    assert ev.needs_details == [Field("feedback", None)]
    # Negating an undecided term keeps it undecided; a decided name hit becomes a sure miss.
    ev = evaluate_columns(parse("-chat"), index)
    assert matching_rows(ev.mask).tolist() == [1, 3, 4, 5] and not ev.certain.any()
    # An attribute test OR'ed with a sure match is decided where the sure match holds.
    ev = evaluate_columns(parse("gen_ai.tool.name: OR kind:server"), index)
    assert matching_rows(ev.certain).tolist() == [4] and matching_rows(ev.undecided).tolist() == [0, 1, 2, 3, 5]


def test_evaluation_of_a_tree_or_none(index):
    assert matching_rows(evaluate_columns(Field("status", "error"), index).mask).tolist() == [1, 3]
    assert evaluate_columns(None, index).mask.all()


def test_next_match_walks_the_waterfall_order_and_wraps(index):
    mask = evaluate_columns(parse("status:error OR category:llm"), index).mask  # rows 0, 1, 2, 3
    order = index.order
    pos = match_positions(mask, order).tolist()
    assert [int(order[p]) for p in pos] == [int(r) for r in order if r in (0, 1, 2, 3)]
    assert len(pos) == 4
    assert next_match(mask, order, -1) == pos[0]
    assert next_match(mask, order, pos[0]) == pos[1]
    assert next_match(mask, order, pos[-1]) == pos[0]  # wraps forwards
    assert next_match(mask, order, pos[1], backwards=True) == pos[0]
    assert next_match(mask, order, pos[0], backwards=True) == pos[-1]  # wraps backwards
    assert next_match(mask, order, -1, backwards=True) == pos[-1]
    # From a non-matching position (the agent root, position 0) forwards is the first match after it.
    root_pos = int(index.position[4])
    assert next_match(mask, order, root_pos) == min(p for p in pos if p > root_pos)
    assert next_match(np.zeros(index.n, bool), order, 0) is None


def test_single_match_is_found_again_from_itself(index):
    mask = evaluate_columns(parse("kind:server"), index).mask
    p = int(index.position[4])
    assert next_match(mask, index.order, p) == p and next_match(mask, index.order, p, backwards=True) == p
