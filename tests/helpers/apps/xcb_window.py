"""Opens a file in the viewer on a real X server (Qt's xcb platform), selects a span and grabs the
screen: prints one JSON line with what the window showed. Run by tests/viewer/test_xcb.py under Xvfb."""

from __future__ import annotations

import json
import sys
import time

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from viewer.main_window import MainWindow


def wait(app: QApplication, done, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return done()


def main(path: str, span_name: str, out_png: str) -> int:
    app = QApplication([sys.argv[0]])
    window = MainWindow(remember=False)
    window.resize(1280, 800)
    window.show()
    view = window.open_path(path)
    loaded = wait(app, lambda: view.state != "loading")
    selected = view.select_span_named(span_name)
    wait(app, lambda: window.isExposed() if hasattr(window, "isExposed") else window.windowHandle().isExposed(), 10)
    app.processEvents()
    shot = app.primaryScreen().grabWindow(window.winId())
    saved = shot.save(out_png, "PNG")
    span = view.selected_span()
    print(json.dumps({
        "platform": app.platformName(),
        "loaded": loaded and view.state == "loaded",
        "selected": selected,
        "span": span.name if span is not None else None,
        "visible": window.isVisible(),
        "saved": saved,
        "size": [shot.width(), shot.height()],
    }))
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
