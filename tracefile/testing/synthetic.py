"""A reproducible synthetic GenAI trace corpus for benchmarks, demos and tests.

The corpus is made in two steps so that a benchmark can time the OpenTelemetry
SDK's own span-creation cost without the cost of inventing text:

* `make_plan()` draws everything from ``random.Random(seed)`` — trace shapes,
  timestamps, attributes and message text — into plain `SpanPlan` trees;
* `emit()` replays a plan through a real SDK ``TracerProvider`` (or Tracer)
  with explicit start and end times, as instrumentation would.

`make_spans()` does both and returns the finished ``ReadableSpan`` objects in
the order the SDK hands them to span processors (children before parents).

Each trace is an agent run, shaped like what the Azure AI Inference SDK and an
agent framework emit with content recording on::

    invoke_agent <agent>
      chat <model>                 (CLIENT; message events, gen_ai.* attributes)
        POST /chat/completions     (CLIENT; http.* attributes)
      execute_tool <tool>
      chat <model>                 (repeats the system prompt and earlier messages)
        POST /chat/completions
      ...

About 2% of spans fail (ERROR status and an ``exception`` event); about one
trace in 50 links to an earlier trace.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any, Sequence

from opentelemetry import trace as trace_api
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

__all__ = ["SpanPlan", "TracePlan", "make_plan", "make_interactive_plan", "emit", "make_spans", "new_provider", "SERVICE_NAME"]

SERVICE_NAME = "bench-agent"
SYSTEM = "az.ai.inference"
#: 2025-01-15T09:00:00Z: the corpus does not depend on the clock.
BASE_TIME_NS = 1_736_931_600_000_000_000

_MS = 1_000_000
_S = 1_000_000_000

# Instrumentation scopes: (name, version). Index 0 is the agent framework.
SCOPES = (
    ("bench_agent.framework", "0.4.2"),
    ("azure.ai.inference", "1.0.0b9"),
    ("azure.core.tracing.opentelemetry", "1.0.0b12"),
)
_AGENT, _INFERENCE, _HTTP = 0, 1, 2

_VOCABULARY = """
the a an of to and in for on with by from as at that this these those it its is are was were be been will would
can could should may might must not no yes all any each every some many more most less few other such same new
old first last next previous current recent final initial main key important relevant useful available possible
customer customers order orders invoice invoices account accounts payment payments refund refunds shipment
shipments delivery address product products price prices discount subscription plan plans contract contracts
report reports summary summaries document documents file files table tables record records row rows column
columns field fields value values query queries result results search index database service services server
request requests response responses error errors warning issue issues ticket tickets incident incidents alert
alerts metric metrics latency throughput region regions cluster clusters deployment deployments version versions
release releases feature features policy policies rule rules schedule meeting meetings calendar email emails
message messages note notes task tasks project projects team teams manager engineer analyst user users agent
agents tool tools model models prompt context token tokens budget cost costs revenue quarter quarters month
months week weeks day days hour hours minute minutes date time period total average median percent number
count amount balance currency region warehouse inventory stock supplier suppliers vendor vendors catalog
category categories sku status state step steps process workflow pipeline job jobs run runs batch batches
check verify confirm compare analyze summarize list find look retrieve fetch update create delete cancel
approve reject escalate assign notify send review explain describe recommend suggest estimate calculate
forecast increase decrease improve reduce resolve investigate monitor track measure validate extract classify
translate draft prepare provide include contains shows indicates suggests requires allows returns matches
exceeds remains appears seems helps needs wants asked said noted found reported updated created closed opened
pending overdue delayed failed succeeded completed active inactive open closed high low medium critical minor
major urgent standard premium enterprise internal external public private secure encrypted compliant
quickly carefully directly automatically manually only also still already again however therefore because
although while unless until after before during within between across about above below against toward
please thanks sure here there then now today yesterday tomorrow soon later usually often rarely always never
based according following including regarding using without through per via into onto over under around
north south east west europe asia americas pacific atlantic global local national regional annual monthly weekly
daily hourly customer-facing back-office self-service end-to-end real-time up-to-date high-priority low-risk
""".split()

_AGENTS = (
    ("support-triage", "asst_7KQ2mX9pLd3RvT1a"),
    ("billing-assistant", "asst_Hc4Nw8sYb2FgQe6Z"),
    ("research-analyst", "asst_P0tLm5VxK9dJr3Wq"),
    ("ops-copilot", "asst_3bZy7QnHs1MwEc8U"),
    ("sales-coach", "asst_Lr6Td2KpXv9AaN4f"),
    ("travel-planner", "asst_Wg1Es8JmUc5Yo2Hk"),
)
_MODELS = (
    ("gpt-4o", "gpt-4o-2024-11-20"),
    ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
    ("gpt-4.1", "gpt-4.1-2025-04-14"),
    ("o3-mini", "o3-mini-2025-01-31"),
)
_TOOLS = (
    "search_knowledge_base", "get_order_status", "lookup_customer", "create_ticket", "get_invoice",
    "query_metrics", "send_email", "get_weather", "book_meeting", "run_sql", "fetch_document", "calculate_refund",
)  # fmt: skip
_SERVER = "contoso-ai.services.ai.azure.com"
_URL = f"https://{_SERVER}/models/chat/completions?api-version=2024-05-01-preview"
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

_CHAT_FAILURES = (
    ("azure.core.exceptions.HttpResponseError", 429, "(429) Rate limit is exceeded. Try again in 6 seconds."),
    ("azure.core.exceptions.HttpResponseError", 500, "(500) The server had an error while processing your request."),
    ("azure.core.exceptions.ServiceResponseTimeoutError", 408, "Read timed out. (read timeout=120)"),
)
_TOOL_FAILURES = (
    ("TimeoutError", "tool call timed out after 30.0 seconds"),
    ("KeyError", "'customer_id'"),
    ("ValueError", "invalid date range: start is after end"),
    ("PermissionError", "access to the requested record is denied for this agent"),
)

# Chance that a chat call fails once (and is retried), and that a tool fails.
_P_CHAT_FAILURE = 0.02
_P_TOOL_FAILURE = 0.025
_P_LINK = 0.02


@dataclass(slots=True)
class SpanPlan:
    """One span to emit: everything the SDK is told about it, fixed in advance."""

    name: str
    kind: SpanKind
    scope: int  # index into SCOPES
    start: int
    end: int
    attributes: dict[str, Any]
    #: Attributes set after the work is done (response fields), as instrumentation does.
    late_attributes: dict[str, Any] = field(default_factory=dict)
    #: (name, attributes, time_unix_nano)
    events: list[tuple[str, dict[str, Any], int]] = field(default_factory=list)
    error: str | None = None  # status description of a failed span
    #: Index of an earlier trace whose root span this span links to, or -1.
    link_to: int = -1
    children: list["SpanPlan"] = field(default_factory=list)

    def count(self) -> int:
        return 1 + sum(c.count() for c in self.children)


@dataclass(slots=True)
class TracePlan:
    root: SpanPlan
    spans: int


class _Text:
    """Deterministic pseudo-English from a fixed vocabulary."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sentence(self) -> str:
        words = self.rng.choices(_VOCABULARY, k=self.rng.randint(6, 18))
        s = " ".join(words)
        return s[0].upper() + s[1:] + self.rng.choice("....?!")

    def text(self, chars: int) -> str:
        parts: list[str] = []
        n = 0
        while n < chars:
            s = self.sentence()
            parts.append(s)
            n += len(s) + 1
        return " ".join(parts)

    def ident(self, prefix: str, n: int) -> str:
        return prefix + "".join(self.rng.choices(_ALNUM, k=n))


def _message(name: str, content: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A message event's name and attributes, encoded once and then repeated by every later call."""
    return (name, {"gen_ai.system": SYSTEM, "gen_ai.event.content": json.dumps(content)})


def _stacktrace(rng: random.Random, exc_type: str, message: str, tool: str | None) -> str:
    frames = [
        ("/app/bench_agent/runner.py", rng.randint(80, 400), "run"),
        ("/app/bench_agent/agent.py", rng.randint(100, 600), "step"),
    ]
    if tool is None:
        frames += [
            ("/app/.venv/lib/python3.11/site-packages/azure/ai/inference/_patch.py", 738, "complete"),
            ("/app/.venv/lib/python3.11/site-packages/azure/core/tracing/decorator.py", 116, "wrapper_use_tracer"),
            ("/app/.venv/lib/python3.11/site-packages/azure/ai/inference/_operations/_operations.py", 671, "_complete"),
            ("/app/.venv/lib/python3.11/site-packages/azure/core/exceptions.py", 163, "map_error"),
        ]
    else:
        frames += [
            ("/app/bench_agent/tools.py", rng.randint(20, 900), tool),
            ("/app/bench_agent/clients.py", rng.randint(20, 300), "call_backend"),
        ]
    lines = ["Traceback (most recent call last):"]
    for path, line, func in frames:
        lines.append(f'  File "{path}", line {line}, in {func}')
        lines.append(f"    result = {func}(request, timeout=timeout)")
    lines.append(f"{exc_type}: {message}")
    return "\n".join(lines) + "\n"


def _exception_event(rng: random.Random, exc_type: str, message: str, ts: int, tool: str | None) -> tuple:
    return (
        "exception",
        {
            "exception.type": exc_type,
            "exception.message": message,
            "exception.stacktrace": _stacktrace(rng, exc_type, message, tool),
            "exception.escaped": "False",
        },
        ts,
    )


def _lognormal_ns(rng: random.Random, median_ms: float, sigma: float, lo_ms: float, hi_ms: float) -> int:
    ms = min(hi_ms, max(lo_ms, rng.lognormvariate(0, sigma) * median_ms))
    return int(ms * _MS)


class _Planner:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.text = _Text(self.rng)
        # One fixed system prompt per agent, repeated in every chat call of every run.
        self.system_prompts = {
            name: _message(
                "gen_ai.system.message",
                {"role": "system",
                 "content": f"You are {name}, an assistant for Contoso. " + self.text.text(self.rng.randint(420, 520))},
            )  # fmt: skip
            for name, _ in _AGENTS
        }
        self.clock = BASE_TIME_NS
        self.traces = 0

    def _chat(self, start: int, model: tuple[str, str], messages: list[tuple[str, dict]], final: bool,
              tools: list[tuple[str, str, str]], failure: tuple | None) -> SpanPlan:  # fmt: skip
        rng = self.rng
        req_model, resp_model = model
        in_chars = sum(len(a["gen_ai.event.content"]) for _, a in messages)
        if failure is None:
            if final:
                answer = self.text.text(rng.randint(380, 620))
                choice = {"message": {"content": answer}, "finish_reason": "stop", "index": 0}
                out_chars = len(answer)
                finish = "stop"
            else:
                calls = [
                    {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
                    for cid, name, args in tools
                ]
                choice = {"message": {"tool_calls": calls}, "finish_reason": "tool_calls", "index": 0}
                out_chars = sum(len(a) + 30 for _, _, a in tools)
                finish = "tool_calls"
            dur = _lognormal_ns(rng, 250 + out_chars * 2.2, 0.35, 120, 20_000)
        else:
            dur = _lognormal_ns(rng, 900 if failure[1] != 408 else 30_000, 0.3, 40, 60_000)
        end = start + dur
        attrs = {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": SYSTEM,
            "gen_ai.provider.name": SYSTEM,
            "gen_ai.request.model": req_model,
            "gen_ai.request.temperature": rng.choice((0.0, 0.2, 0.7, 1.0)),
            "gen_ai.request.max_tokens": rng.choice((1024, 2048, 4096)),
            "server.address": _SERVER,
            "server.port": 443,
        }
        # Input messages are recorded when the call starts, the choice when it returns.
        events = []
        for j, (name, attributes) in enumerate(messages):
            events.append((name, attributes, start + 20_000 + j * 3_000))
        http_start = start + rng.randint(300_000, 3 * _MS)
        http_end = end - rng.randint(100_000, 2 * _MS)
        http_attrs = {"http.request.method": "POST", "url.full": _URL, "server.address": _SERVER, "server.port": 443}
        if failure is None:
            late = {
                "gen_ai.response.model": resp_model,
                "gen_ai.response.id": self.text.ident("chatcmpl-", 29),
                "gen_ai.response.finish_reasons": (finish,),
                "gen_ai.usage.input_tokens": in_chars // 4 + rng.randint(0, 40),
                "gen_ai.usage.output_tokens": max(1, out_chars // 4 + rng.randint(-10, 30)),
            }
            events.append((*_message("gen_ai.choice", choice), end - rng.randint(50_000, 500_000)))
            http = SpanPlan("POST /chat/completions", SpanKind.CLIENT, _HTTP, http_start, http_end, http_attrs,
                            {"http.response.status_code": 200})  # fmt: skip
            return SpanPlan(f"chat {req_model}", SpanKind.CLIENT, _INFERENCE, start, end, attrs, late, events,
                            children=[http])  # fmt: skip
        exc_type, status, message = failure
        events.append(_exception_event(rng, exc_type, message, end - rng.randint(20_000, 200_000), None))
        late = {"error.type": exc_type}
        http = SpanPlan("POST /chat/completions", SpanKind.CLIENT, _HTTP, http_start, http_end, http_attrs,
                        {"http.response.status_code": status, "error.type": str(status)}, error=f"HTTP {status}")  # fmt: skip
        return SpanPlan(f"chat {req_model}", SpanKind.CLIENT, _INFERENCE, start, end, attrs, late, events,
                        error=f"{exc_type}: {message}", children=[http])  # fmt: skip

    def trace(self, budget: int) -> TracePlan:
        """Plan one agent run of at most ``budget`` spans (exactly ``budget`` when it is small)."""
        rng = self.rng
        self.clock += rng.randint(50 * _MS, 3 * _S)
        t0 = self.clock
        agent, agent_id = rng.choice(_AGENTS)
        model = rng.choice(_MODELS)
        root = SpanPlan(
            f"invoke_agent {agent}", SpanKind.INTERNAL, _AGENT, t0, t0,
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent, "gen_ai.agent.id": agent_id,
             "gen_ai.system": SYSTEM, "gen_ai.conversation.id": self.text.ident("conv_", 20)},
        )  # fmt: skip
        if self.traces and rng.random() < _P_LINK:
            root.link_to = rng.randrange(self.traces)
        self.traces += 1
        cursor = t0 + rng.randint(500_000, 5 * _MS)
        if budget < 3:  # too small for a chat call: an agent that only ran a tool
            for _ in range(budget - 1):
                root.children.append(self._tool(cursor, rng.choice(_TOOLS), self.text.ident("call_", 24))[0])
                cursor = root.children[-1].end + rng.randint(100_000, 2 * _MS)
            root.end = cursor + rng.randint(200_000, 2 * _MS)
            return TracePlan(root, budget)

        # How many tool rounds before the final answer, and how many tools per round.
        rounds = min(rng.choice((0, 1, 1, 2, 2, 3, 4)), 8)
        per_round = [rng.choice((1, 1, 1, 2, 3)) for _ in range(rounds)]
        while 1 + 2 * (rounds + 1) + sum(per_round) > budget:
            if per_round and per_round[-1] > 1:
                per_round[-1] -= 1
            else:
                rounds -= 1
                per_round.pop()
        used = 1 + 2 * (rounds + 1) + sum(per_round)

        messages = [
            self.system_prompts[agent],
            _message("gen_ai.user.message", {"role": "user", "content": self.text.text(rng.randint(150, 600))}),
        ]
        for r in range(rounds + 1):
            final = r == rounds
            tools = [] if final else [
                (self.text.ident("call_", 24), rng.choice(_TOOLS),
                 json.dumps({"query": self.text.sentence(), "limit": rng.choice((5, 10, 20))}))
                for _ in range(per_round[r])
            ]  # fmt: skip
            if used + 2 <= budget and rng.random() < _P_CHAT_FAILURE:
                failed = self._chat(cursor, model, list(messages), final, tools, rng.choice(_CHAT_FAILURES))
                root.children.append(failed)
                cursor = failed.end + rng.randint(500 * _MS, 4 * _S)  # back off, then retry
                used += 2
            chat = self._chat(cursor, model, list(messages), final, tools, None)
            root.children.append(chat)
            cursor = chat.end + rng.randint(100_000, 2 * _MS)
            if final:
                break
            calls = [{"id": cid, "type": "function", "function": {"name": n, "arguments": a}} for cid, n, a in tools]
            messages.append(_message("gen_ai.assistant.message", {"role": "assistant", "tool_calls": calls}))
            for cid, tool, _ in tools:
                span, result = self._tool(cursor, tool, cid)
                root.children.append(span)
                cursor = span.end + rng.randint(50_000, 1 * _MS)
                messages.append(_message("gen_ai.tool.message", {"role": "tool", "tool_call_id": cid, "content": result}))
        root.end = cursor + rng.randint(200_000, 2 * _MS)
        self.clock = max(self.clock, t0 + (root.end - t0) // 3)  # runs overlap a little
        return TracePlan(root, used)

    def _tool(self, start: int, tool: str, call_id: str) -> tuple[SpanPlan, str]:
        rng = self.rng
        end = start + _lognormal_ns(rng, 60, 1.2, 0.4, 8_000)
        attrs = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool, "gen_ai.tool.call.id": call_id,
                 "gen_ai.tool.type": "function"}  # fmt: skip
        span = SpanPlan(f"execute_tool {tool}", SpanKind.INTERNAL, _AGENT, start, end, attrs)
        if rng.random() < _P_TOOL_FAILURE:
            exc_type, message = rng.choice(_TOOL_FAILURES)
            span.error = f"{exc_type}: {message}"
            span.late_attributes = {"error.type": exc_type}
            span.events.append(_exception_event(rng, exc_type, message, end - rng.randint(10_000, 100_000), tool))
            return span, json.dumps({"error": f"{exc_type}: {message}"})
        return span, self.text.text(rng.randint(250, 700))


def make_plan(n_spans: int, *, seed: int = 0) -> list[TracePlan]:
    """Plan agent runs totalling exactly ``n_spans`` spans, deterministically from ``seed``."""
    planner = _Planner(seed)
    plans: list[TracePlan] = []
    left = n_spans
    while left > 0:
        plan = planner.trace(left)
        plans.append(plan)
        left -= plan.spans
    return plans


def _part(text: str) -> dict[str, Any]:
    return {"type": "text", "content": text}


class _Conversations:
    """Interactive chat sessions in the GenAI conventions' current layout: every model call
    records the whole conversation so far in ``gen_ai.input.messages`` (a JSON array that grows by
    a message or two per call), the tool definitions in ``gen_ai.tool.definitions`` and its reply
    in ``gen_ai.output.messages``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"interactive-{seed}")
        self.text = _Text(self.rng)
        self.clock = BASE_TIME_NS

    def _tool_definitions(self) -> list[dict[str, Any]]:
        rng = self.rng
        return [
            {"type": "function", "name": name, "description": self.text.text(rng.randint(120, 260)),
             "parameters": {"type": "object", "properties": {
                 "query": {"type": "string", "description": self.text.sentence()},
                 "limit": {"type": "integer", "description": "How many results to return."}},
                 "required": ["query"]}}
            for name in rng.sample(_TOOLS, 8)
        ]  # fmt: skip

    def conversation(self, turns: int, first_trace: int) -> list[TracePlan]:
        rng = self.rng
        agent, agent_id = rng.choice(_AGENTS)
        model = rng.choice(_MODELS)
        conv_id = self.text.ident("conv_", 20)
        tools = json.dumps(self._tool_definitions())
        history: list[dict[str, Any]] = [
            {"role": "system", "parts": [_part(f"You are {agent}, an assistant for Contoso. " + self.text.text(rng.randint(1200, 1800)))]}
        ]
        plans = []
        for turn in range(turns):
            self.clock += rng.randint(5 * _S, 90 * _S)  # the user reads, thinks and types
            t0 = self.clock
            history.append({"role": "user", "parts": [_part(self.text.text(rng.randint(80, 400)))]})
            root = SpanPlan(
                f"invoke_agent {agent}", SpanKind.INTERNAL, _AGENT, t0, t0,
                {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent, "gen_ai.agent.id": agent_id,
                 "gen_ai.provider.name": SYSTEM, "gen_ai.conversation.id": conv_id},
            )  # fmt: skip
            cursor = t0 + rng.randint(500_000, 5 * _MS)
            if rng.random() < 1 / 3:  # the model calls a tool first
                cid, tool = self.text.ident("call_", 24), rng.choice(_TOOLS)
                args = json.dumps({"query": self.text.sentence(), "limit": rng.choice((5, 10, 20))})
                call = {"role": "assistant", "parts": [{"type": "tool_call", "id": cid, "name": tool, "arguments": json.loads(args)}],
                        "finish_reason": "tool_calls"}  # fmt: skip
                chat = self._chat(cursor, model, history, tools, call)
                root.children.append(chat)
                cursor = chat.end + rng.randint(100_000, 2 * _MS)
                result = json.dumps({"results": [{"id": self.text.ident("r_", 8), "text": self.text.text(rng.randint(60, 200))}
                                                 for _ in range(rng.randint(2, 5))]})  # fmt: skip
                end = cursor + _lognormal_ns(rng, 60, 1.2, 0.4, 8_000)
                root.children.append(SpanPlan(
                    f"execute_tool {tool}", SpanKind.INTERNAL, _AGENT, cursor, end,
                    {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool, "gen_ai.tool.call.id": cid,
                     "gen_ai.tool.type": "function", "gen_ai.tool.call.arguments": args, "gen_ai.tool.call.result": result},
                ))  # fmt: skip
                cursor = end + rng.randint(50_000, 1 * _MS)
                history.append(call)
                history.append({"role": "tool", "parts": [{"type": "tool_call_response", "id": cid, "response": result}]})
            answer = {"role": "assistant", "parts": [_part(self.text.text(rng.randint(300, 1200)))], "finish_reason": "stop"}
            chat = self._chat(cursor, model, history, tools, answer)
            root.children.append(chat)
            history.append(answer)
            root.end = chat.end + rng.randint(200_000, 2 * _MS)
            self.clock = root.end
            plans.append(TracePlan(root, 1 + sum(1 + len(c.children) for c in root.children)))
        return plans

    def _chat(self, start: int, model: tuple[str, str], history: list[dict], tools: str, reply: dict) -> SpanPlan:
        rng = self.rng
        req_model, resp_model = model
        messages = json.dumps(history)
        output = json.dumps([reply])
        end = start + _lognormal_ns(rng, 300 + len(output) * 2.2, 0.35, 120, 20_000)
        attrs = {
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": SYSTEM, "gen_ai.request.model": req_model,
            "gen_ai.request.temperature": rng.choice((0.0, 0.2, 0.7)), "gen_ai.request.max_tokens": 4096,
            "server.address": _SERVER, "server.port": 443,
            "gen_ai.input.messages": messages, "gen_ai.tool.definitions": tools,
        }  # fmt: skip
        late = {
            "gen_ai.response.model": resp_model, "gen_ai.response.id": self.text.ident("chatcmpl-", 29),
            "gen_ai.response.finish_reasons": (reply.get("finish_reason", "stop"),),
            "gen_ai.usage.input_tokens": (len(messages) + len(tools)) // 4, "gen_ai.usage.output_tokens": max(1, len(output) // 4),
            "gen_ai.output.messages": output,
        }  # fmt: skip
        http = SpanPlan("POST /chat/completions", SpanKind.CLIENT, _HTTP, start + rng.randint(300_000, 3 * _MS),
                        end - rng.randint(100_000, 2 * _MS),
                        {"http.request.method": "POST", "url.full": _URL, "server.address": _SERVER, "server.port": 443},
                        {"http.response.status_code": 200})  # fmt: skip
        return SpanPlan(f"chat {req_model}", SpanKind.CLIENT, _INFERENCE, start, end, attrs, late, children=[http])


def make_interactive_plan(conversations: int = 20, turns: int = 30, *, seed: int = 0) -> list[TracePlan]:
    """Interactive chat sessions, one trace per turn: ``conversations`` of ``turns`` turns each, one
    after the other, each model call repeating the conversation so far (`_Conversations`). A third
    of the turns call a tool before answering."""
    maker = _Conversations(seed)
    plans: list[TracePlan] = []
    for _ in range(conversations):
        plans += maker.conversation(turns, len(plans))
    return plans


class _SeededIds(IdGenerator):
    """Trace and span ids from a seeded generator, so the corpus is reproducible."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"ids-{seed}")

    def generate_span_id(self) -> int:
        return self._rng.getrandbits(64) or 1

    def generate_trace_id(self) -> int:
        return self._rng.getrandbits(128) or 1

    def is_trace_id_random(self) -> bool:
        return True


class _Collector(SpanProcessor):
    """Keeps every finished span, in the order the SDK ends them."""

    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.spans.append(span)


def new_provider(*, seed: int = 0, processor: SpanProcessor | None = None) -> TracerProvider:
    """A TracerProvider for the corpus: resource ``service.name=bench-agent``, seeded ids,
    and ``processor`` (if any) as its only span processor. It registers no exit hook."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": SERVICE_NAME, "service.version": "0.4.2",
                                  "service.instance.id": f"bench-{seed}", "deployment.environment.name": "bench"}),  # fmt: skip
        id_generator=_SeededIds(seed),
        shutdown_on_exit=False,
    )
    if processor is not None:
        provider.add_span_processor(processor)
    return provider


def emit(tracer: Any, plans: Sequence[TracePlan]) -> int:
    """Create the planned spans through the SDK; returns how many were ended.

    ``tracer`` is a TracerProvider (each span gets its planned instrumentation
    scope) or a single Tracer. Spans are started and ended depth-first with
    explicit timestamps, so processors see them in a realistic order:
    children end before their parents.
    """
    if hasattr(tracer, "get_tracer"):
        tracers = [tracer.get_tracer(name, version) for name, version in SCOPES]
    else:
        tracers = [tracer] * len(SCOPES)
    roots: list[trace_api.SpanContext] = []
    set_in_context = trace_api.set_span_in_context
    error_status = StatusCode.ERROR
    count = 0

    def run(plan: SpanPlan, context) -> None:
        nonlocal count
        links = ()
        if plan.link_to >= 0:
            links = (Link(roots[plan.link_to], {"link.type": "previous_run"}),)
        span = tracers[plan.scope].start_span(
            plan.name, context=context, kind=plan.kind, attributes=plan.attributes, links=links, start_time=plan.start
        )
        if context is None:
            roots.append(span.get_span_context())
        if plan.children:
            child_context = set_in_context(span)
            for child in plan.children:
                run(child, child_context)
        for name, attributes, ts in plan.events:
            span.add_event(name, attributes, ts)
        if plan.late_attributes:
            span.set_attributes(plan.late_attributes)
        if plan.error is not None:
            span.set_status(Status(error_status, plan.error))
        span.end(plan.end)
        count += 1

    for trace_plan in plans:
        run(trace_plan.root, None)
    return count


def make_spans(n_spans: int, *, seed: int = 0, provider: TracerProvider | None = None) -> list[ReadableSpan]:
    """Exactly ``n_spans`` finished SDK spans of realistic GenAI agent traces.

    The same ``seed`` gives the same spans (ids included) every time. With
    ``provider`` the spans are made through it instead (its resource, id
    generator and processors apply) and a collecting processor is added to it.
    """
    collector = _Collector()
    if provider is None:
        provider = new_provider(seed=seed, processor=collector)
    else:
        provider.add_span_processor(collector)
    emit(provider, make_plan(n_spans, seed=seed))
    return collector.spans
