"""Record a sample GenAI agent trace into .runs/ and open it in tracy-view.

The sample is examples/travel_agent.py: the real Azure AI Inference client,
traced by tracefile.configure(), talking to a built-in loopback model.

On a machine without a display, the viewer renders a screenshot instead
(.runs/demo.png) and the path is printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def record(folder: Path) -> Path:
    """Run the example agent (against the loopback model unless AZURE_AI_CHAT_ENDPOINT is set)."""
    env = dict(os.environ, OTEL_EXPORTER_TRACY_PATH=str(folder) + os.sep)
    before = set(folder.glob("*.tracy"))
    subprocess.run([sys.executable, str(ROOT / "examples" / "travel_agent.py")], env=env, cwd=ROOT, check=True)
    new = sorted(set(folder.glob("*.tracy")) - before, key=lambda p: p.stat().st_mtime)
    return new[-1]


def main() -> int:
    folder = ROOT / ".runs"
    path = record(folder)
    subprocess.run([sys.executable, "-m", "tracefile", "info", str(path)], check=True)
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and sys.platform.startswith("linux")
    if headless:
        shot = folder / "demo.png"
        done = subprocess.run([sys.executable, "-m", "viewer", str(path), "--screenshot", str(shot)])
        if done.returncode == 0:
            print(f"no display: wrote a screenshot of the viewer to {shot}")
        return done.returncode
    return subprocess.run([sys.executable, "-m", "viewer", str(path)]).returncode


if __name__ == "__main__":
    sys.exit(main())
