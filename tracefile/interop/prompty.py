"""Prompty's JSON trace files (`PromptyTracer`'s `.tracy`, `.runs/<name>.<time>.tracy`) as the trace model.

Layouts read:

* prompty 0.1.20 and later, 2.x included: ``{"runtime", "version", "trace": frame}``;
* prompty 0.1.9 to 0.1.19: the bare root frame (``.ptrace``), without ``__time``.

A frame is ``{"name", "__time": {"start", "end", "duration"}, "signature", "inputs", "result",
"__usage", "__frames": [...]}``; 2.x's file spec also allows ``output``, ``error`` and
``attributes``. Each frame becomes a span under its parent's. Prompty writes no ids: they are
derived from a hash of the file's bytes and the frame's position, so importing the same file
again gives the same ids. Its times have no time zone (``datetime.now()``): they are read as this
machine's local time, and each span says so in ``tracy.import.timezone``.

``inputs`` and ``result`` become ``input.value``/``output.value`` (JSON, or plain text for a
string) with their mime types, as ``@tracefile.trace`` records them; ``result.exception``
becomes status ERROR and an ``exception`` event (type, message, traceback). ``__usage`` sums
the frame's own usage and its children's: the span gets ``gen_ai.usage.*`` for its own part only,
so that totals over all spans do not count a call twice, and ``prompty.usage`` keeps the sum.
Prompty also adds the usage in a frame's own result to its children's, so a frame that returns
its child's response (2.x's ``execute`` returns the client call's) claims that call twice: its own
part leaves that out too. Other keys of a frame (``function``, ``description``, keywords given to
``@trace``) are kept as ``prompty.<key>`` attributes.

The model call its executor traces (``type: LLM``, ``chat.completions.create`` and the like, not
the client's constructor: `tracefile.genai.dialects.is_prompty_call`) becomes a GenAI client span
in the current conventions, so that every view and an OTLP export read it as one: its operation
(``chat``), provider, requested and answering model, response id, finish reasons, and its
``messages`` and ``choices`` as ``gen_ai.input.messages``/``gen_ai.output.messages``. Prompty
before 2.x wrote the client's response as its Python ``repr`` (``ChatCompletion(id='...', ...)``),
and no ``__usage``: that text is parsed (as syntax, never run) for the answer and its tokens.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from datetime import datetime
from typing import Any

from ..format.model import Span, SpanEvent
from ..format.schema import STATUS_ERROR, Resource, Scope
from ..genai import dialects
from ..genai.names import (
    GEN_AI_INPUT_MESSAGES,
    GEN_AI_OPERATION_NAME,
    GEN_AI_OUTPUT_MESSAGES,
    GEN_AI_PROVIDER_NAME,
    GEN_AI_REQUEST_MODEL,
    GEN_AI_RESPONSE_FINISH_REASONS,
    GEN_AI_RESPONSE_ID,
    GEN_AI_RESPONSE_MODEL,
    OperationName as Op,
)
from . import Imported
from .common import Skips, load_json, never_raises

_FRAME_KEYS = ("name", "__time", "signature", "inputs", "result", "output", "error", "__usage", "attributes", "__frames")
_USAGE = (("prompt_tokens", "gen_ai.usage.input_tokens"), ("input_tokens", "gen_ai.usage.input_tokens"),
          ("completion_tokens", "gen_ai.usage.output_tokens"), ("output_tokens", "gen_ai.usage.output_tokens"))  # fmt: skip
_CLASS_REPR = re.compile(r"^<class '(?:[\w.]+\.)?(\w+)'>$")  # 0.1.2x-0.1.50 wrote str(type(e))


def _is_frame(d: Any) -> bool:
    return isinstance(d, dict) and isinstance(d.get("name"), str) and bool({"signature", "__frames", "__time", "inputs"} & d.keys())


def _root(doc: Any) -> tuple[dict[str, Any], str, str] | None:
    """The root frame, runtime and version of a Prompty trace document, or None."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("trace"), dict) and "runtime" in doc and _is_frame(doc["trace"]):
        return doc["trace"], str(doc.get("runtime", "")), str(doc.get("version", ""))
    if _is_frame(doc) and not {"resourceSpans", "spans", "data", "traceID"} & doc.keys():
        return doc, "", ""
    return None


def _local_ns(text: Any) -> int:
    """A naive ISO timestamp read as local time, in unix nanoseconds."""
    if not isinstance(text, str):
        raise ValueError(f"not a timestamp: {text!r}")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.astimezone()  # naive means local time here
    whole = int(dt.replace(microsecond=0).timestamp())
    return whole * 1_000_000_000 + dt.microsecond * 1000


def _value(v: Any) -> tuple[str, str]:
    if isinstance(v, str):
        return v, "text/plain"
    return json.dumps(v, ensure_ascii=False, sort_keys=False), "application/json"


def _usage(u: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    if isinstance(u, dict):
        for src, dst in _USAGE:
            v = u.get(src)
            if isinstance(v, int) and not isinstance(v, bool) and dst not in out:
                out[dst] = v
    return out


def _result_usages(result: Any) -> list[dict[str, int]]:
    """The usage Prompty hoisted from the frame's own result (one response, or streamed chunks)."""
    items = result if isinstance(result, list) else [result]
    return [_usage(r.get("usage")) for r in items if isinstance(r, dict)]


# -- the model call ---------------------------------------------------------------------------

# By the end of the client call's signature; checked in order ("chat.completions.create" first).
_OPERATIONS = (("chat.completions.create", Op.CHAT), ("responses.create", Op.CHAT),
               ("completions.create", Op.TEXT_COMPLETION), ("embeddings.create", Op.EMBEDDINGS),
               ("images.generate", None))  # fmt: skip
_PROVIDERS = (("AzureOpenAI", "azure.ai.openai"), ("AsyncAzureOpenAI", "azure.ai.openai"),
              ("OpenAI", "openai"), ("AsyncOpenAI", "openai"),
              ("AzureOpenAIExecutor", "azure.ai.openai"), ("OpenAIExecutor", "openai"))  # fmt: skip
#: The frame a streamed call's chunks are recorded in (prompty 2.x): a trace of its own, written
#: when the stream has been read to its end.
_STREAM_FRAME = ".PromptyStream"


def _is_stream(f: dict[str, Any]) -> bool:
    """A ``PromptyStream`` frame: a streamed model call's chunks, as its result."""
    return isinstance(f.get("signature"), str) and f["signature"].endswith(_STREAM_FRAME) and isinstance(f.get("result"), list)


def _streamed(chunks: list[Any]) -> dict[str, Any] | None:
    """A streamed chat completion's chunks joined into the response a call without streaming
    records: id, model, each choice's whole message (text and tool calls put back together from
    their pieces) and finish reason, and the usage of the last chunk that has one. None when
    they are not ``chat.completion.chunk`` objects."""
    chunks = [c for c in chunks if isinstance(c, dict) and c.get("object") == "chat.completion.chunk"]
    if not chunks:
        return None
    choices: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        for ch in chunk.get("choices") or []:
            if not isinstance(ch, dict):
                continue
            acc = choices.setdefault(ch["index"] if isinstance(ch.get("index"), int) else 0,
                                     {"role": None, "text": [], "calls": {}, "finish_reason": None})  # fmt: skip
            delta = ch.get("delta") if isinstance(ch.get("delta"), dict) else {}
            if acc["role"] is None and isinstance(delta.get("role"), str):
                acc["role"] = delta["role"]
            if isinstance(delta.get("content"), str):
                acc["text"].append(delta["content"])
            for piece in delta.get("tool_calls") or []:
                if not isinstance(piece, dict):
                    continue
                index = piece["index"] if isinstance(piece.get("index"), int) else 0
                call = acc["calls"].setdefault(index, {"id": None, "name": [], "arguments": []})
                if isinstance(piece.get("id"), str):
                    call["id"] = piece["id"]
                fn = piece.get("function") if isinstance(piece.get("function"), dict) else {}
                if isinstance(fn.get("name"), str):
                    call["name"].append(fn["name"])
                if isinstance(fn.get("arguments"), str):
                    call["arguments"].append(fn["arguments"])
            if isinstance(ch.get("finish_reason"), str):
                acc["finish_reason"] = ch["finish_reason"]
    response: dict[str, Any] = {"id": chunks[0].get("id"), "model": chunks[0].get("model"), "choices": []}
    for index, acc in sorted(choices.items()):
        calls = [{"id": c["id"], "type": "function", "function": {"name": "".join(c["name"]), "arguments": "".join(c["arguments"])}}
                 for _, c in sorted(acc["calls"].items())]  # fmt: skip
        message = {"role": acc["role"] or "assistant", "content": "".join(acc["text"]) if acc["text"] else None}
        if calls:
            message["tool_calls"] = calls
        response["choices"].append({"index": index, "message": message, "finish_reason": acc["finish_reason"]})
    usage = next((c["usage"] for c in reversed(chunks) if isinstance(c.get("usage"), dict)), None)
    if usage is not None:
        response["usage"] = usage
    return response


def _response_repr(text: str) -> dict[str, Any] | None:
    """``ChatCompletion(id='...', choices=[Choice(...)], usage=CompletionUsage(...))`` as nested dicts,
    read as Python syntax with literals only (nothing is evaluated); None if it is not such a repr."""
    if not re.match(r"^\w+\(", text):
        return None
    try:
        return _repr_node(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return None


def _repr_node(node: ast.AST) -> Any:
    if isinstance(node, ast.Call):
        return {kw.arg: _repr_node(kw.value) for kw in node.keywords if kw.arg}
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_repr_node(e) for e in node.elts]
    return ast.literal_eval(node)


def _parts(content: Any) -> list[dict[str, Any]]:
    """OpenAI message content as the conventions' parts."""
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    if not isinstance(content, list):
        return [{"type": "text", "content": json.dumps(content, ensure_ascii=False)}]
    parts: list[dict[str, Any]] = []
    for p in content:
        if isinstance(p, str):
            parts.append({"type": "text", "content": p})
        elif isinstance(p, dict) and p.get("type") == "text":
            parts.append({"type": "text", "content": p.get("text", "")})
        elif isinstance(p, dict) and p.get("type") == "image_url" and isinstance(p.get("image_url"), dict):
            parts.append({"type": "uri", "modality": "image", "uri": p["image_url"].get("url")})
        else:
            parts.append(p)  # the chat view reads OpenAI's other part shapes as they are
    return parts


def _arguments(text: Any) -> Any:
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _message(m: Any, default_role: str) -> dict[str, Any]:
    """One OpenAI chat message as the conventions' ``{role, parts}``."""
    if not isinstance(m, dict):
        return {"role": default_role, "parts": _parts(m if isinstance(m, str) else json.dumps(m, ensure_ascii=False))}
    role = m.get("role") if isinstance(m.get("role"), str) else default_role
    if role == "tool":
        parts = [{"type": "tool_call_response", "id": m.get("tool_call_id"), "response": m.get("content")}]
    else:
        parts = _parts(m.get("content"))
    for call in m.get("tool_calls") or []:
        if isinstance(call, dict):
            fn = call.get("function") if isinstance(call.get("function"), dict) else {}
            parts.append({"type": "tool_call", "id": call.get("id"), "name": fn.get("name"),
                          "arguments": _arguments(fn.get("arguments"))})  # fmt: skip
    out: dict[str, Any] = {"role": role, "parts": parts}
    if isinstance(m.get("name"), str):
        out["name"] = m["name"]
    return out


def _model_call(f: dict[str, Any], attrs: dict[str, Any]) -> None:
    """The GenAI conventions' attributes of a Prompty model call, added to ``attrs``."""
    signature = f.get("signature") if isinstance(f.get("signature"), str) else ""
    op = next((o for end, o in _OPERATIONS if signature.endswith(end)), Op.CHAT)
    if op is not None:
        attrs[GEN_AI_OPERATION_NAME] = op
    client = signature.split(".", 1)[0]
    provider = next((p for name, p in _PROVIDERS if client == name), None)
    if provider:
        attrs[GEN_AI_PROVIDER_NAME] = provider
    inputs = f.get("inputs") if isinstance(f.get("inputs"), dict) else {}
    if isinstance(inputs.get("model"), str):
        attrs[GEN_AI_REQUEST_MODEL] = inputs["model"]
    if isinstance(inputs.get("messages"), list):
        messages = [_message(m, "user") for m in inputs["messages"]]
        attrs[GEN_AI_INPUT_MESSAGES] = json.dumps(messages, ensure_ascii=False)
    result = f.get("result")
    if _is_stream(f):
        response = _streamed(result)
    else:
        response = _response_repr(result) if isinstance(result, str) else result
    if not isinstance(response, dict):
        if inputs.get("stream") is True and "result" not in f:
            attrs["tracy.import.note"] = ("streamed: Prompty records the response in a trace of its own, "
                                          "PromptyStream, written when the stream has been read")  # fmt: skip
        return
    if isinstance(response.get("model"), str):
        attrs[GEN_AI_RESPONSE_MODEL] = response["model"]
    if isinstance(response.get("id"), str):
        attrs[GEN_AI_RESPONSE_ID] = response["id"]
    choices = [c for c in response.get("choices") or [] if isinstance(c, dict)]
    if choices and op in (Op.CHAT, Op.TEXT_COMPLETION):
        out = []
        for c in choices:
            if "message" in c:
                message = _message(c["message"], "assistant")
            else:  # a text completion's choice
                message = {"role": "assistant", "parts": _parts(c.get("text"))}
            message["finish_reason"] = c.get("finish_reason") if isinstance(c.get("finish_reason"), str) else ""
            out.append(message)
        attrs[GEN_AI_OUTPUT_MESSAGES] = json.dumps(out, ensure_ascii=False)
        reasons = [m["finish_reason"] for m in out if m["finish_reason"]]
        if reasons:
            attrs[GEN_AI_RESPONSE_FINISH_REASONS] = reasons
    if "__usage" not in f and isinstance(result, str):  # before 2.x: the tokens are only in the repr
        attrs.update({k: v for k, v in _usage(response.get("usage")).items() if v > 0})


def _exception(result: Any) -> dict[str, Any] | None:
    if isinstance(result, dict) and isinstance(result.get("exception"), dict):
        return result["exception"]
    return None


class _Reader:
    def __init__(self, digest: bytes, trace_id: str, resource: Resource, scope: Scope) -> None:
        self.digest, self.trace_id, self.resource, self.scope = digest, trace_id, resource, scope
        self.spans: list[Span] = []
        self.skips = Skips("frame")
        self.untimed = 0

    def span_id(self, position: str) -> str:
        return hashlib.sha256(self.digest + position.encode()).hexdigest()[:16]

    def frame(self, f: Any, position: str, parent: str, parent_start: int) -> None:
        where = f"frame {position}"
        try:
            span = self.span(f, position, parent, parent_start)
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError) as exc:
            self.skips.add(where, str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}")
            return
        self.spans.append(span)
        children = f.get("__frames") or []
        if not isinstance(children, list):
            self.skips.add(where, "__frames is not a list; its children are left out")
            return
        for i, child in enumerate(children):
            self.frame(child, f"{position}.{i}", span.span_id, span.start_time)

    def span(self, f: Any, position: str, parent: str, parent_start: int) -> Span:
        if not isinstance(f, dict):
            raise ValueError("not an object")
        if not isinstance(f.get("name"), str):
            raise ValueError("missing name")
        t = f.get("__time")
        if isinstance(t, dict) and "start" in t:
            start = _local_ns(t["start"])
            end = _local_ns(t["end"]) if "end" in t else start + int(t.get("duration", 0)) * 1_000_000
        elif t is None:
            self.untimed += 1  # 0.1.9-0.1.19 wrote no times: the frames sit at their parent's start, zero long
            start = end = parent_start
        else:
            raise ValueError("__time has no start")
        attrs: dict[str, Any] = {"tracy.import.timezone": "local"}
        if isinstance(f.get("signature"), str):
            attrs["code.function.name"] = f["signature"]
        if "inputs" in f:
            attrs["input.value"], attrs["input.mime_type"] = _value(f["inputs"])
        result = f.get("result", f.get("output"))
        exc = _exception(result)
        status, message, events = 0, "", []
        if exc is not None:
            status = STATUS_ERROR
            etype = str(exc.get("type", ""))
            m = _CLASS_REPR.match(etype)
            etype = m.group(1) if m else etype
            message = str(exc.get("message", ""))
            ev: dict[str, Any] = {"exception.type": etype, "exception.message": message}
            tb = exc.get("traceback")
            if isinstance(tb, list):
                ev["exception.stacktrace"] = "".join(str(x) for x in tb)
            elif isinstance(tb, str):
                ev["exception.stacktrace"] = tb
            events.append(SpanEvent(end, "exception", ev))
            message = f"{etype}: {message}" if etype else message
        elif "result" in f or "output" in f:
            attrs["output.value"], attrs["output.mime_type"] = _value(result)
        if isinstance(f.get("error"), str) and f["error"]:
            status, message = STATUS_ERROR, message or f["error"]
        usage = f.get("__usage")
        if usage is not None:
            attrs["prompty.usage"] = json.dumps(usage, ensure_ascii=False)
            own = _usage(usage)
            taken = [_usage(c.get("__usage")) for c in f.get("__frames") or [] if isinstance(c, dict)]
            if any(taken):  # the frame's result is its child's response, already counted there
                taken += _result_usages(result)
            for part in taken:
                for k, v in part.items():
                    if k in own:
                        own[k] -= v
            attrs.update({k: v for k, v in own.items() if v > 0})
        if dialects.is_prompty_call(f) or _is_stream(f):
            _model_call(f, attrs)
        if isinstance(f.get("attributes"), dict):
            attrs.update({str(k): v for k, v in f["attributes"].items()})
        for k, v in f.items():
            if k not in _FRAME_KEYS:
                attrs[f"prompty.{k}"] = v if isinstance(v, (str, bool, int, float)) else json.dumps(v, ensure_ascii=False)
        return Span(
            trace_id=self.trace_id, span_id=self.span_id(position), parent_span_id=parent, name=f["name"], kind=0,
            start_time=start, end_time=max(start, end), status_code=status, status_message=message,
            attributes=attrs, events=events, resource=self.resource, scope=self.scope,
        )  # fmt: skip


@never_raises("a Prompty trace")
def read(path: str, head: bytes) -> Imported | None:
    """A Prompty trace file as the trace model; None if it is not one."""
    doc = load_json(path, head)
    found = _root(doc)
    if found is None:
        return None
    root, runtime, version = found
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).digest()
    resource_attrs = {"service.name": root["name"]}
    if runtime:
        resource_attrs["telemetry.sdk.language"] = runtime
    resource = Resource(resource_attrs)
    scope = Scope("prompty", version)
    reader = _Reader(digest, digest[:16].hex(), resource, scope)
    reader.frame(root, "0", "", 0)
    offset = datetime.now().astimezone().strftime("%z")
    warnings = [f"Prompty writes times without a time zone; they were read as this machine's local time (UTC{offset[:3]}:{offset[3:]})"]
    if reader.untimed:
        warnings.append(f"{reader.untimed} frames have no times (prompty before 0.1.20); they are drawn zero long")
    return Imported("prompty", reader.spans, [], reader.skips.warning() + warnings)
