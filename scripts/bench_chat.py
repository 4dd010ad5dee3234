"""Time the chat view on a long conversation: set_span, the Markdown/Raw toggle, the first layout (not a test).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_chat.py [messages] [chars per message]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from tracefile.format.model import Span  # noqa: E402
from viewer.chat.widget import MARKDOWN, RAW, ChatView  # noqa: E402
from viewer.export.logic import span_markdown  # noqa: E402

LINE = "The quick brown fox jumps over the **lazy** dog, with `code` and a [link](https://example.com). "


def long_chat(messages: int, chars: int) -> Span:
    """A chat span in the current conventions: alternating user/assistant text, Markdown paragraphs, and a
    tool call with its result every tenth message."""
    body = "\n\n".join((LINE * 8)[:700] for _ in range(chars // 700 + 1))[:chars]
    items = []
    for i in range(messages - 1):
        if i % 10 == 9:
            items.append({"role": "assistant", "parts": [{"type": "tool_call", "id": f"call_{i}", "name": "search",
                                                          "arguments": {"query": f"q{i}", "limit": 5}}]})  # fmt: skip
            items.append({"role": "tool", "parts": [{"type": "tool_call_response", "id": f"call_{i}", "response": body[:2000]}]})
        else:
            items.append({"role": "user" if i % 2 == 0 else "assistant", "parts": [{"type": "text", "content": body}]})
    output = [{"role": "assistant", "parts": [{"type": "text", "content": body}], "finish_reason": "stop"}]
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
             "gen_ai.input.messages": json.dumps(items), "gen_ai.output.messages": json.dumps(output)}  # fmt: skip
    return Span(trace_id="1" * 32, span_id="2" * 16, parent_span_id="", name="chat gpt-4o", kind=2, start_time=0,
                end_time=1_000_000_000, attributes=attrs)  # fmt: skip


def best_ms(fn, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - t) * 1000)
    return best


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    chars = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    app = QApplication.instance() or QApplication([])
    span = long_chat(messages, chars)
    view = ChatView()
    view.resize(760, 900)
    n = len(json.loads(span.attributes["gen_ai.input.messages"])) + 1
    total = sum(len(v) for v in span.attributes.values() if isinstance(v, str))
    print(f"{n} messages, {total / 1e6:.2f} MB of message JSON")

    def show(mode: str) -> None:
        view.set_mode(mode)
        view.set_span(span)

    for mode in (MARKDOWN, RAW):
        print(f"set_span ({mode}):            {best_ms(lambda: show(mode)):8.1f} ms")

    def first_paint() -> None:
        view.set_span(span)
        view.grab()

    view.set_mode(MARKDOWN)
    print(f"set_span + first paint (markdown): {best_ms(first_paint):8.1f} ms")
    print(f"toggle Markdown -> Raw:       {best_ms(lambda: (view.set_mode(RAW), view.set_mode(MARKDOWN)), 2) / 2:8.1f} ms")
    print(f"scroll to the end + paint:    {best_ms(lambda: (view.browser.verticalScrollBar().setValue(10**9), view.grab())):8.1f} ms")
    print(f"span_markdown (copy):         {best_ms(lambda: span_markdown(span)):8.1f} ms")
    del app


if __name__ == "__main__":
    main()
