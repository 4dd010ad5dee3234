"""The price table every open view uses, kept in the viewer's settings; ``changed`` tells views to re-price."""

from __future__ import annotations

import json
import os

from PySide6.QtCore import QObject, Signal

from .. import settings as viewer_settings
from .logic import PriceTable, PriceTableError, default_table


class PriceStore(QObject):
    """Holds the current `PriceTable`. Views read ``table`` and re-price on ``changed``."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.version = 0  # bumped on every change, so views can tell stale costs from fresh ones
        self.load_error: str | None = None
        self._location: str | None = None
        self._table = default_table()
        self.reload()

    @property
    def table(self) -> PriceTable:
        return self._table

    @property
    def is_default(self) -> bool:
        return self._table == default_table()

    def reload(self) -> None:
        """Read the table from the settings (the defaults when none was saved or it cannot be read)."""
        self._location = os.environ.get(viewer_settings.ENV_SETTINGS)
        text = viewer_settings.price_table_json(viewer_settings.open_settings())
        table, self.load_error = default_table(), None
        if text:
            try:
                table = PriceTable.from_json(text)
            except PriceTableError as exc:
                self.load_error = f"The saved price table could not be read, so the defaults are used: {exc}"
        self._set(table)

    def set_table(self, table: PriceTable) -> None:
        """Use ``table`` from now on and save it. Raises `PriceTableError` for a table with a bad row."""
        problem = table.problem()
        if problem:
            raise PriceTableError(problem)
        if table == self._table:
            return
        self.load_error = None
        default = table == default_table()
        # Defaults are not saved: a later Tracy with newer list prices then shows those.
        text = None if default else json.dumps(table.to_dict(), separators=(",", ":"))
        viewer_settings.set_price_table_json(viewer_settings.open_settings(), text)
        self._set(table.copy())

    def reset(self) -> None:
        """Back to the built-in list prices."""
        self.set_table(default_table())

    def _set(self, table: PriceTable) -> None:
        changed = table != self._table
        self._table = table
        if changed:
            self.version += 1
            self.changed.emit()


_store: PriceStore | None = None


def prices() -> PriceStore:
    """The shared store; re-read when the settings file changed (each test gets its own)."""
    global _store
    if _store is None:
        _store = PriceStore()
    elif _store._location != os.environ.get(viewer_settings.ENV_SETTINGS):
        _store.reload()
    return _store
