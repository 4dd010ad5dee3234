"""Fixtures for the viewer tests: real .tracy files written through the OpenTelemetry SDK, and
an isolated settings file so tests never touch the real home folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

import tracefile
from tests.helpers.recorder import Recorder, write_sample
from tests.helpers.runs import Run, record_run
from tests.helpers.semconv_chat import semconv_file

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"


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


@pytest.fixture(scope="session")
def sample_tracy(tmp_path_factory) -> Path:
    """The five sample traces (`write_sample`), written once; tests that change the file copy it first."""
    return write_sample(tmp_path_factory.mktemp("sample") / "travel-agent.tracy")


@pytest.fixture
def make_tracy(tmp_path) -> Callable[..., Path]:
    """``make_tracy(name, build)``: ``build(recorder)`` records spans into ``tmp_path/name``."""

    def make(name: str, build: Callable[[Recorder], None]) -> Path:
        path = tmp_path / name
        rec = Recorder(path)
        build(rec)
        rec.close()
        return path

    return make


@pytest.fixture
def bad_files(tmp_path) -> dict[str, Path]:
    # JSON, but no trace format: a chat request saved by hand (a Prompty trace would open).
    json_file = tmp_path / "chat-request.json"
    json_file.write_text('{"messages": [{"role": "user", "content": "hi"}], "model": "gpt-4o"}\n')
    random_file = tmp_path / "noise.tracy"
    random_file.write_bytes(bytes(range(7, 250, 3)) * 4)
    empty = tmp_path / "empty.tracy"
    empty.write_bytes(b"")
    return {"json": json_file, "random": random_file, "empty": empty, "missing": tmp_path / "missing.tracy"}


# -- recordings of the real Azure AI Inference SDK, the semconv layout, and the main window ---------


@pytest.fixture(scope="session")
def content_on(record_app) -> Run:
    """chat_app.py (a plain call, then an agent with a tool call) with message content recorded."""
    return record_run(record_app, "--content")


@pytest.fixture(scope="session")
def content_off(record_app) -> Run:
    """The same app with content recording off."""
    return record_run(record_app, "--no-content")


@pytest.fixture(scope="session")
def failed_calls(record_app) -> tuple[Path, dict]:
    """chat_app.py's errors step: two LLM calls the loopback server fails (429, then 500), then one that works."""
    return record_app("chat_app.py", "--steps", "errors", "--content")


@pytest.fixture(scope="session")
def long_conversation(record_app) -> tuple[Path, dict]:
    """chat_app.py's long step: 12 user turns, each call sending the whole history (the last holds 24 messages)."""
    return record_app("chat_app.py", "--steps", "long", "--content")


@pytest.fixture(scope="session")
def chat_semconv(tmp_path_factory) -> tracefile.TraceFile:
    """A chat span with every message part type, in the current GenAI conventions (`semconv_chat`)."""
    return semconv_file(tmp_path_factory.mktemp("chat-semconv") / "run.tracy")


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
