"""Token prices and what spans cost: the price table, its JSON form, and vectorised cost rollups (no Qt)."""

from __future__ import annotations

import fnmatch
import json
import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

import numpy as np

from tracefile.format import Timeline

#: Version of the price table's JSON document; older files are read, newer ones refused.
FORMAT_VERSION = 1
PER = 1_000_000  # prices are per million tokens
DEFAULTS_DATE = "2025-07"
DEFAULTS_NOTE = (
    f"List prices as published by OpenAI and Anthropic ({DEFAULTS_DATE}), USD per 1M tokens. "
    "They are defaults: check them against your provider's price list (Azure, batch and "
    "regional prices differ) and edit them to match what you pay."
)
_GLOB = set("*?[")


class PriceTableError(ValueError):
    """A price table document that cannot be used; the message names the bad row and field."""


@dataclass(frozen=True)
class Price:
    """What one model (or family of models, by glob pattern) costs per million tokens."""

    pattern: str  # exact model name, or a glob such as "gpt-4o-mini*"; case-insensitive
    input: float
    output: float
    cached_input: float | None = None  # None: cached input tokens cost as much as other input
    reasoning: float | None = None  # None: reasoning tokens are billed as output

    @property
    def is_glob(self) -> bool:
        return any(c in _GLOB for c in self.pattern)

    @property
    def label(self) -> str:
        """The pattern as a reader says it: ``gpt-4o`` for ``gpt-4o*``."""
        p = self.pattern.rstrip("*")
        return p if p and not any(c in _GLOB for c in p) else self.pattern

    @property
    def specificity(self) -> tuple[int, int]:
        """Higher wins: exact names beat globs, then more literal characters beat fewer."""
        literal = sum(1 for c in self.pattern if c not in _GLOB)
        return (0 if self.is_glob else 1, literal)

    def matches(self, model: str) -> bool:
        m, p = model.lower(), self.pattern.lower()
        return fnmatch.fnmatchcase(m, p) if self.is_glob else m == p

    def cost(self, input_tokens: int, output_tokens: int, cached: int = 0, reasoning: int = 0) -> float:
        """The cost of one call, in the table's currency."""
        cached = min(max(cached, 0), input_tokens)
        reasoning = min(max(reasoning, 0), output_tokens)
        return (
            (input_tokens - cached) * self.input
            + cached * _or(self.cached_input, self.input)
            + (output_tokens - reasoning) * self.output
            + reasoning * _or(self.reasoning, self.output)
        ) / PER


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


@dataclass
class PriceTable:
    """Prices by model, in one currency. The most specific matching row prices a model."""

    entries: list[Price] = field(default_factory=list)
    currency: str = "USD"
    note: str = ""

    def resolve(self, model: str) -> Price | None:
        """The price row for ``model``: an exact name first, else the glob with the most literal
        characters; on a tie, the earlier row."""
        if not model:
            return None
        best: Price | None = None
        for entry in self.entries:
            if entry.matches(model) and (best is None or entry.specificity > best.specificity):
                best = entry
        return best

    def copy(self) -> PriceTable:
        return PriceTable(list(self.entries), self.currency, self.note)

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for e in self.entries:
            row: dict[str, Any] = {"model": e.pattern, "input": e.input, "output": e.output}
            if e.cached_input is not None:
                row["cached_input"] = e.cached_input
            if e.reasoning is not None:
                row["reasoning"] = e.reasoning
            rows.append(row)
        doc: dict[str, Any] = {"version": FORMAT_VERSION, "currency": self.currency, "per": "1M tokens"}
        if self.note:
            doc["note"] = self.note
        doc["prices"] = rows
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> PriceTable:
        try:
            doc = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PriceTableError(f"Not a JSON document: {exc}") from None
        return cls.from_dict(doc)

    @classmethod
    def from_dict(cls, doc: Any) -> PriceTable:
        if not isinstance(doc, dict):
            raise PriceTableError("A price table is a JSON object with a \"prices\" list.")
        version = doc.get("version", FORMAT_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise PriceTableError(f"\"version\" must be a whole number, not {version!r}.")
        if version > FORMAT_VERSION:
            raise PriceTableError(f"This price table is version {version}; this Tracy reads up to version {FORMAT_VERSION}.")
        currency = doc.get("currency", "USD")
        if not isinstance(currency, str) or not currency.strip():
            raise PriceTableError("\"currency\" must be a short text such as \"USD\".")
        note = doc.get("note", "")
        if not isinstance(note, str):
            raise PriceTableError("\"note\" must be text.")
        rows = doc.get("prices")
        if not isinstance(rows, list):
            raise PriceTableError("A price table needs a \"prices\" list.")
        entries = [_entry(i, row) for i, row in enumerate(rows, 1)]
        table = cls(entries, currency.strip(), note)
        problem = table.problem()
        if problem:
            raise PriceTableError(problem)
        return table

    def problem(self) -> str | None:
        """Why this table cannot be used (the first bad row), or None."""
        seen: dict[str, int] = {}
        for i, e in enumerate(self.entries, 1):
            msg = validate_price(e)
            if msg:
                return f"Row {i} ({e.pattern or 'no model'}): {msg}"
            key = e.pattern.lower()
            if key in seen:
                return f"Row {i} ({e.pattern}): the same model pattern as row {seen[key]}."
            seen[key] = i
        return None


_FIELDS = ("input", "output", "cached_input", "reasoning")


def _entry(number: int, row: Any) -> Price:
    if not isinstance(row, dict):
        raise PriceTableError(f"Row {number}: expected an object such as {{\"model\": \"gpt-4o\", \"input\": 2.5, \"output\": 10}}.")
    pattern = row.get("model")
    where = f"Row {number} ({pattern})" if isinstance(pattern, str) and pattern else f"Row {number}"
    if not isinstance(pattern, str) or not pattern.strip():
        raise PriceTableError(f"{where}: \"model\" must be a model name or a pattern such as \"gpt-4o*\".")
    unknown = sorted(set(row) - {"model", *_FIELDS})
    if unknown:
        raise PriceTableError(f"{where}: unknown field {unknown[0]!r} (known: model, {', '.join(_FIELDS)}).")
    values: dict[str, float | None] = {}
    for name in _FIELDS:
        v = row.get(name)
        if v is None:
            if name in ("input", "output"):
                raise PriceTableError(f"{where}: \"{name}\" is missing (a price per 1M tokens).")
            values[name] = None
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise PriceTableError(f"{where}: \"{name}\" must be a number of 0 or more, not {v!r}.")
        values[name] = float(v)
    return Price(pattern.strip(), values["input"], values["output"], values["cached_input"], values["reasoning"])  # type: ignore[arg-type]


def validate_price(e: Price) -> str | None:
    """What is wrong with one row, or None."""
    if not e.pattern.strip():
        return "the model name is empty."
    for name in _FIELDS:
        v = getattr(e, name)
        if v is None and name in ("cached_input", "reasoning"):
            continue
        if v is None or not math.isfinite(v) or v < 0:
            return f"the {name.replace('_', ' ')} price must be a number of 0 or more."
    return None


def default_table() -> PriceTable:
    """Published list prices of common models (USD per 1M tokens, mid-2025): defaults to check and edit."""
    p = Price
    return PriceTable(
        [
            p("gpt-4o*", 2.50, 10.00, 1.25),
            p("gpt-4o-mini*", 0.15, 0.60, 0.075),
            p("gpt-4.1*", 2.00, 8.00, 0.50),
            p("gpt-4.1-mini*", 0.40, 1.60, 0.10),
            p("gpt-4.1-nano*", 0.10, 0.40, 0.025),
            p("o3*", 2.00, 8.00, 0.50),
            p("o3-mini*", 1.10, 4.40, 0.55),
            p("o4-mini*", 1.10, 4.40, 0.275),
            p("text-embedding-3-small*", 0.02, 0.0),
            p("text-embedding-3-large*", 0.13, 0.0),
            p("claude-sonnet-4*", 3.00, 15.00, 0.30),
            p("claude-opus-4*", 15.00, 75.00, 1.50),
            p("claude-3-5-haiku*", 0.80, 4.00, 0.08),
        ],
        "USD",
        DEFAULTS_NOTE,
    )


# -- costs of many spans ------------------------------------------------------------------------

NO_MODEL = "(no model name)"


@dataclass
class SpanCosts:
    """Cost of every span of a timeline, and which spans could not be priced."""

    cost: np.ndarray  # float64 (n,): cost in the table's currency, 0 where unpriced
    unpriced: np.ndarray  # bool (n,): the span reports tokens but no price row matches its model
    unpriced_models: list[str]  # their model names, sorted (NO_MODEL for spans without one)
    prices: dict[int, Price]  # model column value -> the row that priced it
    currency: str = "USD"


def price_spans(tl: Timeline, table: PriceTable) -> SpanCosts:
    """Cost every span: each distinct model name is resolved once, the rest is array arithmetic
    over the spans that report tokens."""
    n = len(tl)
    rows = np.flatnonzero((tl.input_tokens | tl.output_tokens) != 0)
    part, bad, prices, missing = _price_rows(tl, rows, table)
    cost = np.zeros(n)
    cost[rows] = part
    unpriced = np.zeros(n, bool)
    unpriced[rows[bad]] = True
    return SpanCosts(cost, unpriced, missing, prices, table.currency)


def _price_rows(tl: Timeline, rows: np.ndarray, table: PriceTable) -> tuple[np.ndarray, np.ndarray, dict[int, Price], list[str]]:
    """Cost of each of ``rows``, which of them have no price, the price row of each model id
    that has one, and the sorted names of those that have none."""
    tin, tout = tl.input_tokens[rows], tl.output_tokens[rows]
    model = tl.model[rows]
    n_ids = len(tl.names) + 1
    used = np.flatnonzero(np.bincount(model, minlength=n_ids))
    # Per model id: price of input, cached input, output and reasoning; NaN for "no price".
    rates = np.full((4, max(n_ids, int(model.max(initial=0)) + 1)), np.nan)
    prices: dict[int, Price] = {}
    missing: list[str] = []
    for mid in used.tolist():
        name = tl.names[mid - 1] if 0 < mid <= len(tl.names) else ""
        price = table.resolve(name)
        if price is None:
            missing.append(name or NO_MODEL)
            continue
        prices[mid] = price
        rates[:, mid] = (price.input, _or(price.cached_input, price.input), price.output, _or(price.reasoning, price.output))
    cached = np.minimum(tl.cache_read_tokens[rows], tin)
    reasoning = np.minimum(tl.reasoning_tokens[rows], tout)
    # np.take from a small table is several times faster than fancy-indexing a 2-D one.
    part = (tin - cached) * np.take(rates[0], model)
    part += cached * np.take(rates[1], model)
    part += (tout - reasoning) * np.take(rates[2], model)
    part += reasoning * np.take(rates[3], model)
    part /= PER
    bad = np.isnan(part)
    part[bad] = 0.0
    return part, bad, prices, sorted(set(missing))


def span_costs(tl: Timeline, table: PriceTable) -> np.ndarray:
    """Cost of each span (float64, 0 for spans without tokens or without a price)."""
    return price_spans(tl, table).cost


@dataclass
class Usage:
    """Tokens of the four kinds and their cost, one entry per group (trace), or scalars for a file."""

    input: np.ndarray  # int64; includes cached
    output: np.ndarray  # int64; includes reasoning
    cached: np.ndarray  # int64
    reasoning: np.ndarray  # int64
    cost: np.ndarray  # float64
    unpriced: np.ndarray  # int64: spans with tokens and no price

    def __len__(self) -> int:
        return len(self.input)

    @property
    def tokens(self) -> np.ndarray:
        return self.input + self.output


def _counted_rows(tl: Timeline, counted: np.ndarray | None) -> np.ndarray:
    """Rows whose tokens count: ``counted`` (`TraceIndex.counted`, which leaves out spans that repeat
    their descendants' totals), else every span with tokens."""
    return np.flatnonzero(counted if counted is not None else (tl.input_tokens | tl.output_tokens) != 0)


def rollup(tl: Timeline, costs: SpanCosts, group: np.ndarray, count: int, counted: np.ndarray | None = None) -> Usage:
    """Sums per group (``group[row]`` in ``0..count-1``, e.g. the trace of each row) over the counted rows."""
    rows = _counted_rows(tl, counted)
    tin, tout = tl.input_tokens, tl.output_tokens
    g = group[rows]
    tin, tout = tin[rows], tout[rows]

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=values, minlength=count)

    def ints(values: np.ndarray) -> np.ndarray:
        # float64 sums of u32 counts are exact up to 2**53: far beyond any file.
        return total(values).astype(np.int64)

    return Usage(
        ints(tin), ints(tout), ints(np.minimum(tl.cache_read_tokens[rows], tin)),
        ints(np.minimum(tl.reasoning_tokens[rows], tout)), total(costs.cost[rows]),
        np.bincount(g[costs.unpriced[rows]], minlength=count).astype(np.int64),
    )  # fmt: skip


@dataclass(frozen=True)
class Totals:
    """A file's (or one trace's) tokens and cost."""

    input: int = 0
    output: int = 0
    cached: int = 0
    reasoning: int = 0
    cost: float = 0.0
    unpriced_spans: int = 0
    unpriced_models: tuple[str, ...] = ()
    priced_by: tuple[str, ...] = ()  # labels of the price rows used
    currency: str = "USD"

    @property
    def tokens(self) -> int:
        return self.input + self.output


def file_totals(tl: Timeline, costs: SpanCosts, counted: np.ndarray | None = None) -> Totals:
    """Totals over the counted spans of the file (see `rollup`)."""
    rows = _counted_rows(tl, counted)
    return _totals(tl, rows, costs.cost[rows], costs.unpriced[rows], costs.prices, costs.currency)


def rows_totals(tl: Timeline, rows: np.ndarray, table: PriceTable) -> Totals:
    """Totals over some rows (one trace, one span), with the price rows and unpriced models they used."""
    rows = np.asarray(rows, np.int64)
    with_tokens = np.flatnonzero((tl.input_tokens[rows] | tl.output_tokens[rows]) != 0)
    part, bad, prices, _ = _price_rows(tl, rows[with_tokens], table)
    cost = np.zeros(len(rows))
    cost[with_tokens] = part
    unpriced = np.zeros(len(rows), bool)
    unpriced[with_tokens[bad]] = True
    return _totals(tl, rows, cost, unpriced, prices, table.currency)


def _totals(
    tl: Timeline, rows: np.ndarray, cost: np.ndarray, unpriced: np.ndarray, prices: dict[int, Price], currency: str
) -> Totals:
    """Totals over ``rows``, given each one's cost and whether it went unpriced."""
    tin, tout = tl.input_tokens[rows], tl.output_tokens[rows]
    model = tl.model[rows]
    # Names and price rows of these spans only, so a total never names a model it left out.
    missing = {tl.names[m - 1] if 0 < m <= len(tl.names) else NO_MODEL for m in np.unique(model[unpriced]).tolist()}
    labels = {prices[m].label for m in np.unique(model[~unpriced]).tolist() if m in prices}
    return Totals(
        int(tin.sum(dtype=np.uint64)), int(tout.sum(dtype=np.uint64)),
        int(np.minimum(tl.cache_read_tokens[rows], tin).sum(dtype=np.uint64)),
        int(np.minimum(tl.reasoning_tokens[rows], tout).sum(dtype=np.uint64)),
        float(cost.sum()), int(unpriced.sum()), tuple(sorted(missing)), tuple(sorted(labels)), currency,
    )  # fmt: skip


def attribute_totals(attributes: dict[str, Any], table: PriceTable, name: str = "") -> Totals:
    """Tokens and cost of one span (named ``name``) from its attributes (what the inspector shows),
    counted by the same rule as the file's token columns (`tracefile.genai.usage`)."""
    from tracefile import genai

    tin, tout, cached, reasoning = genai.usage(name, attributes)
    cached, reasoning = min(cached, tin), min(reasoning, tout)
    if not (tin or tout):
        return Totals(currency=table.currency)
    name = genai.model(attributes)
    price = table.resolve(name)
    if price is None:
        return Totals(tin, tout, cached, reasoning, 0.0, 1, (name or NO_MODEL,), (), table.currency)
    return Totals(tin, tout, cached, reasoning, price.cost(tin, tout, cached, reasoning), 0, (), (price.label,), table.currency)


# -- words ------------------------------------------------------------------------------------


def format_cost(amount: float, currency: str = "USD") -> str:
    """``$0.000020``, ``$0.0034``, ``$0.42``, ``$12.30``, ``$1,234``; other currencies as ``0.42 EUR``."""
    if not math.isfinite(amount):
        return "–"
    a = abs(amount)
    if a == 0:
        text = "0"
    elif a < 0.000001:
        text = "<0.000001"
    elif round(a, -math.floor(math.log10(a)) + 1) < 0.01:
        # Two significant digits, trailing zero kept, so that a column reads evenly: $0.000020 over $0.000028.
        exponent = math.floor(math.log10(a))
        digits = 1 - exponent
        if round(a, digits) >= 10.0 ** (exponent + 1):  # rounding carried into the next digit (0.0000996)
            digits -= 1
        text = f"{a:.{digits}f}"
    elif round(a, 2) < 1000:
        text = f"{a:.2f}"
    else:
        text = f"{a:,.0f}"
    sign = "−" if amount < 0 else ""
    if currency.upper() == "USD":
        return f"{sign}${text}" if not text.startswith("<") else f"<${text[1:]}"
    return f"{sign}{text} {currency}"


def _count(n: int) -> str:
    return f"{n:,}"


def usage_text(t: Totals, *, with_cost: bool = True) -> str:
    """``1,200 input (1,024 cached) · 300 output (256 reasoning) · $0.0034 at gpt-4o prices``."""
    if not t.tokens:
        return ""
    parts = [f"{_count(t.input)} input" + (f" ({_count(t.cached)} cached)" if t.cached else "")]
    parts.append(f"{_count(t.output)} output" + (f" ({_count(t.reasoning)} reasoning)" if t.reasoning else ""))
    if with_cost:
        parts.append(cost_text(t))
    return " · ".join(p for p in parts if p)


def cost_text(t: Totals) -> str:
    """``$0.0034 at gpt-4o prices``, with what could not be priced."""
    if not t.tokens:
        return ""
    missing = ", ".join(t.unpriced_models)
    if not t.priced_by:
        return f"no price for {_model_words(t.unpriced_models)}"
    text = f"{format_cost(t.cost, t.currency)} at {', '.join(t.priced_by)} prices"
    if missing:
        text += f" (no price for {_model_words(t.unpriced_models)})"
    return text


def _model_words(models: Iterable[str]) -> str:
    names = list(models)
    if len(names) > 3:
        names = names[:3] + [f"{len(names) - 3} more"]
    return ", ".join(names) if names else "this model"


def short_cost(t: Totals) -> str:
    """A table cell: ``$0.0034``; ``≥$0.42`` when some spans had no price; ``?`` when none had; ``–`` without tokens."""
    if not t.tokens:
        return "–"
    if not t.priced_by:
        return "?"
    return ("≥" if t.unpriced_spans else "") + format_cost(t.cost, t.currency)


def file_summary_text(t: Totals) -> str:
    """For a status line: ``12.3k tokens · $0.42``; empty when the file reports no tokens."""
    if not t.tokens:
        return ""
    from ..formatting import format_tokens

    text = f"{format_tokens(t.tokens)} tokens"
    if t.priced_by:
        text += f" · {format_cost(t.cost, t.currency)}"
    if t.unpriced_models:
        text += f" · no price for {_model_words(t.unpriced_models)}"
    return text


def with_entry(table: PriceTable, row: int, entry: Price) -> PriceTable:
    """A copy of ``table`` with row ``row`` replaced."""
    entries = list(table.entries)
    entries[row] = entry
    return replace(table, entries=entries)
