"""Steps the viewer's window tests share."""

from __future__ import annotations


def open_view(qtbot, window, path):
    """Open ``path`` in a tab and wait until it is loaded."""
    view = window.open_path(path)
    qtbot.waitUntil(lambda: view.state != "loading")
    assert view.state == "loaded", view.result
    return view
