"""The diff tests' recordings, shared by the logic and the widget tests: chat_app.py runs (variant
``a`` and ``b``, content on and off) and agent runs in the current GenAI conventions."""

from __future__ import annotations

import pytest

import tracefile
from tests.helpers.runs import Run, record_run
from tests.helpers.semconv_runs import write_semconv_run


@pytest.fixture(scope="session")
def run_a(record_app) -> Run:
    return record_run(record_app, "--content")


@pytest.fixture(scope="session")
def run_a_again(record_app) -> Run:
    return record_run(record_app, "--content", "--variant", "a")


@pytest.fixture(scope="session")
def run_b(record_app) -> Run:
    return record_run(record_app, "--content", "--variant", "b")


@pytest.fixture(scope="session")
def run_off(record_app) -> Run:
    return record_run(record_app, "--no-content")


@pytest.fixture(scope="session")
def semconv(tmp_path_factory) -> dict[str, tracefile.TraceFile]:
    """Variants ``a`` and ``b`` with content, and ``a-off`` without."""
    folder = tmp_path_factory.mktemp("diff-semconv")
    return {
        v: tracefile.load(write_semconv_run(folder / f"{v}.tracy", v.split("-")[0], content=not v.endswith("-off")))
        for v in ("a", "b", "a-off")
    }
