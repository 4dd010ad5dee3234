"""OTLP/JSON (the protobuf JSON mapping of ExportTraceServiceRequest) to and from the trace model.

The output matches what ``opentelemetry-exporter-otlp-json-file`` writes for
the same spans: lowerCamelCase keys, hex ids, 64-bit integers as strings, and
fields left out when they hold their default value.
"""

from __future__ import annotations

import base64
import json
import math
import os
import tempfile
from typing import Any, Callable, Generic, Iterable, Iterator, Sequence, TypeVar

import msgspec

from ..format.encode import batched
from ..format.errors import TraceFileError
from ..format.model import Span, SpanEvent, SpanLink
from ..format.schema import Feedback, Resource, Scope
from ..genai.feedback import event_for
from . import Batches, Imported
from .common import Skips, load_json, looks_like_json, never_raises, too_deep


def _value(v: Any) -> dict[str, Any]:
    if v is None:
        return {}
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, str):
        return {"stringValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        if math.isnan(v):
            return {"doubleValue": "NaN"}
        if math.isinf(v):
            return {"doubleValue": "Infinity" if v > 0 else "-Infinity"}
        return {"doubleValue": v}
    if isinstance(v, (bytes, bytearray)):
        return {"bytesValue": base64.b64encode(v).decode("ascii")}
    if isinstance(v, (list, tuple)):
        values = [_value(x) for x in v]
        return {"arrayValue": {"values": values} if values else {}}
    if isinstance(v, dict):
        kvs = _attributes(v)
        return {"kvlistValue": {"values": kvs} if kvs else {}}
    return {"stringValue": str(v)}


def _attributes(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _value(v)} for k, v in attrs.items()]


def attributes_to_otlp(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    """Attributes as OTLP/JSON ``KeyValue`` objects (the form every span, event and resource here uses)."""
    return _attributes(attrs)


def _put(out: dict, key: str, value: Any) -> None:
    if value:
        out[key] = value


def _event(e: SpanEvent) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "timeUnixNano", str(e.time_unix_nano) if e.time_unix_nano else "")
    _put(out, "name", e.name)
    _put(out, "attributes", _attributes(e.attributes))
    _put(out, "droppedAttributesCount", e.dropped_attributes)
    return out


def _link(lk: SpanLink) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "traceId", lk.trace_id)
    _put(out, "spanId", lk.span_id)
    _put(out, "traceState", lk.trace_state)
    _put(out, "attributes", _attributes(lk.attributes))
    _put(out, "droppedAttributesCount", lk.dropped_attributes)
    _put(out, "flags", lk.flags)
    return out


def feedback_event(fb: Feedback) -> SpanEvent:
    """Feedback as the GenAI evaluation span event other OpenTelemetry backends understand."""
    name, attrs = event_for(fb)
    return SpanEvent(fb.time_unix_nano, name, attrs)


def span_to_otlp(s: Span, *, with_feedback: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "traceId", s.trace_id)
    _put(out, "spanId", s.span_id)
    _put(out, "traceState", s.trace_state)
    _put(out, "parentSpanId", s.parent_span_id)
    _put(out, "flags", s.flags)
    _put(out, "name", s.name)
    _put(out, "kind", s.kind + 1)  # OTLP numbers kinds from 1 (SPAN_KIND_INTERNAL)
    _put(out, "startTimeUnixNano", str(s.start_time) if s.start_time else "")
    _put(out, "endTimeUnixNano", str(s.end_time) if s.end_time else "")
    _put(out, "attributes", _attributes(s.attributes))
    _put(out, "droppedAttributesCount", s.dropped_attributes)
    events = s.events
    if with_feedback and s.feedback:
        events = list(events) + [feedback_event(fb) for fb in s.feedback]
    _put(out, "events", [_event(e) for e in events])
    _put(out, "droppedEventsCount", s.dropped_events)
    _put(out, "links", [_link(lk) for lk in s.links])
    _put(out, "droppedLinksCount", s.dropped_links)
    status: dict[str, Any] = {}
    _put(status, "message", s.status_message)
    _put(status, "code", s.status_code)
    out["status"] = status
    return out


def _scope(sc: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "name", sc.name)
    _put(out, "version", sc.version)
    _put(out, "attributes", _attributes(sc.attributes))
    return out


def _resource_key(r: Resource) -> tuple:
    return (tuple(sorted((k, repr(v)) for k, v in r.attributes.items())), r.schema_url)


def _scope_key(sc: Scope) -> tuple:
    return (sc.name, sc.version, sc.schema_url, tuple(sorted((k, repr(v)) for k, v in sc.attributes.items())))


def spans_to_otlp(spans: Iterable[Span], *, with_feedback: bool = True) -> dict[str, Any]:
    """One ExportTraceServiceRequest, grouping spans by resource then scope in order of first appearance."""
    groups: dict[tuple, tuple[Resource, dict[tuple, tuple[Scope, list]]]] = {}
    for s in spans:
        rkey = _resource_key(s.resource)
        entry = groups.get(rkey)
        if entry is None:
            entry = groups[rkey] = (s.resource, {})
        skey = _scope_key(s.scope)
        scope_entry = entry[1].get(skey)
        if scope_entry is None:
            scope_entry = entry[1][skey] = (s.scope, [])
        scope_entry[1].append(span_to_otlp(s, with_feedback=with_feedback))
    resource_spans = []
    for resource, scopes in groups.values():
        scope_spans = []
        for scope, encoded in scopes.values():
            ss: dict[str, Any] = {"scope": _scope(scope)}
            _put(ss, "spans", encoded)
            _put(ss, "schemaUrl", scope.schema_url)
            scope_spans.append(ss)
        res: dict[str, Any] = {}
        _put(res, "attributes", _attributes(resource.attributes))
        _put(res, "droppedAttributesCount", resource.dropped_attributes)
        rs: dict[str, Any] = {"resource": res}
        _put(rs, "scopeSpans", scope_spans)
        _put(rs, "schemaUrl", resource.schema_url)
        resource_spans.append(rs)
    out: dict[str, Any] = {}
    _put(out, "resourceSpans", resource_spans)
    return out


def write_otlp_json(path: str | os.PathLike[str], spans: Sequence[Span], *, lines: bool = False) -> None:
    """Write ``spans`` to ``path`` as OTLP/JSON, the way ``opentelemetry-exporter-otlp-json-file``
    does: one ExportTraceServiceRequest, or with ``lines`` one request per 512 spans per line."""
    with open(path, "w", encoding="utf-8") as f:
        if not lines:
            f.write(json.dumps(spans_to_otlp(spans), separators=(",", ":")) + "\n")
            return
        for i in range(0, len(spans), 512):
            f.write(json.dumps(spans_to_otlp(spans[i : i + 512]), separators=(",", ":")) + "\n")


def replace_file(path: str | os.PathLike[str], write: Callable[[str], None], prefix: str = ".tracy-") -> None:
    """Have ``write(tmp)`` create a new file beside ``path``, then put it in ``path``'s place in one
    step: a reader never sees half a file, and a failed write leaves ``path`` as it was."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=folder)
    os.close(fd)
    os.unlink(tmp)  # `write` creates it (a .tracy writer wants a new file)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --- reading OTLP/JSON -----------------------------------------------------------------
#
# Decoded with msgspec into Structs of the OTLP shape (about 3x faster than `json` and no
# dicts), one line at a time: a JSON Lines file of any size streams in bounded memory.
# Unknown fields are ignored; 64-bit integers may be numbers or strings, ids hex in any
# case (or base64, the plain protobuf JSON mapping), enums numbers or names.


class _Value(msgspec.Struct, rename="camel"):
    string_value: str | None = None
    bool_value: bool | None = None
    int_value: int | str | None = None
    double_value: float | str | None = None
    array_value: _Array | None = None
    kvlist_value: _KvList | None = None
    bytes_value: str | None = None


class _KeyValue(msgspec.Struct):
    key: str
    value: _Value | None = None


class _Array(msgspec.Struct):
    values: list[_Value] = []


class _KvList(msgspec.Struct):
    values: list[_KeyValue] = []


class _Status(msgspec.Struct):
    message: str = ""
    code: int | str = 0


class _Event(msgspec.Struct, rename="camel"):
    time_unix_nano: int | str = 0
    name: str = ""
    attributes: list[_KeyValue] = []
    dropped_attributes_count: int = 0


class _Link(msgspec.Struct, rename="camel"):
    trace_id: str = ""
    span_id: str = ""
    trace_state: str = ""
    attributes: list[_KeyValue] = []
    dropped_attributes_count: int = 0
    flags: int = 0


class _Span(msgspec.Struct, rename="camel"):
    trace_id: str = ""
    span_id: str = ""
    trace_state: str = ""
    parent_span_id: str = ""
    flags: int = 0
    name: str = ""
    kind: int | str = 0
    start_time_unix_nano: int | str = 0
    end_time_unix_nano: int | str = 0
    attributes: list[_KeyValue] = []
    dropped_attributes_count: int = 0
    events: list[_Event] = []
    dropped_events_count: int = 0
    links: list[_Link] = []
    dropped_links_count: int = 0
    status: _Status | None = None


class _Scope(msgspec.Struct, rename="camel"):
    name: str = ""
    version: str = ""
    attributes: list[_KeyValue] = []


class _Resource(msgspec.Struct, rename="camel"):
    attributes: list[_KeyValue] = []
    dropped_attributes_count: int = 0


S = TypeVar("S")  # a span: decoded (_Span), or left as raw JSON (msgspec.Raw)


class _ScopeSpans(msgspec.Struct, Generic[S], rename="camel"):
    scope: _Scope | None = None
    spans: list[S] = []
    schema_url: str = ""


class _ResourceSpans(msgspec.Struct, Generic[S], rename="camel"):
    resource: _Resource | None = None
    scope_spans: list[_ScopeSpans[S]] = []
    schema_url: str = ""


class _Request(msgspec.Struct, Generic[S], rename="camel"):
    # UNSET when the key is missing: any JSON object would otherwise decode as an empty request.
    resource_spans: list[_ResourceSpans[S]] | msgspec.UnsetType = msgspec.UNSET


_decode_request = msgspec.json.Decoder(_Request[_Span]).decode
#: The same envelope with each span left undecoded, to skip a broken span and keep its neighbours.
_decode_lenient = msgspec.json.Decoder(_Request[msgspec.Raw]).decode
_decode_span = msgspec.json.Decoder(_Span).decode
_decode_any = msgspec.json.Decoder().decode
_DecodeErrors = (msgspec.DecodeError, msgspec.ValidationError)


def _from_value(v: _Value | None) -> Any:
    if v is None:
        return None
    if v.string_value is not None:
        return v.string_value
    if v.int_value is not None:
        return int(v.int_value)
    if v.bool_value is not None:
        return v.bool_value
    if v.double_value is not None:
        return float(v.double_value)  # also "NaN", "Infinity", "-Infinity"
    if v.array_value is not None:
        return [_from_value(x) for x in v.array_value.values]
    if v.kvlist_value is not None:
        return _from_attributes(v.kvlist_value.values)
    if v.bytes_value is not None:
        return base64.b64decode(v.bytes_value)
    return None


def _from_attributes(kvs: list[_KeyValue]) -> dict[str, Any]:
    return {kv.key: _from_value(kv.value) for kv in kvs}


_HEX = frozenset("0123456789abcdefABCDEF")


def _hex_id(value: str, width: int, what: str, required: bool = False) -> str:
    """OTLP/JSON ids are hex (any case); some producers write base64 (the plain protobuf JSON mapping)."""
    if not value:
        if required:
            raise ValueError(f"missing {what}")
        return ""
    if len(value) == width and _HEX.issuperset(value):
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != width // 2:
        raise ValueError(f"{what} is not a {width}-digit hex id: {value!r}")
    return raw.hex()


def _int(value: int | str, what: str) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{what} is not an integer: {value!r}") from None


_KINDS = {"SPAN_KIND_UNSPECIFIED": 0, "SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2, "SPAN_KIND_CLIENT": 3,
          "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5}  # fmt: skip
_STATUS = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}


def _enum(value: Any, names: dict[str, int], what: str) -> int:
    if isinstance(value, int):
        return value
    if value in names:
        return names[value]
    if value.isdigit():
        return int(value)
    raise ValueError(f"unknown {what} {value!r}")


def _span(s: _Span, resource: Resource, scope: Scope) -> Span:
    """One decoded OTLP span as a model span. Raises ValueError naming the broken field."""
    start = _int(s.start_time_unix_nano, "startTimeUnixNano")
    status = s.status
    return Span(
        _hex_id(s.trace_id, 32, "traceId", True),
        _hex_id(s.span_id, 16, "spanId", True),
        _hex_id(s.parent_span_id, 16, "parentSpanId"),
        s.name,
        max(0, _enum(s.kind, _KINDS, "kind") - 1),  # OTLP numbers kinds from 1 (SPAN_KIND_INTERNAL)
        start,
        _int(s.end_time_unix_nano, "endTimeUnixNano"),
        _enum(status.code, _STATUS, "status code") if status else 0,
        status.message if status else "",
        _from_attributes(s.attributes),
        [SpanEvent(_int(e.time_unix_nano, "event timeUnixNano"), e.name, _from_attributes(e.attributes), e.dropped_attributes_count)
         for e in s.events],  # fmt: skip
        [SpanLink(_hex_id(lk.trace_id, 32, "link traceId", True), _hex_id(lk.span_id, 16, "link spanId", True), lk.trace_state,
                  _from_attributes(lk.attributes), lk.dropped_attributes_count, lk.flags)
         for lk in s.links],  # fmt: skip
        resource,
        scope,
        s.trace_state,
        s.flags,
        s.dropped_attributes_count,
        s.dropped_events_count,
        s.dropped_links_count,
    )


def _request_spans(request: Any, where: str, skips: Skips, lenient: bool) -> Iterator[Span]:
    """The model spans of one decoded request; broken spans go to ``skips`` (at ``where``, else by number)."""
    n = 0
    for rs in request.resource_spans or ():
        r = rs.resource or _Resource()
        for ss in rs.scope_spans:
            sc = ss.scope or _Scope()
            try:
                resource = Resource(_from_attributes(r.attributes), rs.schema_url, r.dropped_attributes_count)
                scope = Scope(sc.name, sc.version, ss.schema_url, _from_attributes(sc.attributes))
            except ValueError as exc:
                n += len(ss.spans)
                skips.reasons.extend([f"{where or 'request'}: resource or scope: {exc}"] * len(ss.spans))
                continue
            for s in ss.spans:
                n += 1
                try:
                    yield _span(_decode_span(s) if lenient else s, resource, scope)
                except (ValueError, *_DecodeErrors) as exc:
                    skips.add(where or f"span {n}", str(exc))


def otlp_to_spans(request: dict[str, Any], where: str = "<input>") -> list[Span]:
    """Spans of one ExportTraceServiceRequest in OTLP/JSON. Raises TraceFileError for malformed input."""
    skips = Skips()
    try:
        decoded = msgspec.convert(request, _Request[_Span])
        spans = list(_request_spans(decoded, "", skips, lenient=False))
    except (ValueError, *_DecodeErrors) as exc:
        raise TraceFileError(f"{where}: not a valid OTLP/JSON trace request: {exc}") from None
    if skips.reasons:
        raise TraceFileError(f"{where}: not a valid OTLP/JSON trace request: {skips.reasons[0]}")
    return spans


class _Lines:
    """The requests of a JSON Lines file, one line at a time, and the lines and spans left out."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.spans = Skips("span")
        self.lines = Skips("line")

    def requests(self) -> Iterator[tuple[str, Any, bool]]:
        """(where, request, lenient) for each line that holds a request."""
        with open(self.path, "rb") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                if lineno == 1:
                    line = line.removeprefix(b"\xef\xbb\xbf")
                where = f"line {lineno}"
                decoded = self.decode(line, where)
                if decoded is not None:
                    yield where, *decoded

    def decode(self, line: bytes, where: str) -> tuple[Any, bool] | None:
        try:
            return self._decode(line, where)
        except RecursionError:
            self.lines.add(where, "JSON nested deeper than tracy can read (thousands of levels of arrays or objects)")
            return None

    def _decode(self, line: bytes, where: str) -> tuple[Any, bool] | None:
        try:
            request = _decode_request(line)
            lenient = False
        except _DecodeErrors:
            try:  # a broken span: decode the spans one by one to keep the good ones
                request = _decode_lenient(line)
                lenient = True
            except _DecodeErrors as exc:
                self.lines.add(where, _why_not_a_request(line, exc))
                return None
        if request.resource_spans is msgspec.UNSET:
            self.lines.add(where, _why_not_a_request(line, None))
            return None
        return request, lenient

    def warnings(self) -> list[str]:
        return self.lines.warning() + self.spans.warning()


def _why_not_a_request(line: bytes, exc: Exception | None) -> str:
    try:
        doc = _decode_any(line)
    except msgspec.DecodeError as err:
        return f"not JSON ({err})"
    if isinstance(doc, dict) and "resourceSpans" not in doc:
        others = [k for k in doc if k.startswith("resource")]
        return f"not a trace request ({', '.join(others)})" if others else "not a trace request (no resourceSpans)"
    return str(exc) if exc else "not a trace request"


def _is_request(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("resourceSpans"), list)


@never_raises("OTLP/JSON")
def stream(path: str, head: bytes) -> Batches | None:
    """An OTLP/JSON file as batches of model spans, read as they are consumed; None if it is not OTLP/JSON.

    JSON Lines (one request per line, as the SDK's json-file exporter and the Collector's file
    exporter write) stream line by line; a single request spread over lines (pretty-printed) is
    read whole. A line that is not a request, or a span that cannot be read, is skipped and counted.
    """
    if not looks_like_json(head):
        return None
    lines = _Lines(path)
    shape = _shape(path)
    if shape is None:
        return None
    if shape == "lines":

        def from_lines() -> Iterator[list[Span]]:
            for where, request, lenient in lines.requests():
                yield from batched(_request_spans(request, where, lines.spans, lenient))

        return Batches("otlp-json", from_lines(), warnings=lines.warnings)
    with open(path, "rb") as f:
        data = f.read().removeprefix(b"\xef\xbb\xbf")
    decoded = lines.decode(data, "request")
    if decoded is None:
        raise TraceFileError(f"{path}: not a valid OTLP/JSON trace request: {lines.lines.reasons[0].split(': ', 1)[1]}")
    request, lenient = decoded
    return Batches("otlp-json", batched(_request_spans(request, "", lines.spans, lenient)), warnings=lines.warnings)


def _shape(path: str) -> str | None:
    """``lines`` for JSON Lines whose first JSON line is a request, ``document`` for one request
    spread over lines, None for anything else. Reads the whole file only for the second."""
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            line = line.removeprefix(b"\xef\xbb\xbf") if lineno == 1 else line
            if not line.strip():
                continue
            try:
                doc = _decode_any(line)
            except msgspec.DecodeError as exc:
                if lineno == 1 and "truncated" in str(exc):  # "{" of a pretty-printed document
                    break
                continue  # a broken line of JSON Lines: the first good one decides
            except RecursionError:
                raise too_deep(path) from None
            return "lines" if _is_request(doc) else None
        else:
            return None
    doc = load_json(path, b"{")
    return "document" if _is_request(doc) else None


def read(path: str, head: bytes) -> Imported | None:
    """An OTLP/JSON file (one request, or JSON Lines) as the trace model; None if it is not one."""
    batches = stream(path, head)
    if batches is None:
        return None
    return batches.collect()


def request_spans(body: bytes) -> tuple[list[Span], list[str]]:
    """The model spans of one OTLP/JSON ExportTraceServiceRequest (an OTLP/HTTP body), and why each
    span it could not read was left out. Raises ValueError when the body is not such a request."""
    lines = _Lines("<request>")
    decoded = lines.decode(body.removeprefix(b"\xef\xbb\xbf"), "request")
    if decoded is None:
        raise ValueError(lines.lines.reasons[0].split(": ", 1)[1])
    request, lenient = decoded
    spans = list(_request_spans(request, "", lines.spans, lenient))
    return spans, lines.spans.reasons
