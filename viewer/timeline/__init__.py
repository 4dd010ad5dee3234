"""The timeline of one trace: a waterfall of its spans and an overview (minimap) of the whole trace.

Pure logic lives in `viewport` (time↔pixel mapping, zoom, pan, ticks, hit testing),
`lod` (per-pixel, per-lane summaries of a million spans) and `colors`; the widgets
`TraceWaterfall` and `TraceOverview` paint from the trace index's columns.

    waterfall, overview = TraceWaterfall(), TraceOverview()
    link(waterfall, overview)
    overview.set_data(index, trace)
    waterfall.set_data(index, trace)
"""

from __future__ import annotations

from .overview import TraceOverview
from .viewport import Viewport
from .waterfall import TraceWaterfall

__all__ = ["TraceOverview", "TraceWaterfall", "Viewport", "link"]


def link(waterfall: TraceWaterfall, overview: TraceOverview) -> None:
    """Keep the overview's window rectangle and the waterfall's zoom in step, and mark the selected span."""
    waterfall.windowChanged.connect(overview.set_window)
    overview.windowChanged.connect(waterfall.set_window)
    waterfall.selectionChanged.connect(overview.set_selected_span)
