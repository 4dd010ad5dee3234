"""Tracy's PySide6 desktop viewer for .tracy trace files (run it with ``tracy-view``)."""
