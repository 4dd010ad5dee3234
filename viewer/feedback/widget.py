"""Feedback badges (painted in the waterfall and the trace list) and the dialog that adds feedback to a span."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tracefile.format import Feedback, Span
from tracefile.genai.names import GEN_AI_RESPONSE_ID
from tracefile.record import append_feedback

from .. import theme
from .logic import EVALUATED, MIXED, NEGATIVE, NONE, POSITIVE, new_feedback

MARK_NAMES = {POSITIVE: "good", NEGATIVE: "bad", MIXED: "mixed", EVALUATED: "evaluated"}


def badge_color(mark: int, dark: bool) -> QColor:
    return {
        POSITIVE: QColor("#3fb950") if dark else QColor("#1a7f37"),
        NEGATIVE: QColor("#ff7b72") if dark else QColor("#cf222e"),
        MIXED: QColor("#e3b341") if dark else QColor("#bf8700"),
        EVALUATED: QColor("#a5a0ff") if dark else QColor("#6e56cf"),
    }.get(mark, QColor("#888888"))


def paint_badge(p: QPainter, c: QPointF, mark: int, dark: bool, radius: float = 6.0) -> None:
    """A round badge: an up chevron (good), a down chevron (bad), both (mixed), a tick (evaluated).

    The caller turns antialiasing on; the painter's pen and brush are changed.
    """
    if mark == NONE:
        return
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(badge_color(mark, dark))
    p.drawEllipse(c, radius, radius)
    ink = QColor("#1b1d22") if dark else QColor("#ffffff")
    pen = QPen(ink, max(1.3, radius / 4.2))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    w, h = radius * 0.5, radius * 0.3
    path = QPainterPath()
    if mark == POSITIVE:
        path.moveTo(c.x() - w, c.y() + h * 0.8)
        path.lineTo(c.x(), c.y() - h * 1.2)
        path.lineTo(c.x() + w, c.y() + h * 0.8)
    elif mark == NEGATIVE:
        path.moveTo(c.x() - w, c.y() - h * 0.8)
        path.lineTo(c.x(), c.y() + h * 1.2)
        path.lineTo(c.x() + w, c.y() - h * 0.8)
    elif mark == MIXED:
        for sign in (-1, 1):
            y = c.y() + sign * radius * 0.3
            path.moveTo(c.x() - w * 0.8, y + sign * h * 0.5)
            path.lineTo(c.x(), y - sign * h * 0.6)
            path.lineTo(c.x() + w * 0.8, y + sign * h * 0.5)
    else:
        path.moveTo(c.x() - w, c.y())
        path.lineTo(c.x() - w * 0.25, c.y() + h * 1.4)
        path.lineTo(c.x() + w, c.y() - h * 1.3)
    p.drawPath(path)


@lru_cache(maxsize=16)
def _badge_icon(mark: int, dark: bool, size: int) -> QIcon:
    ratio = 2
    pm = QPixmap(size * ratio, size * ratio)
    pm.setDevicePixelRatio(ratio)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint_badge(p, QPointF(size / 2, size / 2), mark, dark, size / 2 - 2)
    p.end()
    icon = QIcon()
    icon.addPixmap(pm, QIcon.Mode.Normal)
    icon.addPixmap(pm, QIcon.Mode.Selected)
    return icon


def badge_icon(mark: int, size: int = 16, palette: QPalette | None = None) -> QIcon:
    return _badge_icon(int(mark), theme.is_dark(palette), size)


class FeedbackDialog(QDialog):
    """Add a score, a label and a comment to one span; Save appends a feedback frame to the file.

    Nothing in the file is rewritten. When the file cannot be written (read-only, gone), the
    dialog stays open and says why.
    """

    saved = Signal(object)  # the Feedback record written

    def __init__(self, span: Span, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.span = span
        self.path = path
        self.record: Feedback | None = None
        self.setWindowTitle("Add Feedback")
        self.setMinimumWidth(440)

        title = QLabel(f"<b>{_escape(span.name)}</b>", self)
        title.setTextFormat(Qt.TextFormat.RichText)
        rid = span.attributes.get(GEN_AI_RESPONSE_ID)
        detail = f"span {span.span_id}" + (f" · response {rid}" if isinstance(rid, str) and rid else "")
        sub = QLabel(detail, self)
        sub.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        sub.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.good_button = self._thumb("Good", POSITIVE)
        self.bad_button = self._thumb("Bad", NEGATIVE)
        self.thumbs = QButtonGroup(self)
        self.thumbs.setExclusive(False)  # a second click on the checked button clears it
        self.thumbs.addButton(self.good_button)
        self.thumbs.addButton(self.bad_button)
        self.good_button.clicked.connect(lambda on: self._on_thumb(self.good_button, on))
        self.bad_button.clicked.connect(lambda on: self._on_thumb(self.bad_button, on))
        thumbs = QHBoxLayout()
        thumbs.setSpacing(6)
        thumbs.addWidget(self.good_button)
        thumbs.addWidget(self.bad_button)
        thumbs.addStretch(1)

        self.score = QDoubleSpinBox(self)
        self.score.setRange(-1000, 1000)
        self.score.setDecimals(2)
        self.score.setSingleStep(0.1)
        self.score.setSpecialValueText("none")  # the minimum means "no score"
        self.score.setValue(self.score.minimum())
        self.score.setToolTip("Thumbs record 1 (good) or 0 (bad); evaluators often use 0..1 or 1..5")
        self.score.valueChanged.connect(self._update)
        self.label = QLineEdit(self)
        self.label.setPlaceholderText("e.g. thumbs_up, wrong_tool, hallucination")
        self.label.textEdited.connect(lambda _t: setattr(self, "_label_edited", True))
        self.label.textChanged.connect(self._update)
        self._label_edited = False
        self.comment = QPlainTextEdit(self)
        self.comment.setPlaceholderText("What was good or wrong about this answer?")
        self.comment.setTabChangesFocus(True)
        self.comment.setMinimumHeight(90)
        self.comment.textChanged.connect(self._update)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Verdict", thumbs)
        form.addRow("Score", self.score)
        form.addRow("Label", self.label)
        form.addRow("Comment", self.comment)

        self.error = QLabel(self)
        self.error.setWordWrap(True)
        pal = self.error.palette()
        pal.setColor(self.error.foregroundRole(), theme.error_color())
        self.error.setPalette(pal)
        self.error.hide()
        note = QLabel("Saved to the end of the trace file as a feedback record; nothing else in the file changes.", self)
        note.setWordWrap(True)
        note.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(sub)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._update()

    def _thumb(self, text: str, mark: int) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setIcon(badge_icon(mark, 16, self.palette()))
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        b.setCheckable(True)
        b.setMinimumWidth(84)
        return b

    def _on_thumb(self, button: QToolButton, on: bool) -> None:
        other = self.bad_button if button is self.good_button else self.good_button
        if on:
            other.setChecked(False)
            good = button is self.good_button
            self.score.setValue(1.0 if good else 0.0)
            if not self._label_edited:
                self.label.setText("thumbs_up" if good else "thumbs_down")
        else:
            self.score.setValue(self.score.minimum())
            if not self._label_edited:
                self.label.clear()
        self._update()

    def set_verdict(self, good: bool | None) -> None:
        """Press Good (True), Bad (False) or neither (None), as a click would."""
        for button, want in ((self.good_button, good is True), (self.bad_button, good is False)):
            if button.isChecked() != want:
                button.setChecked(want)
                if want:
                    self._on_thumb(button, True)
        if good is None:
            self._on_thumb(self.good_button, False)

    def score_value(self) -> float | None:
        v = self.score.value()
        return None if v == self.score.minimum() else v

    def _update(self) -> None:
        ready = self.score_value() is not None or bool(self.label.text().strip()) or bool(self.comment.toPlainText().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(ready)

    def submit(self) -> bool:
        """Append the record; on success emit ``saved`` and close. Returns whether it was written."""
        fb = new_feedback(self.span, score=self.score_value(), label=self.label.text(), comment=self.comment.toPlainText())
        try:
            fb = append_feedback(self.path, fb, writer="tracy-view")
        except Exception as exc:  # read-only file, vanished folder, foreign file: say so, keep the dialog
            self.error.setText(f"Could not save the feedback: {_reason(exc)}")
            self.error.show()
            return False
        self.record = fb
        self.saved.emit(fb)
        self.accept()
        return True


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename or ''})".replace(" ()", "")
    return str(exc) or type(exc).__name__


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
