"""The line under a file's panes: the trace list toggle, counts and totals, a live indicator, the reader's warnings and short messages.

Nothing here may widen the window: every text is a `StatusText`, which elides what does not fit.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from .. import theme
from ..cost import file_summary_text
from ..formatting import format_size, plural
from ..panes import ElidedLabel, toggle_style
from ..session import FileSession
from ..text_limits import DISPLAY_LIMIT, clip_tip


class StatusText(ElidedLabel):
    """A status line text that never asks the window for room: it takes what the line has left
    (up to its text's width) and elides the rest; the tooltip keeps the whole text.

    A QLabel asks for its whole text's width, so a long message grew a 1024 px window to 1486 px.
    """

    def __init__(self, parent: QWidget | None = None, tooltip: bool = True) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._tooltip = tooltip
        self.setMaximumWidth(0)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self.setMaximumWidth(self.fontMetrics().horizontalAdvance(self.text()) + 4 if text else 0)
        if self._tooltip:
            self.setToolTip(clip_tip(text))


class StatusLine(QFrame):
    """"14 spans · 5 traces · 2.8 KiB · …", "● live" while the file grows, the last warning,
    and a flash message; widgets added with ``add_widget`` (the search bar) go on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusLine")
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(10, 5, 10, 5)
        self._row.setSpacing(6)
        self.list_toggle = QToolButton(self)
        self.list_toggle.setObjectName("traceListToggle")
        self.list_toggle.setText("Traces")
        self.list_toggle.setCheckable(True)
        self.list_toggle.setChecked(True)
        self.list_toggle.setProperty("toggle", "single")
        self.list_toggle.setToolTip("Show or hide the trace list (Ctrl+B)")
        self.list_toggle.setStyleSheet(toggle_style(self.palette()))
        self.counts_label = StatusText(self)
        self.live_label = QLabel("● live", self)
        self.live_label.setToolTip("The file grew in the last seconds: new spans appear as they are written.")
        pal = self.live_label.palette()
        pal.setColor(self.live_label.foregroundRole(), theme.live_color())
        self.live_label.setPalette(pal)
        self.live_label.hide()
        self.warning_icon = QLabel(self)
        self.warning_icon.setPixmap(theme.status_icon("warning").pixmap(16, 16))
        self.warning_label = StatusText(self, tooltip=False)  # its tooltip lists every warning
        self.flash_label = StatusText(self)
        self.flash_label.setObjectName("flash")
        self.flash_label.hide()
        for widget in (self.live_label, self.warning_icon):
            widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self._row.addWidget(self.list_toggle)
        self._row.addSpacing(4)
        self._row.addWidget(self.counts_label, 2)
        self._row.addWidget(self.live_label)
        self._row.addSpacing(12)
        self._row.addWidget(self.warning_icon)
        self._row.addWidget(self.warning_label, 1)
        self._row.addWidget(self.flash_label, 3)

        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.timeout.connect(self.flash_label.hide)
        self._live_until = 0.0
        self._live_timer = QTimer(self)
        self._live_timer.setInterval(1000)
        self._live_timer.timeout.connect(self._update_live)

    def add_widget(self, widget: QWidget, stretch: int = 0) -> None:
        self._row.addWidget(widget, stretch)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.list_toggle.setStyleSheet(toggle_style(self.palette()))

    def show_counts(self, session: FileSession, source: str = "") -> None:
        """"14 spans · 5 traces · 2.8 KiB · 1.2k tokens · $0.0042 · feedback: 1 good", then where
        the file comes from (``source``: "Jaeger JSON, imported", "receiving OTLP at …")."""
        ix = session.index
        spans = ix.n if ix else 0
        traces = len(ix.traces) if ix else 0
        # An imported file's size is its own, not that of its .tracy import.
        size = session.source_size if session.imported else session.size
        parts = [plural(spans, "span"), plural(traces, "trace"), format_size(size)]
        usage = file_summary_text(ix) if ix is not None and ix.n else ""
        if usage:
            parts.append(usage)
        feedback = session.feedback.summary()
        if feedback:
            parts.append(f"feedback: {feedback}")
        if source:
            parts.append(source)
        self.counts_label.setText(" · ".join(parts))

    def show_warnings(self, session: FileSession) -> None:
        """The last warning of the importer or the reader (all of them in the tooltip), or nothing."""
        warnings = session.warnings
        warning = ""
        if session.reader.truncated:
            warning = "file ends inside a frame… (still being written?)"
        elif warnings:
            warning = warnings[-1]
        self.warning_label.setText(warning)
        self.warning_label.setToolTip(clip_tip("\n".join(warnings), 20 * DISPLAY_LIMIT))
        self.warning_icon.setVisible(bool(warning))
        self.warning_label.setVisible(bool(warning))
        pal = self.warning_label.palette()
        pal.setColor(self.warning_label.foregroundRole(), theme.warning_color())
        self.warning_label.setPalette(pal)

    def show_live(self, seconds: float = 3) -> None:
        """Show "● live" for a few seconds (again each time the file grows)."""
        self._live_until = time.monotonic() + seconds
        self._update_live()
        self._live_timer.start()

    def _update_live(self) -> None:
        live = time.monotonic() < self._live_until
        self.live_label.setVisible(live)
        if not live:
            self._live_timer.stop()

    def flash(self, text: str, *, error: bool = False, ms: int = 5000) -> None:
        """A short message: what an action did, or why it could not."""
        pal = self.flash_label.palette()
        pal.setColor(self.flash_label.foregroundRole(), theme.error_color() if error else theme.live_color())
        self.flash_label.setPalette(pal)
        self.flash_label.setText(text)
        self.flash_label.show()
        self._flash_timer.start(ms)
