"""The named hostile files (tests/data/hostile/) through the same tools as the mutants, and the
viewer's window: no traceback, no hang, nothing lost beyond the hostile frames.

A case that fails on a defect not fixed yet is a strict xfail naming it (docs/RELIABILITY.md has
the list): it starts failing when the fix merges, and then its marker goes.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import fuzz, hostile


def _case(name: str, finding: str | None = None):
    if finding is None:
        return pytest.param(name, id=name)
    return pytest.param(name, id=name, marks=pytest.mark.xfail(strict=True, reason=finding))


S2 = "by design: validate lists duplicate span ids as a note, not as damage (real Jaeger and Zipkin files hold them)"

#: How the library and the viewer's session (no Qt) fare, per case.
TOOL_CASES = [
    _case("truncated-mid-frame"),
    _case("bitflip-in-frame-header"),
    _case("bitflip-in-payload"),
    _case("zeroed-run"),
    _case("reordered-frames"),
    _case("garbage-between-frames"),
    _case("huge-length-field"),
    _case("zstd-bomb"),
    _case("twelve-frames-of-1gib-zeros"),
    _case("details-of-200-million-empty-maps"),
    _case("model-index-out-of-range"),
    _case("negative-base-time"),
    _case("times-past-u64"),
    _case("kind-and-status-255"),
    _case("string-index-out-of-range"),
    _case("parent-cycle"),
    _case("duplicate-span-ids"),
    _case("span-name-10mb"),
    _case("attribute-key-40mb"),
    _case("attribute-nested-990-deep"),
    _case("message-50mb"),
]
#: Cases that cost seconds per tool while their defect stands: run through the two decoding paths
#: (the reader's and the viewer's) with a shorter deadline; scripts/fuzz.py runs every tool.
SHORT = {"twelve-frames-of-1gib-zeros": (("load",), 3.0), "details-of-200-million-empty-maps": (("load", "viewer"), 10.0)}


@pytest.mark.parametrize("name", TOOL_CASES)
def test_hostile_file_reads_without_traceback_hang_or_loss(name, prober, tmp_path_factory):
    clean, path = hostile.build(name, tmp_path_factory.getbasetemp() / "hostile")
    rec = fuzz.Recording.of(clean.read_bytes())
    base = fuzz.Baseline.of(rec, prober.run(clean, ["load"]))
    tools, hang_s = SHORT.get(name, (fuzz.TOOLS, fuzz.HANG_S))
    probe = prober if hang_s == prober.hang_s else fuzz.Prober(hang_s)
    try:
        result = probe.run(path, tools)
    finally:
        if probe is not prober:
            probe.close()
    problems = fuzz.check(rec, base, path.read_bytes(), result)
    problems = {tool: p for tool, p in problems.items() if tool in tools}
    assert not problems, fuzz.summary_line(problems)


@pytest.mark.parametrize("name", [
    _case("kind-and-status-255"),
    _case("parent-cycle"),
    _case("duplicate-span-ids", S2),
    _case("string-index-out-of-range"),
    _case("model-index-out-of-range"),
])  # fmt: skip
def test_validate_reports_impossible_values(name, tmp_path_factory):
    """`tracy validate` checks meaning, not only checksums: exit 1, naming the frame (the real command)."""
    _, path = hostile.build(name, tmp_path_factory.getbasetemp() / "hostile")
    proc = subprocess.run([sys.executable, "-m", "tracefile.cli", "validate", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stdout
    assert "DAMAGED" in proc.stdout and "frame at byte" in proc.stdout, proc.stdout


#: The window off screen: (case, tracy-view arguments).
WINDOW_CASES = [
    _case("span-name-10mb"),
    _case("attribute-key-40mb"),
    _case("attribute-nested-990-deep"),
    _case("bitflip-in-payload"),
    _case("huge-length-field"),
    _case("message-50mb"),
]
WINDOW_ARGS = {
    "attribute-key-40mb": ["--select", "huge key"],
    "attribute-nested-990-deep": ["--select", "deep attribute"],
    "message-50mb": ["--select", "chat gpt-4o", "--show", "chat"],
}


@pytest.mark.parametrize("name", WINDOW_CASES)
def test_hostile_file_in_the_window(name, tmp_path_factory, tmp_path):
    _, path = hostile.build(name, tmp_path_factory.getbasetemp() / "hostile")
    shot = fuzz.screenshot(path, tmp_path / "shot.png", *WINDOW_ARGS.get(name, []))
    assert shot["status"] == "ok" and shot["exit"] == 0, shot
