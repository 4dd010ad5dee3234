"""Faithful, bounded JSON for any Python value, for span attributes such as ``input.value``.

    to_json({"user": user, "docs": docs}, max_length=32_768)   # always valid JSON, never raises
    to_attribute(value, max_length=4096)                       # an OpenTelemetry-valid attribute value

Containers and objects are walked, never ``str()``-ed: dataclasses, pydantic
(v1 and v2, duck-typed), attrs, named tuples and plain objects become JSON
objects; enums their value; dates ISO 8601; bytes ``{"$bytes": base64}``.
Where a value cannot be shown faithfully, a ``$``-prefixed marker says so:
``{"$cycle": true}``, ``{"$truncated": "depth"}``, ``{"$truncated": "12 more
items"}``, ``{"$type": "pkg.Class", "$repr": "..."}``, ``{"$error": "..."}``.
Long strings end with ``…[truncated N chars]`` (see `tracefile.format.truncation.truncate`).

A ``scrub(key, value)`` hook sees every mapping entry and object attribute
(``key`` is its name) and every other position (``key`` is ``None``) before
it is serialized, and returns the value to use instead: redaction plugs in
there. ``text_hook(text)`` rewrites the final JSON text.
"""

from __future__ import annotations

import base64
import collections.abc as abc
import dataclasses
import datetime as dt
import decimal
import enum
import itertools
import logging
import math
import types
import uuid
from pathlib import PurePath
from typing import Any, Callable

import msgspec

from ..format.truncation import cut, truncate, truncation_marker  # noqa: F401  (truncate is public here)

_logger = logging.getLogger("tracefile")

Scrub = Callable[[Any, Any], Any]
TextHook = Callable[[str], str]

DEFAULT_MAX_LENGTH = 32_768
MAX_DEPTH = 32
MAX_ITEMS = 1000
MAX_KEY_LENGTH = 256
MAX_REPR_LENGTH = 1000
MAX_INLINE_BYTES = 1024  # larger bytes values are summarised: length plus a short base64 preview
BYTES_PREVIEW = 48
MIN_STRING = 64  # strings are not shrunk below this (or max_length / 4) while fitting the text into max_length


class _Long:
    """A string cut while walking: its prefix and real length, rendered by the encoder's hook.

    Keeping the real length lets a later, tighter cap still report how many
    characters the original had.
    """

    __slots__ = ("head", "total", "cap")

    def __init__(self, head: str, total: int, cap: int) -> None:
        self.head, self.total, self.cap = head, total, cap

    def render(self) -> str:
        return cut(self.head, self.total, self.cap)


def _enc_hook(obj: Any) -> Any:
    if type(obj) is _Long:
        return obj.render()
    # The walker only produces JSON-native values; anything else is a bug, but must not raise.
    return {"$error": f"unencodable {type(obj).__name__}"}


_encoder = msgspec.json.Encoder(enc_hook=_enc_hook)


def _encode(tree: Any) -> str:
    return _encoder.encode(tree).decode("utf-8")


def _safe_str(obj: Any, limit: int = MAX_REPR_LENGTH) -> str:
    try:
        return truncate(str(obj), limit)
    except Exception as exc:
        return f"<str() failed: {type(exc).__name__}>"


def _safe_repr(obj: Any, limit: int = MAX_REPR_LENGTH) -> str:
    try:
        return truncate(repr(obj), limit)
    except Exception as exc:
        return f"<repr() failed: {type(exc).__name__}>"


def type_name(tp: type) -> str:
    """``module.QualName`` of a type; just ``QualName`` for builtins (``ValueError``, ``list_iterator``)."""
    try:
        qual = getattr(tp, "__qualname__", None) or tp.__name__
        module = getattr(tp, "__module__", None)
        return qual if module in (None, "builtins") else f"{module}.{qual}"
    except Exception:
        return "<unknown type>"


def _float(v: float) -> Any:
    if math.isfinite(v):
        return v
    # JSON has no NaN/Infinity; keep them visible the way protobuf's JSON mapping does.
    return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")


_GENERATOR_KINDS = {
    types.GeneratorType: "generator",
    types.AsyncGeneratorType: "async_generator",
    types.CoroutineType: "coroutine",
}
_OPAQUE = (
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
    types.CodeType,
    types.FrameType,
    types.TracebackType,
)
_MISSING = object()


def _slot_names(tp: type) -> list[str]:
    names: list[str] = []
    for klass in getattr(tp, "__mro__", ()):
        slots = klass.__dict__.get("__slots__", ())
        if isinstance(slots, str):
            slots = (slots,)
        for name in slots:
            if isinstance(name, str) and not name.startswith("_") and name not in names:
                names.append(name)
    return names


class _Walker:
    """Turns a value into JSON-native data (dict/list/str/int/float/bool/None and _Long).

    ``budget`` is an estimate of the output characters still allowed; once it
    is spent, containers stop adding items. Strings are estimated at no more
    than MIN_STRING characters, because the fitting step can shrink them that far.
    Each string is cut to ``max_length``; after ``2 * max_length`` characters of
    strings, later strings get MIN_STRING so the intermediate tree stays small.
    """

    def __init__(self, scrub: Scrub | None, max_length: int, budget: int) -> None:
        self.scrub = scrub
        self.max_length = max_length
        self.budget = budget
        self.string_chars = 0
        self.min_string = _min_string(max_length)
        self.active: set[int] = set()  # ids of the containers on the current path, for cycles

    # -- positions -------------------------------------------------------

    def value(self, key: str | None, v: Any, depth: int) -> Any:
        if self.scrub is not None:
            try:
                v = self.scrub(key, v)
            except Exception as exc:
                # Fail closed: a redaction hook that breaks must not let the value through.
                _logger.debug("tracefile: scrub hook failed on %r", key, exc_info=True)
                return {"$error": f"scrub failed: {type(exc).__name__}"}
        return self.convert(v, depth)

    def string(self, s: str) -> Any:
        n = len(s)
        cap = self.max_length if self.string_chars <= 2 * self.max_length else self.min_string
        self.budget -= min(n, self.min_string) + 3
        if n <= cap:
            self.string_chars += n
            return s
        self.string_chars += cap
        return _Long(s[:cap], n, cap)  # slice first: a 50 MB string is never copied whole

    def key(self, k: Any) -> str:
        if type(k) is not str:
            if issubclass(type(k), enum.Enum):
                k = k.value
            k = k if type(k) is str else _safe_str(k, MAX_KEY_LENGTH)
        k = truncate(k, MAX_KEY_LENGTH)
        self.budget -= len(k) + 4
        return k

    # -- conversion ------------------------------------------------------

    def convert(self, v: Any, depth: int) -> Any:
        tp = type(v)
        if tp is str:
            return self.string(v)
        if tp is bool or v is None:
            self.budget -= 5
            return v
        if tp is int:
            self.budget -= max(1, v.bit_length() * 3 // 10 + 1)
            return v
        if tp is float:
            self.budget -= 12
            return _float(v)
        if depth >= MAX_DEPTH:
            self.budget -= 24
            return {"$truncated": "depth"}
        try:
            return self.convert_object(v, tp, depth)
        except RecursionError:
            return {"$truncated": "depth"}
        except Exception as exc:
            _logger.debug("tracefile: could not serialize a %s", type_name(tp), exc_info=True)
            return {"$type": type_name(tp), "$error": f"{type(exc).__name__} while serializing"}

    def convert_object(self, v: Any, tp: type, depth: int) -> Any:
        # Only type(v) and issubclass are used to classify: isinstance() may call a hostile __getattribute__.
        if tp is dict or tp is list or tp is tuple:
            return self.guarded(v, tp, depth)
        if issubclass(tp, enum.Enum):
            return self.convert(v.value, depth + 1)
        if issubclass(tp, str):
            out = self.string(v)  # cut first, then drop the subclass
            return str.__str__(out) if type(out) is not _Long else out
        if issubclass(tp, bool):
            return bool(v)
        if issubclass(tp, int):
            return self.convert(int(v), depth)
        if issubclass(tp, float):
            return self.convert(float(v), depth)
        if issubclass(tp, (bytes, bytearray, memoryview)):
            return self.bytes_(v)
        if issubclass(tp, dt.timedelta):
            self.budget -= 12
            return v.total_seconds()
        if issubclass(tp, (dt.datetime, dt.date, dt.time)):
            self.budget -= 34
            return v.isoformat()
        if issubclass(tp, (decimal.Decimal, uuid.UUID, PurePath)):
            return self.string(str(v))  # Decimal as a string keeps every digit
        if tp in _GENERATOR_KINDS:
            # Never iterate: that would consume the caller's generator.
            self.budget -= 40
            return {"$type": _GENERATOR_KINDS[tp], "$repr": _safe_repr(v, 200)}
        if issubclass(tp, _OPAQUE):
            self.budget -= 40
            return {"$type": type_name(tp), "$repr": _safe_repr(v, 200)}
        return self.guarded(v, tp, depth)

    def guarded(self, v: Any, tp: type, depth: int) -> Any:
        """Walk a container or object, unless it is already on the current path (a cycle)."""
        vid = id(v)
        if vid in self.active:
            self.budget -= 16
            return {"$cycle": True}
        self.active.add(vid)
        try:
            return self.convert_container(v, tp, depth)
        finally:
            self.active.discard(vid)

    def convert_container(self, v: Any, tp: type, depth: int) -> Any:
        if tp is dict:
            return self.mapping(v.items(), len(v), depth, {})
        if tp is list or tp is tuple:
            return self.sequence(v, len(v), depth)
        if issubclass(tp, abc.Mapping):
            return self.mapping(v.items(), len(v), depth, {})
        if issubclass(tp, tuple) and hasattr(tp, "_fields"):  # NamedTuple
            return self.mapping(zip(tp._fields, v), len(v), depth, {})
        if issubclass(tp, (abc.Set, abc.KeysView, abc.ValuesView)):
            return self.sequence(self.sorted_if_possible(v), len(v), depth)
        if issubclass(tp, (list, tuple, abc.Sequence)):
            return self.sequence(v, len(v), depth)
        if issubclass(tp, BaseException):
            out = {"$type": type_name(tp), "message": _safe_str(v)}
            self.budget -= len(out["message"]) + 40
            attrs = getattr(v, "__dict__", None) or {}
            public = [(k, a) for k, a in attrs.items() if isinstance(k, str) and not k.startswith("_")]
            return self.mapping(public, len(public), depth, out)
        if hasattr(tp, "__dataclass_fields__") and not issubclass(tp, type):
            names = [f.name for f in dataclasses.fields(tp)]
            return self.mapping(((n, getattr(v, n, None)) for n in names), len(names), depth, {})
        if callable(getattr(tp, "model_dump", None)) and hasattr(tp, "model_fields"):  # pydantic v2
            return self.convert(v.model_dump(mode="json"), depth)
        if hasattr(tp, "__fields__") and callable(getattr(tp, "dict", None)):  # pydantic v1
            return self.convert(v.dict(), depth)
        if hasattr(tp, "__attrs_attrs__"):
            names = [a.name for a in tp.__attrs_attrs__]
            return self.mapping(((n, getattr(v, n, None)) for n in names), len(names), depth, {})
        if callable(getattr(tp, "tolist", None)) and hasattr(tp, "dtype") and hasattr(tp, "shape"):
            return self.array(v, depth)
        return self.plain_object(v, tp, depth)

    # -- shapes ----------------------------------------------------------

    def mapping(self, items: Any, length: int, depth: int, out: dict) -> dict:
        self.budget -= 2
        taken = 0
        for k, item in items:
            if taken >= MAX_ITEMS or self.budget <= 0:
                break
            key = self.key(k)
            out[key] = self.value(key, item, depth + 1)
            taken += 1
        if length > taken:
            out["$truncated"] = f"{length - taken} more items"
            self.budget -= 30
        return out

    def sequence(self, items: Any, length: int, depth: int) -> list:
        self.budget -= 2
        out = []
        for item in itertools.islice(items, MAX_ITEMS):
            if self.budget <= 0:
                break
            out.append(self.value(None, item, depth + 1))
            self.budget -= 1
        if length > len(out):
            out.append({"$truncated": f"{length - len(out)} more items"})
            self.budget -= 30
        return out

    @staticmethod
    def sorted_if_possible(items: Any) -> Any:
        if len(items) > 10 * MAX_ITEMS:
            return items  # sorting a huge set to show its first items is not worth it
        try:
            return sorted(items)
        except Exception:
            return items

    def bytes_(self, v: Any) -> dict:
        data = bytes(v[:MAX_INLINE_BYTES + 1]) if not isinstance(v, bytes) else v
        n = len(v)
        if n <= MAX_INLINE_BYTES:
            self.budget -= n * 4 // 3 + 16
            return {"$bytes": base64.b64encode(data[:n]).decode("ascii")}
        self.budget -= BYTES_PREVIEW * 4 // 3 + 60
        preview = base64.b64encode(bytes(data[:BYTES_PREVIEW])).decode("ascii")
        return {"$bytes": preview, "length": n, "$truncated": f"{n - BYTES_PREVIEW} more bytes"}

    def array(self, v: Any, depth: int) -> Any:
        shape = tuple(int(d) for d in v.shape)
        size = math.prod(shape)
        if size <= MAX_ITEMS:
            return self.convert(v.tolist(), depth)  # numpy scalars become Python scalars, arrays nested lists
        # Copy only the shown items: ``flat[:n]`` (numpy) or a flat view (torch and friends).
        flat = v.flat[:MAX_ITEMS] if hasattr(v, "flat") else v.reshape(-1)[:MAX_ITEMS]
        out = {"$type": type_name(type(v)), "dtype": _safe_str(v.dtype, 100), "shape": list(shape)}
        self.budget -= 80
        out["data"] = self.convert(flat.tolist(), depth + 1)
        out["$truncated"] = f"{size - MAX_ITEMS} more items"
        return out

    def plain_object(self, v: Any, tp: type, depth: int) -> dict:
        out: dict = {"$type": type_name(tp)}
        self.budget -= len(out["$type"]) + 12
        attrs = getattr(v, "__dict__", None)
        public: list[tuple[str, Any]] = []
        if isinstance(attrs, dict):
            public = [(k, a) for k, a in attrs.items() if isinstance(k, str) and not k.startswith("_")]
        for name in _slot_names(tp):
            value = getattr(v, name, _MISSING)
            if value is not _MISSING:
                public.append((name, value))
        if not public:
            # Nothing public to show: its repr is the most faithful thing left.
            out["$repr"] = _safe_repr(v)
            self.budget -= len(out["$repr"])
            return out
        return self.mapping(public, len(public), depth, out)


# -- fitting the text into max_length ---------------------------------------


def _strings(tree: Any, found: list) -> None:
    """Collect (container, key) of every string value in ``tree`` (not keys)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        items = node.items() if type(node) is dict else enumerate(node)
        for k, child in items:
            tc = type(child)
            if tc is str or tc is _Long:
                found.append((node, k))
            elif tc is dict or tc is list:
                stack.append(child)


def _length(s: Any) -> int:
    return len(s) if type(s) is str else min(s.total, s.cap)


def _water_level(lengths: list[int], target: int) -> int:
    """The largest cap c with sum(min(l, c)) <= target."""
    remaining = target
    ordered = sorted(lengths)
    for i, n in enumerate(ordered):
        left = len(ordered) - i
        if n * left <= remaining:
            remaining -= n
            continue
        return max(remaining // left, 0)
    return ordered[-1] if ordered else 0


def _min_string(max_length: int) -> int:
    return max(1, min(MIN_STRING, max_length // 4))


def _shrink_strings(root: list, text_length: int, max_length: int) -> bool:
    """Cap the strings under ``root`` so the text loses ``text_length - max_length`` characters; False if none can shrink."""
    found: list = []
    _strings(root, found)
    floor = _min_string(max_length)
    long = [(node, k) for node, k in found if _length(node[k]) > floor]
    if not long:
        return False
    raw = [_length(node[k]) for node, k in long]
    # Escaping (quotes, newlines, control characters) makes encoded strings longer than their characters.
    encoded = sum(len(_encode(node[k])) - 2 for node, k in long)
    room = max_length - (text_length - encoded)  # what the long strings may take, encoded
    target = int(room * sum(raw) / max(encoded, 1))
    cap = max(_water_level(raw, target), floor)
    if cap >= max(raw):
        cap = max(raw) - 1  # always make progress
    for node, k in long:
        s = node[k]
        if type(s) is str:
            if len(s) > cap:
                node[k] = _Long(s, len(s), cap)
        else:
            s.cap = min(s.cap, cap)
    return True


def _as_json_string(text: str, max_length: int) -> str:
    """Last resort: the text itself, cut, as one JSON string (escaping may lengthen it; shrink until it fits)."""
    limit = max_length - 2
    while True:
        out = _encode(truncate(text, max(limit, 0)))
        if len(out) <= max_length or limit <= 0:
            return out if len(out) <= max_length else '""'
        limit -= max(len(out) - max_length, 1)


def to_json(
    value: Any,
    *,
    max_length: int = DEFAULT_MAX_LENGTH,
    scrub: Scrub | None = None,
    text_hook: TextHook | None = None,
) -> str:
    """JSON text for ``value``, at most ``max_length`` characters; never raises.

    Oversized output is brought under ``max_length`` by first shortening the
    longest strings, then walking again with fewer container items. Only if
    the structure still cannot fit is the text returned as one JSON string,
    cut with the truncation marker.
    """
    return _to_json(value, max_length, scrub, text_hook, scrub_root=True)


def _to_json(value: Any, max_length: int, scrub: Scrub | None, text_hook: TextHook | None, scrub_root: bool) -> str:
    max_length = max(int(max_length), 2)
    try:
        budget = max_length
        text = ""
        for _attempt in range(3):
            walker = _Walker(scrub, max_length, budget)
            root = [walker.value(None, value, 0) if scrub_root else walker.convert(value, 0)]
            text = _finish(_encode(root[0]), text_hook)
            for _ in range(4):
                if len(text) <= max_length or not _shrink_strings(root, len(text), max_length):
                    break
                text = _finish(_encode(root[0]), text_hook)
            if len(text) <= max_length:
                return text
            # Strings are as short as they go; the structure itself is too big: walk again with less of it.
            budget = int(budget * max_length / len(text) * 0.8)
        return _as_json_string(text, max_length)
    except Exception as exc:
        _logger.debug("tracefile: to_json failed", exc_info=True)
        return _encode({"$error": f"{type(exc).__name__} while serializing"})


def _finish(text: str, text_hook: TextHook | None) -> str:
    return text if text_hook is None else text_hook(text)


def to_attribute(
    value: Any,
    *,
    max_length: int = DEFAULT_MAX_LENGTH,
    scrub: Scrub | None = None,
    text_hook: TextHook | None = None,
) -> str | bool | int | float | list:
    """An OpenTelemetry attribute value for ``value``; never raises.

    ``str``, ``bool``, ``int`` and ``float`` pass through (strings cut to
    ``max_length`` with the marker), as do lists and tuples of one of those
    types that fit in ``max_length``; everything else becomes :func:`to_json` text.
    """
    if scrub is not None:
        try:
            value = scrub(None, value)
        except Exception as exc:
            return f"[scrub failed: {type(exc).__name__}]"  # fail closed
    try:
        tp = type(value)
        if tp is str:
            text = truncate(value, max_length)
            return text if text_hook is None else truncate(text_hook(text), max_length)
        if tp is bool or tp is float:
            return value
        if tp is int:
            # Attribute ints are 64-bit on the wire; bigger ones go as their exact digits.
            return value if _INT64_MIN <= value <= _INT64_MAX else str(value)
        if (tp is list or tp is tuple) and len(value) <= MAX_ITEMS and _passes_as_list(value, max_length):
            items = list(value) if scrub is None else [scrub(None, x) for x in value]
            if text_hook is not None:
                items = [text_hook(x) if type(x) is str else x for x in items]
            if _passes_as_list(items, max_length):
                return items
        return _to_json(value, max_length, scrub, text_hook, scrub_root=False)
    except Exception as exc:
        _logger.debug("tracefile: to_attribute failed", exc_info=True)
        return _encode({"$error": f"{type(exc).__name__} while serializing"})


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _passes_as_list(items: list | tuple, max_length: int) -> bool:
    """True for a homogeneous list of str, bool, int or float that fits as it is."""
    kinds = {type(x) for x in items}
    if len(kinds) > 1 or not kinds <= {str, bool, int, float}:
        return False
    if str in kinds:
        return sum(map(len, items)) <= max_length
    if int in kinds:
        return all(_INT64_MIN <= x <= _INT64_MAX for x in items)
    return True
