"""Before Qt starts on X11: a missing xcb library is named with its install command; and the viewer
on a real X server (Xvfb, Qt's xcb platform) opens a file, selects a span and grabs the screen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from viewer import platform_check

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden-v1.tracy"
#: What dlopen said on a Debian 12 machine whose xcb plugin lacked a library.
DLOPEN_ERROR = "libxcb-icccm.so.4: cannot open shared object file: No such file or directory"


def test_debian_package_names():
    assert platform_check.debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert platform_check.debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert platform_check.debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert platform_check.debian_package("libxcb-render-util.so.0") == "libxcb-render-util0"
    assert platform_check.debian_package("libEGL.so.1") == "libegl1"


def test_one_line_names_the_libraries_and_the_command():
    one = platform_check.message(["libxcb-cursor.so.0"])
    assert one.startswith("tracy-view: ") and "\n" not in one
    assert "libxcb-cursor.so.0 is missing" in one and "sudo apt install libxcb-cursor0" in one
    two = platform_check.message(["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    assert "libxcb-icccm.so.4 and libxcb-keysyms.so.1 are missing" in two
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in two


def test_the_library_dlopen_names_is_found(tmp_path):
    def refuse(path: str):
        raise OSError(DLOPEN_ERROR)

    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    assert platform_check.missing_libraries(plugin, load=refuse)[0] == "libxcb-icccm.so.4"
    assert platform_check.missing_libraries(plugin, load=lambda p: None) == []


@pytest.mark.parametrize(
    ("environ", "xcb"),
    [
        ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, False),
        ({"QT_QPA_PLATFORM": "xcb"}, True),
        ({"QT_QPA_PLATFORM": "xcb:nomitshm"}, True),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),
        ({}, False),
    ],
)
def test_only_an_xcb_start_is_checked(environ, xcb):
    assert platform_check.uses_xcb(environ) is xcb
    if not xcb:
        assert platform_check.check(environ) is None


@pytest.fixture
def x_server():
    """A display on a real X server (Xvfb), for the length of the test."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (Debian: apt install xvfb)")
    read, write = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stderr=subprocess.DEVNULL)  # fmt: skip
    os.close(write)
    with os.fdopen(read) as f:
        display = f.readline().strip()
    try:
        assert display, "Xvfb gave no display number"
        yield f":{display}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_viewer_on_a_real_x_server(x_server, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=x_server, QT_QPA_PLATFORM="xcb")
    problem = platform_check.check(env)
    if problem is not None:
        # This machine lacks a library the xcb plugin needs: tracy-view must say which, in one line.
        run = subprocess.run([sys.executable, "-m", "viewer", str(GOLDEN)], env=env, capture_output=True, text=True, timeout=60)
        assert run.returncode == 1
        assert run.stderr.strip() == problem and "sudo apt install" in problem
        return
    out = tmp_path / "xcb.png"
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "helpers" / "apps" / "xcb_window.py"), str(GOLDEN), "enqueue", str(out)],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout.strip().splitlines()[-1])
    assert shown == {"platform": "xcb", "loaded": True, "selected": True, "span": "enqueue", "visible": True,
                     "saved": True, "size": [1280, 800]}  # fmt: skip
    assert out.stat().st_size > 10_000  # a real frame, not an empty grab
