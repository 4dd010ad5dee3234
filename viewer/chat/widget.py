"""The chat view widget: a span's conversation as a transcript, in Markdown or raw, with links to tool spans."""

from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QKeySequence,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextFormat,
    QTextFrame,
    QTextFrameFormat,
    QTextLength,
)
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QStackedWidget, QToolButton, QVBoxLayout, QWidget

from tracefile import Span
from tracefile.genai.messages import BLOB, FILE, OPENINFERENCE, REASONING, TEXT, TOOL_CALL, TOOL_RESULT, URI, Part

from .. import theme
from ..export.logic import span_markdown
from ..panes import DetailBrowser, pane_action, placeholder, title_label, toggle_style
from . import logic
from ..cost.store import prices
from ..failure.widget import FailureBanner
from ..search.marks import mark_text
from ..title_row import TitleRow
from .model import CONVERSATION, EMPTY, MISSING, PLACEHOLDER, SECTION_TITLES, Bubble, ChatContent, ToolLink, build, fold_label
from ..text_limits import PAGE, clip, clip_tip, more_note, page

MARKDOWN = "markdown"
RAW = "raw"
MODES = (MARKDOWN, RAW)
MODE_LABELS = {MARKDOWN: "Markdown", RAW: "Raw"}
_MODE_TIPS = {
    MARKDOWN: "Message text rendered as Markdown",
    RAW: "Message text exactly as recorded, in a fixed-width font, newlines kept",
}
#: Link schemes inside the transcript: a tool's span, and a reasoning part to open or close.
SPAN_SCHEME = "span"
TOGGLE_SCHEME = "toggle"
FOLD_SCHEME = "fold"
#: The link under a long message part that renders its next page.
MORE_SCHEME = "more"
#: A collapsed reasoning part shows this many characters of its first line.
REASONING_PREVIEW = 140
#: A message part renders this many characters at a time, and a link under it renders the next page
#: (a 50 MB message laid out at once froze the window; Copy as Markdown has it all).
PART_LIMIT = PAGE


class ChatView(QWidget):
    """A span's conversation. ``set_span(span, trace_spans)`` shows it; ``clear()`` shows the placeholder."""

    #: The user clicked a tool call's link to the span that ran it: its span id (hex).
    spanLinkActivated = Signal(str)
    #: The text mode changed: "markdown" or "raw".
    modeChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._span: Span | None = None
        self._trace_spans: list[Span] | None = None
        self._content = build(None)
        self._mode = MARKDOWN
        #: (bubble, part) of the reasoning parts the user opened.
        self._expanded: set[tuple[int, int]] = set()
        #: The user opened the earlier messages of a long history.
        self._unfolded = False
        #: Pages shown of each long message part, by (bubble, part); one when not listed.
        self._pages: dict[tuple[int, int], int] = {}
        #: A search's words, marked in the transcript.
        self._terms: list[str] = []
        self._palette_pending = False

        self.copy_action = pane_action(
            self, "Copy as Markdown", QKeySequence("Ctrl+Shift+M"),
            "Copy this span as Markdown: its key attributes and the conversation (Ctrl+Shift+M)", self.copy_markdown,
        )  # fmt: skip
        self.copy_action.setIconText("Copy")  # the button's label; menus and the tooltip say the rest

        self.placeholder = placeholder(self, PLACEHOLDER, "chatPlaceholder")

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(self._build_content())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self._restyle()
        self._update_actions()
        prices().changed.connect(self._on_prices_changed)

    def _on_prices_changed(self, *_args) -> None:
        if self._span is not None:
            self._content = build(self._span, self._trace_spans, prices().table)
            self._render(keep_scroll=True)

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        outer = QVBoxLayout(content)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        header = QFrame(content)
        header.setObjectName("chatHeader")
        # The title shares its row with the buttons while both fit (the buttons drop below it when
        # not); the subtitle (model, duration, tokens, cost) gets a whole row, so nothing cuts it.
        column = QVBoxLayout(header)
        column.setContentsMargins(10, 8, 8, 6)
        column.setSpacing(4)
        tools = QWidget(header)
        row = QHBoxLayout(tools)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.title_label = title_label(header, "chatTitle", 1.1)
        self.subtitle_label = QLabel(header)  # wraps rather than cut the cost or the tokens
        self.subtitle_label.setWordWrap(True)
        self.subtitle_label.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle_label.setObjectName("chatSubtitle")
        self.subtitle_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.mode_group = QButtonGroup(header)
        self.mode_group.setExclusive(True)
        self.mode_buttons: dict[str, QToolButton] = {}
        for mode in MODES:
            button = QToolButton(tools)
            button.setText(MODE_LABELS[mode])
            button.setCheckable(True)
            button.setChecked(mode == self._mode)
            button.setObjectName(f"chat_mode_{mode}")
            button.setProperty("toggle", "first" if mode == MODES[0] else "last")
            button.setToolTip(_MODE_TIPS[mode])
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            row.addWidget(button)
        self.mode_group.buttonToggled.connect(self._on_mode_button)
        row.addSpacing(8)
        self.copy_button = QToolButton(tools)
        self.copy_button.setObjectName("chatCopyMarkdown")
        self.copy_button.setDefaultAction(self.copy_action)
        row.addWidget(self.copy_button)
        self.title_row = TitleRow(self.title_label, tools, header)
        column.addWidget(self.title_row)
        column.addWidget(self.subtitle_label)
        outer.addWidget(header)
        self.failure_banner = FailureBanner(content, lead="This call failed")
        outer.addWidget(self.failure_banner)
        line = QFrame(content)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Plain)
        line.setForegroundRole(QPalette.ColorRole.Mid)
        outer.addWidget(line)
        self.browser = DetailBrowser(content)
        self.browser.setObjectName("chatTranscript")
        self.browser.setFrameShape(QFrame.Shape.NoFrame)
        self.browser.anchorClicked.connect(self._on_anchor)
        outer.addWidget(self.browser, 1)
        return content

    # -- public API -------------------------------------------------------------

    def set_span(self, span: Span | None, trace_spans: Iterable[Span] | None = None) -> None:
        """Show `span`'s conversation; `trace_spans` (the spans of its trace, or None) link tool calls to
        the spans that ran them. None shows the placeholder."""
        self._span = span
        self._trace_spans = list(trace_spans) if trace_spans is not None else None
        self._expanded.clear()
        self._unfolded = False
        self._pages.clear()
        self._content = build(span, self._trace_spans, prices().table)
        self._render()
        self._update_actions()

    def clear(self) -> None:
        self.set_span(None)

    def span(self) -> Span | None:
        return self._span

    def content(self) -> ChatContent:
        """What the view shows, as display blocks."""
        return self._content

    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        """``markdown`` (text rendered) or ``raw`` (as recorded, fixed-width, newlines kept)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        if mode == self._mode:
            return
        self._mode = mode
        self.mode_buttons[mode].setChecked(True)
        self._render(keep_scroll=True)
        self.modeChanged.emit(mode)

    def text(self) -> str:
        """The transcript as plain text (what a reader sees)."""
        return self.browser.toPlainText() if self.pages.currentIndex() == 1 else self.placeholder.text()

    def markdown(self) -> str:
        """The span as Markdown: what "Copy as Markdown" puts on the clipboard."""
        return span_markdown(self._span, self._trace_spans) if self._span is not None else ""

    def copy_markdown(self) -> None:
        if self._span is not None:
            QGuiApplication.clipboard().setText(self.markdown())

    def links(self) -> list[tuple[str, str]]:
        """``(href, text)`` of every link in the transcript, in order (tool spans, reasoning toggles)."""
        out: list[tuple[str, str]] = []
        block = self.browser.document().begin()
        while block.isValid():
            it = block.begin()
            last = None
            while not it.atEnd():
                fragment = it.fragment()
                fmt = fragment.charFormat()
                href = fmt.anchorHref() if fmt.isAnchor() else ""
                if href and href == last:
                    out[-1] = (href, out[-1][1] + fragment.text())
                elif href:
                    out.append((href, fragment.text()))
                last = href
                it += 1
            block = block.next()
        return out

    def activate_link(self, href: str) -> None:
        """Follow a transcript link: ``span:<id>`` emits `spanLinkActivated`, ``toggle:<b>.<p>`` opens or
        closes a reasoning part. Anything else (a link inside a message) is ignored: the viewer opens nothing."""
        scheme, _, rest = href.partition(":")
        if scheme == SPAN_SCHEME and rest:
            self.spanLinkActivated.emit(rest)
        elif scheme == FOLD_SCHEME:
            self.unfold()
        elif scheme == MORE_SCHEME:
            key = _part_key(rest)
            if key is not None:
                self.show_more(key)
        elif scheme == TOGGLE_SCHEME:
            key = _part_key(rest)
            if key is not None:
                self._expanded.symmetric_difference_update({key})
                self._render(keep_scroll=True)

    def show_more(self, key: tuple[int, int]) -> None:
        """Render the next page of message part ``key`` (bubble, part)."""
        self._pages[key] = self._pages.get(key, 1) + 1
        self._render(keep_scroll=True)

    def is_folded(self) -> bool:
        """Whether earlier messages of a long history are folded away right now."""
        return self._content.folded is not None and not self._unfolded

    def unfold(self) -> None:
        """Show the earlier messages of a long history."""
        if self.is_folded():
            self._unfolded = True
            self._render(keep_scroll=True)

    def set_highlight_terms(self, terms: list[str]) -> None:
        """Mark these words (a search's) in the transcript; [] clears the marks."""
        if list(terms) != self._terms:
            self._terms = list(terms)
            mark_text(self.browser, self._terms)

    def highlight_terms(self) -> list[str]:
        return list(self._terms)

    # -- reacting ---------------------------------------------------------------

    def _on_anchor(self, url: QUrl) -> None:
        self.activate_link(url.toString())

    def _on_mode_button(self, button: QToolButton, checked: bool) -> None:
        if checked:
            self.set_mode(next(m for m, b in self.mode_buttons.items() if b is button))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and hasattr(self, "browser"):
            # Both events arrive for one theme change: rebuild the transcript's colours once, after them.
            if not self._palette_pending:
                self._palette_pending = True
                QTimer.singleShot(0, self, self._apply_palette)

    def _apply_palette(self) -> None:
        self._palette_pending = False
        self._restyle()
        if self._content.state != EMPTY:
            self._render(keep_scroll=True)

    def _restyle(self) -> None:
        style = toggle_style(self.palette())
        for button in self.mode_buttons.values():
            button.setStyleSheet(style)

    def _update_actions(self) -> None:
        self.copy_action.setEnabled(self._span is not None)

    # -- rendering --------------------------------------------------------------

    def _render(self, keep_scroll: bool = False) -> None:
        content = self._content
        if content.state == EMPTY:
            self.placeholder.setText(content.notice or PLACEHOLDER)
            self.pages.setCurrentIndex(0)
            return
        self.title_label.setText(content.title)
        self.title_label.setToolTip(clip_tip(content.title))
        self.title_row.refresh()
        self.subtitle_label.setText(clip(content.subtitle))
        self.subtitle_label.setToolTip(clip_tip(content.subtitle))
        self.failure_banner.set_failure(content.failure)
        bar = self.browser.verticalScrollBar()
        scroll = bar.value() if keep_scroll else 0
        # Built off to the side and swapped in whole: the browser lays it out once, not per insert.
        # The browser is its parent, so images in Markdown go through DetailBrowser.loadResource.
        doc = _Transcript(self.browser, self.palette(), self.font(), self._mode, self._expanded,
                          folded=self.is_folded(), pages=self._pages).build(content)  # fmt: skip
        self.browser.setDocument(doc)  # the previous document, a child of the browser, is deleted
        mark_text(self.browser, self._terms)
        self.pages.setCurrentIndex(1)
        bar.setValue(scroll)


class _Transcript:
    """Writes a `ChatContent` into a QTextDocument: one framed card per message."""

    def __init__(self, parent: QWidget, palette: QPalette, font: QFont, mode: str, expanded: set[tuple[int, int]],
                 folded: bool = False, pages: dict[tuple[int, int], int] | None = None) -> None:  # fmt: skip
        self.doc = QTextDocument(parent)
        self.pages = pages or {}
        #: The message part being written, (bubble, part): its long text gets a "show the next page" link.
        self.key = (0, 0)
        self.folded = folded
        self.doc.setUndoRedoEnabled(False)
        self.doc.setDefaultFont(font)
        self.doc.setDocumentMargin(12)
        self.pal = palette
        self.mode = mode
        self.expanded = expanded
        R = QPalette.ColorRole
        self.text = palette.color(R.Text)
        self.base = palette.color(R.Base)
        self.muted = theme.muted_color(palette)
        self.link = palette.color(R.Link)
        self.line = theme.blend(self.text, self.base, 0.16)
        self.code_background = theme.blend(self.text, self.base, 0.06)
        self.font = font
        self.mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.mono.setPointSizeF(max(font.pointSizeF() * 0.95, 8))
        self.mono.setFixedPitch(True)
        self.cursor = QTextCursor(self.doc)
        #: The cursor's block is empty and unused (a fresh frame, or the gap after a frame).
        self.fresh = True
        #: Where text goes once the frames are in: (cursor, text, its format or None for Markdown, dimmed).
        self.pending: list[tuple[QTextCursor, str, QTextCharFormat | None, bool]] = []
        #: The cursor's block is the gap Qt keeps after a frame.
        self.after_frame = False

    # -- formats --

    def _char(self, *, color: QColor | None = None, bold: bool = False, italic: bool = False, mono: bool = False,
              scale: float = 1.0) -> QTextCharFormat:  # fmt: skip
        fmt = QTextCharFormat()
        font = QFont(self.mono if mono else self.font)
        if scale != 1.0 and font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * scale)
        font.setBold(bold)
        font.setItalic(italic)
        fmt.setFont(font, QTextCharFormat.FontPropertiesInheritanceBehavior.FontPropertiesAll)
        fmt.setForeground(QBrush(color or self.text))
        return fmt

    def _block(self, *, top: float = 0, bottom: float = 0, nowrap: bool = False) -> QTextBlockFormat:
        fmt = QTextBlockFormat()
        fmt.setTopMargin(top)
        fmt.setBottomMargin(bottom)
        fmt.setNonBreakableLines(nowrap)
        return fmt

    def _frame(self, *, background: QColor, border: QColor, width: float = 1, padding: float = 10, top: float = 0,
               bottom: float = 0, left: float = 0, right: float = 0, style=QTextFrameFormat.BorderStyle.BorderStyle_Solid,
               ) -> QTextFrameFormat:  # fmt: skip
        fmt = QTextFrameFormat()
        fmt.setBackground(QBrush(background))
        fmt.setBorder(width)
        fmt.setBorderBrush(QBrush(border))
        fmt.setBorderStyle(style)
        fmt.setPadding(padding)
        fmt.setTopMargin(top)
        fmt.setBottomMargin(bottom)
        fmt.setLeftMargin(left)
        fmt.setRightMargin(right)
        fmt.setWidth(QTextLength(QTextLength.Type.PercentageLength, 100))
        return fmt

    # -- writing --

    def _new_block(self, block: QTextBlockFormat, char: QTextCharFormat) -> None:
        # The gap block after a frame stays a 1 px gap: Qt ignores the top margin of a block that
        # directly follows a frame, so text goes into a block of its own below it.
        if self.fresh and not self.after_frame:
            self.cursor.setBlockFormat(block)
            self.cursor.setBlockCharFormat(char)
            self.cursor.setCharFormat(char)
        else:
            self.cursor.insertBlock(block, char)
        self.fresh = self.after_frame = False

    def _line(self, pieces: list[tuple[str, QTextCharFormat]], block: QTextBlockFormat | None = None) -> None:
        self._new_block(block or self._block(), pieces[0][1])
        for text, fmt in pieces:
            if text:
                self.cursor.insertText(text, fmt)

    def _text(self, text: str, char: QTextCharFormat, block: QTextBlockFormat | None = None) -> None:
        """Plain text with its newlines kept (each line a block)."""
        self._new_block(block or self._block(), char)
        self.pending.append((self._mark(), text, char, False))

    def _markdown(self, text: str, dim: bool = False) -> None:
        """A place for `text` rendered as Markdown, filled in by `_fill` once every frame exists."""
        self._new_block(self._block(), self._char())
        self.pending.append((self._mark(), text, None, dim))
        # Whatever block formats the Markdown ends with (a heading, a list) must not leak further.
        self.fresh = self.after_frame = False

    def _mark(self) -> QTextCursor:
        """A cursor that stays where the text goes: what is written next at the same spot goes after it."""
        mark = QTextCursor(self.cursor)
        mark.setKeepPositionOnInsert(True)
        return mark

    def _fill(self) -> None:
        # Qt's insertFrame costs time in proportion to the document's length, so the frames go in while
        # the document holds no message text yet; the cursors kept by `_markdown` and `_text` follow
        # the inserts before them.
        for cursor, text, char, dim in self.pending:
            # Its anchor moved with what was written after it: drop that selection, or the text
            # would replace it. From here on it follows its own text, to the end of it.
            cursor.clearSelection()
            cursor.setKeepPositionOnInsert(False)
            if char is not None:  # plain text
                cursor.insertText(text, char)
                continue
            first = cursor.block()
            parsed = QTextDocument()
            parsed.setDefaultFont(self.font)
            parsed.setMarkdown(text, QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
            cursor.insertFragment(QTextDocumentFragment(parsed))
            # The fragment's first block is merged into the cursor's block, which keeps its own format:
            # give it the parsed one back, so a message that starts with a heading or a list shows one.
            source = parsed.begin()
            QTextCursor(first).setBlockFormat(source.blockFormat())
            if source.textList() is not None:
                following = first.next()
                if following.isValid() and following.textList() is not None and source.next().textList() is source.textList():
                    following.textList().add(first)
                else:
                    QTextCursor(first).createList(source.textList().format())
            # Only Markdown with an image (or HTML) can hold one: walking every fragment costs ~4 ms per 20k chars.
            self._polish(first, cursor.block(), images="![" in text or "<" in text)
            if dim:  # reasoning: Markdown sets no colours of its own
                span = QTextCursor(self.doc)
                span.setPosition(first.position())
                span.setPosition(cursor.position(), QTextCursor.MoveMode.KeepAnchor)
                fmt = QTextCharFormat()
                fmt.setForeground(QBrush(self.muted))
                span.mergeCharFormat(fmt)
        self.pending.clear()

    def _polish(self, first, last, images: bool) -> None:
        """Fit rendered Markdown into a message: headings a little larger than text (not poster
        size), code blocks on a tinted background, and images, which are never loaded, as a note."""
        found = []
        block = first
        while block.isValid():
            level = block.blockFormat().headingLevel()
            code = block.blockFormat().hasProperty(QTextFormat.Property.BlockCodeFence) or (
                block.blockFormat().nonBreakableLines())
            if level or code:
                cursor = QTextCursor(block)
                cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
                if level:
                    fmt = QTextCharFormat()
                    fmt.setProperty(QTextFormat.Property.FontSizeAdjustment, 1 if level <= 2 else 0)
                    fmt.setFontWeight(QFont.Weight.Bold)
                    cursor.mergeCharFormat(fmt)
                    spacing = QTextBlockFormat()
                    spacing.setTopMargin(6)
                    spacing.setBottomMargin(4)
                    cursor.mergeBlockFormat(spacing)
                else:
                    tint = QTextBlockFormat()
                    tint.setBackground(QBrush(self.code_background))
                    cursor.mergeBlockFormat(tint)
            it = block.begin()
            while images and not it.atEnd():
                fragment = it.fragment()
                if fragment.charFormat().isImageFormat():
                    found.append((fragment.position(), fragment.length(), fragment.charFormat().toImageFormat().name()))
                it += 1
            if block == last:
                break
            block = block.next()
        for position, length, name in reversed(found):
            cursor = QTextCursor(self.doc)
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(f"[image, not loaded: {name}]", self._char(color=self.muted, italic=True))

    def _enter(self, fmt: QTextFrameFormat) -> QTextFrame:
        frame = self.cursor.insertFrame(fmt)
        self.fresh = True
        self.after_frame = False
        return frame

    def _leave(self, frame: QTextFrame) -> None:
        # The block right after a frame: Qt always keeps one there. Left empty (after the last card of a
        # message, between messages) it would add a line of space, so it gets almost no height until
        # something is written into it.
        self.cursor.setPosition(frame.lastPosition() + 1)
        gap = QTextBlockFormat()
        gap.setLineHeight(1, QTextBlockFormat.LineHeightTypes.FixedHeight.value)
        self.cursor.setBlockFormat(gap)
        self.fresh = self.after_frame = True

    # -- the transcript --

    def build(self, content: ChatContent) -> QTextDocument:
        if content.state == MISSING:
            self._notice(content.notice)
        elif content.state == CONVERSATION:
            section = None
            # @trace spans hold one input and one output: their labels say it already.
            titled = content.conversation is None or content.conversation.layout != OPENINFERENCE
            fold = content.folded if self.folded else None
            for n, bubble in enumerate(content.bubbles):
                if titled and bubble.section != section:
                    section = bubble.section
                    self._section(SECTION_TITLES.get(section, section), first=n == 0)
                if fold is not None and fold[0] <= n < fold[1]:
                    if n == fold[0]:
                        self._fold_line(fold[1] - fold[0])
                    continue
                self._bubble(n, bubble)
            if content.failure is not None and not any(b.section == "output" for b in content.bubbles):
                self._section(SECTION_TITLES["output"], first=False)
                self._failure_card(content.failure.chat_sentence)
        self._fill()
        return self.doc

    def _notice(self, reason: str) -> None:
        warn = theme.warning_color(self.pal)
        frame = self._enter(self._frame(background=theme.blend(warn, self.base, 0.12), border=warn, width=1.5,
                                        padding=16, top=8))  # fmt: skip
        self._line([("Messages not recorded", self._char(color=warn, bold=True, scale=1.15))], self._block(bottom=8))
        self._markdown(reason)
        self._line([("The span's other details are in the inspector.", self._char(color=self.muted))], self._block(top=8))
        self._leave(frame)

    def _fold_line(self, count: int) -> None:
        """A link in place of the earlier messages: a click opens them."""
        frame = self._enter(self._frame(background=self.code_background, border=self.line, padding=6, bottom=10,
                                        style=QTextFrameFormat.BorderStyle.BorderStyle_Dashed))  # fmt: skip
        fmt = self._char(color=self.link, bold=True)
        fmt.setAnchor(True)
        fmt.setAnchorHref(f"{FOLD_SCHEME}:open")
        fmt.setToolTip("Show the earlier messages of this conversation")
        self._line([("▸ " + fold_label(count), fmt), ("   click to show", self._char(color=self.muted, scale=0.9))])
        self._leave(frame)

    def _failure_card(self, sentence: str) -> None:
        error = theme.error_color(self.pal)
        frame = self._enter(self._frame(background=theme.blend(error, self.base, 0.10), border=error, width=1.5,
                                        padding=10, bottom=10))  # fmt: skip
        self._line([("No output", self._char(color=error, bold=True))], self._block(bottom=4))
        self._line([(clip(sentence), self._char())])
        self._leave(frame)

    def _section(self, title: str, first: bool) -> None:
        self._line([(title.upper(), self._char(color=self.muted, bold=True, scale=0.85))],
                   self._block(top=0 if first else 8, bottom=6))  # fmt: skip
        self.fresh = False

    def _bubble(self, n: int, bubble: Bubble) -> None:
        accent = theme.role_color(bubble.kind, self.pal)
        # User messages sit a little to the right and the model's to the left, as in a chat.
        left = 36 if bubble.kind == "user" else 0
        right = 36 if bubble.kind in ("assistant", "output") else 0
        frame = self._enter(self._frame(background=theme.role_tint(bubble.kind, self.pal),
                                        border=theme.blend(accent, self.base, 0.45), left=left, right=right,
                                        bottom=10))  # fmt: skip
        self._line([(clip(bubble.label), self._char(color=accent, bold=True))], self._block(bottom=4))
        if not bubble.parts:
            self._line([("(empty)", self._char(color=self.muted, italic=True))])
        for i, part in enumerate(bubble.parts):
            self._part(n, i, part, bubble)
        if bubble.footer:
            self._line([(clip(bubble.footer), self._char(color=self.muted, scale=0.88))], self._block(top=6))
        self._leave(frame)

    def _part(self, n: int, i: int, part: Part, bubble: Bubble) -> None:
        self.key = (n, i)
        if part.kind == TEXT:
            self._message_text(part.text)
        elif part.kind == TOOL_CALL:
            self._tool_call(part, bubble.links.get(i))
        elif part.kind == TOOL_RESULT:
            self._tool_result(part, bubble.links.get(i), bubble.result_tools.get(i))
        elif part.kind == REASONING:
            self._reasoning(part, (n, i))
        elif part.kind in (BLOB, URI, FILE):
            self._placeholder(part)
        else:
            self._card("Part", None, None, lambda: self._paged(part.text, lambda t: self._text(t, self._char(mono=True))))

    def _message_text(self, text: str) -> None:
        markdown = self.mode == MARKDOWN and not logic._looks_json(text)
        self._paged(text, self._markdown if markdown else lambda t: self._text(t, self._char(mono=True)))

    def _paged(self, text: str, write) -> None:
        """Write the pages of ``text`` asked for so far, then a link that renders the next one."""
        shown, remaining = page(text, self.pages.get(self.key, 1), PART_LIMIT)
        write(shown)
        if remaining:
            fmt = self._char(color=self.link, bold=True)
            fmt.setAnchor(True)
            fmt.setAnchorHref(f"{MORE_SCHEME}:{self.key[0]}.{self.key[1]}")
            fmt.setToolTip("Render the next page of this message (Copy as Markdown has all of it)")
            self._line([("▾ " + more_note(remaining, PART_LIMIT), fmt)], self._block(top=6))

    def _card_frame(self, *, dashed: bool = False) -> QTextFrame:
        style = QTextFrameFormat.BorderStyle.BorderStyle_Dashed if dashed else QTextFrameFormat.BorderStyle.BorderStyle_Solid
        return self._enter(self._frame(background=self.base, border=self.line, padding=8, top=6, style=style))

    def _card(self, label: str, name: str | None, call_id: str | None, body, link: ToolLink | None = None) -> None:
        frame = self._card_frame()
        tool = theme.role_color("tool", self.pal)
        pieces = [(label, self._char(color=self.muted, bold=True, scale=0.9))]
        if name:
            pieces += [("  ", self._char()), (clip(name), self._char(color=tool, bold=True, mono=True))]
        if call_id:
            pieces += [("  ", self._char()), (clip(call_id), self._char(color=self.muted, mono=True, scale=0.9))]
        self._line(pieces, self._block(bottom=4))
        body()
        if link is not None:
            fmt = self._char(color=theme.error_color(self.pal) if link.is_error else self.link)
            fmt.setAnchor(True)
            fmt.setAnchorHref(f"{SPAN_SCHEME}:{link.span_id}")
            fmt.setFontUnderline(True)
            fmt.setToolTip("Select the span that ran this tool")
            self._line([("→ " + clip(link.label), fmt)], self._block(top=6))
        self._leave(frame)

    def _tool_call(self, part: Part, link: ToolLink | None) -> None:
        self._card("Tool call", part.tool_name or "?", part.tool_call_id,
                   lambda: self._paged(part.arguments or "{}", lambda t: self._text(t, self._char(mono=True))), link)  # fmt: skip

    def _tool_result(self, part: Part, link: ToolLink | None, tool_name: str | None) -> None:
        name = part.tool_name or tool_name
        self._card("Tool result", name, part.tool_call_id, lambda: self._message_text(part.text or "(empty)"), link)

    def _reasoning(self, part: Part, key: tuple[int, int]) -> None:
        frame = self._card_frame(dashed=True)
        open_ = key in self.expanded
        toggle = self._char(color=self.muted, bold=True, scale=0.9)
        toggle.setAnchor(True)
        toggle.setAnchorHref(f"{TOGGLE_SCHEME}:{key[0]}.{key[1]}")
        toggle.setToolTip("Hide the reasoning" if open_ else "Show the reasoning")
        pieces = [(("▾ " if open_ else "▸ ") + "Reasoning", toggle)]
        if not open_:
            first = part.text.strip().split("\n", 1)[0]
            preview = first if len(first) <= REASONING_PREVIEW else first[: REASONING_PREVIEW - 1] + "…"
            if preview != part.text.strip():
                preview += "  …" if not preview.endswith("…") else ""
            pieces += [("   ", self._char()), (preview, self._char(color=self.muted, italic=True))]
        self._line(pieces)
        if open_:
            if self.mode == MARKDOWN:
                self._paged(part.text, lambda t: self._markdown(t, dim=True))
            else:
                self._paged(part.text, lambda t: self._text(t, self._char(color=self.muted, mono=True), self._block(top=4)))
        self._leave(frame)

    def _placeholder(self, part: Part) -> None:
        frame = self._card_frame(dashed=True)
        what = {BLOB: "Binary content", URI: "Link", FILE: "File"}[part.kind]
        detail = part.text or part.mime_type or ""
        if part.kind == URI and part.mime_type and part.mime_type not in detail:
            detail = f"{part.mime_type}: {detail}"
        if part.kind == FILE and part.mime_type:
            detail = f"{part.mime_type}: {detail}"
        note = {BLOB: "not shown", URI: "not opened", FILE: "not loaded"}[part.kind]
        self._line([(what, self._char(color=self.muted, bold=True, scale=0.9)),
                    ("  " + clip(detail) if detail else "", self._char(color=self.text, mono=part.kind != BLOB)),
                    (f"  ({note})", self._char(color=self.muted, italic=True, scale=0.9))])  # fmt: skip
        self._leave(frame)


def _part_key(text: str) -> tuple[int, int] | None:
    """``(bubble, part)`` from a link's ``"3.1"``, or None."""
    try:
        key = tuple(int(x) for x in text.split("."))
    except ValueError:
        return None
    return key if len(key) == 2 else None  # type: ignore[return-value]
