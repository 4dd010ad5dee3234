"""A failed LLM call, recorded with the real Azure SDK against a failing loopback server, in the main window:
the banner atop both tabs, the stack trace a click away, and the Chat tab saying that the call failed."""

from __future__ import annotations

import pytest

from tests.helpers.viewer import open_view
from viewer.failure.widget import HIDE_STACK, SHOW_STACK

def shown(widget) -> bool:
    """Visible once the window shows (tests never show it)."""
    return widget.isVisibleTo(widget.window())


HEADLINE = "HttpResponseError: (RateLimitReached) Rate limit is exceeded. Try again in 1 seconds."


@pytest.fixture
def view(qtbot, light_window, failed_calls):
    view = open_view(qtbot, light_window, failed_calls[0])
    assert view.select_span_named("chat error-429")
    return view


def test_the_inspector_opens_on_what_failed(qtbot, light_window, view):
    banner = view.inspector.failure_banner
    assert shown(banner) and banner.text() == HEADLINE
    assert "<b>HttpResponseError</b>" in banner.label.text() and "Rate limit is exceeded" in banner.label.text()
    # Above the tree: the first thing under the header.
    assert banner.mapTo(view.inspector, banner.rect().topLeft()).y() < view.inspector.tree.mapTo(view.inspector, view.inspector.tree.rect().topLeft()).y()
    assert not shown(banner.stack) and banner.stack_button.text() == SHOW_STACK
    banner.stack_button.click()
    assert shown(banner.stack) and banner.stack_button.text() == HIDE_STACK
    stack = banner.stack.toPlainText()
    assert stack.startswith("Traceback (most recent call last):") and "azure" in stack
    assert banner.stack.font().fixedPitch() or banner.stack.fontInfo().fixedPitch()
    banner.stack_button.click()
    assert not shown(banner.stack)


def test_the_chat_tab_says_the_call_failed_and_why(qtbot, view):
    view.show_chat()
    chat = view.chat
    banner = chat.failure_banner
    assert shown(banner) and banner.text() == f"This call failed: {HEADLINE}"
    text = chat.text()
    assert "this call fails" in text  # the prompt is still there
    assert "No output" in text and f"This call failed: {HEADLINE}" in text  # and where the answer would be
    assert text.index("this call fails") < text.index("No output")
    banner.show_stack()
    assert shown(banner.stack) and "Traceback" in banner.stack.toPlainText()


def test_a_call_that_worked_shows_no_banner(qtbot, view, failed_calls):
    assert view.select_span_named("chat gpt-4o-mini")
    view.show_chat()
    assert not shown(view.inspector.failure_banner) and not shown(view.chat.failure_banner)
    assert "No output" not in view.chat.text()
    # Back to the failed one: the banner comes back, its stack folded again.
    assert view.select_span_named("chat error-500")
    assert shown(view.chat.failure_banner) and "InternalServerError" in view.chat.failure_banner.text()
    assert not shown(view.chat.failure_banner.stack)
