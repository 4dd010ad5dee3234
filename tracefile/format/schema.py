"""The `.tracy` payload schemas as msgspec Structs, and the format's constants.

Every payload is a MessagePack array (``array_like=True``) so that fields are
identified by position. Evolution rules (see docs/FORMAT.md):

* new fields only ever go at the end, with a default;
* a field never changes type;
* readers ignore trailing fields they do not know, and skip unknown frame kinds.

Integer columns are packed little-endian byte strings, not MessagePack arrays,
so that a reader can map a whole column into an array without creating one
object per span.
"""

from __future__ import annotations

from typing import Any

import msgspec

#: The file starts with these ten bytes. ``\x89`` keeps text tools away (as in
#: PNG), ``\r\n`` and ``\x1a\n`` reveal line-ending and transfer damage.
FILE_MAGIC = b"\x89TRACY\r\n\x1a\n"
#: Major version: a reader refuses a file with a higher major. 2.0 added the content store
#: (``content`` frames, and references to them in ``span-details`` frames), which a 1.x reader
#: would misread.
FORMAT_MAJOR = 2
#: Minor version: raised when optional fields or frame kinds are added (docs/FORMAT.md §7 lists them).
FORMAT_MINOR = 0
#: The versions a writer can write (``TraceWriter(format_version=...)``, ``tracy convert --format-version``).
WRITABLE_VERSIONS = ((1, 1), (2, 0))
#: magic, u16 major, u16 minor, u16 reserved (zero).
FILE_HEADER_SIZE = 16

#: Every frame starts with this marker so a reader can find the next frame
#: after a damaged one.
FRAME_SYNC = b"\xf7TRF"
#: sync(4) kind(u8) flags(u8) reserved(u16) stored_len(u32) raw_len(u32)
#: payload_crc32(u32) header_crc32(u32)
FRAME_HEADER_SIZE = 24
#: No single frame may claim to be larger than this (guards allocation when a
#: damaged length field slips past the header checksum).
MAX_FRAME_PAYLOAD = 1 << 30
#: Decode budget (docs/FORMAT.md §5.1): a frame's payload decompresses to at most this many
#: bytes, so a zstd bomb is refused before it is decompressed.
MAX_FRAME_RAW = 64 << 20
#: At most this many MessagePack items (every value, map keys included) in one payload...
MAX_FRAME_ITEMS = 1 << 22
#: ...and at most this many per byte the frame takes in the file (header included), so that
#: memory grows with the file, not with what its bytes claim: an empty map is one byte of
#: MessagePack and 64 bytes of Python.
MAX_ITEMS_PER_BYTE = 32
#: Containers nest at most this deep (the payload's own array is level 1; recorded values
#: are cut at 32 levels, `tracefile.record.values.MAX_DEPTH`).
MAX_FRAME_DEPTH = 64

# Frame kinds
KIND_FILE_INFO = 0x01
KIND_SPANS = 0x10
KIND_SPAN_DETAILS = 0x11
KIND_CONTENT = 0x12
KIND_FEEDBACK = 0x20
KIND_INDEX = 0x7F

FRAME_KIND_NAMES = {
    KIND_FILE_INFO: "file-info",
    KIND_SPANS: "spans",
    KIND_SPAN_DETAILS: "span-details",
    KIND_CONTENT: "content",
    KIND_FEEDBACK: "feedback",
    KIND_INDEX: "index",
}

# Frame flags
FLAG_ZSTD = 0x01

# Span kinds, numbered as OpenTelemetry's SpanKind enum.
SPAN_KIND_INTERNAL = 0
SPAN_KIND_SERVER = 1
SPAN_KIND_CLIENT = 2
SPAN_KIND_PRODUCER = 3
SPAN_KIND_CONSUMER = 4
SPAN_KIND_NAMES = ("internal", "server", "client", "producer", "consumer")

# Status codes, numbered as OpenTelemetry's StatusCode enum.
STATUS_UNSET = 0
STATUS_OK = 1
STATUS_ERROR = 2
STATUS_NAMES = ("unset", "ok", "error")

#: Bits of the OTLP span ``flags`` field that the SDK sets.
OTLP_FLAG_HAS_IS_REMOTE = 0x100
OTLP_FLAG_IS_REMOTE = 0x200


class _Frame(msgspec.Struct, array_like=True, omit_defaults=False, gc=False):
    pass


class FileInfo(_Frame):
    """Who wrote the frames that follow. Written once by each writer when it starts."""

    writer: str
    writer_version: str
    pid: int
    host: str
    started_unix_nano: int


class Resource(_Frame, frozen=True):
    """An OpenTelemetry resource: attributes describing the process that made spans."""

    attributes: dict[str, Any] = {}
    schema_url: str = ""
    dropped_attributes: int = 0


class Scope(_Frame, frozen=True):
    """An OpenTelemetry instrumentation scope (the library that made a span)."""

    name: str = ""
    version: str = ""
    schema_url: str = ""
    attributes: dict[str, Any] = {}


class SpanColumns(_Frame):
    """Payload of a ``spans`` frame: what a timeline needs, one column per field.

    ``count`` spans; each ``bytes`` column is a packed little-endian array of
    ``count`` items of the size noted. Span names are indices into ``strings``.
    Times are offsets from ``base_time`` so that their high bytes are zero and
    compress away.
    """

    batch_id: int
    count: int
    base_time: int  # unix nanoseconds; the earliest start in the batch
    strings: list[str]
    resources: list[Resource]
    scopes: list[Scope]
    trace_id: bytes  # 16 bytes per span, big-endian id as in W3C trace context
    span_id: bytes  # 8 bytes per span
    parent_span_id: bytes  # 8 bytes per span; all zero for a root span
    start_time: bytes  # u64 nanoseconds after base_time
    duration: bytes  # u64 nanoseconds from start to end
    name: bytes  # u32 index into strings
    kind: bytes  # u8 SpanKind
    status_code: bytes  # u8 StatusCode
    flags: bytes  # u32 OTLP span flags, as the SDK's OTLP exporters set them
    resource: bytes  # u16 index into resources
    scope: bytes  # u16 index into scopes
    # GenAI summary columns, computed by the writer from attributes (tracefile.genai).
    # Empty means all zero.
    category: bytes = b""  # u8 tracefile.genai.CATEGORY_*
    model: bytes = b""  # u32: 0 for none, else 1 + index into strings
    input_tokens: bytes = b""  # u32
    output_tokens: bytes = b""  # u32
    # Added in 1.1; a 1.0 frame ends before them.
    cache_read_tokens: bytes = b""  # u32, part of input_tokens
    reasoning_tokens: bytes = b""  # u32, part of output_tokens


class Event(_Frame):
    """Something that happened during a span, at one instant. Also the trace model's event type.

    In a span-details frame ``time_unix_nano`` holds the offset in nanoseconds
    from the span's start (it may be negative); readers add the start, so in
    the trace model it is the absolute time. Offsets take half the bytes of
    absolute times and compress far better.
    """

    time_unix_nano: int
    name: str
    attributes: dict[str, Any] = {}
    dropped_attributes: int = 0


class Link(_Frame):
    trace_id: bytes
    span_id: bytes
    trace_state: str = ""
    attributes: dict[str, Any] = {}
    dropped_attributes: int = 0
    flags: int = 0


class SpanDetails(_Frame):
    """Payload of a ``span-details`` frame: everything a timeline can do without.

    It belongs to the ``spans`` frame with the same ``batch_id``, which a writer
    places directly before it. Per-span lists are indexed like the columns;
    the sparse maps are keyed by the span's index in the batch. Attribute keys
    are stored as strings, so attributes decode straight into their final
    dictionaries; zstd removes their repetition.
    """

    batch_id: int
    count: int
    attributes: list[dict[str, Any]]
    events: list[list[Event]]
    links: list[list[Link]]
    status_message: dict[int, str] = {}
    trace_state: dict[int, str] = {}
    #: [dropped attributes, dropped events, dropped links]
    dropped: dict[int, tuple[int, int, int]] = {}
    #: Added in 2.0: the content store its references belong to (0: it has none). A long
    #: string value may be a reference (MessagePack ext type 1) to an entry of that store.
    content_store: int = 0
    #: Added in 2.0: row -> [reference to the row's event list in the content store, the events'
    #: times as packed i64 (the first from the span's start, each next from the one before)]. Such
    #: a row's ``events`` list is empty.
    event_lists: dict[int, tuple[Any, bytes]] = {}


class Feedback(_Frame, kw_only=True):
    """A judgement attached to a response or a span: user feedback or an evaluation."""

    time_unix_nano: int
    trace_id: str = ""  # 32 lowercase hex digits, or empty
    span_id: str = ""  # 16 lowercase hex digits, or empty
    response_id: str = ""  # gen_ai.response.id of the judged response, or empty
    score: float | None = None
    label: str = ""
    comment: str = ""
    evaluator: str = ""
    metadata: dict[str, Any] = {}


class FeedbackBatch(_Frame):
    """Payload of a ``feedback`` frame."""

    records: list[Feedback]


class IndexEntry(_Frame):
    offset: int
    kind: int
    count: int
    min_start: int
    max_end: int


class Index(_Frame):
    """Payload of the optional ``index`` frame a writer appends when it closes.

    It lists the frames that writer wrote. Readers never need it; it lets a
    tool show totals without reading the whole file.
    """

    writer_pid: int
    spans: int
    frames: list[IndexEntry]
