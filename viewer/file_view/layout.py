"""How a tab's width is shared: the trace list, the timeline and the side pane, remembered between runs.

The shares are fractions of the width. `PaneLayout` applies them to the tab's splitter,
collapses and restores the trace list, and saves the shares the user drags to.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QSplitter

from .. import settings as viewer_settings

#: Trace list, timeline, side pane: the timeline and its tree get most of the width.
DEFAULT_SHARES = (0.22, 0.50, 0.28)
#: Below `NARROW` pixels the list needs a larger share to show a start time and a cost whole.
NARROW_SHARES = (0.26, 0.46, 0.28)
NARROW = 1200


def default_shares(width: int) -> tuple[float, float, float]:
    """The shares a tab ``width`` pixels wide starts with, until the user drags a handle."""
    return NARROW_SHARES if 0 < width < NARROW else DEFAULT_SHARES

Shares = tuple[float, float, float]


def pixel_sizes(width: int, shares: Shares, list_shown: bool = True) -> list[int]:
    """The three panes' widths for ``width`` pixels; a collapsed list gets 0 and its share goes to the others in proportion."""
    a, b, c = shares
    if not list_shown:
        a, b, c = 0.0, b / (b + c), c / (b + c)
    first, second = round(width * a), round(width * b)
    return [first, second, max(width - first - second, 0)]


def shares_of(sizes: list[int], previous: Shares = DEFAULT_SHARES) -> Shares:
    """The shares the splitter shows now; with the list collapsed (size 0), the list keeps its previous share."""
    if len(sizes) != 3 or sum(sizes) <= 0:
        return previous
    if sizes[0] <= 0:
        rest = sizes[1] + sizes[2]
        keep = previous[0]
        return (keep, (1 - keep) * sizes[1] / rest, (1 - keep) * sizes[2] / rest) if rest > 0 else previous
    total = float(sum(sizes))
    return (sizes[0] / total, sizes[1] / total, sizes[2] / total)


class PaneLayout(QObject):
    """Keeps ``splitter`` (list, timeline, side pane) at the remembered shares.

    The shares are applied once the splitter first gets its width, and again when the list is
    shown or hidden; a drag of a handle saves them in ``settings`` (None: nothing is saved).
    """

    def __init__(self, splitter: QSplitter, settings: QSettings | None) -> None:
        super().__init__(splitter)
        self.splitter = splitter
        self.settings = settings
        remembered = viewer_settings.pane_shares(settings) if settings is not None else None
        self._chosen = remembered is not None  # the user's shares win over the defaults for a width
        self.shares: Shares = remembered or DEFAULT_SHARES
        self._placed = False
        for i, share in enumerate(self.shares):
            splitter.setStretchFactor(i, max(1, round(share * 100)))
        splitter.setSizes(pixel_sizes(1000, self.shares))
        splitter.splitterMoved.connect(self._on_moved)
        splitter.installEventFilter(self)

    @property
    def list_shown(self) -> bool:
        return not self.splitter.widget(0).isHidden()

    def set_list_shown(self, shown: bool) -> None:
        """Show or collapse the trace list; the timeline and side pane share its width while it is collapsed."""
        self.splitter.widget(0).setVisible(shown)
        self.apply()

    def apply(self) -> None:
        """Size the panes to the shares."""
        width = self.splitter.width() - self.splitter.handleWidth() * (2 if self.list_shown else 1)
        if not self._chosen:
            self.shares = default_shares(self.splitter.width())
        if width > 0:
            sizes = pixel_sizes(width, self.shares, self.list_shown)
            self.splitter.setSizes(sizes if self.list_shown else [0, *sizes[1:]])

    def _on_moved(self, _pos: int, _index: int) -> None:
        sizes = self.splitter.sizes()
        if not self.list_shown:
            sizes[0] = 0
        self.shares = shares_of(sizes, self.shares)
        self._chosen = True
        if self.settings is not None:
            viewer_settings.set_pane_shares(self.settings, self.shares)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The first real width arrives with the first layout (a tab is built before its window is shown).
        if not self._placed and watched is self.splitter and event.type() == QEvent.Type.Resize and self.splitter.width() > 200:
            self._placed = True
            self.apply()
        return False
