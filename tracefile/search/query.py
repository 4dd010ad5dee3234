"""The search query language (the viewer's search box, `tracy push --query`): text in, a small tree of frozen dataclasses out.

Grammar (keywords ``OR``, ``AND``, ``NOT`` only in capitals; ``AND`` is optional)::

    query   := [ or ]
    or      := and ( "OR" and )*
    and     := unary ( ["AND"] unary )*          # juxtaposition is AND
    unary   := ( "-" | "NOT" ) unary | primary   # "-" must touch what it negates
    primary := "(" or ")" | leaf
    leaf    := word                              # free text, substring, any case
             | '"' phrase '"'                    # free text with spaces
             | numeric op value                  # duration>2s  tokens>=1.5k  (spaces allowed)
                                                 # trace_duration<1s: every span of a trace that short
             | key ":" [ value | '"' phrase '"' ]

    numeric := duration | trace_duration | tokens | input_tokens | output_tokens
    op      := ">" | ">=" | "<" | "<=" | "="
    key     := name | model | status | kind | category | feedback | has | attribute key

Free text matches span names, attribute keys and values, event names and event attributes
(message content), status messages, and feedback labels and comments. ``key:value`` matches an
attribute (or event attribute) named ``key`` whose value contains ``value``; ``key:`` alone
matches spans that have it, as does ``has:key``. Feedback: ``feedback:`` or ``has:feedback``
(any), ``feedback:positive`` / ``feedback:negative`` (a person's thumbs up or down, as the
viewer's badges show them), ``feedback:evaluated`` (an evaluator's verdict), else
``feedback:<word>`` (in the label, comment or evaluator name). `HELP` says the same for the
search box.

``OR`` binds looser than AND, so ``a b OR c`` is ``(a b) OR c``. Malformed text
raises `QueryError` with a message naming the problem and the (1-based) column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Union

from tracefile.genai import CATEGORY_NAMES
from tracefile.format import SPAN_KIND_NAMES

STATUS_VALUES = ("error", "ok", "unset")
KIND_VALUES = tuple(SPAN_KIND_NAMES)
CATEGORY_VALUES = tuple(CATEGORY_NAMES)
NUMERIC_FIELDS = ("duration", "trace_duration", "tokens", "input_tokens", "output_tokens")
#: The numeric fields measured in time (their values take a unit: 2s, 150ms).
DURATION_FIELDS = ("duration", "trace_duration")
#: Keys a `Field` may have besides attribute keys.
BUILTIN_KEYS = ("name", "model", "status", "kind", "category", "feedback", "has")
OPS = (">", ">=", "<", "<=", "=")

#: What the search box accepts, for its tooltip.
HELP = "\n".join((
    'Words and "phrases" match span names, attribute keys and values, event names and message text (any case).',
    "key:value: an attribute whose value contains the text; key: or has:key: spans that have it.",
    f"name:, model:, status:error|ok|unset, kind:{'|'.join(KIND_VALUES)},",
    f"category:{'|'.join(CATEGORY_VALUES)},",
    "duration>2s, tokens>1000, input_tokens>=1.5k, output_tokens<200;",
    "trace_duration>=1s trace_duration<2s: the spans of traces that long.",
    "feedback: or has:feedback; feedback:positive|negative|evaluated; feedback:<word in label, comment or evaluator>.",
    "-term or NOT term excludes; OR; parentheses. Enter or F3: next match; Shift+F3: previous.",
))  # fmt: skip

DURATION_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
                  "m": 60_000_000_000, "h": 3_600_000_000_000}  # fmt: skip
TOKEN_SUFFIXES = {"": 1, "k": 1_000, "m": 1_000_000}


class QueryError(ValueError):
    """Malformed query text. ``position`` is the 0-based offset of the problem in the text."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    @property
    def column(self) -> int:
        return self.position + 1


# --- the tree -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """Free text: a case-insensitive substring of the span name or its attribute text."""

    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Field:
    """``key:value``. Builtin keys (lower case) are `BUILTIN_KEYS`; any other key is an attribute key.

    ``value`` None means "has the key" (``key:`` alone). For status/kind/category the value is
    one of the valid names, in lower case.
    """

    key: str
    value: str | None


@dataclass(frozen=True)
class Compare:
    """``field op value``: ``value`` is whole nanoseconds for duration, a token count otherwise."""

    field: str
    op: str
    value: int


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Union[Term, Field, Compare, Not, And, Or]


@dataclass(frozen=True)
class Query:
    """A parsed query. ``root`` None is the empty query, which matches every span."""

    root: Node | None
    text: str = ""

    @property
    def empty(self) -> bool:
        return self.root is None


# --- tokens -------------------------------------------------------------------------------------

_LP, _RP, _OR, _AND, _NOT, _LEAF, _EOF = "(", ")", "OR", "AND", "NOT", "leaf", "end"


@dataclass(frozen=True)
class _Tok:
    kind: str
    pos: int
    node: Node | None = None
    text: str = ""


_SPACE = re.compile(r"\s+")
_WORD = re.compile(r'[^\s()"]+')
_COMPARE = re.compile(r"(trace_duration|duration|tokens|input_tokens|output_tokens)\s*:?\s*(>=|<=|>|<|=)\s*", re.IGNORECASE)
_KEY = re.compile(r"[A-Za-z_][\w.\-/]*")
_NUMBER = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(.*)", re.DOTALL)


def _col(pos: int) -> str:
    return f"column {pos + 1}"


def _one_of(values: tuple[str, ...]) -> str:
    return ", ".join(values[:-1]) + " or " + values[-1]


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        m = _SPACE.match(text, i)
        if m:
            i = m.end()
            continue
        c = text[i]
        if c == "(":
            out.append(_Tok(_LP, i))
            i += 1
        elif c == ")":
            out.append(_Tok(_RP, i))
            i += 1
        elif c == "-":
            if i + 1 >= n or text[i + 1].isspace() or text[i + 1] == ")":
                raise QueryError(f"'-' at {_col(i)} needs a term right after it, like -status:error", i)
            out.append(_Tok(_NOT, i, text="-"))
            i += 1
        elif c == '"':
            phrase, end = _quoted(text, i)
            if not phrase.strip():
                raise QueryError(f"Empty quotes at {_col(i)}: put the text to search for between them", i)
            out.append(_Tok(_LEAF, i, Term(phrase, True)))
            i = end
        else:
            m = _COMPARE.match(text, i)
            if m:
                node, i = _compare(text, m)
                out.append(_Tok(_LEAF, m.start(), node))
                continue
            m = _WORD.match(text, i)
            assert m is not None
            word, i = m.group(), m.end()
            if word in (_OR, _AND, _NOT):
                out.append(_Tok(word, m.start(), text=word))
                continue
            key, colon, value = word.partition(":")
            if colon and _KEY.fullmatch(key):
                vpos = m.start() + len(key) + 1
                if not value and i < n and text[i] == '"':
                    value, i = _quoted(text, i)
                out.append(_Tok(_LEAF, m.start(), _field(key, value, m.start(), vpos)))
            else:
                out.append(_Tok(_LEAF, m.start(), Term(word)))
    out.append(_Tok(_EOF, n))
    return out


def _quoted(text: str, start: int) -> tuple[str, int]:
    end = text.find('"', start + 1)
    if end < 0:
        raise QueryError(f"Unclosed quote at {_col(start)}: add a closing \"", start)
    return text[start + 1 : end], end + 1


def _field(key: str, value: str, pos: int, vpos: int) -> Field:
    low = key.lower()
    if low in NUMERIC_FIELDS:
        raise QueryError(f"{low} at {_col(pos)} needs a comparison, like {_example(low)}", pos)
    choices = {"status": STATUS_VALUES, "kind": KIND_VALUES, "category": CATEGORY_VALUES}.get(low)
    if choices is not None:
        if not value:
            raise QueryError(f"{low}: at {_col(vpos)} needs a value: {_one_of(choices)}", vpos)
        if value.lower() not in choices:
            raise QueryError(f"Unknown {low} '{value}' at {_col(vpos)}: use {_one_of(choices)}", vpos)
        return Field(low, value.lower())
    if low == "name":
        if not value:
            raise QueryError(f"name: at {_col(vpos)} needs some text, like name:chat", vpos)
        return Field(low, value)
    if low in ("model", "feedback"):
        return Field(low, value or None)
    if low == "has":
        if not value or not _KEY.fullmatch(value):
            what = f"'{value}' at {_col(vpos)} is not a key" if value else f"has: at {_col(vpos)} needs a key"
            raise QueryError(f"{what}: write it like has:feedback or has:gen_ai.tool.name", vpos)
        return Field("feedback" if value.lower() == "feedback" else value, None)
    return Field(key, value or None)


def _example(field: str) -> str:
    return f"{field}>2s" if field in DURATION_FIELDS else f"{field}>1000"


def _compare(text: str, m: re.Match) -> tuple[Compare, int]:
    field, op = m.group(1).lower(), m.group(2)
    vpos = m.end()
    w = _WORD.match(text, vpos)
    raw = w.group() if w else ""
    end = w.end() if w else vpos
    what = "a number with a unit" if field in DURATION_FIELDS else "a number"
    if not raw:
        raise QueryError(f"{field}{op} at {_col(vpos)} needs {what}, like {_example(field)}", vpos)
    num = _NUMBER.fullmatch(raw)
    if num is None:
        raise QueryError(f"'{raw}' at {_col(vpos)} is not {what}: write it like {_example(field)}", vpos)
    try:
        number = Decimal(num.group(1))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise QueryError(f"'{raw}' at {_col(vpos)} is not {what}", vpos) from None
    suffix = num.group(2)
    upos = vpos + len(num.group(1))
    if field in DURATION_FIELDS:
        if not suffix:
            raise QueryError(
                f"{field}{op}{raw} at {_col(upos)} needs a unit (ns, us, ms, s or m), like {field}{op}{raw}s", upos
            )
        scale = DURATION_UNITS.get(suffix.lower())
        if scale is None:
            raise QueryError(f"Unknown unit '{suffix}' at {_col(upos)}: use ns, us, ms, s or m, like duration>2s", upos)
    else:
        scale = TOKEN_SUFFIXES.get(suffix.lower())
        if scale is None:
            raise QueryError(
                f"Unknown suffix '{suffix}' at {_col(upos)}: write a plain number, or k for thousands, like {field}>1.5k",
                upos,
            )
    value = number * scale
    if value != value.to_integral_value():
        unit = "nanosecond" if field in DURATION_FIELDS else "token"
        raise QueryError(f"'{raw}' at {_col(vpos)} is not a whole number of {unit}s", vpos)
    return Compare(field, op, int(value)), end


# --- the parser ---------------------------------------------------------------------------------


class _Parser:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek().kind == _OR:
            op = self.take()
            if self.peek().kind in (_EOF, _RP, _OR):
                raise QueryError(f"OR at {_col(op.pos)} needs a term after it", op.pos)
            items.append(self.parse_and())
        return _join(Or, items)

    def parse_and(self) -> Node:
        items: list[Node] = []
        while True:
            t = self.peek()
            if t.kind == _AND:
                self.take()
                if not items or self.peek().kind in (_EOF, _RP, _OR, _AND):
                    raise QueryError(f"AND at {_col(t.pos)} needs a term on both sides", t.pos)
                continue
            if t.kind in (_EOF, _RP, _OR):
                break
            items.append(self.parse_unary())
        if not items:
            t = self.peek()
            if t.kind == _OR:
                raise QueryError(f"OR at {_col(t.pos)} needs a term before it", t.pos)
            if t.kind == _RP:
                raise QueryError(f"Unbalanced parenthesis at {_col(t.pos)}: this ')' closes nothing", t.pos)
            raise QueryError(f"Expected a term at {_col(t.pos)}", t.pos)  # pragma: no cover
        return _join(And, items)

    def parse_unary(self) -> Node:
        t = self.peek()
        if t.kind == _NOT:
            self.take()
            if self.peek().kind in (_EOF, _RP, _OR, _AND):
                what, like = ("'-'", "-status:error") if t.text == "-" else ("NOT", "NOT status:error")
                raise QueryError(f"{what} at {_col(t.pos)} needs a term after it, like {like}", t.pos)
            return Not(self.parse_unary())
        if t.kind == _LP:
            self.take()
            if self.peek().kind == _RP:
                raise QueryError(f"Empty parentheses at {_col(t.pos)}: put a term inside", t.pos)
            inner = self.parse_or()
            if self.peek().kind != _RP:
                raise QueryError(f"Unbalanced parenthesis at {_col(t.pos)}: this '(' is never closed; add a ')'", t.pos)
            self.take()
            return inner
        if t.kind == _LEAF:
            self.take()
            assert t.node is not None
            return t.node
        raise QueryError(f"Unexpected {t.kind} at {_col(t.pos)}", t.pos)  # pragma: no cover


def _join(cls, items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    flat: list[Node] = []
    for it in items:
        flat.extend(it.children if isinstance(it, cls) else (it,))
    return cls(tuple(flat))


def parse(text: str) -> Query:
    """Parse search-box text. Raises `QueryError` (and nothing else) for malformed text."""
    toks = _tokens(text)
    if toks[0].kind == _EOF:
        return Query(None, text)
    p = _Parser(toks)
    root = p.parse_or()
    t = p.peek()
    if t.kind == _RP:
        raise QueryError(f"Unbalanced parenthesis at {_col(t.pos)}: this ')' closes nothing", t.pos)
    assert t.kind == _EOF, t
    return Query(root, text)


# --- back to text -------------------------------------------------------------------------------


def format_duration(ns: int) -> str:
    for unit, scale in (("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)):
        if ns and ns % scale == 0:
            return f"{ns // scale}{unit}"
    return f"{ns}ns"


def _value_text(value: str) -> str:
    if value == "" or re.search(r'[\s()"]', value):
        return f'"{value}"'
    return value


def describe(query: Query | Node | None) -> str:
    """Normalized text of a query; parsing it gives the same tree back."""
    node = query.root if isinstance(query, Query) else query
    if node is None:
        return ""
    if isinstance(node, Term):
        return f'"{node.text}"' if node.quoted else node.text
    if isinstance(node, Field):
        return f"{node.key}:" if node.value is None else f"{node.key}:{_value_text(node.value)}"
    if isinstance(node, Compare):
        v = format_duration(node.value) if node.field in DURATION_FIELDS else str(node.value)
        return f"{node.field}{node.op}{v}"
    if isinstance(node, Not):
        inner = describe(node.child)
        return f"-({inner})" if isinstance(node.child, (And, Or)) else f"-{inner}"
    if isinstance(node, And):
        parts = []
        for i, c in enumerate(node.children):
            text = describe(c)
            # "duration" then ">a" would read back as one comparison (fields allow a space before the operator).
            prev = describe(node.children[i - 1]) if i else ""
            after_field = i > 0 and (m := _COMPARE.match(prev + " " + text)) is not None and m.start(2) > len(prev)
            parts.append(f"({text})" if isinstance(c, Or) or (after_field and isinstance(c, Term)) else text)
        return " ".join(parts)
    if isinstance(node, Or):
        return " OR ".join(describe(c) for c in node.children)
    raise TypeError(f"not a query node: {node!r}")
