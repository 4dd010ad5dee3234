"""The diff views: two LLM spans side by side (`SpanDiffView`), two runs step by step (`RunCompareView`), and their windows.

    from viewer.diff.widget import open_span_diff, open_run_compare

    window = open_span_diff(parent, span_a, span_b, ("yesterday.tracy", "today.tracy"))
    window = open_run_compare(parent, trace_spans_a, trace_spans_b, ("yesterday.tracy", "today.tracy"))
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Sequence

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QMainWindow, QSplitter, QTableView,
    QTextBrowser, QToolButton, QVBoxLayout, QWidget,
)  # fmt: skip

from tracefile.format import Span

from .. import theme
from ..formatting import format_duration, format_timestamp
from . import logic
from .logic import RunComparison, SpanDiff, Step
from .model import FieldDiffModel, StepModel
from ..text_limits import clip

#: Characters of one message a view renders (a copy as Markdown has them all): a QTextDocument
#: lays out every character, and prompts with whole documents pasted in reach megabytes.
SHOW_CHARS = 20_000

EMPTY_TEXT = "Pick two LLM spans to compare."


# -- colours -------------------------------------------------------------------------------


def delete_color(palette: QPalette | None = None, *, word: bool = True) -> QColor:
    """Behind removed text (left side): a red strong enough for a word, faint for a whole message;
    the palette's text colour stays readable on both, light and dark."""
    pal = palette or QGuiApplication.palette()
    if theme.is_dark(pal):
        return theme.blend(QColor("#f85149"), pal.color(QPalette.ColorRole.Base), 0.42 if word else 0.16)
    return QColor("#ffc2bd") if word else QColor("#ffebe9")


def insert_color(palette: QPalette | None = None, *, word: bool = True) -> QColor:
    """Behind added text (right side): the green counterpart of `delete_color`."""
    pal = palette or QGuiApplication.palette()
    if theme.is_dark(pal):
        return theme.blend(QColor("#2ea043"), pal.color(QPalette.ColorRole.Base), 0.45 if word else 0.17)
    return QColor("#abf2bc") if word else QColor("#e6ffec")


@dataclass(frozen=True)
class DiffColors:
    """The colours the message table is drawn with, as HTML colour names."""

    delete: str
    insert: str
    delete_line: str
    insert_line: str
    muted: str
    note: str
    section: str
    border: str

    @classmethod
    def from_palette(cls, palette: QPalette | None = None) -> "DiffColors":
        pal = palette or QGuiApplication.palette()
        base, text = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
        return cls(
            delete=delete_color(pal).name(),
            insert=insert_color(pal).name(),
            delete_line=delete_color(pal, word=False).name(),
            insert_line=insert_color(pal, word=False).name(),
            muted=theme.muted_color(pal).name(),
            note=theme.warning_color(pal).name(),
            section=theme.blend(text, base, 0.07).name(),
            border=theme.blend(text, base, 0.16).name(),
        )


# -- the message table as HTML -------------------------------------------------------------------


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def segments_html(segments: Sequence[logic.Segment], colors: DiffColors, limit: int = SHOW_CHARS) -> str:
    """One side's text with removed (left) or added (right) words on their colour."""
    out, shown = [], 0
    for s in segments:
        text = s.text
        if shown + len(text) > limit:
            text = text[: max(0, limit - shown)]
        shown += len(text)
        if s.kind == logic.EQUAL:
            out.append(_escape(text))
        else:
            colour = colors.delete if s.kind == logic.DELETE else colors.insert
            out.append(f'<span style="background-color:{colour}">{_escape(text)}</span>')
        if shown >= limit:
            rest = sum(len(x.text) for x in segments) - shown
            if rest > 0:
                out.append(f'<span style="color:{colors.muted}"> … {rest:,} more characters (Copy has them all)</span>')
            break
    return "".join(out)


def _cell(pair: logic.MessagePair, side: str, colors: DiffColors) -> str:
    message = pair.left if side == "left" else pair.right
    if message is None:
        return f'<td width="50%" valign="top"><span style="color:{colors.muted}">—</span></td>'
    segments = pair.left_segments if side == "left" else pair.right_segments
    bg = ""
    if pair.status == logic.ONLY_LEFT:
        bg = f' bgcolor="{colors.delete_line}"'
    elif pair.status == logic.ONLY_RIGHT:
        bg = f' bgcolor="{colors.insert_line}"'
    role = _escape(message.role.upper() or "(NO ROLE)")
    if pair.status in (logic.ONLY_LEFT, logic.ONLY_RIGHT):
        # The whole message is new or gone: the row's tint says so; word colours would shout.
        segments = [logic.Segment(logic.EQUAL, s.text) for s in segments]
    body = segments_html(segments, colors) if (pair.left_text if side == "left" else pair.right_text) else (
        f'<span style="color:{colors.muted}"><i>(empty)</i></span>')  # fmt: skip
    return (
        f'<td width="50%" valign="top"{bg}>'
        f'<span style="color:{colors.muted}; font-size:small; font-weight:600">{role}</span>'
        f'<div style="white-space:pre-wrap">{body}</div></td>'
    )


def messages_html(diff: SpanDiff, colors: DiffColors, *, only_changed: bool = False) -> str:
    """The aligned messages as a two-column HTML table: a row per pair, a header per section, and
    with `only_changed` each run of equal messages collapsed into one line."""
    rows = []
    if diff.content_note:
        rows.append(f'<tr><td colspan="2"><span style="color:{colors.note}">{_escape(diff.content_note)}</span></td></tr>')
    for title, pairs in (("Prompt", diff.prompt), ("Completion", diff.completion)):
        if not pairs:
            continue
        counts = [(sum(1 for p in pairs if p.status == status), label) for status, label in
                  ((logic.CHANGED, "changed"), (logic.ONLY_LEFT, "only on the left"), (logic.ONLY_RIGHT, "only on the right"))]  # fmt: skip
        count = f"{len(pairs)} message{'s' if len(pairs) != 1 else ''}, " + (
            ", ".join(f"{n} {label}" for n, label in counts if n) or "no changes")
        rows.append(f'<tr><td colspan="2" bgcolor="{colors.section}"><b>{title}</b> '
                    f'<span style="color:{colors.muted}">· {count}</span></td></tr>')  # fmt: skip
        hidden = 0
        for i, pair in enumerate(pairs):
            if only_changed and not pair.changed:
                hidden += 1
                if i + 1 < len(pairs) and not pairs[i + 1].changed:
                    continue
                label = f"{hidden} unchanged message{'s' if hidden != 1 else ''}"
                rows.append(f'<tr><td colspan="2" align="center"><span style="color:{colors.muted}">⋯ {label} ⋯</span></td></tr>')
                hidden = 0
                continue
            rows.append(f"<tr>{_cell(pair, 'left', colors)}{_cell(pair, 'right', colors)}</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="2"><span style="color:{colors.muted}">No messages on either side.</span></td></tr>')
    return (
        f'<table width="100%" cellspacing="0" cellpadding="6" border="1" '
        f'style="border-collapse:collapse; border-color:{colors.border}; border-style:solid">' + "".join(rows) + "</table>"
    )


# -- headers -------------------------------------------------------------------------------------


def _span_line(span: Span | None) -> str:
    if span is None:
        return "no span at this place"
    return f"{clip(span.name)} · {format_timestamp(span.start_time)}"


def _header_html(title: str, span: Span | None, muted: str) -> str:
    return f"<b>{_escape(title)}</b><br><span style='color:{muted}'>{_escape(_span_line(span))}</span>"


class _Header(QWidget):
    """The two titles, over the two message columns."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.left = QLabel()
        self.right = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        for label in (self.left, self.right):
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            layout.addWidget(label, 1)

    def set_titles(self, left_title: str, a: Span | None, right_title: str, b: Span | None) -> None:
        muted = theme.muted_color().name()
        self.left.setText(_header_html(left_title, a, muted))
        self.right.setText(_header_html(right_title, b, muted))


# -- span diff -----------------------------------------------------------------------------------


class SpanDiffView(QWidget):
    """Two spans side by side: titles, the field differences, then the aligned messages with
    word-level changes highlighted; "Only changed" collapses equal messages."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._diff: SpanDiff | None = None
        self._titles = ("A", "B")
        self._html = ""
        self._error: str | None = None

        self.header = _Header()
        self.summary_label = QLabel(EMPTY_TEXT)
        self.summary_label.setWordWrap(True)
        self.only_changed = QCheckBox("Only changed")
        self.only_changed.setToolTip("Collapse the messages that are the same on both sides")
        self.only_changed.toggled.connect(self._render)
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy as Markdown")
        self.copy_button.setToolTip("Copy the differences as Markdown")
        self.copy_button.clicked.connect(self.copy_markdown)

        self.fields_model = FieldDiffModel(self)
        self.fields_view = QTableView()
        self.fields_view.setModel(self.fields_model)
        self.fields_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields_view.verticalHeader().setVisible(False)
        self.fields_view.setShowGrid(False)
        self.fields_view.setWordWrap(False)
        header = self.fields_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.fields_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)

        self.messages = QTextBrowser()
        self.messages.setOpenLinks(False)

        bar = QHBoxLayout()
        bar.addWidget(self.summary_label, 1)
        bar.addWidget(self.only_changed)
        bar.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.header)
        layout.addLayout(bar)
        layout.addWidget(self.fields_view)
        layout.addWidget(self.messages, 1)
        self._show_empty(EMPTY_TEXT)

    # -- public API ------------------------------------------------------------------------------

    def set_spans(self, a: Span | None, b: Span | None, left_title: str = "A", right_title: str = "B") -> None:
        """Compare span `a` (left) with span `b` (right); one may be None (a step only one run has)."""
        if a is None and b is None:
            self._diff = None
            self._show_empty(EMPTY_TEXT)
            return
        try:
            diff = logic.span_diff(a, b)
        except Exception as exc:  # noqa: BLE001 (odd data must give a message, never a traceback)
            self._diff = None
            self._show_empty(f"These spans could not be compared: {type(exc).__name__}: {exc}")
            return
        self.set_diff(diff, left_title, right_title)

    def set_diff(self, diff: SpanDiff, left_title: str = "A", right_title: str = "B") -> None:
        self._diff = diff
        self._titles = (left_title, right_title)
        self.header.set_titles(left_title, diff.left, right_title, diff.right)
        self.header.setVisible(True)
        self.fields_model.set_fields(diff.fields, left_title, right_title)
        rows = self.fields_model.rowCount()
        self.fields_view.setFixedHeight(self.fields_view.horizontalHeader().sizeHint().height()
                                        + rows * self.fields_view.verticalHeader().defaultSectionSize() + 4)  # fmt: skip
        self.fields_view.setVisible(True)
        self.only_changed.setEnabled(True)
        self.copy_button.setEnabled(True)
        one_side = diff.left is None or diff.right is None
        self.summary_label.setText("Only one side has this span" if one_side else diff.summary())
        self._render()

    def diff(self) -> SpanDiff | None:
        return self._diff

    def html(self) -> str:
        """The message table as last rendered."""
        return self._html

    def copy_markdown(self) -> str:
        if self._diff is None:
            return ""
        text = self._diff.to_markdown(*self._titles)
        QGuiApplication.clipboard().setText(text)
        return text

    # -- internals -------------------------------------------------------------------------------

    def _show_empty(self, text: str) -> None:
        self.header.setVisible(False)
        self.fields_model.set_fields([])
        self.fields_view.setVisible(False)
        self.only_changed.setEnabled(False)
        self.copy_button.setEnabled(False)
        self.summary_label.setText(text)
        self._html = ""
        self.messages.clear()

    def _render(self) -> None:
        if self._diff is None:
            return
        bar = self.messages.verticalScrollBar()
        position = bar.value()
        self._html = messages_html(self._diff, DiffColors.from_palette(), only_changed=self.only_changed.isChecked())
        self.messages.setHtml(self._html)
        bar.setValue(position)

    def changeEvent(self, event: QEvent) -> None:
        # Colours are baked into the HTML: a theme switch needs a new rendering.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and self._diff is not None:
            self.header.set_titles(self._titles[0], self._diff.left, self._titles[1], self._diff.right)
            self._render()
        super().changeEvent(event)


# -- compare runs --------------------------------------------------------------------------------


def _root(spans: Sequence[Span]) -> Span | None:
    ids = {s.span_id for s in spans}
    roots = [s for s in spans if not s.parent_span_id or s.parent_span_id not in ids]
    return min(roots or spans, key=lambda s: s.start_time, default=None)


class RunCompareView(QWidget):
    """Two traces compared: their LLM steps paired by path, and the selected step's span diff below."""

    #: The step shown below the list.
    step_selected = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._comparison: RunComparison | None = None
        self._titles = ("A", "B")

        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label = QLabel("Pick two traces to compare.")
        self.summary_label.setWordWrap(True)

        self.steps_model = StepModel(self)
        self.steps_view = QTableView()
        self.steps_view.setModel(self.steps_model)
        self.steps_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.steps_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.steps_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.steps_view.verticalHeader().setVisible(False)
        self.steps_view.setShowGrid(False)
        self.steps_view.setWordWrap(False)
        self.steps_view.setTextElideMode(Qt.TextElideMode.ElideLeft)  # the step's own name is at the end
        header = self.steps_view.horizontalHeader()
        header.setSectionResizeMode(StepModel.STEP, QHeaderView.ResizeMode.Stretch)
        for col in (StepModel.STATUS, StepModel.WHAT, StepModel.DURATION, StepModel.TOKENS):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.steps_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.steps_view.selectionModel().currentRowChanged.connect(lambda current, _previous: self._show_step(current.row()))

        self.span_diff = SpanDiffView()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.steps_view)
        self.splitter.addWidget(self.span_diff)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([220, 660])
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.header)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.splitter, 1)

    def set_traces(self, spans_a: Sequence[Span], spans_b: Sequence[Span], titles: tuple[str, str] = ("A", "B")) -> None:
        """Compare trace A (the spans of one trace) with trace B; the first step that differs is selected."""
        self._titles = (titles[0], titles[1])
        try:
            comparison = logic.compare_runs(spans_a, spans_b)
        except Exception as exc:  # noqa: BLE001 (odd data must give a message, never a traceback)
            self._comparison = None
            self.steps_model.set_steps([])
            self.summary_label.setText(f"These traces could not be compared: {type(exc).__name__}: {exc}")
            self.span_diff.set_spans(None, None)
            return
        self._comparison = comparison
        muted = theme.muted_color().name()
        self.header.setText(
            f"<b>A</b> {_escape(titles[0])} <span style='color:{muted}'>· {_escape(_span_line(_root(spans_a)))}</span><br>"
            f"<b>B</b> {_escape(titles[1])} <span style='color:{muted}'>· {_escape(_span_line(_root(spans_b)))}</span>"
        )
        summary = comparison.summary()
        if spans_a and spans_b:
            summary += (f" · run {format_duration(comparison.duration_a_ns)} → {format_duration(comparison.duration_b_ns)}"
                        f" ({logic.duration_delta_text(comparison.duration_a_ns, comparison.duration_b_ns)})")  # fmt: skip
        self.summary_label.setText(summary)
        self.steps_model.set_steps(comparison.steps, "A", "B")
        if not comparison.steps:
            self.span_diff.set_spans(None, None)
            self.span_diff.summary_label.setText("Neither trace has LLM steps to compare.")
            return
        first = next((i for i, s in enumerate(comparison.steps) if s.status != logic.SAME), 0)
        self.select_step(first)

    def comparison(self) -> RunComparison | None:
        return self._comparison

    def select_step(self, row: int) -> None:
        index = self.steps_model.index(row, 0)
        self.steps_view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )

    def current_step(self) -> Step | None:
        row = self.steps_view.currentIndex().row()
        return self.steps_model.step(row) if 0 <= row < self.steps_model.rowCount() else None

    def _show_step(self, row: int) -> None:
        if not 0 <= row < self.steps_model.rowCount():
            return
        step = self.steps_model.step(row)
        try:
            diff = step.diff
        except Exception as exc:  # noqa: BLE001
            self.span_diff.set_spans(None, None)
            self.span_diff.summary_label.setText(f"This step could not be compared: {type(exc).__name__}: {exc}")
            return
        self.span_diff.set_diff(diff, f"A · {self._titles[0]}", f"B · {self._titles[1]}")
        self.step_selected.emit(step)


# -- windows -------------------------------------------------------------------------------------


class DiffWindow(QMainWindow):
    """A top-level window around a `SpanDiffView` or a `RunCompareView`; it deletes itself when closed."""

    def __init__(self, view: QWidget, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(title)
        self.view = view
        self.setCentralWidget(view)
        self.resize(1180, 820)


def open_span_diff(parent: QWidget | None, a: Span, b: Span, titles: tuple[str, str] = ("A", "B"), *,
                   show: bool = True) -> DiffWindow:  # fmt: skip
    """A new window comparing span `a` (left) with span `b` (right); `titles` name their files."""
    view = SpanDiffView()
    view.set_spans(a, b, titles[0], titles[1])
    window = DiffWindow(view, f"Compare {a.name} ↔ {b.name}", parent)
    if show:
        window.show()
        window.raise_()
    return window


def open_run_compare(parent: QWidget | None, spans_a: Sequence[Span], spans_b: Sequence[Span],
                     titles: tuple[str, str] = ("A", "B"), *, show: bool = True) -> DiffWindow:  # fmt: skip
    """A new window comparing two traces (each given as its spans) step by step."""
    view = RunCompareView()
    view.set_traces(spans_a, spans_b, titles)
    window = DiffWindow(view, f"Compare runs: {titles[0]} ↔ {titles[1]}", parent)
    if show:
        window.show()
        window.raise_()
    return window
