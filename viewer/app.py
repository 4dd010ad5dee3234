"""``tracy-view``: command line entry point of the desktop viewer."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from typing import Sequence

APP_NAME = "Tracy"
DEFAULT_SIZE = (1280, 800)
LOAD_TIMEOUT_S = 120.0


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1280x800, not {text!r}")
    return int(m.group(1)), int(m.group(2))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tracy-view",
        description="Explore trace files of GenAI applications: .tracy, OTLP/JSON, Jaeger, Zipkin and Prompty.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="trace files to open, one tab each (any format; others are imported)")
    parser.add_argument(
        "--screenshot", metavar="OUT.png",
        help="render the window off screen, save it as a PNG and exit (1 when a file could not be opened or --select found nothing)",
    )
    parser.add_argument(
        "--size", type=_size, default=DEFAULT_SIZE, metavar="WxH", help="window size (default 1280x800)"
    )
    parser.add_argument(
        "--receive", nargs="?", type=int, const=4318, metavar="PORT",
        help="open a live tab on an OTLP receiver (OTLP/HTTP on 127.0.0.1:PORT, default 4318, with gRPC on 4317; 0: any free port)",
    )
    parser.add_argument("--select", metavar="SPAN_NAME", help="select the first span with this name")
    parser.add_argument(
        "--show", choices=("inspector", "chat", "summary"), default="inspector",
        help="what the right-hand pane shows for the selected span (default: inspector); summary: also open the Summary panel",
    )
    parser.add_argument("--search", metavar="QUERY", help="type this into the search field (its words are marked)")
    parser.add_argument("--critical-path", action="store_true", help="underline the selected trace's critical path")
    parser.add_argument(
        "--theme", choices=("system", "light", "dark"), default="system", help="colour palette (default: system)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    if (
        args.screenshot
        and "QT_QPA_PLATFORM" not in os.environ
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from .platform_check import check

    problem = check()
    if problem:  # Qt would abort with a message that names no fix
        print(problem, file=sys.stderr)
        return 1

    # Qt is imported only now, so the platform choice above takes effect and --help stays fast.
    from PySide6.QtCore import QCoreApplication, QEventLoop, QThread
    from PySide6.QtWidgets import QApplication

    from . import theme
    from .main_window import MainWindow

    QCoreApplication.setOrganizationName("Tracy")
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "tracy-view"])
    QApplication.setDesktopFileName("tracy-view")
    theme.apply_theme(app, args.theme)
    app.setWindowIcon(theme.app_icon())

    window = MainWindow(remember=not args.screenshot)
    if args.screenshot:
        window.resize(*args.size)
    elif not window.restore_geometry():
        window.resize(*args.size)
    window.open_paths(args.files)
    problems = []
    if args.receive is not None:
        from .main_window import ReceiveError

        try:
            window.receive(args.receive)
        except ReceiveError as exc:
            problems.append(f"tracy-view: {exc}")

    # Files load on worker threads: run the event loop until every tab has finished (or the deadline passes).
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while any(v.state == "loading" for v in window.file_views()) and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QThread.msleep(10)

    # With --screenshot, what went wrong is still drawn, and also reported in the exit code.
    failed = bool(problems)
    for line in problems:
        print(line, file=sys.stderr)
    for view in window.file_views():
        if view.state != "loaded":
            reason = view.result.error if view.result is not None else f"still loading after {LOAD_TIMEOUT_S:.0f} s"
            print(f"tracy-view: cannot open {view.path}: {reason}", file=sys.stderr)
            failed = True
    if args.select:
        view = window.current_view()
        if view is None or not view.select_span_named(args.select):
            print(f"tracy-view: no span named {args.select!r}", file=sys.stderr)
            failed = True
    if args.search:
        for view in window.file_views():
            view.search_field.setText(args.search)
            view.search.apply()
    if args.show == "chat":
        for view in window.file_views():
            view.show_chat()
    if args.show == "summary":
        window.summary_action.setChecked(True)
    if args.critical_path:
        window.critical_path_action.setChecked(True)

    if not args.screenshot:
        window.show()
        return app.exec()

    # Rendered without ever showing the window: nothing flashes on screen, and Qt's offscreen
    # platform stays quiet (it warns about size hints for shown windows).
    app.processEvents()
    window.grab()  # the first paint asks for what fills in lazily (the trace list's input previews)
    for _ in range(10):
        app.processEvents()
    ok = window.grab().save(args.screenshot, "PNG")
    window.close()
    window.deleteLater()
    app.processEvents()
    if not ok:
        print(f"tracy-view: could not write {args.screenshot}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
