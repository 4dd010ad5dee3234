"""Span colours for the timeline: one hue per GenAI category, tuned for the light and the dark palette.

Pure data, no Qt: colours are ``#rrggbb`` strings. Errors are drawn in red as a
red outline with a red hatch over the category colour (and a red badge by the
name), and are red in the overview; no category uses red, so an error is never
mistaken for a kind of span.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracefile.genai import (
    CATEGORY_AGENT,
    CATEGORY_DATABASE,
    CATEGORY_EMBEDDINGS,
    CATEGORY_FUNCTION,
    CATEGORY_HTTP,
    CATEGORY_LLM,
    CATEGORY_NAMES,
    CATEGORY_OTHER,
    CATEGORY_TOOL,
)


@dataclass(frozen=True)
class SpanColors:
    fill: str  # the bar
    edge: str  # the bar's outline and the category dot's ring
    text: str  # text drawn on the bar


# (light fill, light edge, dark fill, dark edge). Light: saturated mid tones that keep white text
# legible; dark: lighter tones of the same hues that stand out on a dark base, with dark text.
_HUES = {
    CATEGORY_AGENT: ("#3b6fd4", "#2a55a8", "#6c9cf0", "#9dbcf5"),
    CATEGORY_LLM: ("#8250df", "#6639ba", "#a98bf0", "#c8b5f7"),
    CATEGORY_TOOL: ("#0f8a7e", "#0b6b62", "#3cc2b1", "#7fdccf"),
    CATEGORY_HTTP: ("#c26a06", "#9a5304", "#e8a044", "#f2c488"),
    CATEGORY_EMBEDDINGS: ("#bf3989", "#99286c", "#e67cc0", "#f2aedb"),
    CATEGORY_DATABASE: ("#5a8a1f", "#456b15", "#94c25a", "#bcdc95"),
    CATEGORY_FUNCTION: ("#5b6b80", "#434f5f", "#98a6b8", "#c0cad6"),
    CATEGORY_OTHER: ("#8c959f", "#6e7781", "#7d8590", "#a4acb5"),
}

#: Errors: text in the same reds as viewer.theme.error_color, so the timeline agrees with the lists;
#: stripes and outlines on bars (and overview buckets) in a more saturated red, which stays distinct
#: from the light violet and amber bars of the dark palette.
ERROR = {False: "#cf222e", True: "#ff7b72"}
ERROR_MARK = {False: "#cf222e", True: "#f85149"}


#: The legend's entries, in the order users look for them: (category, label).
LEGEND: tuple[tuple[int, str], ...] = (
    (CATEGORY_LLM, "LLM call"),
    (CATEGORY_TOOL, "Tool"),
    (CATEGORY_AGENT, "Agent"),
    (CATEGORY_HTTP, "HTTP"),
    (CATEGORY_EMBEDDINGS, "Embeddings"),
    (CATEGORY_DATABASE, "Database"),
    (CATEGORY_FUNCTION, "Function"),
    (CATEGORY_OTHER, "Other"),
)


def span_colors(category: int, dark: bool) -> SpanColors:
    """Colours of a bar of ``category`` (an unknown category is drawn as "other")."""
    lf, le, df, de = _HUES.get(int(category), _HUES[CATEGORY_OTHER])
    if dark:
        return SpanColors(df, de, "#111418")
    return SpanColors(lf, le, "#ffffff")


def error_color(dark: bool) -> str:
    return ERROR[bool(dark)]


def error_mark_color(dark: bool) -> str:
    """The red of error stripes and outlines."""
    return ERROR_MARK[bool(dark)]


def category_name(category: int) -> str:
    c = int(category)
    return CATEGORY_NAMES[c] if 0 <= c < len(CATEGORY_NAMES) else CATEGORY_NAMES[CATEGORY_OTHER]


def rgba_table(dark: bool, alpha: int = 255) -> np.ndarray:
    """A ``(categories + 1, 4)`` uint8 RGBA table for painting a bucket grid: row ``c`` for category ``c``,
    the last row for errors."""
    rows = [span_colors(c, dark).fill for c in range(len(CATEGORY_NAMES))] + [error_mark_color(dark)]
    table = np.zeros((len(rows), 4), np.uint8)
    for i, hex_color in enumerate(rows):
        table[i, :3] = [int(hex_color[k : k + 2], 16) for k in (1, 3, 5)]
        table[i, 3] = alpha
    return table
