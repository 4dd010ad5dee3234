"""Look and feel: Fusion style, light/dark palettes, and colours derived from the current palette."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")

_ICON_NAME = "tracy.svg"


def icon_path() -> Path | None:
    """The application icon: package data first (installed), then the repo's resources/ folder."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources" / _ICON_NAME, here.parent / "resources" / _ICON_NAME):
        if candidate.is_file():
            return candidate
    return None


def app_icon() -> QIcon:
    path = icon_path()
    return QIcon(str(path)) if path else QIcon()


def apply_theme(app: QApplication, theme: str = "system") -> None:
    """Fusion everywhere; ``light``/``dark`` force a palette, ``system`` uses the platform's."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; expected one of {', '.join(THEMES)}")
    app.setStyle("Fusion")
    if theme == "light":
        app.setPalette(light_palette())
    elif theme == "dark":
        app.setPalette(dark_palette())
    else:
        app.setPalette(QPalette())  # resolves to the platform theme's palette
    font = QFont(app.font())
    if font.pointSizeF() > 0 and font.pointSizeF() < 10:
        font.setPointSizeF(10)
        app.setFont(font)


def _set(pal: QPalette, role: QPalette.ColorRole, color: str, disabled: str | None = None) -> None:
    pal.setColor(QPalette.ColorGroup.All, role, QColor(color))
    if disabled is not None:
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))


def light_palette() -> QPalette:
    R = QPalette.ColorRole
    pal = QPalette()
    _set(pal, R.Window, "#f3f4f6")
    _set(pal, R.WindowText, "#1f2328", "#8c959f")
    _set(pal, R.Base, "#ffffff", "#f3f4f6")
    _set(pal, R.AlternateBase, "#f6f8fa")
    _set(pal, R.ToolTipBase, "#ffffff")
    _set(pal, R.ToolTipText, "#1f2328")
    _set(pal, R.PlaceholderText, "#6e7781")
    _set(pal, R.Text, "#1f2328", "#8c959f")
    _set(pal, R.Button, "#eaeef2")
    _set(pal, R.ButtonText, "#1f2328", "#8c959f")
    _set(pal, R.BrightText, "#ffffff")
    _set(pal, R.Light, "#ffffff")
    _set(pal, R.Midlight, "#e6e9ed")
    _set(pal, R.Mid, "#c9d1d9")
    _set(pal, R.Dark, "#aeb7c0")
    _set(pal, R.Shadow, "#8c959f")
    _set(pal, R.Highlight, "#3b6fd4", "#c9d1d9")
    _set(pal, R.HighlightedText, "#ffffff")
    _set(pal, R.Link, "#0a5cc2")
    _set(pal, R.LinkVisited, "#6639ba")
    _set(pal, R.Accent, "#3b6fd4")
    return pal


def dark_palette() -> QPalette:
    R = QPalette.ColorRole
    pal = QPalette()
    _set(pal, R.Window, "#24272d")
    _set(pal, R.WindowText, "#e6e8eb", "#737a84")
    _set(pal, R.Base, "#1b1d22", "#24272d")
    _set(pal, R.AlternateBase, "#22252b")
    _set(pal, R.ToolTipBase, "#2f333a")
    _set(pal, R.ToolTipText, "#e6e8eb")
    _set(pal, R.PlaceholderText, "#9198a1")
    _set(pal, R.Text, "#e6e8eb", "#737a84")
    _set(pal, R.Button, "#30343b")
    _set(pal, R.ButtonText, "#e6e8eb", "#737a84")
    _set(pal, R.BrightText, "#ffffff")
    _set(pal, R.Light, "#3d424a")
    _set(pal, R.Midlight, "#353940")
    _set(pal, R.Mid, "#2a2d33")
    _set(pal, R.Dark, "#15171a")
    _set(pal, R.Shadow, "#000000")
    _set(pal, R.Highlight, "#3d6fd1", "#3d424a")
    _set(pal, R.HighlightedText, "#ffffff")
    _set(pal, R.Link, "#6ea8fe")
    _set(pal, R.LinkVisited, "#b99cf5")
    _set(pal, R.Accent, "#3d6fd1")
    return pal


def is_dark(palette: QPalette | None = None) -> bool:
    pal = palette or QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def error_color(palette: QPalette | None = None) -> QColor:
    """A red that reads well on the palette's base colour."""
    return QColor("#ff7b72") if is_dark(palette) else QColor("#cf222e")


def warning_color(palette: QPalette | None = None) -> QColor:
    return QColor("#e3b341") if is_dark(palette) else QColor("#9a6700")


def match_color(palette: QPalette | None = None) -> QColor:
    """The band behind search matches: a soft yellow that keeps text readable in both palettes."""
    return QColor(227, 179, 65, 70) if is_dark(palette) else QColor(255, 213, 79, 110)


def live_color(palette: QPalette | None = None) -> QColor:
    """The green of the "live" indicator: the file is still being written."""
    return QColor("#3fb950") if is_dark(palette) else QColor("#1a7f37")


def muted_color(palette: QPalette | None = None) -> QColor:
    """Secondary text: the text colour blended towards the base colour."""
    pal = palette or QGuiApplication.palette()
    return blend(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base), 0.62)


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``t`` of ``a`` and ``1 - t`` of ``b``."""
    return QColor.fromRgbF(
        a.redF() * t + b.redF() * (1 - t),
        a.greenF() * t + b.greenF() * (1 - t),
        a.blueF() * t + b.blueF() * (1 - t),
    )


def status_icon(kind: str, size: int = 16) -> QIcon:
    """A small round badge for the current palette: ``error`` (red "!"), ``warning`` (amber "!"), ``orphan`` (dashed ring)."""
    return _status_icon(kind, is_dark(), size)


@lru_cache(maxsize=32)
def _status_icon(kind: str, dark: bool, size: int) -> QIcon:
    colour = {
        "error": QColor("#ff7b72") if dark else QColor("#cf222e"),
        "warning": QColor("#e3b341") if dark else QColor("#bf8700"),
        "orphan": QColor("#9198a1") if dark else QColor("#6e7781"),
    }[kind]
    ratio = 2
    pm = QPixmap(size * ratio, size * ratio)
    pm.setDevicePixelRatio(ratio)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    r = QRectF(2, 2, size - 4, size - 4)
    if kind == "orphan":
        pen = p.pen()
        pen.setColor(colour)
        pen.setWidthF(1.6)
        pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(r.adjusted(1, 1, -1, -1))
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(r)
        mark = QColor("#1b1d22") if (dark and kind == "warning") else QColor("#ffffff")
        p.setBrush(mark)
        c = r.center()
        w = size / 9
        p.drawRoundedRect(QRectF(c.x() - w / 2, r.top() + size * 0.17, w, size * 0.36), w / 2, w / 2)
        p.drawEllipse(QPointF(c.x(), r.bottom() - size * 0.2), w * 0.62, w * 0.62)
    p.end()
    icon = QIcon()
    icon.addPixmap(pm, QIcon.Mode.Normal)
    icon.addPixmap(pm, QIcon.Mode.Selected)  # keep full colour on a selected row
    return icon


#: Chat roles: (light, dark) accent colours, each readable as text on its palette's base colour.
_ROLE_COLORS = {
    "system": ("#8250df", "#c297ff"),
    "user": ("#0969da", "#6ea8fe"),
    "assistant": ("#1a7f37", "#56d364"),
    "tool": ("#9a6700", "#e3b341"),
    "input": ("#57606a", "#9da7b3"),
    "output": ("#0b7a75", "#4fd1c5"),
    "other": ("#6e7781", "#9198a1"),
}


def role_color(kind: str, palette: QPalette | None = None) -> QColor:
    """The accent colour of a chat role (``system``, ``user``, ``assistant``, ``tool``, ``input``, ``output``, ``other``)."""
    light, dark = _ROLE_COLORS.get(kind, _ROLE_COLORS["other"])
    return QColor(dark if is_dark(palette) else light)


def role_tint(kind: str, palette: QPalette | None = None) -> QColor:
    """The background of a chat role's message: its accent faintly over the base colour."""
    pal = palette or QGuiApplication.palette()
    return blend(role_color(kind, pal), pal.color(QPalette.ColorRole.Base), 0.12 if is_dark(pal) else 0.07)
