"""The price table as an editable Qt table model: one row per model pattern, prices per 1M tokens."""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from .. import theme
from .logic import Price, PriceTable

ModelIndex = QModelIndex | QPersistentModelIndex
MODEL, INPUT, CACHED, OUTPUT, REASONING = range(5)
COLUMNS = ("Model", "Input", "Cached input", "Output", "Reasoning")
_FIELD = {INPUT: "input", CACHED: "cached_input", OUTPUT: "output", REASONING: "reasoning"}
_HEADER_TIPS = (
    "A model name as spans report it, or a pattern with * and ? (gpt-4o-mini*). Case does not matter; "
    "an exact name wins over a pattern, and a longer pattern over a shorter one.",
    "Price per 1M input tokens that were not read from the prompt cache.",
    "Price per 1M input tokens read from the provider's prompt cache. Empty: same as input.",
    "Price per 1M output tokens.",
    "Price per 1M reasoning tokens (a part of the output). Empty: billed as output.",
)
_EMPTY_TEXT = {CACHED: "as input", REASONING: "as output"}


def parse_price(text: str, optional: bool) -> float | None:
    """A price typed by a person: ``2.5``, ``$2.50``, ``0,075``. Raises ValueError with a reason."""
    t = text.strip().replace("$", "").replace(" ", "")
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")  # a decimal comma
    if not t or t in ("-", "–"):
        if optional:
            return None
        raise ValueError("a price is needed here")
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"“{text.strip()}” is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError("a price is a number of 0 or more")
    return value


def price_text(value: float | None) -> str:
    """``2.50``, ``0.075``, ``0.025``: at least two decimals, more when the price has them."""
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


class PriceTableModel(QAbstractTableModel):
    """Rows are `Price` entries of a working copy of the table. Every accepted edit emits
    ``edited(table)``; a refused one emits ``problem(message)`` and leaves the table as it was."""

    edited = Signal(object)  # the new PriceTable
    problem = Signal(str)

    def __init__(self, table: PriceTable | None = None, parent=None) -> None:
        super().__init__(parent)
        self._table = (table or PriceTable()).copy()

    # -- the table ----------------------------------------------------------------------

    def table(self) -> PriceTable:
        return self._table.copy()

    def set_table(self, table: PriceTable) -> None:
        """Show ``table`` (a copy); emits nothing, as nothing was edited here."""
        self.beginResetModel()
        self._table = table.copy()
        self.endResetModel()

    def set_currency(self, currency: str) -> bool:
        currency = currency.strip()
        if not currency:
            self.problem.emit("The currency needs a name, such as USD.")
            return False
        if currency != self._table.currency:
            self._table = replace(self._table, currency=currency)
            self.edited.emit(self.table())
        return True

    def entry(self, row: int) -> Price:
        return self._table.entries[row]

    def add_row(self, pattern: str = "new-model") -> int:
        """Append a row with a pattern no other row has; returns its number."""
        taken = {e.pattern.lower() for e in self._table.entries}
        name, k = pattern, 2
        while name.lower() in taken:
            name, k = f"{pattern}-{k}", k + 1
        row = len(self._table.entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self._table.entries.append(Price(name, 0.0, 0.0))
        self.endInsertRows()
        self.edited.emit(self.table())
        return row

    def remove_rows(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._table.entries):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._table.entries[row]
                self.endRemoveRows()
        self.edited.emit(self.table())

    # -- QAbstractTableModel ---------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._table.entries)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            side = Qt.AlignmentFlag.AlignLeft if section == MODEL else Qt.AlignmentFlag.AlignRight
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._table.entries):
            return None
        e = self._table.entries[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == MODEL:
                return e.pattern
            value = getattr(e, _FIELD[col])
            return price_text(value) if value is not None else _EMPTY_TEXT[col]
        if role == Qt.ItemDataRole.EditRole:
            return e.pattern if col == MODEL else price_text(getattr(e, _FIELD[col]))
        if role == Qt.ItemDataRole.TextAlignmentRole and col != MODEL:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col in _EMPTY_TEXT and getattr(e, _FIELD[col]) is None:
            return theme.muted_color()
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == MODEL:
                how = "a pattern" if e.is_glob else "an exact model name"
                return f"{e.pattern}: {how}. Double-click to edit."
            return _HEADER_TIPS[col]
        return None

    def setData(self, index: ModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row, col = index.row(), index.column()
        e = self._table.entries[row]
        text = "" if value is None else str(value)
        if col == MODEL:
            pattern = text.strip()
            if not pattern:
                self.problem.emit(f"Row {row + 1}: the model name cannot be empty.")
                return False
            for i, other in enumerate(self._table.entries):
                if i != row and other.pattern.lower() == pattern.lower():
                    self.problem.emit(f"Row {row + 1}: row {i + 1} already has the pattern “{other.pattern}”.")
                    return False
            new = replace(e, pattern=pattern)
        else:
            try:
                price = parse_price(text, optional=col in _EMPTY_TEXT)
            except ValueError as exc:
                self.problem.emit(f"Row {row + 1} ({e.pattern}), {COLUMNS[col].lower()}: {exc}.")
                return False
            new = replace(e, **{_FIELD[col]: price})
        if new == e:
            return True
        self._table.entries[row] = new
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        self.problem.emit("")
        self.edited.emit(self.table())
        return True
