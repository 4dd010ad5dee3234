"""How much of a name, key or value the viewer measures and draws, and how deep it walks a nested value.

Qt measures and lays out text in time proportional to its length: a span name of
100 MB kept the waterfall's `elidedText` busy for over a minute, and an attribute
key of 100 MB the inspector's `horizontalAdvance`. So every name, key and value
goes through `clip` before Qt sees it, and long texts in the text panes are shown
a page at a time (`page`). Nested values go through `shallow` before anything
walks them: a list nested 990 levels deep raised `RecursionError`.
"""

from __future__ import annotations

from typing import Any, Mapping

#: Characters of a name, key or value that the viewer measures or draws in one line, a cell or a tooltip.
DISPLAY_LIMIT = 2_000
#: Characters of a text that a text pane (the inspector's value, a chat message) lays out at a time.
PAGE = 100_000
#: Levels of lists and maps the viewer walks; deeper ones show `DEEP_PLACEHOLDER`.
MAX_DEPTH = 64
DEEP_PLACEHOLDER = f"… nested deeper than {MAX_DEPTH} levels"
ELLIPSIS = "…"


def clip(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """``text``, or its first ``limit - 1`` characters and "…" when it is longer."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


def is_clipped(text: str, limit: int = DISPLAY_LIMIT) -> bool:
    return len(text) > limit


def count_text(n: int) -> str:
    """A length for people: "1,234 characters", "120 thousand characters", "50.0 million characters"."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} million characters"
    if n >= 100_000:
        return f"{n // 1000:,} thousand characters"
    return f"{n:,} character" + ("" if n == 1 else "s")


def clip_tip(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """A tooltip for ``text``: all of it when short, else its start and how long it is in all."""
    if len(text) <= limit:
        return text
    return f"{clip(text, limit)}\n\n({count_text(len(text))} in all)"


def page(text: str, pages: int = 1, size: int = PAGE) -> tuple[str, int]:
    """The first ``pages`` pages of ``text`` and how many characters remain after them."""
    shown = max(1, pages) * size
    if len(text) <= shown:
        return text, 0
    return text[:shown], len(text) - shown


def ends(text: str, size: int = PAGE) -> str:
    """``text``, or its first and last ``size // 2`` characters around a line that says how much is left out
    (a stack trace: where it started and the error at its end)."""
    if len(text) <= size:
        return text
    half = size // 2
    left_out = len(text) - 2 * half
    return f"{text[:half]}\n\n… {count_text(left_out)} not shown here (the inspector's value pane has them all) …\n\n{text[-half:]}"


def more_note(remaining: int, size: int = PAGE) -> str:
    """The words of a link that shows the next page of a text."""
    return f"Show the next {count_text(min(size, remaining))} ({count_text(remaining)} not shown)"


def depth_exceeds(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    """True when lists, tuples or maps in ``value`` nest deeper than ``max_depth`` (walked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth >= max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (Mapping, list, tuple)))
    return False


def shallow(value: Any, max_depth: int = MAX_DEPTH) -> Any:
    """``value`` itself, or (when it nests deeper than ``max_depth``) a copy whose deeper levels are `DEEP_PLACEHOLDER`.

    Lists, tuples and maps come back as lists and dicts in the copy.
    """
    if not depth_exceeds(value, max_depth):
        return value
    return _cut(value, max_depth)


def _cut(value: Any, levels: int) -> Any:
    # Recursion is bounded by `levels` (at most MAX_DEPTH frames).
    if isinstance(value, Mapping):
        return {k: _cut(v, levels - 1) for k, v in value.items()} if levels > 0 else DEEP_PLACEHOLDER
    if isinstance(value, (list, tuple)):
        return [_cut(v, levels - 1) for v in value] if levels > 0 else DEEP_PLACEHOLDER
    return value
