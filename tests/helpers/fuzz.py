"""Mutants of .tracy files and the tools they are fed to, for the fuzz harness. No `tracefile` import.

The frames are walked and built here from docs/FORMAT.md alone (struct, zlib, zstd, msgspec), so a
bug in the reader cannot hide in its own oracle. The tools run in a probe process
(`tests/helpers/fuzz_probe.py`) under an address-space limit, with a deadline per tool; the viewer
also runs as a real `tracy-view --screenshot` subprocess.

    rec = Recording.of(Path("run.tracy").read_bytes())
    mutant = Mutant("flip", flip_bits(rec.data, [(900, 0x10)]))
    with Prober() as probe:
        result = probe.run(path_of(mutant), TOOLS)
    problems = check(rec, baseline, mutant.data, result)
"""

from __future__ import annotations

import json
import os
import re
import resource
import select
import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import msgspec
import zstandard
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]

# docs/FORMAT.md §1
FILE_MAGIC = b"\x89TRACY\r\n\x1a\n"
FILE_HEADER_SIZE = 16
FRAME_SYNC = b"\xf7TRF"
FRAME_HEADER_SIZE = 24
MAX_LEN = 1 << 30
KIND_FILE_INFO, KIND_SPANS, KIND_SPAN_DETAILS, KIND_FEEDBACK, KIND_INDEX = 0x01, 0x10, 0x11, 0x20, 0x7F
FLAG_ZSTD = 1
_HEAD = struct.Struct("<4sBBHIII")
_U32 = struct.Struct("<I")

#: What every mutant goes through (fuzz_probe.py runs them in this order).
TOOLS = ("info", "validate", "load", "lazy", "iter_spans", "viewer")
#: Seconds one tool may take on one file before it counts as a hang.
HANG_S = 10.0
#: The probe's address-space limit: a hostile file must not need more to be read.
ADDRESS_SPACE = 3 << 29  # 1.5 GiB


# --- frames (docs/FORMAT.md §1.2) ---------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    offset: int
    kind: int
    flags: int
    stored_len: int
    raw_len: int

    @property
    def end(self) -> int:
        return self.offset + FRAME_HEADER_SIZE + self.stored_len


def frame(kind: int, payload: bytes, *, compress: bool = False, raw_len: int | None = None, flags: int = 0) -> bytes:
    """One frame with valid checksums. ``raw_len`` may lie about the decompressed size."""
    size = len(payload)
    if compress:
        payload = zstandard.ZstdCompressor(level=3).compress(payload)
        flags |= FLAG_ZSTD
    head = _HEAD.pack(FRAME_SYNC, kind, flags, 0, len(payload), size if raw_len is None else raw_len, zlib.crc32(payload))
    return head + _U32.pack(zlib.crc32(head)) + payload


def file_header(major: int = 1, minor: int = 1) -> bytes:
    return FILE_MAGIC + struct.pack("<HHH", major, minor, 0)


def walk(data: bytes) -> list[Frame]:
    """The frames of an undamaged file, in order (ValueError at the first thing that is not one)."""
    frames, pos = [], FILE_HEADER_SIZE
    while pos < len(data):
        sync, kind, flags, _, stored, raw, crc = _HEAD.unpack_from(data, pos)
        if sync != FRAME_SYNC or zlib.crc32(data[pos : pos + 20]) != _U32.unpack_from(data, pos + 20)[0]:
            raise ValueError(f"no frame at byte {pos}")
        f = Frame(pos, kind, flags, stored, raw)
        if zlib.crc32(data[pos + FRAME_HEADER_SIZE : f.end]) != crc:
            raise ValueError(f"frame at byte {pos} fails its checksum")
        frames.append(f)
        pos = f.end
    return frames


def payload(data: bytes, f: Frame) -> bytes:
    raw = data[f.offset + FRAME_HEADER_SIZE : f.end]
    return zstandard.ZstdDecompressor().decompress(raw, max_output_size=f.raw_len) if f.flags & FLAG_ZSTD else raw


def header_is_valid(data: bytes) -> bool:
    """Whether a reader must accept the file header (the magic, and a major version it reads)."""
    return len(data) >= FILE_HEADER_SIZE and data.startswith(FILE_MAGIC) and struct.unpack_from("<H", data, 10)[0] <= 1


@dataclass
class Recording:
    """An undamaged file, cut into frames and span batches."""

    data: bytes
    frames: list[Frame]
    #: per batch: (its spans frame, its span-details frame, how many spans)
    batches: list[tuple[Frame, Frame, int]]

    @classmethod
    def of(cls, data: bytes) -> "Recording":
        frames = walk(data)
        batches = []
        for a, b in zip(frames, frames[1:]):
            if a.kind == KIND_SPANS and b.kind == KIND_SPAN_DETAILS:
                batches.append((a, b, msgspec.msgpack.decode(payload(data, a))[1]))
        return cls(data, frames, batches)

    def __repr__(self) -> str:
        return f"Recording({len(self.data)} bytes, {len(self.frames)} frames, {len(self.batches)} batches)"

    def bytes_of(self, f: Frame) -> bytes:
        return self.data[f.offset : f.end]


# --- mutations ----------------------------------------------------------------------------------


@dataclass
class Mutant:
    #: what was done, e.g. "flip 3 bits" or "hostile span-details payload: deep-list"
    operator: str
    data: bytes
    detail: str = ""


def truncate(data: bytes, at: int) -> bytes:
    return data[:at]


def flip_bits(data: bytes, flips: Iterable[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for pos, mask in flips:
        out[pos % len(out)] ^= mask or 1
    return bytes(out)


def zero_run(data: bytes, start: int, length: int) -> bytes:
    out = bytearray(data)
    out[start : start + length] = bytes(len(out[start : start + length]))
    return bytes(out)


def rebuild(rec: Recording, order: list[int]) -> bytes:
    """The file with its frames in ``order`` (indexes into ``rec.frames``; repeats duplicate, gaps drop)."""
    return rec.data[:FILE_HEADER_SIZE] + b"".join(rec.bytes_of(rec.frames[i]) for i in order)


def splice(data: bytes, at: int, junk: bytes) -> bytes:
    return data[:at] + junk + data[at:]


def patch_length(rec: Recording, index: int, which: str, value: int, *, fix_crc: bool) -> bytes:
    """Set a frame's stored_len or raw_len, with a header checksum that still matches when ``fix_crc``."""
    f = rec.frames[index]
    head = bytearray(rec.data[f.offset : f.offset + 20])
    struct.pack_into("<I", head, 8 if which == "stored_len" else 12, value & 0xFFFFFFFF)
    crc = zlib.crc32(head) if fix_crc else _U32.unpack_from(rec.data, f.offset + 20)[0]
    return rec.data[: f.offset] + bytes(head) + _U32.pack(crc) + rec.data[f.offset + FRAME_HEADER_SIZE :]


def replace_frame(rec: Recording, index: int, new: bytes) -> bytes:
    f = rec.frames[index]
    return rec.data[: f.offset] + new + rec.data[f.end :]


# Hostile MessagePack: each is a payload that passes the frame checksums (docs/FORMAT.md §2 says
# what the array should hold; these say something else, or claim far more than they carry).
def _mp_array_header(n: int) -> bytes:
    return b"\xdd" + struct.pack(">I", n)


def _mp_map_header(n: int) -> bytes:
    return b"\xdf" + struct.pack(">I", n)


def hostile_payloads(original: Any) -> dict[str, bytes]:
    """Payloads built from a decoded spans or span-details payload ``original`` (a list)."""
    enc = msgspec.msgpack.encode
    out = {
        "claims-4g-array": _mp_array_header(0xFFFFFFFF),
        "claims-4g-map": _mp_map_header(0xFFFFFFFF),
        "claims-4g-str": b"\xdb" + struct.pack(">I", 0xFFFFFFFF) + b"x",
        "deep-list": b"\x91" * 5000 + b"\xc0",
        "deep-map": b"\x81\xa1k" * 3000 + b"\xc0",
        "not-an-array": enc({"spans": 1}),
        "empty-array": enc([]),
        "nil": b"\xc0",
        "invalid-utf8": b"\x92\xa2\xff\xfe\x01",
        "trailing-bytes": enc(original) + b"\x00\x01",
        "truncated-msgpack": enc(original)[: max(1, len(enc(original)) // 2)],
    }
    if isinstance(original, list) and len(original) > 3:
        for i in range(len(original)):
            for label, value in (("nil", None), ("neg", -1), ("huge", 2**64 - 1), ("str", "x"), ("list", [1, [2]]),
                                 ("bytes", b"\x00" * 3), ("map", {"a": 1})):  # fmt: skip
                patched = list(original)
                patched[i] = value
                out[f"field{i}={label}"] = enc(patched)
        if isinstance(original[1], int):
            patched = list(original)
            patched[1] = original[1] + 1  # count one more than the columns hold
            out["count+1"] = enc(patched)
    return out


def hostile_frame(rec: Recording, index: int, name: str) -> bytes | None:
    f = rec.frames[index]
    try:
        original = msgspec.msgpack.decode(payload(rec.data, f))
    except msgspec.DecodeError:
        original = None
    body = hostile_payloads(original).get(name)
    if body is None:
        return None
    return replace_frame(rec, index, frame(f.kind, body, compress=bool(f.flags & FLAG_ZSTD)))


OPERATORS = (
    "truncate", "flip", "zero-run", "duplicate", "reorder", "drop", "garbage", "length", "hostile-payload"
)  # fmt: skip


@st.composite
def mutants(draw, rec: Recording) -> Mutant:
    """One mutant of ``rec``, by one of `OPERATORS` (sometimes two, applied in turn)."""
    size = len(rec.data)
    op = draw(st.sampled_from(OPERATORS))
    n = len(rec.frames)
    if op == "truncate":
        at = draw(st.one_of(st.integers(0, size), st.sampled_from([f.end for f in rec.frames] + [f.offset + 30 for f in rec.frames])))
        m = Mutant(op, truncate(rec.data, at), f"at byte {at}")
    elif op == "flip":
        flips = draw(st.lists(st.tuples(st.integers(FILE_HEADER_SIZE, size - 1), st.integers(1, 255)), min_size=1, max_size=8))
        m = Mutant(op, flip_bits(rec.data, flips), f"{len(flips)} bytes: {flips[:3]}")
    elif op == "zero-run":
        start = draw(st.integers(FILE_HEADER_SIZE, size - 1))
        length = draw(st.integers(1, 4096))
        m = Mutant(op, zero_run(rec.data, start, length), f"{length} bytes at {start}")
    elif op in ("duplicate", "reorder", "drop"):
        order = list(range(n))
        i = draw(st.integers(0, n - 1))
        if op == "duplicate":
            order.insert(draw(st.integers(0, n)), i)
        elif op == "reorder":
            j = draw(st.integers(0, n - 1))
            order[i], order[j] = order[j], order[i]
        else:
            del order[i]
        m = Mutant(op, rebuild(rec, order), f"frames {order}")
    elif op == "garbage":
        at = draw(st.one_of(st.sampled_from([f.offset for f in rec.frames] + [size]), st.integers(FILE_HEADER_SIZE, size)))
        junk = draw(st.one_of(
            st.binary(min_size=1, max_size=300),
            st.binary(max_size=40).map(lambda b: FRAME_SYNC + b),  # a sync word that starts no frame
            st.sampled_from([rec.bytes_of(f)[:k] for f in rec.frames for k in (4, 23, 24, 40)]),  # a torn frame
        ))  # fmt: skip
        m = Mutant(op, splice(rec.data, at, junk), f"{len(junk)} bytes at {at}")
    elif op == "length":
        i = draw(st.integers(0, n - 1))
        which = draw(st.sampled_from(["stored_len", "raw_len"]))
        value = draw(st.sampled_from([0, 1, 23, MAX_LEN, MAX_LEN + 1, 0xFFFFFFFF, rec.frames[i].stored_len + 1,
                                      max(0, rec.frames[i].stored_len - 1), rec.frames[i].raw_len * 2]))  # fmt: skip
        fix = draw(st.booleans())
        m = Mutant(op, patch_length(rec, i, which, value, fix_crc=fix), f"frame {i} {which}={value} crc {'fixed' if fix else 'stale'}")
    else:
        i = draw(st.sampled_from([k for k, f in enumerate(rec.frames) if f.kind in (KIND_SPANS, KIND_SPAN_DETAILS, KIND_FEEDBACK, KIND_FILE_INFO)]))
        f = rec.frames[i]
        try:
            original = msgspec.msgpack.decode(payload(rec.data, f))
        except msgspec.DecodeError:
            original = None
        name = draw(st.sampled_from(sorted(hostile_payloads(original))))
        m = Mutant(op, hostile_frame(rec, i, name) or rec.data, f"frame {i} ({f.kind:#x}): {name}")
    return m


# --- the oracle ---------------------------------------------------------------------------------


def survivors(rec: Recording, data: bytes) -> tuple[list[int], list[int]]:
    """(batches whose spans frame is intact in ``data``, batches whose spans and details frames are
    intact and adjacent). A reader must return the spans of the first, with every detail for the second."""
    if not header_is_valid(data):
        return [], []
    timeline, full = [], []
    for b, (s, d, _) in enumerate(rec.batches):
        sb = rec.bytes_of(s)
        if data.find(sb, FILE_HEADER_SIZE) >= 0:
            timeline.append(b)
            if data.find(sb + rec.bytes_of(d), FILE_HEADER_SIZE) >= 0:
                full.append(b)
    return timeline, full


@dataclass
class Baseline:
    """Digests of the original's spans, per batch (from the probe's `load` of the undamaged file)."""

    full: list[list[str]]
    timeline: list[list[str]]

    @classmethod
    def of(cls, rec: Recording, result: dict) -> "Baseline":
        load = result["load"]
        assert load["status"] == "ok", load
        full, timeline, k = [], [], 0
        for _, _, count in rec.batches:
            full.append(load["full"][k : k + count])
            timeline.append(load["timeline"][k : k + count])
            k += count
        assert k == len(load["full"]), "the recording holds spans outside its batches"
        return cls(full, timeline)


#: What each tool may answer. Everything else is a finding.
EXITS = {"info": (0, 2), "validate": (0, 1)}


def check(rec: Recording, base: Baseline, data: bytes, result: dict) -> dict[str, list[str]]:
    """Problems per tool: "traceback: ...", "hang", "lost: ..." or "bad exit: ..."; empty when all is well."""
    problems: dict[str, list[str]] = {}
    timeline, full = survivors(rec, data)
    for tool in TOOLS:
        r = result.get(tool)
        found = problems.setdefault(tool, [])
        if r is None:
            found.append("not run")
            continue
        if r["status"] in ("traceback", "hang"):
            found.append(r["status"] if r["status"] == "hang" else f"traceback: {r['error']}")
            continue
        if tool in EXITS:
            if r["exit"] not in EXITS[tool]:
                found.append(f"bad exit: {r['exit']}: {r['stderr'][-300:]}")
            elif r["exit"] and not r["stderr"].strip() and tool != "validate":
                found.append(f"exit {r['exit']} with no message")
            continue
        if r["status"] == "error":
            if timeline:
                found.append(f"lost: refused the whole file ({r['error'][:200]}) though {len(timeline)} batches are intact")
            continue
        found.extend(_lost(base, timeline, full, r))
    return {tool: p for tool, p in problems.items() if p}


def _lost(base: Baseline, timeline: list[int], full: list[int], r: dict) -> list[str]:
    got_full = Counter(r["full"])
    got_timeline = Counter(r["timeline"])
    lost = []
    for b in timeline:
        want, have = (base.full[b], got_full) if b in full else (base.timeline[b], got_timeline)
        missing = [d for d in want if have[d] == 0]
        if missing:
            lost.append(f"lost: {len(missing)} of {len(want)} spans of intact batch {b}{'' if b in full else ' (timeline)'}")
    return lost


def summary_line(problems: dict[str, list[str]]) -> str:
    return "; ".join(f"{tool}: {', '.join(p)}" for tool, p in problems.items())


# --- the probe process --------------------------------------------------------------------------


def _limit_memory() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


class Prober:
    """A `fuzz_probe` process that runs `TOOLS` on one file at a time. A tool that takes over
    `HANG_S` is a hang: the process is killed and started afresh for the next file."""

    def __init__(self, hang_s: float = HANG_S) -> None:
        self.hang_s = hang_s
        self.proc: subprocess.Popen | None = None
        self.restarts = 0

    def __enter__(self) -> "Prober":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OPENBLAS_NUM_THREADS="1", PYTHONFAULTHANDLER="")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.fuzz_probe"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=_limit_memory,
        )  # fmt: skip
        return self.proc

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.proc = None

    def run(self, path: str | os.PathLike[str], tools: Iterable[str] = TOOLS) -> dict[str, dict]:
        """{tool: {"status": "ok" | "error" | "traceback" | "hang", ...}} for one file."""
        results: dict[str, dict] = {}
        for tool in tools:
            proc = self.proc if self.proc is not None and self.proc.poll() is None else self._start()
            proc.stdin.write((json.dumps({"path": os.fspath(path), "tool": tool}) + "\n").encode())
            proc.stdin.flush()
            line = self._read_line(proc)
            if line is None:
                crashed = proc.poll() is not None
                self.close()
                self.restarts += 1
                results[tool] = {"status": "traceback", "error": f"probe died (exit {proc.returncode})"} if crashed else {"status": "hang"}
                continue
            results[tool] = json.loads(line)
            if "MemoryError" in results[tool].get("error", ""):
                self.close()  # start clean: a MemoryError can leave the process short of memory
        return results

    def _read_line(self, proc: subprocess.Popen) -> bytes | None:
        deadline = time.monotonic() + self.hang_s
        buf = b""
        fd = proc.stdout.fileno()
        while not buf.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return None
            buf += chunk
        return buf


# --- the viewer's window, off screen ------------------------------------------------------------


def screenshot(path: str | os.PathLike[str], out: str | os.PathLike[str], *args: str, hang_s: float = HANG_S) -> dict:
    """Run ``tracy-view PATH --screenshot OUT``: {"status": "ok" | "traceback" | "hang", "exit", "stderr"}."""
    exe = shutil.which("tracy-view", path=os.path.dirname(sys.executable)) or "tracy-view"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OPENBLAS_NUM_THREADS="1")
    try:
        proc = subprocess.run(
            [exe, os.fspath(path), "--screenshot", os.fspath(out), *args], env=env, capture_output=True,
            text=True, timeout=hang_s, preexec_fn=_limit_memory,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"status": "hang", "exit": None, "stderr": ""}
    tb = re.search(r"Traceback \(most recent call last\)[\s\S]*?\n(\w+(Error|Exception)[^\n]*)", proc.stderr)
    if tb or proc.returncode not in (0, 1):
        return {"status": "traceback", "exit": proc.returncode, "stderr": proc.stderr[-2000:],
                "error": tb.group(1) if tb else f"exit {proc.returncode}"}  # fmt: skip
    if not Path(out).is_file():
        return {"status": "traceback", "exit": proc.returncode, "stderr": proc.stderr[-2000:], "error": "no screenshot"}
    return {"status": "ok", "exit": proc.returncode, "stderr": proc.stderr[-2000:]}


def window_problem(shot: dict) -> str | None:
    """A `screenshot` result as a problem line that `known` understands, or None."""
    if shot["status"] == "ok":
        return None
    return "hang" if shot["status"] == "hang" else f"traceback: {shot['error']}"


@dataclass
class Tally:
    """Counts for a campaign: per tool, tracebacks, hangs and files with spans lost beyond the damage."""

    mutants: int = 0
    per_tool: dict[str, Counter] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, label: str, problems: dict[str, list[str]], tools: Iterable[str] = TOOLS) -> None:
        for tool in tools:
            c = self.per_tool.setdefault(tool, Counter())
            c["runs"] += 1
            kinds = {p.split(":")[0] for p in problems.get(tool, [])}
            for kind in kinds:
                c[{"traceback": "tracebacks", "hang": "hangs", "lost": "lost"}.get(kind, "other")] += 1
            for p in problems.get(tool, []):
                ex = self.examples.setdefault(f"{tool} {p.split(':')[0]}", [])
                if len(ex) < 5:
                    ex.append(f"{label}: {p[:300]}")

    def table(self) -> str:
        lines = [f"{'tool':<12}{'runs':>7}{'tracebacks':>12}{'hangs':>7}{'lost':>7}{'other':>7}"]
        for tool, c in self.per_tool.items():
            lines.append(f"{tool:<12}{c['runs']:>7}{c['tracebacks']:>12}{c['hangs']:>7}{c['lost']:>7}{c['other']:>7}")
        return "\n".join(lines)


# --- what is already known ----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A known defect: the problems it causes, matched by tool and text. Each one has a strict
    xfail case in tests/fuzz/test_hostile.py, so that its fix makes that case pass and this entry
    must go."""

    id: str
    tools: tuple[str, ...]
    pattern: str
    text: str


FINDINGS: tuple[Finding, ...] = ()


def known(tool: str, problem: str) -> str | None:
    """The id of the known finding that explains ``problem`` of ``tool``, or None."""
    for f in FINDINGS:
        if tool in f.tools and re.search(f.pattern, problem):
            return f.id
    return None
