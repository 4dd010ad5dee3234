"""Persistent viewer settings (recent files, window geometry, token prices, pane shares) in QSettings "Tracy"/"tracy-view".

Set ``TRACY_VIEW_SETTINGS=/some/file.ini`` to keep them in that file instead
(tests use this so they never touch the real home folder).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

ORGANIZATION = "Tracy"
APPLICATION = "tracy-view"
ENV_SETTINGS = "TRACY_VIEW_SETTINGS"
RECENT_KEY = "recentFiles"
MAX_RECENT = 10


def open_settings() -> QSettings:
    path = os.environ.get(ENV_SETTINGS)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def recent_files(settings: QSettings) -> list[str]:
    value = settings.value(RECENT_KEY, [])
    if value is None:
        return []
    if isinstance(value, str):  # QSettings returns a lone string for a one-item list in INI files
        value = [value]
    return [str(v) for v in value if v]


def add_recent_file(settings: QSettings, path: str) -> list[str]:
    path = os.path.abspath(path)
    files = [path] + [p for p in recent_files(settings) if p != path]
    del files[MAX_RECENT:]
    settings.setValue(RECENT_KEY, files)
    return files


def clear_recent_files(settings: QSettings) -> None:
    settings.remove(RECENT_KEY)


PRICE_TABLE_KEY = "prices/table"


def price_table_json(settings: QSettings) -> str | None:
    """The user's price table as saved (a JSON document), or None when they never changed the defaults."""
    value = settings.value(PRICE_TABLE_KEY)
    return str(value) if value else None


def set_price_table_json(settings: QSettings, text: str | None) -> None:
    """Save the user's price table; None goes back to the built-in defaults."""
    if text:
        settings.setValue(PRICE_TABLE_KEY, text)
    else:
        settings.remove(PRICE_TABLE_KEY)
    settings.sync()


PANE_SHARES_KEY = "layout/paneShares"


def pane_shares(settings: QSettings) -> tuple[float, float, float] | None:
    """The shares of a tab's width the user last gave the trace list, timeline and side pane, or
    None when never changed or unreadable (a hand-edited file): the defaults apply then."""
    value = settings.value(PANE_SHARES_KEY)
    if isinstance(value, str):  # an INI file may return "0.2, 0.5, 0.3" as one string
        value = value.split(",")
    try:
        shares = tuple(float(v) for v in value) if isinstance(value, (list, tuple)) else ()
    except (TypeError, ValueError):
        return None
    if len(shares) != 3 or not all(0.05 <= s <= 0.9 for s in shares) or abs(sum(shares) - 1) > 0.01:
        return None
    return shares  # type: ignore[return-value]


def set_pane_shares(settings: QSettings, shares: tuple[float, float, float]) -> None:
    settings.setValue(PANE_SHARES_KEY, [f"{s:.4f}" for s in shares])


NAME_WIDTH_KEY = "timeline/nameWidth"


def timeline_name_width(settings: QSettings, default: int) -> int:
    """The width the user last dragged the timeline's span-name column to (``default`` when never)."""
    try:
        value = int(settings.value(NAME_WIDTH_KEY, default))
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def set_timeline_name_width(settings: QSettings, width: int) -> None:
    settings.setValue(NAME_WIDTH_KEY, int(width))


LEGEND_KEY = "timeline/legendShown"


def timeline_legend_shown(settings: QSettings) -> bool:
    """Whether the timeline's colour legend was last left open (closed until the user opens it)."""
    return str(settings.value(LEGEND_KEY, "false")).lower() == "true"


def set_timeline_legend_shown(settings: QSettings, shown: bool) -> None:
    settings.setValue(LEGEND_KEY, "true" if shown else "false")


TRACE_LIST_KEY = "layout/traceListHidden"


def trace_list_hidden(settings: QSettings) -> bool:
    """Whether the user last hid the trace list (Ctrl+B): new tabs then start without it."""
    return str(settings.value(TRACE_LIST_KEY, "false")).lower() == "true"


def set_trace_list_hidden(settings: QSettings, hidden: bool) -> None:
    settings.setValue(TRACE_LIST_KEY, "true" if hidden else "false")
