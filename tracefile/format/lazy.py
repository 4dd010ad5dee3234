"""Span attributes decoded on first use: what ``load(path, lazy=True)`` gives.

Most of a GenAI file's bytes are attribute values (conversation histories, tool definitions),
and many reads of a whole file never look at most of them (counting tokens, finding a trace,
listing errors). A lazy load keeps each span's attribute map as the MessagePack bytes of its
frame and decodes it, and resolves its references to the content store, the first time it is
used.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Iterator

import msgspec

from .content import ContentIndex, content_lost, ext_hook, refs_made
from .schema import SpanDetails

#: The key a lazily decoded attribute map holds when its bytes cannot be decoded after all (the
#: frame's checksum held: a writer wrote it wrong). Its value says why.
LOST_KEY = "tracy.attributes.lost"

_ATTRIBUTES = msgspec.msgpack.Decoder(dict[str, Any], ext_hook=ext_hook)


class LazySpanDetails(SpanDetails):
    """A ``span-details`` payload (`tracefile.format.schema.SpanDetails`, the same fields in the same
    places) with each span's attribute map left as its MessagePack bytes."""

    attributes: list[msgspec.Raw]


class AttributeSource:
    """Where the attribute maps of one frame are decoded from: the file's content frames (held by
    ``content``, detached from the file) and the frame's content store."""

    __slots__ = ("content", "store")

    def __init__(self, content: ContentIndex, store: int) -> None:
        self.content = content
        self.store = store

    def decode(self, raw: msgspec.Raw) -> dict[str, Any]:
        refs = refs_made()
        try:
            attrs = _ATTRIBUTES.decode(raw)
        except (msgspec.DecodeError, ValueError, RecursionError) as exc:
            return {LOST_KEY: content_lost(f"the span's attributes do not decode: {exc}")}
        if refs_made() != refs:
            self.content.resolve_maps(None, self.store, [attrs])
        return attrs


class LazyAttributes(MutableMapping):
    """A span's attributes, decoded from the file the first time they are used.

    It is a mapping like the dict an eager load gives (``==`` a dict, ``dict(...)``, ``in``,
    ``get``, iteration in the file's order, changes; pickled and copied as that dict), but not a
    ``dict``: code that needs one (``json.dumps``, msgspec) takes ``dict(span.attributes)``.
    """

    __slots__ = ("_raw", "_source", "_dict")

    def __init__(self, raw: msgspec.Raw, source: AttributeSource) -> None:
        self._raw = raw
        self._source = source
        self._dict: dict[str, Any] | None = None

    @property
    def decoded(self) -> bool:
        """True once the attributes were decoded."""
        return self._dict is not None

    def _get(self) -> dict[str, Any]:
        d = self._dict
        if d is None:
            d = self._dict = self._source.decode(self._raw)
            self._raw = self._source = None  # the frame's bytes are freed with the last map
        return d

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._get()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __contains__(self, key: object) -> bool:
        return key in self._get()

    def get(self, key: str, default: Any = None) -> Any:
        return self._get().get(key, default)

    def keys(self):
        return self._get().keys()

    def values(self):
        return self._get().values()

    def items(self):
        return self._get().items()

    def copy(self) -> dict[str, Any]:
        return dict(self._get())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyAttributes):
            other = other._get()
        return self._get() == other

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dict

    def __reduce__(self):
        # Pickled (multiprocessing) and deep-copied as the plain dict: the file's bytes stay behind.
        return (dict, (self._get(),))

    def __repr__(self) -> str:
        return repr(self._get())
