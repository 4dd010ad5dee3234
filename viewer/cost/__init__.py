"""Tokens and cost: an editable price table turns each span's token counts into money.

``logic`` is the price table, its JSON form and the vectorised cost rollups (no Qt);
``store`` holds the table every open view uses (`prices()` emits ``changed``);
``model`` is the editable Qt table model and ``widget`` the dialog::

    from viewer.cost import file_summary_text, open_price_table, prices
    prices().changed.connect(refresh)              # prices were edited: recompute costs
    status.setText(file_summary_text(session.index))   # "12.3k tokens · $0.42"
    open_price_table(main_window)                  # the Prices dialog
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Qt is imported only when these are used, so `viewer.cost.logic` stays Qt-free
    from tracefile.format import Timeline

    from ..tracedata import TraceIndex
    from .logic import SpanCosts
    from .store import PriceStore
    from .widget import PriceTableDialog

# The last timeline priced: (the timeline, its length, the price table's version, the costs).
_last: tuple[weakref.ref, int, int, SpanCosts] | None = None


def prices() -> PriceStore:
    """The price table shared by every open view (a QObject with a ``changed`` signal)."""
    from .store import prices as _prices

    return _prices()


def file_summary_text(index: TraceIndex | Timeline | None) -> str:
    """``12.3k tokens · $0.42`` for a status line, at the current prices; empty without tokens.

    Given a `TraceIndex`, spans that repeat their descendants' token totals are not counted twice."""
    from tracefile.format import Timeline

    from . import logic

    if index is None:
        return ""
    timeline, counted = (index, None) if isinstance(index, Timeline) else (index.timeline, index.counted)
    return logic.file_summary_text(logic.file_totals(timeline, span_prices(timeline), counted))


def span_prices(timeline: Timeline) -> SpanCosts:
    """Every span of ``timeline`` priced at the current prices. The status line and the trace
    list both ask after each load and each price change: the spans are priced once for both."""
    from . import logic

    global _last
    table = prices()
    if _last is not None:
        ref, length, version, costs = _last
        if ref() is timeline and length == len(timeline) and version == table.version:
            return costs
    costs = logic.price_spans(timeline, table.table)
    _last = (weakref.ref(timeline), len(timeline), table.version, costs)
    return costs


def open_price_table(parent=None) -> PriceTableDialog:
    """Show the Prices dialog (one at a time) and return it."""
    from .widget import open_price_table as _open

    return _open(parent)
