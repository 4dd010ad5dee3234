"""Qt table models of the diff views: the field differences of two spans, and the steps of two compared runs."""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont, QGuiApplication, QPalette

from .. import theme
from . import logic
from .logic import FieldDiff, Step
from ..text_limits import clip

ModelIndex = QModelIndex | QPersistentModelIndex

#: The `logic.FieldDiff` / `logic.Step` of a row.
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1

STATUS_LABELS = {
    logic.SAME: "same",
    logic.CHANGED: "changed",
    logic.ONLY_A: "only in A",
    logic.ONLY_B: "only in B",
}


def _bold() -> QFont:
    font = QFont(QGuiApplication.font())
    font.setBold(True)
    return font


def changed_tint(palette: QPalette | None = None):
    """The background of a changed row: the warning colour faintly over the base colour."""
    pal = palette or QGuiApplication.palette()
    return theme.blend(theme.warning_color(pal), pal.color(QPalette.ColorRole.Base), 0.16 if theme.is_dark(pal) else 0.12)


class FieldDiffModel(QAbstractTableModel):
    """Field | A | B | Δ, one row per compared value; changed rows bold on a tint."""

    FIELD, LEFT, RIGHT, DELTA = range(4)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._fields: list[FieldDiff] = []
        self._headers = ["Field", "A", "B", "Δ"]

    def set_fields(self, fields: Sequence[FieldDiff], left_title: str = "A", right_title: str = "B") -> None:
        self.beginResetModel()
        self._fields = list(fields)
        self._headers = ["Field", left_title, right_title, "Δ"]
        self.endResetModel()

    def field(self, row: int) -> FieldDiff:
        return self._fields[row]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._fields)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        f = self._fields[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = (f.label, f.left_text, f.right_text, f.delta_text)[col]
            if role == Qt.ItemDataRole.ToolTipRole and col == self.FIELD and f.key != f.label:
                return clip(f.key)
            return clip(text)  # values and names may be megabytes long
        if role == ITEM_ROLE:
            return f
        if role == Qt.ItemDataRole.FontRole and f.changed:
            return _bold()
        if role == Qt.ItemDataRole.BackgroundRole and f.changed:
            return QBrush(changed_tint())
        if role == Qt.ItemDataRole.ForegroundRole and not f.changed and col != self.FIELD:
            return QBrush(theme.muted_color())
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.DELTA:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class StepModel(QAbstractTableModel):
    """Step | Status | What changed | Δ duration | Δ tokens, one row per LLM step of two runs."""

    STEP, STATUS, WHAT, DURATION, TOKENS = range(5)
    HEADERS = ("Step", "Status", "What changed", "Δ duration", "Δ tokens")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._steps: list[Step] = []
        self._status_labels = dict(STATUS_LABELS)

    def set_steps(self, steps: Sequence[Step], left_title: str = "A", right_title: str = "B") -> None:
        self.beginResetModel()
        self._steps = list(steps)
        self._status_labels = {**STATUS_LABELS, logic.ONLY_A: f"only in {left_title}", logic.ONLY_B: f"only in {right_title}"}
        self.endResetModel()

    def step(self, row: int) -> Step:
        return self._steps[row]

    def status_label(self, status: str) -> str:
        return self._status_labels[status]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._steps)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        step = self._steps[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.STEP:
                return clip(step.label)
            if col == self.STATUS:
                return self._status_labels[step.status]
            if col == self.WHAT:
                return step.what_text
            if col == self.DURATION:
                return step.duration_delta_text
            return step.tokens_delta_text
        if role == Qt.ItemDataRole.ToolTipRole and col == self.STEP:
            return clip(step.label)
        if role == ITEM_ROLE:
            return step
        if role == Qt.ItemDataRole.FontRole and step.status != logic.SAME and col in (self.STATUS, self.WHAT):
            return _bold()
        if role == Qt.ItemDataRole.ForegroundRole and col == self.STATUS:
            if step.status == logic.CHANGED:
                return QBrush(theme.warning_color())
            if step.status in (logic.ONLY_A, logic.ONLY_B):
                return QBrush(theme.error_color() if step.status == logic.ONLY_A else theme.live_color())
            return QBrush(theme.muted_color())
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.DURATION, self.TOKENS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
