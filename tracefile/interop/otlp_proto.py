"""OTLP protobuf as the trace model: a serialised ExportTraceServiceRequest (an OTLP/HTTP body, a
``.pb``/``.binpb`` dump), or the Collector file exporter's stream (``format: proto``), where each
message is prefixed by its length as a 4-byte big-endian integer (and may be zstd-compressed).

Protobuf has no magic number, so detection is strict: every top-level field of a message must be
``resource_spans`` (field 1, length-delimited), the fields must end exactly where the message
ends, and the first of them must parse. Messages are read one ``ResourceSpans`` at a time, so a
big file streams. Parsing uses the official generated messages of ``opentelemetry-proto`` (the
``otlp`` extra), imported only when a file looks like OTLP protobuf.
"""

from __future__ import annotations

import os
from typing import Any, BinaryIO, Iterator

from ..format.encode import batched
from ..format.errors import TraceFileError
from ..format.model import Span, SpanEvent, SpanLink
from ..format.schema import Resource, Scope
from . import Batches, Imported
from .common import Skips

INSTALL_HINT = "pip install 'tracy-genai[otlp]'"
_RESOURCE_SPANS_TAG = 0x0A  # field 1, wire type 2 (length-delimited)
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class _NotProto(Exception):
    """The bytes are not OTLP protobuf."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it."""
    value = shift = 0
    for i in range(pos, min(pos + 10, len(data))):
        b = data[i]
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i + 1
        shift += 7
    raise _NotProto


def _fields(read_at, size: int) -> list[tuple[int, int]]:
    """(offset, length) of each top-level field of a message of ``size`` bytes, all of which
    must be resource_spans and end exactly at ``size``. ``read_at(offset, n)`` gives the bytes."""
    out = []
    pos = 0
    while pos < size:
        head = read_at(pos, 11)
        if not head or head[0] != _RESOURCE_SPANS_TAG:
            raise _NotProto
        length, used = _varint(head, 1)
        start = pos + used
        if start + length > size:
            raise _NotProto
        out.append((start, length))
        pos = start + length
    if not out:
        raise _NotProto
    return out


def _file_reader(f: BinaryIO, base: int = 0):
    def read_at(offset: int, n: int) -> bytes:
        f.seek(base + offset)
        return f.read(n)

    return read_at


def _bytes_reader(data: bytes):
    return lambda offset, n: data[offset : offset + n]


def _pb():
    try:
        from opentelemetry.proto.trace.v1 import trace_pb2
    except ImportError:
        return None
    return trace_pb2


def _value(v: Any) -> Any:
    which = v.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [_value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return _attributes(v.kvlist_value.values)
    return getattr(v, which)


def _attributes(kvs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in kvs}


def _id(raw: bytes, size: int, what: str, required: bool = False) -> str:
    if not raw:
        if required:
            raise ValueError(f"missing {what}")
        return ""
    if len(raw) != size:
        raise ValueError(f"{what} is {len(raw)} bytes, not {size}")
    return raw.hex()


def _span(s: Any, resource: Resource, scope: Scope) -> Span:
    return Span(
        _id(s.trace_id, 16, "traceId", True),
        _id(s.span_id, 8, "spanId", True),
        _id(s.parent_span_id, 8, "parentSpanId"),
        s.name,
        max(0, s.kind - 1),  # OTLP numbers kinds from 1 (SPAN_KIND_INTERNAL)
        s.start_time_unix_nano,
        s.end_time_unix_nano,
        s.status.code,
        s.status.message,
        _attributes(s.attributes),
        [SpanEvent(e.time_unix_nano, e.name, _attributes(e.attributes), e.dropped_attributes_count) for e in s.events],
        [SpanLink(_id(lk.trace_id, 16, "link traceId", True), _id(lk.span_id, 8, "link spanId", True),
                  lk.trace_state, _attributes(lk.attributes), lk.dropped_attributes_count, lk.flags)
         for lk in s.links],  # fmt: skip
        resource,
        scope,
        s.trace_state,
        s.flags,
        s.dropped_attributes_count,
        s.dropped_events_count,
        s.dropped_links_count,
    )


def _resource_spans(rs: Any, where: str, skips: Skips) -> Iterator[Span]:
    r = rs.resource
    resource = Resource(_attributes(r.attributes), rs.schema_url, r.dropped_attributes_count)
    for ss in rs.scope_spans:
        sc = ss.scope
        scope = Scope(sc.name, sc.version, ss.schema_url, _attributes(sc.attributes))
        for n, s in enumerate(ss.spans, 1):
            try:
                yield _span(s, resource, scope)
            except ValueError as exc:
                skips.add(f"{where}, span {n}" if where else f"span {n}", str(exc))


class _Reader:
    """Parses ResourceSpans one at a time and counts what it leaves out."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.spans = Skips("span")
        self.messages = Skips("message")
        self.notes: list[str] = []
        self.pb = _pb()

    def parse(self, chunk: bytes) -> Any:
        from google.protobuf.message import DecodeError

        try:
            return self.pb.ResourceSpans.FromString(chunk)
        except DecodeError as exc:
            raise ValueError(f"does not parse: {exc}") from None

    def spans_of(self, chunks: Iterator[bytes], where: str) -> Iterator[Span]:
        for chunk in chunks:
            try:
                rs = self.parse(chunk)
            except ValueError as exc:
                self.messages.add(where or "resource spans", str(exc))
                continue
            yield from _resource_spans(rs, where, self.spans)

    def warnings(self) -> list[str]:
        return self.notes + self.messages.warning() + self.spans.warning()


def _need_library(path: str, what: str) -> TraceFileError:
    return TraceFileError(f"{path}: looks like {what}, which needs opentelemetry-proto to read: {INSTALL_HINT}")


def _first_parses(reader: _Reader, chunk: bytes) -> bool:
    try:
        reader.parse(chunk)
    except ValueError:
        return False
    return True


def _single(path: str, size: int) -> Batches | None:
    """One ExportTraceServiceRequest filling the whole file."""
    with open(path, "rb") as f:
        try:
            fields = _fields(_file_reader(f), size)
        except _NotProto:
            return None
        first = _file_reader(f)(*fields[0])
    reader = _Reader(path)
    if reader.pb is None:
        raise _need_library(path, "OTLP protobuf (an ExportTraceServiceRequest)")
    if not _first_parses(reader, first):
        return None

    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as f:
            for offset, length in fields:
                f.seek(offset)
                yield f.read(length)

    return Batches("otlp-proto", batched(reader.spans_of(chunks(), "")), warnings=reader.warnings)


def _message_fields(message: bytes) -> list[tuple[int, int]]:
    return _fields(_bytes_reader(message), len(message))


def _decompress(message: bytes) -> bytes:
    if not message.startswith(_ZSTD_MAGIC):
        return message
    import zstandard

    try:
        return zstandard.ZstdDecompressor().decompressobj().decompress(message)
    except zstandard.ZstdError as exc:
        raise ValueError(f"zstd: {exc}") from None


def _stream(path: str, size: int) -> Batches | None:
    """The Collector file exporter's stream: 4-byte big-endian length, then a message, repeated."""
    with open(path, "rb") as f:
        frames = []
        pos = 0
        truncated = False
        while pos < size:
            f.seek(pos)
            prefix = f.read(4)
            n = int.from_bytes(prefix, "big") if len(prefix) == 4 else -1
            if n <= 0 or pos + 4 + n > size:
                if not frames:
                    return None
                truncated = True  # a write cut short (the Collector was stopped mid-write)
                break
            frames.append((pos + 4, n))
            pos += 4 + n
        if not frames:
            return None
        f.seek(frames[0][0])
        try:
            first = _decompress(f.read(frames[0][1]))
            first_fields = _message_fields(first)
        except (_NotProto, ValueError):
            return None
    reader = _Reader(path)
    if reader.pb is None:
        raise _need_library(path, "a length-prefixed OTLP protobuf stream (the Collector's file exporter)")
    if not _first_parses(reader, first[slice(first_fields[0][0], sum(first_fields[0]))]):
        return None
    if truncated:
        reader.notes.append(f"the file ends inside message {len(frames) + 1} at byte {pos} (a write cut short); read the {len(frames)} before it")

    def chunks_of(i: int, message: bytes) -> Iterator[bytes]:
        try:
            fields = _message_fields(message)
        except _NotProto:
            reader.messages.add(f"message {i}", "not an OTLP trace message")
            return
        for offset, length in fields:
            yield message[offset : offset + length]

    def spans() -> Iterator[Span]:
        with open(path, "rb") as f:
            for i, (offset, length) in enumerate(frames, 1):
                f.seek(offset)
                try:
                    message = _decompress(f.read(length))
                except ValueError as exc:
                    reader.messages.add(f"message {i}", str(exc))
                    continue
                yield from reader.spans_of(chunks_of(i, message), f"message {i}")

    return Batches("otlp-proto", batched(spans()), warnings=reader.warnings)


def stream(path: str, head: bytes) -> Batches | None:
    """An OTLP protobuf file as batches of model spans, read as they are consumed; None if it is not one."""
    if not head:
        return None
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise TraceFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if head[0] == _RESOURCE_SPANS_TAG:
        found = _single(path, size)
        if found is not None:
            return found
    return _stream(path, size)


def read(path: str, head: bytes) -> Imported | None:
    """An OTLP protobuf file as the trace model; None if it is not one."""
    batches = stream(path, head)
    return None if batches is None else batches.collect()


def _collector():
    try:
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
    except ImportError:
        return None
    return trace_service_pb2


def parse_request(body: bytes) -> Any:
    """An OTLP/HTTP protobuf body as an ExportTraceServiceRequest. Raises ValueError saying why it
    does not parse, TraceFileError when opentelemetry-proto is missing."""
    pb = _collector()
    if pb is None:
        raise TraceFileError(f"reading OTLP protobuf needs opentelemetry-proto: {INSTALL_HINT}")
    from google.protobuf.message import DecodeError

    try:
        return pb.ExportTraceServiceRequest.FromString(body)
    except DecodeError as exc:
        raise ValueError(f"not an OTLP ExportTraceServiceRequest: {exc}") from None


def request_spans(request: Any) -> tuple[list[Span], list[str]]:
    """The model spans of a parsed ExportTraceServiceRequest (an OTLP/HTTP body or a gRPC call),
    and why each span it could not read was left out ("span 3: traceId is 5 bytes, not 16")."""
    skips = Skips()
    spans = [s for rs in request.resource_spans for s in _resource_spans(rs, "", skips)]
    return spans, skips.reasons
