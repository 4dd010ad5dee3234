"""A recorded file whose Summary figures were counted by hand (see `support_runs`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.recorder import Recorder


def _usage(model: str, tin: int, tout: int, op: str = "chat") -> dict:
    return {"gen_ai__operation__name": op, "gen_ai__request__model": model,
            "gen_ai__usage__input_tokens": tin, "gen_ai__usage__output_tokens": tout}  # fmt: skip


def write_support_runs(path: Path) -> Path:
    """Three traces of a support bot, through the real SDK.

    1. 4 s agent run: the agent repeats its calls' totals (300 in, 70 out); chat gpt-4o 1000 ms
       (100/30), get_weather 400 ms, chat gpt-4o 1500 ms (200/40), get_weather_v2 200 ms.
    2. 2 s chat gpt-4o-mini that fails (50/0).
    3. 500 ms: chat gpt-4o 300 ms (10/5), then get_weather 100 ms that fails.
    """
    from opentelemetry.trace import SpanKind

    rec = Recorder(path)
    client = SpanKind.CLIENT
    with rec.span("invoke_agent support-bot", 0, 4000, gen_ai__operation__name="invoke_agent",
                  gen_ai__usage__input_tokens=300, gen_ai__usage__output_tokens=70):  # fmt: skip
        with rec.span("chat gpt-4o", 10, 1000, kind=client, **_usage("gpt-4o", 100, 30)):
            pass
        with rec.span("execute_tool get_weather", 1020, 400, gen_ai__operation__name="execute_tool"):
            pass
        with rec.span("chat gpt-4o", 1430, 1500, kind=client, **_usage("gpt-4o", 200, 40)):
            pass
        with rec.span("execute_tool get_weather_v2", 2940, 200, gen_ai__operation__name="execute_tool"):
            pass
    with rec.span("chat gpt-4o-mini", 5000, 2000, kind=client, error="RateLimitError", **_usage("gpt-4o-mini", 50, 0)):
        pass
    with rec.span("answer", 8000, 500):
        with rec.span("chat gpt-4o", 8010, 300, kind=client, **_usage("gpt-4o", 10, 5)):
            pass
        with rec.span("execute_tool get_weather", 8320, 100, error="TimeoutError", gen_ai__operation__name="execute_tool"):
            pass
    rec.close()
    return path


@pytest.fixture(scope="session")
def support_runs(tmp_path_factory) -> Path:
    return write_support_runs(tmp_path_factory.mktemp("summary") / "support-bot.tracy")
