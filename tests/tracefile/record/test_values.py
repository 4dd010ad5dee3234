"""to_json / to_attribute / truncate: faithful, bounded, always-valid JSON for any Python value."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import decimal
import enum
import json
import uuid
from pathlib import Path, PurePosixPath
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import pytest

from tracefile.record.values import (
    MAX_DEPTH,
    MAX_ITEMS,
    to_attribute,
    to_json,
    truncate,
    truncation_marker,
)


def j(value, **kwargs):
    text = to_json(value, **kwargs)
    return json.loads(text)


# -- truncate ----------------------------------------------------------------


def test_truncate_keeps_short_text_and_marks_cut_text():
    assert truncate("hello", 5) == "hello"
    cut = truncate("x" * 1000, 100)
    assert len(cut) <= 100
    assert cut.endswith(truncation_marker(1000 - cut.index("…")))
    assert cut.startswith("x" * 50)
    assert truncation_marker(123456) == "…[truncated 123,456 chars]"


def test_truncate_reports_the_exact_number_of_cut_chars():
    for n in (30, 99, 100, 101, 10_000, 1_000_000):
        text = "a" * n
        for limit in (25, 26, 40, 99):
            out = truncate(text, limit)
            assert len(out) <= limit
            if n > limit and "…" in out:
                kept = out.index("…")
                assert out == "a" * kept + truncation_marker(n - kept)


def test_truncate_without_room_for_the_marker_still_respects_the_limit():
    assert truncate("abcdefghij" * 10, 5) == "abcde"
    assert truncate("abc", 0) == ""


# -- scalars and standard types -----------------------------------------------


def test_json_native_values():
    assert j({"a": [1, 2.5, True, None, "s"]}) == {"a": [1, 2.5, True, None, "s"]}
    assert j(2**80) == 2**80  # big ints keep every digit
    assert j([float("nan"), float("inf"), -float("inf")]) == ["NaN", "Infinity", "-Infinity"]
    assert j("é…\x00\"") == "é…\x00\""


def test_dict_keys_become_strings_and_order_is_kept():
    assert j({2: "a", (1, 2): "b", None: "c", "z": "d"}) == {"2": "a", "(1, 2)": "b", "None": "c", "z": "d"}
    assert list(j({"b": 1, "a": 2})) == ["b", "a"]


def test_tuples_sets_and_views():
    assert j((1, (2, 3))) == [1, [2, 3]]
    assert j({3, 1, 2}) == [1, 2, 3]
    assert j(frozenset({"b", "a"})) == ["a", "b"]
    mixed = j({1, "a"})  # not sortable: iteration order, but every element
    assert sorted(map(str, mixed)) == ["1", "a"]
    assert j({"x": 1}.keys()) == ["x"]
    assert j({"x": 1}.values()) == [1]
    assert j(collections.deque([1, 2])) == [1, 2]
    assert j(range(3)) == [0, 1, 2]


@dataclasses.dataclass
class Message:
    role: str
    content: str
    meta: dict = dataclasses.field(default_factory=dict)


class Point(NamedTuple):
    x: int
    y: int


class Color(enum.Enum):
    RED = "red"
    BLUE = 2


class Level(enum.IntEnum):
    HIGH = 3


def test_dataclasses_namedtuples_and_enums():
    assert j(Message("user", "hi", {"k": Color.RED})) == {"role": "user", "content": "hi", "meta": {"k": "red"}}
    assert j(Point(1, 2)) == {"x": 1, "y": 2}
    assert j([Color.RED, Color.BLUE, Level.HIGH]) == ["red", 2, 3]
    assert j({Color.RED: 1}) == {"red": 1}


def test_dates_decimals_uuids_paths():
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone.utc)
    value = {
        "dt": when,
        "d": dt.date(2024, 5, 6),
        "t": dt.time(7, 8, 9),
        "td": dt.timedelta(minutes=1, milliseconds=500),
        "dec": decimal.Decimal("1.1000000000000000000001"),
        "u": uuid.UUID(int=255),
        "p": Path("/tmp/x.txt"),
        "pp": PurePosixPath("a/b"),
    }
    assert j(value) == {
        "dt": "2024-05-06T07:08:09.123456+00:00",
        "d": "2024-05-06",
        "t": "07:08:09",
        "td": 60.5,
        "dec": "1.1000000000000000000001",
        "u": "00000000-0000-0000-0000-0000000000ff",
        "p": "/tmp/x.txt",
        "pp": "a/b",
    }


def test_bytes_inline_and_summarised():
    assert j(b"\x00\x01hi") == {"$bytes": "AAFoaQ=="}
    assert j(bytearray(b"ab")) == {"$bytes": "YWI="}
    assert j(memoryview(b"ab")) == {"$bytes": "YWI="}
    big = j(b"\x89PNG" + bytes(10_000))
    assert big["length"] == 10_004
    assert big["$truncated"] == f"{10_004 - 48} more bytes"
    assert big["$bytes"].startswith("iVBORw")  # the preview shows the magic bytes


# -- duck-typed libraries -------------------------------------------------------


class PydanticV2Like:
    model_fields = {"name": None, "at": None}

    def __init__(self, name):
        self.name = name

    def model_dump(self, mode="python"):
        assert mode == "json"
        return {"name": self.name, "at": "2024-01-01T00:00:00Z"}


class PydanticV1Like:
    __fields__ = {"name": None}

    def __init__(self, name):
        self.name = name

    def dict(self):
        return {"name": self.name, "when": dt.date(2024, 1, 1)}


class AttrsLike:
    __attrs_attrs__ = (SimpleNamespace(name="x"), SimpleNamespace(name="y"))

    def __init__(self):
        self.x, self.y, self._hidden = 1, [2], 3


def test_pydantic_v1_v2_and_attrs_by_duck_typing():
    assert j(PydanticV2Like("a")) == {"name": "a", "at": "2024-01-01T00:00:00Z"}
    assert j(PydanticV1Like("b")) == {"name": "b", "when": "2024-01-01"}
    assert j(AttrsLike()) == {"x": 1, "y": [2]}


def test_numpy_scalars_and_arrays():
    assert j(np.int64(7)) == 7
    assert j(np.float32(1.5)) == 1.5
    assert j(np.bool_(True)) is True
    assert j(np.arange(6).reshape(2, 3)) == [[0, 1, 2], [3, 4, 5]]
    big = j(np.zeros((200, 300), dtype=np.float32))
    assert big["$type"] == "numpy.ndarray"
    assert big["shape"] == [200, 300] and big["dtype"] == "float32"
    assert len(big["data"]) == MAX_ITEMS and big["$truncated"] == f"{60_000 - MAX_ITEMS} more items"


# -- objects, generators, exceptions ---------------------------------------------


class Config:
    def __init__(self):
        self.model = "gpt"
        self.temperature = 0.2
        self._secret_cache = {"x": 1}


class Slotted:
    __slots__ = ("a", "_b", "unset")

    def __init__(self):
        self.a, self._b = 1, 2


class Opaque:
    __slots__ = ()

    def __repr__(self):
        return "<Opaque thing>"


def test_plain_objects_show_type_and_public_attributes():
    assert j(Config()) == {"$type": f"{__name__}.Config", "model": "gpt", "temperature": 0.2}
    assert j(Slotted()) == {"$type": f"{__name__}.Slotted", "a": 1}
    assert j(Opaque()) == {"$type": f"{__name__}.Opaque", "$repr": "<Opaque thing>"}
    assert j(object())["$type"] == "object"


def test_generators_are_never_consumed():
    def numbers():
        yield 1
        yield 2

    gen = numbers()
    out = j({"g": gen, "it": iter([1, 2])})
    assert out["g"]["$type"] == "generator" and "numbers" in out["g"]["$repr"]
    assert out["it"]["$type"] == "list_iterator"
    assert list(gen) == [1, 2]


def test_coroutines_and_async_generators_are_not_run():
    async def coro():
        return 1

    async def agen():
        yield 1

    c, a = coro(), agen()
    assert j(c)["$type"] == "coroutine"
    assert j(a)["$type"] == "async_generator"
    c.close()


def test_exceptions():
    exc = ValueError("bad value")
    assert j(exc) == {"$type": "ValueError", "message": "bad value"}

    class HTTPError(Exception):
        def __init__(self, status):
            super().__init__(f"status {status}")
            self.status = status

    assert j(HTTPError(404)) == {"$type": f"{__name__}.test_exceptions.<locals>.HTTPError", "message": "status 404", "status": 404}


def test_functions_classes_and_modules_are_named_not_walked():
    assert j(len) == {"$type": "builtin_function_or_method", "$repr": "<built-in function len>"}
    assert j(Config)["$type"] == "type" and "Config" in j(Config)["$repr"]
    assert j(json)["$type"] == "module"


# -- hostile objects --------------------------------------------------------------


class Hostile:
    def __getattribute__(self, name):
        raise RuntimeError("no attributes for you")

    def __repr__(self):
        raise RuntimeError("no repr either")


class BadRepr:
    __slots__ = ()

    def __repr__(self):
        raise ValueError("broken")


class BadModelDump:
    model_fields = {}

    def model_dump(self, mode="python"):
        raise TypeError("cannot dump")


def test_hostile_objects_give_markers_not_exceptions():
    out = j({"h": Hostile(), "r": BadRepr(), "m": BadModelDump(), "ok": 1})
    assert out["h"] == {"$type": f"{__name__}.Hostile", "$error": "RuntimeError while serializing"}
    assert out["r"] == {"$type": f"{__name__}.BadRepr", "$repr": "<repr() failed: ValueError>"}
    assert out["m"] == {"$type": f"{__name__}.BadModelDump", "$error": "TypeError while serializing"}
    assert out["ok"] == 1


def test_unprintable_keys():
    class BadKey:
        def __str__(self):
            raise RuntimeError

        def __hash__(self):
            return 1

    assert j({BadKey(): 1}) == {"<str() failed: RuntimeError>": 1}


# -- cycles, depth, sizes -------------------------------------------------------------


def test_cycles_are_marked_but_shared_references_are_not():
    a: list = [1]
    a.append(a)
    assert j(a) == [1, {"$cycle": True}]
    d: dict = {"name": "d"}
    d["self"] = d
    assert j(d) == {"name": "d", "self": {"$cycle": True}}
    shared = {"k": 1}
    assert j([shared, shared]) == [{"k": 1}, {"k": 1}]
    obj = Config()
    obj.parent = obj
    assert j(obj)["parent"] == {"$cycle": True}


def test_depth_limit():
    value: list = []
    node = value
    for _ in range(MAX_DEPTH + 10):
        node.append([])
        node = node[0]
    out = j(value)
    depth = 0
    while isinstance(out, list):
        out, depth = out[0], depth + 1
    assert out == {"$truncated": "depth"}
    assert depth == MAX_DEPTH


def test_large_containers_are_capped_with_a_count():
    out = j(list(range(5000)))
    assert out[:MAX_ITEMS] == list(range(MAX_ITEMS))
    assert out[MAX_ITEMS] == {"$truncated": f"{5000 - MAX_ITEMS} more items"}
    out = j({f"k{i}": i for i in range(1500)})
    assert out["k999"] == 999 and "k1000" not in out
    assert out["$truncated"] == "500 more items"


def test_long_strings_inside_are_cut_and_the_total_fits():
    value = {"a": "x" * 50_000, "b": "y" * 50_000, "n": 1}
    text = to_json(value, max_length=4000)
    assert len(text) <= 4000
    out = json.loads(text)
    assert out["n"] == 1
    for key, ch in (("a", "x"), ("b", "y")):
        kept = out[key].index("…")
        assert out[key] == ch * kept + truncation_marker(50_000 - kept)
        assert kept > 1000  # both strings got a fair share, not one of them everything


def test_fifty_megabyte_string_is_cut_without_copying_it_whole():
    big = "z" * 50_000_000
    for value in (big, {"doc": big}, [big]):
        text = to_json(value, max_length=32_768)
        assert len(text) <= 32_768
        assert "…[truncated 49,9" in text
        json.loads(text)


@pytest.mark.parametrize(
    "value",
    [
        '"' * 10_000,  # every character doubles when escaped
        ["\n" * 300] * 500,
        [{"k": i, "s": "v" * 100} for i in range(50_000)],
        list(range(100_000)),
        {f"key{i}" * 20: [i] * 10 for i in range(3000)},
        [[["deep"] * 50] * 50] * 50,
    ],
    ids=["quotes", "newlines", "many-dicts", "many-ints", "long-keys", "nested-lists"],
)
def test_output_always_fits_and_stays_valid_json(value):
    for limit in (300, 2000, 32_768):
        text = to_json(value, max_length=limit)
        assert len(text) <= limit
        json.loads(text)


def test_structure_that_cannot_fit_becomes_a_cut_json_string():
    text = to_json({"k" * 200: 1, "j" * 200: 2}, max_length=100)
    assert len(text) <= 100
    out = json.loads(text)
    assert isinstance(out, str) and "…[truncated" in out and out.startswith('{"kkk')


# -- hooks ----------------------------------------------------------------------------


def test_scrub_sees_every_key_and_position():
    seen = []

    def scrub(key, value):
        seen.append(key)
        return "[REDACTED]" if key == "api_key" else value

    value = {"api_key": "sk-1", "nested": {"api_key": "sk-2", "list": ["a"]}, "obj": SimpleNamespace(api_key="sk-3")}
    out = j(value, scrub=scrub)
    assert out == {
        "api_key": "[REDACTED]",
        "nested": {"api_key": "[REDACTED]", "list": ["a"]},
        "obj": {"$type": "types.SimpleNamespace", "api_key": "[REDACTED]"},
    }
    assert seen[0] is None  # the root
    assert seen.count(None) == 2  # the root and the list item
    assert "api_key" in seen and "nested" in seen and "list" in seen


def test_scrub_failure_fails_closed():
    def scrub(key, value):
        if key == "password":
            raise RuntimeError("scrubber bug")
        return value

    assert j({"password": "hunter2", "user": "bob"}, scrub=scrub) == {
        "password": {"$error": "scrub failed: RuntimeError"},
        "user": "bob",
    }
    assert to_attribute("hunter2", scrub=lambda k, v: 1 / 0) == "[scrub failed: ZeroDivisionError]"


def test_text_hook_rewrites_the_final_text():
    text = to_json({"token": "sk-abc"}, text_hook=lambda t: t.replace("sk-abc", "sk-***"))
    assert json.loads(text) == {"token": "sk-***"}


# -- to_attribute ------------------------------------------------------------------------


def test_to_attribute_passes_otel_types_through():
    assert to_attribute("text") == "text"
    assert to_attribute(True) is True
    assert to_attribute(3) == 3
    assert to_attribute(2.5) == 2.5
    assert to_attribute([1, 2]) == [1, 2]
    assert to_attribute(("a", "b")) == ["a", "b"]
    assert to_attribute([]) == []
    assert to_attribute(2**70) == str(2**70)  # attribute ints are 64-bit


def test_to_attribute_serializes_everything_else():
    assert to_attribute([1, "a"]) == '[1,"a"]'  # mixed types are not a valid attribute list
    assert to_attribute([True, 1]) == "[true,1]"
    assert to_attribute({"a": 1}) == '{"a":1}'
    assert to_attribute(None) == "null"
    assert to_attribute(Message("user", "x")) == '{"role":"user","content":"x","meta":{}}'
    assert json.loads(to_attribute(["x" * 100] * 10, max_length=300))[0].startswith("x")


def test_to_attribute_caps_strings():
    out = to_attribute("q" * 10_000, max_length=100)
    assert len(out) <= 100 and out.endswith(truncation_marker(10_000 - out.index("…")))
    assert to_attribute("secret", text_hook=lambda t: t.upper()) == "SECRET"
    assert to_attribute(["a", "b"], scrub=lambda k, v: v.upper() if isinstance(v, str) else v) == ["A", "B"]


def test_small_limits_keep_the_structure():
    class Name(str):
        pass

    text = to_json({"a": Name("hi"), "b": "x" * 100}, max_length=60)
    assert len(text) <= 60
    out = json.loads(text)
    assert out["a"] == "hi" and type(out["a"]) is str
    kept = out["b"].index("…")
    assert out["b"] == "x" * kept + truncation_marker(100 - kept) and kept > 5
