"""A recorded nested agent run for the timeline tests and screenshots: a sub-agent, a tool with HTTP and
database calls under it, and a failing LLM call."""

from __future__ import annotations


def research_run(rec) -> None:
    """A research agent that hands note-taking to a sub-agent; the sub-agent's last model call fails."""
    from opentelemetry.trace import SpanKind

    c = SpanKind.CLIENT
    llm = dict(kind=c, gen_ai__operation__name="chat")
    with rec.span("invoke_agent research-assistant", 0, 6000, gen_ai__operation__name="invoke_agent"):
        with rec.span("chat gpt-4o", 10, 890, gen_ai__request__model="gpt-4o", gen_ai__usage__input_tokens=1200,
                      gen_ai__usage__output_tokens=300, **llm):  # fmt: skip
            pass
        with rec.span("invoke_agent note-taker", 950, 2950, gen_ai__operation__name="invoke_agent"):
            with rec.span("chat gpt-4o-mini", 960, 540, gen_ai__request__model="gpt-4o-mini",
                          gen_ai__usage__input_tokens=800, gen_ai__usage__output_tokens=120, **llm):  # fmt: skip
                pass
            with rec.span("execute_tool summarize_notes", 1520, 1080, gen_ai__operation__name="execute_tool"):
                with rec.span("POST /v1/notes/summarize", 1530, 1060, kind=c, http__request__method="POST"):
                    with rec.span("SELECT notes", 1600, 50, kind=c, db__system="postgresql"):
                        pass
            with rec.span("chat gpt-4o-mini", 2650, 1230, gen_ai__request__model="gpt-4o-mini",
                          gen_ai__usage__input_tokens=900, error="RateLimitError: 429 Too Many Requests", **llm):  # fmt: skip
                pass
        with rec.span("execute_tool save_report", 3950, 450, gen_ai__operation__name="execute_tool"):
            pass
        with rec.span("chat gpt-4o", 4450, 1540, gen_ai__request__model="gpt-4o", gen_ai__usage__input_tokens=2000,
                      gen_ai__usage__output_tokens=500, **llm):  # fmt: skip
            pass
