"""Pure conversion of OpenTelemetry ReadableSpans into one spans frame and one span-details frame.

This runs on the exporter's thread for every span the app makes, so it is
written for speed. A batch is converted in two steps:

* a scan reads every span once and packs the timeline columns. SDK spans are
  read through their private fields (public properties copy events and links
  into new tuples and wrap attributes in proxies), and attribute dictionaries
  are handed on as they are. Objects that are not SDK spans go through the
  public ReadableSpan API. The scan is `_scan_python` below, or the same loop
  compiled (`_scan.pyx`) where the package was built with a C compiler; the
  compiled one declines batches of any other shape, and the Python one is the
  reference that tests hold it to;
* `_frames` then applies redaction once per batch (`Redactor.batch`), so that
  the batch's new values are checked for secrets in one pass, and builds the
  two payloads.
"""

from __future__ import annotations

import sys
from itertools import accumulate
from operator import is_not
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import msgspec

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util import BoundedList
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState

from .. import genai
from .redact import Redactor
from ..format.packing import optional_column, packed
from ..format.schema import OTLP_FLAG_HAS_IS_REMOTE, OTLP_FLAG_IS_REMOTE, Resource, Scope, SpanColumns, SpanDetails

_BIG_ENDIAN_HOST = sys.byteorder == "big"
_NO_DROPS = (0, 0, 0)
_UNSET = object()
_REMOTE_PARENT = OTLP_FLAG_HAS_IS_REMOTE | OTLP_FLAG_IS_REMOTE
# Enum members by identity: hashing an Enum member runs Python code, id() does not.
_ENUM_INT = {id(m): m.value for m in (*SpanKind, *StatusCode)}


def _sdk_layout_is_known() -> bool:
    """The fast path unpacks SpanContext (a tuple) and reads Status' private fields;
    check once that this SDK still lays them out that way."""
    try:
        ctx = SpanContext(7, 9, True, TraceFlags(1), TraceState([("k", "v")]))
        tid, sid, remote, _, ts, _ = ctx
        st = Status(StatusCode.ERROR, "x")
        return (tid, sid, remote, ts) == (7, 9, True, ctx.trace_state) and (st._status_code, st._description) == (
            StatusCode.ERROR, "x") and type(ts) is TraceState and ts._dict == {"k": "v"}  # fmt: skip
    except Exception:
        return False


_FAST = _sdk_layout_is_known()


def _sparse_column(values: dict[int, int], count: int) -> bytes:
    if not values:
        return b""
    column = [0] * count
    for i, v in values.items():
        column[i] = v
    return packed("I", column)


def _plain(attributes: Any) -> dict[str, Any]:
    """A dict msgspec can encode as it is: BoundedAttributes keep one inside."""
    if not attributes:
        return {}
    if type(attributes) is BoundedAttributes:
        return attributes._dict
    return dict(attributes)


def _resource(res: Any, redactor: Redactor | None) -> Resource:
    if res is None:
        return Resource()
    attrs = dict(res.attributes)
    if redactor is not None:
        attrs = dict(redactor.attributes(attrs))
    return Resource(attrs, res.schema_url or "")


def _scope(scope: Any) -> Scope:
    if scope is None:
        return Scope()
    attrs = getattr(scope, "attributes", None)
    return Scope(scope.name or "", scope.version or "", scope.schema_url or "", dict(attrs) if attrs else {})


def _trace_state(ts: Any) -> str:
    if type(ts) is str:  # already text (a received span's)
        return ts
    return ",".join(f"{k}={v}" for k, v in ts.items()) if ts else ""


def _flags(ctx: Any) -> int:
    # Exactly what the SDK's own OTLP exporters put in Span.flags / Link.flags.
    if ctx is not None and ctx.is_remote:
        return OTLP_FLAG_HAS_IS_REMOTE | OTLP_FLAG_IS_REMOTE
    return OTLP_FLAG_HAS_IS_REMOTE


def _dropped(obj: Any) -> int:
    return getattr(obj, "dropped", 0)


def _event(e: Any, start: int, redactor: Redactor | None) -> tuple:
    """An event as the format's Event array (time relative to the span's start);
    tuples encode exactly like the struct."""
    attrs = e.attributes
    if type(attrs) is BoundedAttributes:
        d, dropped = attrs._dict, attrs.dropped
    else:
        d, dropped = (dict(attrs) if attrs else {}), 0
    if redactor is not None:
        d = redactor.event_attributes(e.name, d)
    return (e.timestamp - start, e.name, d, dropped)


_OPERATION = genai.names.GEN_AI_OPERATION_NAME
_INPUT, _PROMPT = genai.INPUT_TOKEN_KEYS
_OUTPUT, _COMPLETION = genai.OUTPUT_TOKEN_KEYS
_RESPONSE_MODEL, _REQUEST_MODEL = genai.MODEL_KEYS
_OPERATION_CATEGORY = genai._OPERATIONS
_PART_TOKEN_KEYS = frozenset(genai.CACHE_READ_TOKEN_KEYS + genai.REASONING_TOKEN_KEYS)
_DIALECT_KEYS = genai.dialects.MARKERS


def dialect_fill(plain: dict, cat: int, m: str, t_in: int, t_out: int) -> tuple | None:
    """For a span the conventions call other or function and that carries a dialect's markers:
    (category, model, input, output, cache read, reasoning) filled from the dialect, or None.
    Both scanners call it; the cache read and reasoning counts it gives replace the conventions'."""
    found = genai.dialects.summary(plain)
    if found is None:
        return None
    cache = genai.tokens(plain, genai.CACHE_READ_TOKEN_KEYS)
    reasoning = genai.tokens(plain, genai.REASONING_TOKEN_KEYS)
    return genai.fill((cat, m, t_in, t_out, cache, reasoning), found)


def _events(queues: list[Any], starts: list[int]) -> tuple[list[tuple], list[int]]:
    """All events of a batch as the format's Event arrays (times relative to their span's start),
    in one flat list, and how many belong to each span. Attributes are not yet redacted."""
    counts = list(map(len, queues))
    try:
        # SDK Events holding BoundedAttributes, as ``add_event`` makes them.
        flat = [
            (e._timestamp - start, e._name, e._attributes._dict, e._attributes.dropped)
            for q, start in zip(queues, starts)
            if q
            for e in q
        ]
    except AttributeError:
        flat = [_event(e, start, None) for q, start in zip(queues, starts) if q for e in q]
    if flat and not all(type(e[1]) is str for e in flat):  # the SDK takes any object as an event name
        flat = [e if type(e[1]) is str else (e[0], text_name(e[1]), *e[2:]) for e in flat]
    return flat, counts


def text_name(name: Any) -> str:
    """A span or event name that is not a string (the SDK takes any object), as the format keeps it."""
    return "" if name is None else str(name)


def _per_span(flat: list[tuple], counts: list[int]) -> list[list[tuple]]:
    """Cut a batch's flat event list back into one list per span."""
    if not flat:
        return [[] for _ in counts]
    bounds = [0, *accumulate(counts)]
    return [flat[a:b] for a, b in zip(bounds, bounds[1:])]


def _redact(redactor: Redactor, attributes: list[Any], flat: list[tuple]) -> tuple[list[Any], list[tuple]]:
    """Apply ``redactor`` to a batch's span attributes and (flat) event names and attributes."""
    if flat:
        _, names, event_attrs, _ = zip(*flat)
    else:
        names = event_attrs = ()
    attributes, redacted = redactor.batch(attributes, list(names), list(event_attrs))
    if any(map(is_not, event_attrs, redacted)):
        flat = [e if a is e[2] else (e[0], e[1], a, e[3]) for e, a in zip(flat, redacted)]
    recorded = redactor.names(names)  # after `batch`, which tells message events by their names
    if recorded is not names:
        flat = [e if n is e[1] else (e[0], n, *e[2:]) for e, n in zip(flat, recorded)]
    return attributes, flat


def _link(lk: Any, redactor: Redactor | None) -> tuple:
    # Tuples encode exactly like the Link struct, and cost less to build.
    if type(lk) is tuple:  # already the format's Link array (a received span's): redact its attributes
        return lk if redactor is None or not lk[3] else (*lk[:3], redactor.attributes(lk[3]), *lk[4:])
    ctx = lk.context
    attrs = _plain(lk.attributes)
    return (
        ctx.trace_id.to_bytes(16, "big"),
        ctx.span_id.to_bytes(8, "big"),
        _trace_state(ctx.trace_state),
        attrs if redactor is None else redactor.attributes(attrs),
        _dropped(lk.attributes),
        _flags(ctx),
    )


_I64_MIN, _U64_MAX = -(1 << 63), (1 << 64) - 1
#: What encoding raises for a value MessagePack cannot hold: an int beyond 64 bits, an object,
#: a string with a lone surrogate (UnicodeEncodeError, a ValueError).
ENCODE_ERRORS = (OverflowError, TypeError, ValueError, msgspec.EncodeError)


def _text(s: str) -> str:
    """``s`` as valid UTF-8 can hold it: lone surrogates (from ``os.fsdecode``, say) become ``?``."""
    try:
        s.encode()
    except UnicodeEncodeError:
        return s.encode("utf-8", "replace").decode()
    return s


class _Storable:
    """Makes recorded values storable: ints beyond 64 bits and objects that are not attribute
    values become text, run through ``redactor`` (they were not text when it saw them), bytes
    stay bytes, strings lose lone surrogates."""

    def __init__(self, redactor: Redactor | None) -> None:
        self.redactor = redactor

    def as_text(self, value: Any) -> str:
        text = _text(value if type(value) is str else str(value))
        return text if self.redactor is None else self.redactor.text(text)

    def __call__(self, value: Any) -> Any:
        t = type(value)
        if t is str:
            return _text(value)
        if t is float or t is bool or value is None:
            return value
        if t is int:
            return value if _I64_MIN <= value <= _U64_MAX else str(value)
        if t is list or t is tuple:
            return [self(v) for v in value]
        if isinstance(value, Mapping):
            return {_text(str(k)): self(v) for k, v in value.items()}
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):  # an IntEnum, say
            return self(int(value))
        if isinstance(value, float):
            return float(value)
        return self.as_text(value)


def storable_frames(
    columns: SpanColumns, details: SpanDetails, redactor: Redactor | None = None
) -> tuple[SpanColumns, SpanDetails]:
    """The two payloads of a batch that failed to encode, with every recorded value made storable
    (`_Storable`), so that one odd attribute value never costs the batch its other spans."""
    value = _Storable(redactor)
    text = value.as_text
    columns = msgspec.structs.replace(
        columns,
        strings=[text(x) for x in columns.strings],
        resources=[msgspec.structs.replace(r, attributes=value(r.attributes)) for r in columns.resources],
        scopes=[
            msgspec.structs.replace(sc, name=text(sc.name), version=text(sc.version), attributes=value(sc.attributes))
            for sc in columns.scopes
        ],
    )
    details = msgspec.structs.replace(
        details,
        attributes=[value(a) for a in details.attributes],
        events=[[(e[0], text(e[1]), value(e[2]), e[3]) for e in span_events] for span_events in details.events],
        links=[[(lk[0], lk[1], text(lk[2]), value(lk[3]), *lk[4:]) for lk in span_links] for span_links in details.links],
        status_message={i: text(m) for i, m in details.status_message.items()},
        trace_state={i: text(ts) for i, ts in details.trace_state.items()},
    )
    return columns, details


def spans_to_frames(
    spans: Sequence[Any], batch_id: int, redactor: Redactor | None = None
) -> tuple[SpanColumns, SpanDetails]:
    """Convert finished spans into the two payloads of one batch, applying ``redactor``
    (secret redaction, content filtering, size limits) to every recorded value."""
    columns, details, _ = convert(spans, batch_id, redactor)
    return columns, details


class _Scanned(NamedTuple):
    """What one pass over a batch's spans gives, before redaction: the timeline columns
    packed, the details as the spans hold them. Both scanners (`_scan_python` and the
    compiled `_scan.scan`) return exactly this."""

    trace_id: bytes
    span_id: bytes
    parent_span_id: bytes
    start_time: bytes  # relative to base
    duration: bytes
    name: bytes
    kind: bytes
    status_code: bytes
    flags: bytes
    resource: bytes
    scope: bytes
    category: bytes
    model: bytes
    input_tokens: bytes
    output_tokens: bytes
    cache_read: dict[int, int]  # sparse: span index -> tokens
    reasoning: dict[int, int]
    attributes: list[Any]
    events: list[tuple]  # every event of the batch, flat, times relative to their span's start
    event_counts: list[int]
    links: list[list[Any]]  # an empty list per span; raw_links fills some
    raw_links: dict[int, Any]  # span index -> the span's links as it holds them
    status_message: dict[int, str]
    trace_state: dict[int, Any]  # span index -> a non-empty TraceState
    dropped: dict[int, tuple[int, int, int]]
    base_time: int
    max_end: int


class _Tables:
    """A batch's resource and scope tables, filled as spans point at new ones."""

    def __init__(self, redactor: Redactor | None) -> None:
        self.redactor = redactor
        self.resources: list[Resource] = []
        self.scopes: list[Scope] = []
        self._res: dict[int, int] = {}
        self._scopes: dict[int, int] = {}

    def resource(self, res: Any) -> int:
        r = self._res.get(id(res))
        if r is None:
            r = self._res[id(res)] = len(self.resources)
            self.resources.append(_built(res, self.redactor, _resource))
        return r

    def scope(self, sc: Any) -> int:
        s = self._scopes.get(id(sc))
        if s is None:
            s = self._scopes[id(sc)] = len(self.scopes)
            self.scopes.append(_built(sc, None, lambda sc, _: _scope(sc)))
        return s


#: The format's Resource and Scope built from an SDK resource or scope (and a redactor), kept
#: across batches: an app has a few, and an interactive app's batches of a few spans would
#: otherwise build and redact them again each time. Keyed by identity; each entry holds the
#: objects it was built from, so an id is never reused while it is here.
_BUILT: dict[tuple[int, int], tuple[Any, Any, Any]] = {}


def _built(obj: Any, redactor: Redactor | None, build: Callable[[Any, Any], Any]) -> Any:
    key = (id(obj), id(redactor))
    hit = _BUILT.get(key)
    if hit is not None and hit[0] is obj and hit[1] is redactor:
        return hit[2]
    made = build(obj, redactor)
    if len(_BUILT) >= 256:
        _BUILT.clear()
    _BUILT[key] = (obj, redactor, made)
    return made


def _members(enum: Any) -> tuple:
    """An enum's members in value order, if their values are 0, 1, 2, ... (what `_scan` expects)."""
    members = tuple(sorted(enum, key=lambda m: m.value))
    return members if [m.value for m in members] == list(range(len(members))) else ()


try:  # the compiled scanner, built at install time when a C compiler is there
    from . import _scan as _compiled
except ImportError:  # pragma: no cover - depends on the installation
    _compiled = None
_KINDS = _members(SpanKind)
_CODES = _members(StatusCode)
#: Whether the compiled scanner can run here (it packs columns in the host's byte order).
NATIVE = _compiled is not None and _FAST and not _BIG_ENDIAN_HOST and bool(_KINDS) and bool(_CODES)


def _scan_compiled(spans: Sequence[Any], names: dict[str, int], tables: _Tables) -> _Scanned | None:
    """The compiled scanner's result, or None when it does not take this batch."""
    try:
        # A list of its own: the scanner indexes it without bounds checks, and the Python it calls
        # (resources, rare token shapes) must not be able to shrink it meanwhile.
        got = _compiled.scan(  # type: ignore[union-attr]
            list(spans), names, ReadableSpan, BoundedAttributes, BoundedList,
            TraceState, _KINDS, _CODES, tables.resource, tables.scope, OTLP_FLAG_HAS_IS_REMOTE, _REMOTE_PARENT,
            dialect_fill,
        )  # fmt: skip
    except Exception:  # the Python scanner meets the same value and says what is wrong
        return None
    return None if got is None else _Scanned(*got)


def convert(
    spans: Sequence[Any], batch_id: int, redactor: Redactor | None = None
) -> tuple[SpanColumns, SpanDetails, int]:
    """`spans_to_frames`, plus the latest end time in the batch (for the writer's index)."""
    scanned = None
    if NATIVE:
        names: dict[str, int] = {}
        tables = _Tables(redactor)
        scanned = _scan_compiled(spans, names, tables)
    if scanned is None:
        names = {}
        tables = _Tables(redactor)
        scanned = _scan_python(spans, names, tables)
    return _frames(scanned, batch_id, names, tables, redactor)


def _frames(
    scanned: _Scanned, batch_id: int, names: dict[str, int], tables: _Tables, redactor: Redactor | None
) -> tuple[SpanColumns, SpanDetails, int]:
    """The two payloads of a scanned batch, with ``redactor`` applied to every recorded value."""
    flat = scanned.events
    attributes = scanned.attributes
    status_message = scanned.status_message
    links = scanned.links
    if redactor is not None:
        # All at once, after the scan: the batch's new values are checked for secrets in one pass.
        attributes, flat = _redact(redactor, attributes, flat)
        if status_message:
            status_message = {i: redactor.text(d) for i, d in status_message.items()}
    for i, span_links in scanned.raw_links.items():
        links[i] = [_link(lk, redactor) for lk in span_links]
    count = len(attributes)
    columns = SpanColumns(
        batch_id=batch_id,
        count=count,
        base_time=scanned.base_time,
        # Span names (and the models after them) are cut and redacted once per distinct name.
        strings=list(names) if redactor is None else redactor.names(list(names)),
        resources=tables.resources,
        scopes=tables.scopes,
        trace_id=scanned.trace_id,
        span_id=scanned.span_id,
        parent_span_id=scanned.parent_span_id,
        start_time=scanned.start_time,
        duration=scanned.duration,
        name=scanned.name,
        kind=scanned.kind,
        status_code=scanned.status_code,
        flags=scanned.flags,
        resource=scanned.resource,
        scope=scanned.scope,
        category=scanned.category,
        model=scanned.model,
        input_tokens=scanned.input_tokens,
        output_tokens=scanned.output_tokens,
        cache_read_tokens=_sparse_column(scanned.cache_read, count),
        reasoning_tokens=_sparse_column(scanned.reasoning, count),
    )
    details = SpanDetails(
        batch_id=batch_id,
        count=count,
        attributes=attributes,
        events=_per_span(flat, scanned.event_counts),  # type: ignore[arg-type]
        links=links,  # type: ignore[arg-type]
        status_message=status_message,
        trace_state={i: _trace_state(ts) for i, ts in scanned.trace_state.items()},
        dropped=scanned.dropped,
    )
    return columns, details, scanned.max_end


def _scan_python(spans: Sequence[Any], names: dict[str, int], tables: _Tables) -> _Scanned:
    """One pass over a batch's spans, in Python: SDK spans through their private fields,
    anything else through the public ReadableSpan API. The reference for `_scan.scan`."""
    trace_ids: list[int] = []
    span_ids: list[int] = []
    parent_ids: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    name_col: list[int] = []
    kind_col: list[int] = []
    status_col: list[int] = []
    flag_col: list[int] = []
    res_col: list[int] = []
    scope_col: list[int] = []
    cat_col: list[int] = []
    model_col: list[int] = []
    in_tok: list[int] = []
    out_tok: list[int] = []
    cache_read: dict[int, int] = {}  # sparse: only spans that report token usage are looked at
    reasoning: dict[int, int] = {}

    attributes: list[Any] = []
    queues: list[Any] = []  # each span's events, as the span holds them
    links: list[list[Any]] = []
    raw_links: dict[int, Any] = {}
    status_message: dict[int, str] = {}
    trace_state: dict[int, Any] = {}
    dropped: dict[int, tuple[int, int, int]] = {}

    # Loop invariants bound to locals: this loop runs once per span the app makes.
    OPCAT = _OPERATION_CATEGORY
    ENUM = _ENUM_INT
    fast = _FAST
    resource_index = tables.resource
    scope_index = tables.scope
    last_res = last_sc = _UNSET
    r = s = 0
    for i, span in enumerate(spans):
        if fast and isinstance(span, ReadableSpan):
            tid, sid, _, _, ts, _ = span._context
            if type(ts) is TraceState and not ts._dict:
                ts = None  # its truth test is a Python-level __len__
            parent = span._parent
            if parent is None:
                parent_ids.append(0)
                flag_col.append(OTLP_FLAG_HAS_IS_REMOTE)
            else:  # a SpanContext: (trace_id, span_id, is_remote, ...)
                parent_ids.append(parent[1])
                flag_col.append(_REMOTE_PARENT if parent[2] else OTLP_FLAG_HAS_IS_REMOTE)
            start = span._start_time or 0
            end = span._end_time or start
            name = span._name
            kind = ENUM.get(id(span._kind))
            status = span._status
            code = ENUM.get(id(status._status_code))
            description = status._description
            res = span._resource
            sc = span._instrumentation_scope
            attrs = span._attributes
            span_events = span._events
            span_links = span._links
            if type(attrs) is BoundedAttributes:
                plain = attrs._dict
                da = attrs.dropped
            else:
                plain = _plain(attrs)
                da = _dropped(attrs)
            if type(span_events) is BoundedList:
                de = span_events.dropped
                span_events = span_events._dq
            else:
                de = _dropped(span_events)
            if type(span_links) is BoundedList:
                dl = span_links.dropped
                span_links = span_links._dq
            else:
                dl = _dropped(span_links)
            if da or de or dl:
                dropped[i] = (da, de, dl)
        else:
            ctx = span.context
            tid, sid, ts = ctx.trace_id, ctx.span_id, ctx.trace_state
            parent = span.parent
            if parent is None:
                parent_ids.append(0)
                flag_col.append(OTLP_FLAG_HAS_IS_REMOTE)
            else:
                parent_ids.append(parent.span_id)
                flag_col.append(_flags(parent))
            start = span.start_time or 0
            end = span.end_time or start
            name = span.name
            kind = None
            status = span.status
            code = None
            description = status.description
            res = span.resource
            sc = span.instrumentation_scope
            plain = _plain(span.attributes)
            span_events = span.events
            span_links = span.links
            d = (span.dropped_attributes, span.dropped_events, span.dropped_links)
            if d != _NO_DROPS:
                dropped[i] = d
        if type(name) is not str:
            name = text_name(name)
        if kind is None:
            kind = int(getattr(span.kind, "value", span.kind))
        if code is None:
            code = int(getattr(status.status_code, "value", status.status_code))
        trace_ids.append(tid)
        span_ids.append(sid)
        starts.append(start)
        ends.append(end if end > start else start)
        n = names.get(name)
        if n is None:
            n = names[name] = len(names)
        name_col.append(n)
        kind_col.append(kind)
        status_col.append(code)
        if description:
            status_message[i] = description
        if ts:
            trace_state[i] = ts

        if res is not last_res:
            last_res = res
            r = resource_index(res)
        res_col.append(r)
        if sc is not last_sc:
            last_sc = sc
            s = scope_index(sc)
        scope_col.append(s)

        # genai.category, genai.tokens and genai.model with their common lookups inlined: same values.
        get = plain.get
        op = get(_OPERATION)
        cat = OPCAT.get(op) if type(op) is str else None
        if cat is None:
            cat = genai.conventions_category(name, plain)
        t_in = get(_INPUT)
        if type(t_in) is not int or not 0 <= t_in <= 0xFFFFFFFF:
            t_in = genai.tokens(plain, genai.INPUT_TOKEN_KEYS) if t_in is not None or _PROMPT in plain else 0
        t_out = get(_OUTPUT)
        if type(t_out) is not int or not 0 <= t_out <= 0xFFFFFFFF:
            t_out = genai.tokens(plain, genai.OUTPUT_TOKEN_KEYS) if t_out is not None or _COMPLETION in plain else 0
        m = get(_RESPONSE_MODEL)
        if type(m) is not str or not m:
            m = genai.model(plain) if m is not None or _REQUEST_MODEL in plain else ""
        if (cat == 0 or cat == 7) and not _DIALECT_KEYS.isdisjoint(plain):  # other or function: maybe a dialect
            got = dialect_fill(plain, cat, m, t_in, t_out)
            if got is not None:
                cat, m, t_in, t_out, c, r = got
                if c:
                    cache_read[i] = c
                if r:
                    reasoning[i] = r
        cat_col.append(cat)
        in_tok.append(t_in)
        out_tok.append(t_out)
        if (t_in or t_out) and not _PART_TOKEN_KEYS.isdisjoint(plain):
            if t := genai.tokens(plain, genai.CACHE_READ_TOKEN_KEYS):
                cache_read[i] = t
            if t := genai.tokens(plain, genai.REASONING_TOKEN_KEYS):
                reasoning[i] = t
        if m:
            k = names.get(m)
            if k is None:
                k = names[m] = len(names)
            model_col.append(k + 1)
        else:
            model_col.append(0)
        attributes.append(plain)
        queues.append(span_events or ())
        links.append([])
        if span_links:
            raw_links[i] = span_links


    flat, event_counts = _events(queues, starts)
    base = min(starts) if starts else 0
    # One join over a comprehension costs less than a to_bytes call and an append per span.
    return _Scanned(
        trace_id=b"".join([t.to_bytes(16, "big") for t in trace_ids]),
        span_id=b"".join([t.to_bytes(8, "big") for t in span_ids]),
        parent_span_id=b"".join([t.to_bytes(8, "big") for t in parent_ids]),
        start_time=packed("Q", [t - base for t in starts]),
        duration=packed("Q", [e - t for t, e in zip(starts, ends)]),
        name=packed("I", name_col),
        kind=bytes(kind_col),
        status_code=bytes(status_col),
        flags=packed("I", flag_col),
        resource=packed("H", res_col),
        scope=packed("H", scope_col),
        category=bytes(cat_col),
        model=packed("I", model_col),
        input_tokens=packed("I", in_tok),
        output_tokens=packed("I", out_tok),
        cache_read=cache_read,
        reasoning=reasoning,
        attributes=attributes,
        events=flat,
        event_counts=event_counts,
        links=links,
        raw_links=raw_links,
        status_message=status_message,
        trace_state=trace_state,
        dropped=dropped,
        base_time=base,
        max_end=max(ends) if ends else 0,
    )
