"""Time `tracy-view --screenshot` on the hostile files: huge names, keys, messages, stack traces, deep nesting (not a test).

Each file is drawn twice, with the hostile span selected in the Inspector and in
the Chat tab, each in a fresh process with a deadline.

Run: .venv/bin/python scripts/bench_hostile_view.py [timeout seconds] [names...]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.hostile_display import HOSTILE_SPAN, MAKERS  # noqa: E402


def screenshot(path: Path, out: Path, show: str, select: str, timeout: float) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "viewer", str(path), "--screenshot", str(out), "--select", select, "--show", show]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t, f"hung (killed after {timeout:.0f} s)"
    took = time.perf_counter() - t
    problem = "Traceback" in proc.stderr
    what = f"exit {proc.returncode}" + (", traceback" if problem else "") + ("" if out.exists() else ", no image")
    return took, what


def main() -> None:
    timeout = float(sys.argv[1]) if len(sys.argv) > 1 else 120.0
    names = sys.argv[2:] or list(MAKERS)
    print(f"tracy-view --screenshot on hostile files, 1280x800, deadline {timeout:.0f} s, Python {sys.version.split()[0]}")
    print(f"{'file':<18} {'show':<10} {'seconds':>8}  result")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            path = MAKERS[name](Path(tmp) / f"{name}.tracy")
            select = "invoke_agent planner" if name == "huge-name" else HOSTILE_SPAN
            for show in ("inspector", "chat"):
                out = Path(tmp) / f"{name}-{show}.png"
                took, what = screenshot(path, out, show, select, timeout)
                print(f"{name:<18} {show:<10} {took:8.1f}  {what}", flush=True)


if __name__ == "__main__":
    main()
