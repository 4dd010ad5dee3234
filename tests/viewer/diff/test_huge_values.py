"""The diff's field table hands Qt at most a display limit of any name or value: a span's 5 MB model
name or parameter would otherwise be measured whole (issue 14, D2)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tracefile.format.model import Span
from viewer.diff.logic import field_diffs
from viewer.diff.model import FieldDiffModel
from viewer.text_limits import DISPLAY_LIMIT

HUGE = 5_000_000


def _span(model: str, temperature: str) -> Span:
    return Span("0" * 31 + "1", "0" * 15 + "1", "", "chat " + "n" * HUGE, 2, 0, 1_000_000, 0, "",
                {"gen_ai.operation.name": "chat", "gen_ai.request.model": model, "gen_ai.request.temperature": temperature})  # fmt: skip


def test_every_cell_and_tooltip_is_clipped(qapp):
    fields = field_diffs(_span("m" * HUGE, "t" * HUGE), _span("m" * (HUGE - 1), "0.2"))
    model = FieldDiffModel()
    model.set_fields(fields)
    assert any(len(f.left_text) >= HUGE for f in fields)  # the data stays whole; only what is drawn is cut
    for row in range(model.rowCount()):
        for col in range(model.columnCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                text = model.data(model.index(row, col), role)
                assert text is None or len(str(text)) <= DISPLAY_LIMIT
