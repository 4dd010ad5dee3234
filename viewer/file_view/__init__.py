"""One tab of the main window, a coordinator of small parts: `view.FileView` builds them and keeps them in step."""

from .export import MAX_EXPORT_SPANS, ExportTooLarge
from .pages import ErrorPanel, LoadingPage, error_hint
from .trace_list import ColumnFitter, TraceListPane, TraceListView
from .view import FileView

__all__ = ["MAX_EXPORT_SPANS", "ColumnFitter", "ErrorPanel", "ExportTooLarge", "FileView", "LoadingPage", "TraceListPane", "TraceListView", "error_hint"]
