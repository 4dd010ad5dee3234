"""Comparing from the main window (pytest-qt): mark a span in yesterday's run, select the same step
in today's run (another file), and open the prompt and completion diff or the run comparison.
The runs are real recordings of the azure-ai-inference SDK (tests/helpers/apps/chat_app.py), the
second one with ``--variant b``: another question, model and temperature.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.viewer import open_view

pytestmark = pytest.mark.usefixtures("viewer_env")


@pytest.fixture
def runs(record_app, tmp_path) -> tuple[Path, Path]:
    """Yesterday's and today's run, as two files named after them."""
    paths = []
    for variant in ("a", "b"):
        recorded, _ = record_app("chat_app.py", "--steps", "sync,tools", "--content", "--variant", variant)
        path = tmp_path / f"run-{variant}.tracy"
        shutil.copyfile(recorded, path)
        paths.append(path)
    return paths[0], paths[1]


@pytest.fixture
def window(light_window):
    return light_window


def _select_first_chat(view) -> None:
    ix = view.session.index
    for t in range(len(ix.traces)):
        if ix.name(int(ix.traces.root[t])).startswith("chat"):
            view.select_trace(view.trace_model.row_of(t))
            view.waterfall.select_row(int(ix.traces.root[t]))
            return
    raise AssertionError("no chat trace")


def test_compare_a_span_across_two_files(qtbot, window, runs, screenshot_dir):
    from tests.helpers.apps import chat_app

    a, b = runs
    view_a = open_view(qtbot, window, a)
    assert window.compare_span(view_a, show=False) is None
    assert view_a.flash_label.text().startswith("Mark a span first")
    _select_first_chat(view_a)
    assert window.mark_for_comparison(view_a)
    assert window.marked.span.name.startswith("chat") and window.marked.title.startswith("run-a.tracy · ")
    view_b = open_view(qtbot, window, b)
    _select_first_chat(view_b)
    diff_window = window.compare_span(view_b, show=False)
    assert diff_window is not None and diff_window in window.diff_windows
    diff = diff_window.view.diff()
    assert diff.changed.prompt_changed and diff.changed.model_changed and diff.changed.params_changed
    html = diff_window.view.html()
    assert "France" in html and "Spain" in html
    fields = {f.label: (f.left_text, f.right_text) for f in diff.fields if f.changed}
    assert any(right == chat_app.VARIANT_MODEL for _, right in fields.values())
    diff_window.resize(1180, 820)
    assert diff_window.grab().save(str(screenshot_dir / "compare-span-window.png"))


def test_compare_runs_lists_the_changed_steps(qtbot, window, runs, screenshot_dir):
    a, b = runs
    view_a = open_view(qtbot, window, a)
    ix = view_a.session.index
    # The tools step: an agent trace with two chat calls and a tool.
    (tools_trace,) = [t for t in range(len(ix.traces)) if int(ix.traces.spans[t]) > 2]
    view_a.select_trace(view_a.trace_model.row_of(tools_trace))
    view_a.waterfall.select_row(int(ix.traces.root[tools_trace]))
    assert window.mark_for_comparison(view_a)
    view_a.reload()  # the marked file is read again: its trace is found by id, not by number
    qtbot.waitUntil(lambda: view_a.state == "loaded" and view_a.session.index is not None)
    view_b = open_view(qtbot, window, b)
    ixb = view_b.session.index
    (tools_b,) = [t for t in range(len(ixb.traces)) if int(ixb.traces.spans[t]) > 2]
    view_b.select_trace(view_b.trace_model.row_of(tools_b))
    compare = window.compare_runs(view_b, show=False)
    assert compare is not None
    comparison = compare.view.comparison()
    # Variant b sets a temperature on both calls and asks a follow-up question at the end.
    assert [step.status for step in comparison.steps] == ["changed", "changed", "only_b"]
    assert all("params" in step.what for step in comparison.steps[:2])
    assert comparison.summary() == "3 LLM steps: 2 changed, 1 only in B"
    compare.resize(1180, 820)
    assert compare.grab().save(str(screenshot_dir / "compare-runs-window.png"))
