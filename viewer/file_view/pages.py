"""The pages a tab shows instead of its content: reading the file (with progress and Cancel), and why it cannot be shown."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from .. import theme
from ..loading import LoadResult


class LoadingPage(QWidget):
    """Shown while a file is read: what is being read, how far along, and a way to stop."""

    cancel = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(420)
        self.button = QPushButton("Cancel", self)
        self.button.clicked.connect(self.cancel)
        box = QVBoxLayout(self)
        box.addStretch(2)
        box.addWidget(self.label)
        box.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(3)

    def start(self, name: str) -> None:
        self.label.setText(f"Reading “{name}”…")
        self.bar.setValue(0)

    def set_progress(self, done: int, total: int) -> None:
        self.bar.setValue(int(1000 * done / total) if total else 0)


class ErrorPanel(QWidget):
    """A calm, centred explanation of why a file cannot be shown, with a hint and a retry button."""

    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorPanel")
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading = QLabel(self)
        self.heading.setObjectName("errorHeading")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.heading.setFont(font)
        self.message = QLabel(self)
        self.message.setObjectName("errorMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.message.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.message.setFont(font)
        self.path_label = QLabel(self)
        self.path_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.path_label.setWordWrap(True)
        self.path_label.setTextFormat(Qt.TextFormat.PlainText)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hint = QLabel(self)
        self.hint.setObjectName("errorHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.retry_button = QPushButton("Try Again", self)
        self.retry_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.retry_button.setMinimumWidth(120)
        self.retry_button.clicked.connect(self.retry)

        card = QVBoxLayout()
        card.setSpacing(10)
        card.addWidget(self.icon)
        card.addSpacing(4)
        card.addWidget(self.heading)
        card.addWidget(self.message)
        card.addWidget(self.path_label)
        card.addSpacing(8)
        card.addWidget(self.hint)
        card.addSpacing(8)
        card.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignHCenter)
        holder = QWidget(self)
        holder.setLayout(card)
        holder.setMaximumWidth(620)
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(holder, 20)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 32, 32, 32)
        outer.addStretch(2)
        outer.addLayout(row)
        outer.addStretch(3)

    def show_result(self, result: LoadResult) -> None:
        name = result.name
        self.icon.setPixmap(theme.status_icon("error", 48).pixmap(48, 48))
        self.heading.setText(f"Can’t open “{name}”" if not result.unexpected else f"Something went wrong opening “{name}”")
        pal = self.heading.palette()
        pal.setColor(self.heading.foregroundRole(), theme.error_color())
        self.heading.setPalette(pal)
        self.message.setText(_sentence(result.error or ""))
        self.path_label.setText(result.path)
        self.hint.setText(error_hint(result))

    def text(self) -> str:
        """Everything the panel says, for tests and accessibility."""
        return "\n".join(w.text() for w in (self.heading, self.message, self.path_label, self.hint))


def error_hint(result: LoadResult) -> str:
    error = (result.error or "").lower()
    if result.unexpected:
        return "This looks like a bug in Tracy rather than a problem with the file. Please report it, with the file if you can."
    if "cannot open" in error or "cannot read" in error:
        return "Check that the file exists and that you are allowed to read it."
    if "empty" in error or "still starting" in error:
        return "If a program is about to record traces into it, try again in a moment."
    if "format" in error and "upgrade" in error:
        return "A newer version of Tracy wrote this file. Update Tracy to read it."
    return (
        "Tracy reads .tracy files, and OTLP (JSON or protobuf), Jaeger, Zipkin and Prompty trace files. "
        "Open another file with Ctrl+O, or drop one onto this window."
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text

