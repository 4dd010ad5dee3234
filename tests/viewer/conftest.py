"""Fixtures for the viewer tests: real .tracy files written through the OpenTelemetry SDK, and
an isolated settings file so tests never touch the real home folder.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"

#: Fixed start so screenshots come out the same every run (local time).
BASE_NS = int(datetime(2025, 11, 25, 14, 3, 12).timestamp()) * 1_000_000_000
MS = 1_000_000


@pytest.fixture
def viewer_env(tmp_path_factory, monkeypatch):
    """Settings in a temporary INI file (env var and QSettings' default paths)."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("settings")
    monkeypatch.setenv("TRACY_VIEW_SETTINGS", str(folder / "tracy-view.ini"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder / "user"))
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(folder / "system"))
    return folder


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


class _Recorder:
    """Writes spans with chosen timings through the real SDK into a .tracy file."""

    def __init__(self, path: Path) -> None:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor

        from tracefile import TracyFileExporter

        self.provider = TracerProvider(resource=Resource.create({"service.name": "travel-agent"}))
        self.provider.add_span_processor(SimpleSpanProcessor(TracyFileExporter(str(path))))
        self.tracer = self.provider.get_tracer("tests.viewer")

    @contextmanager
    def span(self, name: str, start_ms: float, dur_ms: float, *, kind=None, error: str | None = None, **attrs):
        from opentelemetry import trace

        start = BASE_NS + int(start_ms * MS)
        with self.tracer.start_as_current_span(
            name,
            kind=kind or trace.SpanKind.INTERNAL,
            start_time=start,
            attributes={k.replace("__", "."): v for k, v in attrs.items()},
            end_on_exit=False,
        ) as span:
            yield span
            if error:
                span.set_status(trace.Status(trace.StatusCode.ERROR, error))
            span.end(end_time=start + int(dur_ms * MS))

    def close(self) -> None:
        self.provider.shutdown()


def write_sample(path: Path) -> Path:
    """Five GenAI traces: agent runs with tool calls, a failing chat call, an embedding call."""
    from opentelemetry.trace import SpanKind

    rec = _Recorder(path)
    client = SpanKind.CLIENT
    # 1. An agent run: two model calls around a tool call.
    with rec.span("invoke_agent travel-planner", 0, 4820, gen_ai__operation__name="invoke_agent"):
        with rec.span("chat gpt-4o", 12, 1830, kind=client, gen_ai__request__model="gpt-4o"):
            pass
        with rec.span("execute_tool get_weather", 1850, 412.5, gen_ai__tool__name="get_weather"):
            with rec.span("GET api.weather.example/v1/forecast", 1861, 388.2, kind=client):
                pass
        with rec.span("execute_tool search_flights", 2270, 980, gen_ai__tool__name="search_flights"):
            pass
        with rec.span("chat gpt-4o", 3260, 1552, kind=client, gen_ai__request__model="gpt-4o"):
            pass
    # 2. A chat call that fails after a retry.
    with rec.span("chat gpt-4o-mini", 6000, 2315, kind=client, error="RateLimitError: 429 Too Many Requests"):
        with rec.span("POST /v1/chat/completions", 6002, 1001, kind=client, error="429 Too Many Requests"):
            pass
        with rec.span("POST /v1/chat/completions", 7310, 1003.7, kind=client, error="429 Too Many Requests"):
            pass
    # 3. Embeddings.
    with rec.span("embeddings text-embedding-3-small", 9100, 86.4, kind=client):
        pass
    # 4. A second agent run.
    with rec.span("invoke_agent travel-planner", 12000, 2950.8):
        with rec.span("chat gpt-4o", 12010, 2210, kind=client):
            pass
        with rec.span("execute_tool book_hotel", 14230, 0.72):
            pass
    # 5. A quick cache lookup.
    with rec.span("cache.lookup", 15500, 0.0385):
        pass
    rec.close()
    return path


@pytest.fixture
def sample_tracy(tmp_path) -> Path:
    return write_sample(tmp_path / "travel-agent.tracy")


@pytest.fixture
def make_tracy(tmp_path) -> Callable[..., Path]:
    """``make_tracy(name, build)``: ``build(recorder)`` records spans into ``tmp_path/name``."""

    def make(name: str, build: Callable[[_Recorder], None]) -> Path:
        path = tmp_path / name
        rec = _Recorder(path)
        build(rec)
        rec.close()
        return path

    return make


@pytest.fixture
def bad_files(tmp_path) -> dict[str, Path]:
    json_file = tmp_path / "prompty-run.tracy"
    json_file.write_text('{"name": "chat", "__frames": [], "runtime": "python"}\n')
    random_file = tmp_path / "noise.tracy"
    random_file.write_bytes(bytes(range(7, 250, 3)) * 4)
    empty = tmp_path / "empty.tracy"
    empty.write_bytes(b"")
    return {"json": json_file, "random": random_file, "empty": empty, "missing": tmp_path / "missing.tracy"}


# -- recordings of the real Azure AI Inference SDK, and the main window ---------------------------


@pytest.fixture(scope="session")
def record_app(tmp_path_factory) -> Callable[..., tuple[Path, dict]]:
    """``record_app(app, *args)``: run ``tests/helpers/apps/<app>`` against a loopback ChatServer,
    writing a .tracy file; returns ``(path, the JSON the app printed)``. Each distinct call is
    recorded once per test session and shared (tests that write to the file copy it first)."""
    pytest.importorskip("azure.ai.inference")
    from tests.helpers import e2e
    from tracefile.testing.loopback import ChatServer

    done: dict[tuple[str, ...], tuple[Path, dict]] = {}

    def record(app: str, *args: str) -> tuple[Path, dict]:
        key = (app, *args)
        if key not in done:
            path = tmp_path_factory.mktemp(app.removesuffix(".py")) / "run.tracy"
            with ChatServer() as server:
                proc = e2e.run_app(app, "--endpoint", server.endpoint, "--path", str(path), *args)
            done[key] = (path, e2e.last_json(proc.stdout))
        return done[key]

    return record


@pytest.fixture
def light_theme(qapp):
    """The light palette for the test (screenshots and colour checks), the system one after."""
    from viewer import theme

    theme.apply_theme(qapp, "light")
    yield
    theme.apply_theme(qapp, "system")


@pytest.fixture
def light_window(qtbot, light_theme):
    """A 1280×800 main window in the light palette."""
    from viewer.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1280, 800)
    yield window
    for diff in list(window.diff_windows):
        diff.close()


def open_view(qtbot, window, path):
    """Open ``path`` in a tab and wait until it is loaded."""
    view = window.open_path(path)
    qtbot.waitUntil(lambda: view.state != "loading")
    assert view.state == "loaded", view.result
    return view
