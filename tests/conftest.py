"""Shared test setup: Qt runs offscreen, no test touches the user's settings, and apps are recorded once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def record_app(tmp_path_factory) -> Callable[..., tuple[Path, dict]]:
    """``record_app(app, *args)``: run ``tests/helpers/apps/<app>`` against a loopback ChatServer,
    writing a .tracy file; returns ``(path, the JSON the app printed)``. Each distinct call is
    recorded once per test session and shared (tests that write to the file copy it first)."""
    from tests.helpers import e2e
    from tests.helpers.requirements import require_azure
    from tracefile.testing.loopback import ChatServer

    require_azure()
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
