"""Before Qt starts on X11: name the system libraries its xcb plugin lacks, and how to install them.

Qt 6.5+ needs ``libxcb-cursor0`` (and a few other xcb libraries) to open a window
on X11. Without them Qt aborts with "Could not load the Qt platform plugin "xcb"
even though it was found", which names no fix; Ubuntu and Debian desktops often
lack ``libxcb-cursor0``. Loading the plugin ourselves first tells which library
is missing. No Qt is imported here.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Mapping

_SONAME = re.compile(r"(lib[\w.+-]+?\.so(?:\.\d+)*)")


def uses_xcb(environ: Mapping[str, str]) -> bool:
    """Whether Qt will pick its X11 (xcb) platform: asked for, or the default on an X11-only session."""
    platform = environ.get("QT_QPA_PLATFORM", "").strip()
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    return sys.platform.startswith("linux") and bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships a shared library: ``libxcb-cursor.so.0`` -> ``libxcb-cursor0``."""
    m = re.fullmatch(r"(lib[\w.+-]+?)\.so\.(\d+)(?:\.\d+)*", soname)
    if not m:
        return soname
    stem, major = m.group(1).lower(), m.group(2)
    return f"{stem}-{major}" if stem[-1].isdigit() else f"{stem}{major}"


def missing_libraries(plugin: Path, load: Callable[[str], object] = ctypes.CDLL) -> list[str]:
    """The shared libraries ``plugin`` needs and cannot find (empty when it loads)."""
    try:
        load(str(plugin))
        return []
    except OSError as exc:
        first = _SONAME.findall(str(exc))
    found = [name for name in first if Path(name).name != plugin.name][:1]
    # ldd lists every missing library at once, so one install command covers them all.
    ldd = shutil.which("ldd")
    if ldd:
        try:
            out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            if "not found" in line:
                name = line.split("=>")[0].strip()
                if name not in found:
                    found.append(name)
    return found


def message(missing: list[str]) -> str:
    """One line naming what is missing and the command that installs it."""
    packages = " ".join(dict.fromkeys(debian_package(n) for n in missing))
    names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return (
        f"tracy-view: Qt cannot open a window on X11: {names} "
        f"{'is' if len(missing) == 1 else 'are'} missing. "
        f"On Debian or Ubuntu: sudo apt install {packages} (--screenshot needs no display)"
    )


def xcb_plugin() -> Path | None:
    """The xcb platform plugin of the installed PySide6, if it has one."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.exists() else None


def check(environ: Mapping[str, str] | None = None) -> str | None:
    """The line to print before exiting, when Qt's xcb plugin would fail to load; None when all is well."""
    env = os.environ if environ is None else environ
    if not uses_xcb(env):
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin)
    return message(missing) if missing else None
