"""Record a sample GenAI agent trace into .runs/ and open it in tracy-view.

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
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from tracefile import TracyFileExporter
    from tracefile.synthetic import emit, make_plan, new_provider

    exporter = TracyFileExporter(str(folder) + os.sep)
    provider = new_provider(seed=7, processor=BatchSpanProcessor(exporter))
    emit(provider, make_plan(240, seed=7))
    provider.shutdown()
    return exporter.path


def main() -> int:
    folder = ROOT / ".runs"
    path = record(folder)
    print(f"recorded {path}")
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
