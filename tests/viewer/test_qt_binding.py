"""A canary for the Qt binding: PySide6 6.12.0 dropped a reference to None on every call of a
method that returns nothing, which aborted the interpreter after a few thousand paints."""

import sys

from PySide6.QtGui import QColor, QImage, QPainter


def test_painting_does_not_consume_references_to_none(qapp):
    image = QImage(32, 32, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    color = QColor("red")
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.fillRect(0, 0, 4, 4, color)
    after = sys.getrefcount(None)
    painter.end()
    assert after >= before - 50, "this PySide6 build leaks references to None: pin another version"
