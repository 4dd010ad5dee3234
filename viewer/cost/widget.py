"""The Prices dialog: the editable price table, Add/Remove/Reset, JSON import and export, and where prices come from."""

from __future__ import annotations

import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .. import theme
from .logic import DEFAULTS_DATE, PriceTable, PriceTableError
from .model import COLUMNS, MODEL, PriceTableModel
from .store import PriceStore, prices

NOTE = (
    "Prices are per 1 million tokens. The defaults are list prices published by OpenAI and Anthropic "
    f"as of {DEFAULTS_DATE}: <b>check them against your provider's price list</b> (Azure, batch and "
    "regional prices differ) and edit them to match what you pay. "
    "A model matches its exact name or a pattern with * and ?; the most specific row wins. "
    "Cached input tokens are a part of the input, reasoning tokens a part of the output."
)
JSON_FILTER = "Price tables (*.json);;All files (*)"


class PriceTableDialog(QDialog):
    """Edits the shared price table. Every accepted edit applies at once to every open view."""

    def __init__(self, store: PriceStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Token Prices")
        self.store = store or prices()
        self.model = PriceTableModel(self.store.table, self)

        self.note_label = QLabel(NOTE, self)
        self.note_label.setWordWrap(True)
        self.note_label.setTextFormat(Qt.TextFormat.RichText)

        self.view = QTableView(self)
        self.view.setObjectName("priceTable")
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(MODEL, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, max(92, self.fontMetrics().horizontalAdvance(COLUMNS[col]) + 28))

        self.currency_edit = QLineEdit(self.store.table.currency, self)
        self.currency_edit.setMaximumWidth(90)
        self.currency_edit.setToolTip("The currency of every price in the table (USD is shown as $).")
        self.currency_edit.editingFinished.connect(lambda: self.model.set_currency(self.currency_edit.text()))

        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("priceProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setVisible(False)

        self.add_button = QPushButton("Add", self)
        self.add_button.setToolTip("Add a row for another model")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setToolTip("Remove the selected rows (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        remove = QAction("Remove", self.view)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self.remove_selected)
        self.view.addAction(remove)
        self.reset_button = QPushButton("Reset to Defaults", self)
        self.reset_button.setToolTip(f"Go back to the built-in list prices ({DEFAULTS_DATE})")
        self.reset_button.clicked.connect(self.reset)
        self.import_button = QPushButton("Import…", self)
        self.import_button.setToolTip("Read a price table from a JSON file")
        self.import_button.clicked.connect(self._choose_import)
        self.export_button = QPushButton("Export…", self)
        self.export_button.setToolTip("Save this price table as a JSON file")
        self.export_button.clicked.connect(self._choose_export)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)

        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addSpacing(12)
        row.addWidget(QLabel("Currency:", self))
        row.addWidget(self.currency_edit)
        row.addStretch(1)
        row.addWidget(self.reset_button)
        row.addWidget(self.import_button)
        row.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addWidget(self.note_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.problem_label)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(720, 600)

        self.model.edited.connect(self._apply)
        self.model.problem.connect(self.show_problem)
        self.store.changed.connect(self._store_changed)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()
        self._style_problem()
        if self.store.load_error:
            self.show_problem(self.store.load_error)

    # -- actions ----------------------------------------------------------------------------

    def add_row(self) -> int:
        row = self.model.add_row()
        index = self.model.index(row, MODEL)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        if self.isVisible():
            self.view.edit(index)
        return row

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        if rows:
            self.model.remove_rows(rows)

    def reset(self) -> None:
        self.store.reset()
        self.show_problem("")

    def import_file(self, path: str | os.PathLike[str]) -> bool:
        """Use the price table in ``path``. A bad file leaves the table alone and says what is wrong."""
        name = Path(path).name
        try:
            table = PriceTable.from_json(Path(path).read_bytes())
        except OSError as exc:
            self.show_problem(f"Could not read {name}: {exc.strerror or exc}.")
            return False
        except PriceTableError as exc:
            self.show_problem(f"{name} is not a usable price table. {exc}")
            return False
        self.store.set_table(table)
        self.show_problem("")
        return True

    def export_file(self, path: str | os.PathLike[str]) -> bool:
        try:
            Path(path).write_text(self.store.table.to_json(), encoding="utf-8")
        except OSError as exc:
            self.show_problem(f"Could not save {Path(path).name}: {exc.strerror or exc}.")
            return False
        self.show_problem("")
        return True

    def show_problem(self, message: str) -> None:
        self.problem_label.setText(message)
        self.problem_label.setVisible(bool(message))

    # -- internals --------------------------------------------------------------------------

    def _apply(self, table: PriceTable) -> None:
        try:
            self.store.set_table(table)
        except PriceTableError as exc:  # the model refuses bad cells, so only a whole-table rule gets here
            self.show_problem(str(exc))

    def _store_changed(self) -> None:
        if self.model.table() != self.store.table:
            self.model.set_table(self.store.table)
        self.currency_edit.setText(self.store.table.currency)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.view.selectionModel().hasSelection())
        self.reset_button.setEnabled(not self.store.is_default)

    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import Price Table", "", JSON_FILTER)
        if path:
            self.import_file(path)

    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Price Table", "prices.json", JSON_FILTER)
        if path:
            self.export_file(path)

    def _style_problem(self) -> None:
        pal = self.problem_label.palette()
        pal.setColor(QPalette.ColorRole.WindowText, theme.warning_color(self.palette()))
        self.problem_label.setPalette(pal)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._style_problem()


_open: dict[int, PriceTableDialog] = {}


def open_price_table(parent: QWidget | None = None) -> PriceTableDialog:
    """Show the Prices dialog for ``parent`` (one per window, raised if already open)."""
    key = id(parent)
    dialog = _open.get(key)
    # Closing deletes the dialog on the C++ side; its Python wrapper may outlive it.
    if dialog is None or not shiboken6.isValid(dialog):
        dialog = PriceTableDialog(parent=parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: _open.pop(key, None))
        _open[key] = dialog
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
