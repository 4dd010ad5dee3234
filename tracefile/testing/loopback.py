"""A loopback HTTP server speaking the Azure AI model inference chat API (and OpenAI's), for demos and tests.

    from azure.ai.inference import ChatCompletionsClient
    from azure.core.credentials import AzureKeyCredential
    from tracefile.testing.loopback import ChatServer

    with ChatServer() as server:
        client = ChatCompletionsClient(endpoint=server.endpoint, credential=AzureKeyCredential("test-key"))
        response = client.complete(messages=[{"role": "user", "content": "Hi"}], model="gpt-4o-mini")
        server.requests[-1].body["model"]          # "gpt-4o-mini"

The same server answers the `openai` client at ``server.openai_base_url`` (``<endpoint>/v1``):

    client = openai.OpenAI(base_url=server.openai_base_url, api_key="test-key")
    client.chat.completions.create(model="gpt-4o-mini", messages=[...], stream=True,
                                   stream_options={"include_usage": True})

Or in the foreground: ``python -m tracefile.testing.loopback [--port N]`` prints the endpoint.

What the SDK sends (azure-ai-inference 1.0.0b9)
-----------------------------------------------
``client.complete(...)`` POSTs JSON to ``<endpoint>/chat/completions?api-version=2024-05-01-preview``
with ``Content-Type: application/json``, ``Accept: application/json`` (also when streaming),
both ``Authorization: Bearer <key>`` and ``api-key: <key>`` for an ``AzureKeyCredential``, a
``User-Agent`` starting ``azsdk-python-ai-inference/1.0.0b9``, an ``x-ms-client-request-id``
(echoed back), and ``extra-parameters: pass-through`` only when ``model_extras`` are given. The
body holds ``messages`` and whichever of ``model``, ``tools``, ``tool_choice``, ``stream``,
``max_tokens``, ``temperature``... were set (``None`` values are left out).
``client.get_model_info()`` GETs ``<endpoint>/info?api-version=...``.
Any path prefix in the endpoint is kept, so the server answers every path that *ends* in
``/chat/completions`` or ``/info``; it does not require ``api-version``, so OpenAI-style clients
work too.

What it answers
---------------
``chat.completion`` JSON, or with ``"stream": true`` server-sent events (``data: {json}\\n\\n``
lines of ``chat.completion.chunk`` objects, then ``data: [DONE]``), over HTTP/1.1 chunked
transfer encoding so each event reaches the client when it is written. The first chunk carries
the role (and, for a tool call, its id and name), later chunks carry content or argument pieces
(tool call deltas after the first carry no id, as the SDK's tracing expects), and the last chunk
carries ``finish_reason`` and ``usage``.

Replies are deterministic: by default `scripted_reply()` (a tool call to the first tool when the
conversation ends with a user turn and tools are offered; a summary of the tool results when it
ends with tool messages; otherwise "You asked: ..."). `ChatServer.reply_next()` queues exact
replies and ``responder=`` replaces the script. Token counts are word counts.

OpenAI's route
--------------
``POST .../v1/chat/completions`` (what the ``openai`` client sends to ``base_url + "/chat/completions"``)
gets the same scripted replies, shaped as OpenAI sends them: a ``system_fingerprint``, and when
streaming, ``usage`` only if ``stream_options.include_usage`` is true, in one last chunk whose
``choices`` is empty (the Azure route puts it on the chunk with ``finish_reason``).

Errors and retries
------------------
`ChatServer.fail_next()` makes the next request(s) fail; a model named ``error-<status>``
(e.g. ``"error-429"``) or ``[[error <status>]]`` / ``[[error <status> <Code>]]`` in the text of the
last message fails every such request. The body is ``{"error": {"code": ..., "message": ...}}``,
which azure-core turns into an ``HttpResponseError`` whose ``status_code``, ``error.code`` and
``error.message`` are set.

azure-core's ``RetryPolicy`` (``retry_total=10``, ``retry_status=3``, exponential backoff 0.8 s)
retries a POST only on 500, 503 and 504 (up to 4 attempts in all, sleeping 0 + 1.6 + 3.2 s),
and retries *any* request whose response has a ``Retry-After`` header, even a 400. So:

* error responses with status 408, 429 or >= 500 carry ``retry-after-ms: 1`` (``retry_after_ms=``;
  ``None`` leaves it out): azure-core sleeps 1 ms instead of backing off, and, as the header is
  not ``Retry-After``, it does not make 429 retryable. A 500 from a magic model name therefore
  costs 4 quick requests; a 429 costs one.
* ``Retry-After`` is sent only when asked for: ``fail_next(429, retry_after=1)``.
* ``fail_next(500)`` fails one attempt only, so a default client retries and succeeds; pass
  ``times=4`` or build the client with ``retry_total=0`` to see the error (tests should do the
  latter to count requests exactly).

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Mapping, NoReturn, Sequence
from urllib.parse import parse_qsl, urlsplit

__all__ = ["ChatServer", "RecordedRequest", "Reply", "ToolCall", "scripted_reply", "message_text", "error_body", "main"]

DEFAULT_MODEL = "loopback-chat"
PROVIDER_NAME = "Tracy loopback"
CHAT_PATH = "/chat/completions"
OPENAI_CHAT_PATH = "/v1/chat/completions"
INFO_PATH = "/info"

#: (code, message) for the statuses demos usually want; others use the HTTP reason phrase.
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The request is invalid."),
    401: ("Unauthorized", "Access denied due to invalid subscription key or wrong API endpoint."),
    403: ("Forbidden", "The principal does not have access to this resource."),
    404: ("NotFound", "Resource not found."),
    408: ("Timeout", "The operation was timeout."),
    413: ("PayloadTooLarge", "The request body is too large."),
    422: ("InvalidInput", "The request body could not be processed."),
    429: ("RateLimitReached", "Rate limit is exceeded. Try again in 1 seconds."),
    500: ("InternalServerError", "The server had an error while processing your request."),
    502: ("BadGateway", "The upstream model returned an invalid response."),
    503: ("ServiceUnavailable", "The model is temporarily unavailable."),
    504: ("GatewayTimeout", "The model did not answer in time."),
}
_RETRYABLE = {408, 429}  # and every status >= 500

_MAGIC_MODEL = re.compile(r"^error-([45]\d\d)$")
_MAGIC_TEXT = re.compile(r"\[\[error ([45]\d\d)(?:\s+([A-Za-z_][\w.-]*))?\]\]")
_WORD = re.compile(r"\S+\s*|\s+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PLACE_HINT = re.compile(r"city|location|place|country|destination|town|region|where", re.I)


def error_body(status: int, code: str | None = None, message: str | None = None) -> dict[str, Any]:
    """The Azure-shaped error body for `status`: ``{"error": {"code": ..., "message": ...}}``."""
    default_code, default_message = _ERRORS.get(status, (None, None))
    if default_code is None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = f"Error {status}"
        default_code = "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", phrase.replace("'", "")))
        default_message = f"{phrase}."
    return {"error": {"code": code or default_code, "message": message or default_message}}


# --------------------------------------------------------------------------- replies


@dataclass
class ToolCall:
    """A function call in a reply. `arguments` is a dict (sent as JSON) or a ready JSON string."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass
class Reply:
    """One assistant turn: text, tool calls or both. `finish_reason` defaults to
    ``"tool_calls"`` when there are tool calls, else ``"stop"``."""

    content: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None

    @property
    def effective_finish_reason(self) -> str:
        return self.finish_reason or ("tool_calls" if self.tool_calls else "stop")


def _as_tool_call(item: Any) -> ToolCall:
    if isinstance(item, ToolCall):
        return item
    if isinstance(item, Mapping):
        return ToolCall(str(item["name"]), item.get("arguments", {}), item.get("id"))
    name, arguments = item  # a (name, arguments) pair
    return ToolCall(str(name), arguments)


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a request message: its string content, or its text content items joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [str(item.get("text", "")) for item in content if isinstance(item, Mapping) and item.get("type") == "text"]
        return " ".join(p for p in parts if p)
    return ""


def _words(text: str) -> int:
    return len(text.split())


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _proper_noun(text: str) -> str | None:
    """The last capitalized word that does not start a sentence and is not a day or month
    ("Lisbon" in "I fly to Lisbon on Friday.")."""
    found = None
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for word in sentence.split()[1:]:
            word = word.strip(".,;:!?\"'()[]")
            if word[:1].isupper() and word not in _NOT_PLACES:
                found = word
    return found


# Capitalized words that are not the place a user asks about.
_NOT_PLACES = frozenset(
    "I I'm I'll I've I'd Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March "
    "April May June July August September October November December".split()
)


def _schema_value(name: str, schema: Any, text: str) -> Any:
    if not isinstance(schema, Mapping):
        return text
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind in ("integer", "number"):
        match = _NUMBER.search(text)
        if not match:
            return 1
        value = float(match.group())
        return int(value) if kind == "integer" or value.is_integer() else value
    if kind == "boolean":
        return True
    if kind == "array":
        return [_schema_value(name, schema.get("items"), text)]
    if kind == "object":
        return _schema_arguments(schema, text)
    if _PLACE_HINT.search(name):
        return _proper_noun(text) or text
    return text


def _schema_arguments(parameters: Any, text: str) -> dict[str, Any]:
    """Plausible arguments for a JSON schema: its required properties (or else its first one)
    filled from the user's text."""
    if not isinstance(parameters, Mapping):
        return {"query": text}
    properties = parameters.get("properties") or {}
    if not isinstance(properties, Mapping) or not properties:
        return {}
    names = [n for n in parameters.get("required") or [] if n in properties] or [next(iter(properties))]
    return {n: _schema_value(n, properties[n], text) for n in names}


def _summarize(content: str) -> str:
    try:
        data = json.loads(content)
    except ValueError:
        data = None
    if isinstance(data, Mapping) and data:
        parts = []
        for key, value in list(data.items())[:8]:
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            parts.append(f"{key}: {shown}")
        return _one_line(", ".join(parts))
    return _one_line(content) or "nothing"


def scripted_reply(body: Mapping[str, Any]) -> Reply:
    """The default, deterministic assistant.

    * The conversation ends with tool results: text quoting them ("get_weather returned ...").
    * It ends with a user turn and offers tools (and ``tool_choice`` is not ``"none"``): a call to
      the named tool of ``tool_choice``, else the first tool, with arguments made from the
      tool's parameter schema and the user's text (required strings get the text, or a proper
      noun for city/location-like names; numbers the first number in it; enums their first value).
    * Otherwise: ``You asked: "<text>". Here is a short answer: ...``.
    """
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    users = [m for m in messages if m.get("role") == "user"]
    question = _one_line(message_text(users[-1])) if users else ""
    last = messages[-1] if messages else {}
    role = last.get("role")

    if role == "tool":
        names = {}
        for message in messages:
            for call in message.get("tool_calls") or []:
                if isinstance(call, Mapping):
                    names[call.get("id")] = (call.get("function") or {}).get("name")
        results = []
        for message in reversed(messages):
            if message.get("role") != "tool":
                break
            name = names.get(message.get("tool_call_id")) or "the tool"
            results.append(f"{name} returned {_summarize(message_text(message))}.")
        lead = f'To answer "{question}": ' if question else ""
        return Reply(lead + " ".join(reversed(results)))

    tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)]
    choice = body.get("tool_choice")
    if role == "user" and tools and choice != "none":
        tool = tools[0]
        if isinstance(choice, Mapping):
            wanted = (choice.get("function") or {}).get("name")
            tool = next((t for t in tools if t["function"].get("name") == wanted), tool)
        function = tool["function"]
        text = " ".join(message_text(users[-1]).split())
        return Reply(tool_calls=[ToolCall(str(function.get("name")), _schema_arguments(function.get("parameters"), text))])

    if not question:
        return Reply("Hello! I am a scripted loopback model. Ask me anything.")
    return Reply(
        f'You asked: "{question}". Here is a short answer: this is a scripted reply '
        "from the loopback model, which repeats questions instead of answering them."
    )


# --------------------------------------------------------------------------- recording


@dataclass
class RecordedRequest:
    """One request as the server received it. `headers` keys are lower case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON, or None
    raw: bytes = b""
    number: int = 0  # 1, 2, ... in arrival order
    status: int | None = None  # the status answered
    response: Any = None  # the JSON answered; for a stream, the list of chunks

    @property
    def api_version(self) -> str | None:
        return self.query.get("api-version")

    def _field(self, name: str) -> Any:
        return self.body.get(name) if isinstance(self.body, Mapping) else None

    @property
    def model(self) -> str | None:
        return self._field("model")

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self._field("messages") or []

    @property
    def tools(self) -> list[dict[str, Any]]:
        return self._field("tools") or []

    @property
    def stream(self) -> bool:
        return bool(self._field("stream"))


@dataclass
class _Failure:
    status: int
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None


class _Done(Exception):
    """Raised once a response is written: routing stops there."""


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        parts = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return b"".join(parts)
            parts.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


# --------------------------------------------------------------------------- server


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "ChatServer"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TracyLoopback/1.0"
    disable_nagle_algorithm = True  # else headers, body and SSE chunks wait on delayed ACKs (~40 ms)
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, False)

    def _dispatch(self) -> None:
        self.server.owner._handle(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        self.server.owner._log(f"{self.address_string()} {format % args}")


class ChatServer:
    """A chat completions server on 127.0.0.1, running in a daemon thread from construction
    until `close()` (or the end of a ``with`` block).

    :param port: 0 picks a free port.
    :param latency_s: delay before each successful response starts (time to first token when
        streaming); errors are answered at once. `latency_s` and `chunk_delay_s` may be changed
        while the server runs.
    :param chunk_delay_s: delay between streamed chunks.
    :param model_name: the model reported by ``/info`` and used when a request names none.
    :param api_key: if set, requests must send ``Authorization: Bearer <key>`` or
        ``api-key: <key>``, else get a 401.
    :param responder: replaces `scripted_reply`: called with the request body, returns a `Reply`.
    :param retry_after_ms: value of the ``retry-after-ms`` header on 408, 429 and 5xx errors
        (see the module docstring); None leaves it out.
    :param log: called with one line per request (``python -m`` prints them); None is silent.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        latency_s: float = 0.0,
        chunk_delay_s: float = 0.0,
        model_name: str = DEFAULT_MODEL,
        api_key: str | None = None,
        responder: Callable[[Mapping[str, Any]], Reply] | None = None,
        retry_after_ms: int | None = 1,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.latency_s = latency_s
        self.chunk_delay_s = chunk_delay_s
        self.model_name = model_name
        self.api_key = api_key
        self.responder = responder or scripted_reply
        self.retry_after_ms = retry_after_ms
        self.log = log
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._count = 0
        self._failures: collections.deque[_Failure] = collections.deque()
        self._replies: collections.deque[Reply] = collections.deque()
        self._connections: set[socket.socket] = set()
        self._closing = threading.Event()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.owner = self
        self.host, self.port = self._httpd.server_address[:2]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.5}, name=f"loopback-chat:{self.port}", daemon=True
        )
        self._thread.start()

    # -- public API

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>``: pass it as the client's ``endpoint``."""
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``: pass it as the ``openai`` client's ``base_url``."""
        return f"{self.endpoint}/v1"

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The requests to ``.../chat/completions``."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(CHAT_PATH)]

    @property
    def last_request(self) -> RecordedRequest:
        with self._lock:
            return self.requests[-1]

    def fail_next(
        self,
        status: int = 500,
        code: str | None = None,
        message: str | None = None,
        *,
        times: int = 1,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next `times` requests (on any route) with `status` and an Azure error body.
        `retry_after` adds a ``Retry-After`` header (seconds), which azure-core honours by retrying."""
        if not 400 <= status <= 599:
            raise ValueError(f"not an error status: {status}")
        with self._lock:
            self._failures.extend(_Failure(status, code, message, retry_after) for _ in range(times))

    def reply_next(
        self,
        reply: Reply | str | None = None,
        *,
        tool_calls: Iterable[ToolCall | Mapping[str, Any] | Sequence[Any]] = (),
        finish_reason: str | None = None,
    ) -> None:
        """Queue the reply to the next chat request, instead of the scripted one: a `Reply`, or
        text and/or tool calls (`ToolCall`, ``{"name":, "arguments":}`` or ``(name, arguments)``)."""
        if not isinstance(reply, Reply):
            reply = Reply(reply, [_as_tool_call(t) for t in tool_calls], finish_reason)
        with self._lock:
            self._replies.append(reply)

    def reset(self) -> None:
        """Forget recorded requests and queued failures and replies."""
        with self._lock:
            self.requests.clear()
            self._failures.clear()
            self._replies.clear()

    def close(self) -> None:
        """Stop serving and drop open connections. Safe to call twice."""
        if self._closing.is_set():
            return
        self._closing.set()
        stopper = threading.Thread(target=self._httpd.shutdown, daemon=True)
        stopper.start()
        while stopper.is_alive():  # wake serve_forever()'s select() rather than wait out its poll interval
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
            except OSError:
                pass
            stopper.join(0.01)
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)

    def __enter__(self) -> "ChatServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ChatServer {self.endpoint} requests={len(self.requests)}>"

    # -- handling

    def _log(self, line: str) -> None:
        if self.log is not None:
            self.log(line)

    def _track(self, connection: socket.socket, opened: bool) -> None:
        with self._lock:
            (self._connections.add if opened else self._connections.discard)(connection)

    def _handle(self, handler: _Handler) -> None:
        url = urlsplit(handler.path)
        raw = _read_body(handler)
        body: Any = None
        bad_json = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError as error:
                bad_json = str(error)
        record = RecordedRequest(
            method=handler.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            raw=raw,
        )
        with self._lock:
            self._count += 1
            number = record.number = self._count
            self.requests.append(record)
            failure = self._failures.popleft() if self._failures else None
        try:
            self._route(handler, record, number, failure, bad_json)
        except _Done:
            pass
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
        except Exception as error:  # a bug here should reach the client, not vanish in a thread
            try:
                self._error(handler, record, _Failure(500, "LoopbackServerError", f"{type(error).__name__}: {error}"))
            except (_Done, OSError):
                pass

    def _route(
        self, handler: _Handler, record: RecordedRequest, number: int, failure: _Failure | None, bad_json: str | None
    ) -> None:
        if failure is not None:
            self._error(handler, record, failure)
        if self.api_key is not None:
            bearer = record.headers.get("authorization", "")
            if bearer != f"Bearer {self.api_key}" and record.headers.get("api-key") != self.api_key:
                self._error(handler, record, _Failure(401))
        path = record.path.rstrip("/")
        if path.endswith(INFO_PATH):
            if record.method != "GET":
                message = f"{record.method} {INFO_PATH} is not supported."
                self._error(handler, record, _Failure(405, "MethodNotAllowed", message))
            info = {"model_name": self.model_name, "model_type": "chat_completion", "model_provider_name": PROVIDER_NAME}
            self._delay(self.latency_s)
            self._json(handler, record, 200, info)
        if not path.endswith(CHAT_PATH):
            self._error(handler, record, _Failure(404, "NotFound", f"No route for {record.method} {record.path}."))
        if record.method != "POST":
            self._error(handler, record, _Failure(405, "MethodNotAllowed", f"{record.method} {CHAT_PATH} is not supported."))
        if bad_json is not None or not isinstance(record.body, Mapping):
            self._error(handler, record, _Failure(400, "InvalidJson", f"The request body is not a JSON object: {bad_json}"))
        self._chat(handler, record, number)

    def _chat(self, handler: _Handler, record: RecordedRequest, number: int) -> None:
        body = record.body
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            self._error(handler, record, _Failure(400, "InvalidInput", "'messages' must be a non-empty list."))
        model = str(body.get("model") or self.model_name)
        magic = _MAGIC_MODEL.match(model)
        if magic:
            self._error(handler, record, _Failure(int(magic.group(1))))
        last = messages[-1] if isinstance(messages[-1], Mapping) else {}
        magic = _MAGIC_TEXT.search(message_text(last))
        if magic:
            self._error(handler, record, _Failure(int(magic.group(1)), magic.group(2)))

        with self._lock:
            reply = self._replies.popleft() if self._replies else None
        if reply is None:
            reply = self.responder(body)

        content = reply.content
        finish = reply.effective_finish_reason
        max_tokens = body.get("max_tokens")
        if content and isinstance(max_tokens, int) and max_tokens > 0 and _words(content) > max_tokens:
            content = " ".join(content.split()[:max_tokens])
            finish = reply.finish_reason or "length"
        calls = [
            {
                "id": call.id or f"call_{number:04d}_{i}",
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_json()},
            }
            for i, call in enumerate(reply.tool_calls)
        ]
        prompt_tokens = 0
        for message in messages:
            if isinstance(message, Mapping):
                prompt_tokens += _words(message_text(message))
                for call in message.get("tool_calls") or []:
                    if isinstance(call, Mapping):
                        prompt_tokens += _words(str((call.get("function") or {}).get("arguments") or ""))
        completion_tokens = _words(content or "") + sum(_words(c["function"]["arguments"]) for c in calls)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        head: dict[str, Any] = {"id": f"chatcmpl-loopback-{number:06d}", "created": int(time.time()), "model": model}
        openai = record.path.rstrip("/").endswith(OPENAI_CHAT_PATH)
        if openai:
            head["system_fingerprint"] = "fp_loopback"
        self._delay(self.latency_s)
        if body.get("stream"):
            options = body.get("stream_options")
            usage_chunk = bool(isinstance(options, Mapping) and options.get("include_usage"))
            self._stream(handler, record, head, content, calls, finish, usage, openai=openai, usage_chunk=usage_chunk)
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if calls:
            message["tool_calls"] = calls
        completion = {
            "id": head["id"],
            "object": "chat.completion",
            "created": head["created"],
            "model": model,
            "choices": [{"index": 0, "finish_reason": finish, "message": message}],
            "usage": usage,
        }
        if openai:
            completion["system_fingerprint"] = head["system_fingerprint"]
        self._json(handler, record, 200, completion)

    # -- writing

    def _delay(self, seconds: float) -> None:
        if seconds and seconds > 0:
            self._closing.wait(seconds)

    def _headers(self, handler: _Handler, record: RecordedRequest, status: int, content_type: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("x-request-id", f"loopback-{record.number:06d}")
        client_id = record.headers.get("x-ms-client-request-id")
        if client_id:
            handler.send_header("x-ms-client-request-id", client_id)
        if self._closing.is_set():
            handler.send_header("Connection", "close")
            handler.close_connection = True

    def _json(
        self, handler: _Handler, record: RecordedRequest, status: int, payload: Any, extra: Mapping[str, str] | None = None
    ) -> NoReturn:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        record.status, record.response = status, payload
        self._headers(handler, record, status, "application/json")
        for name, value in (extra or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        raise _Done

    def _error(self, handler: _Handler, record: RecordedRequest, failure: _Failure) -> NoReturn:
        extra: dict[str, str] = {}
        if failure.retry_after is not None:
            extra["Retry-After"] = f"{failure.retry_after:g}"
        if self.retry_after_ms is not None and (failure.status in _RETRYABLE or failure.status >= 500):
            extra["retry-after-ms"] = str(self.retry_after_ms)
        self._json(handler, record, failure.status, error_body(failure.status, failure.code, failure.message), extra)

    def _stream(
        self,
        handler: _Handler,
        record: RecordedRequest,
        head: Mapping[str, Any],
        content: str | None,
        calls: list[dict[str, Any]],
        finish: str,
        usage: Mapping[str, int],
        *,
        openai: bool = False,
        usage_chunk: bool = False,
    ) -> NoReturn:
        """Server-sent chunks; `openai` follows OpenAI: usage only in a last chunk without choices,
        and only when `usage_chunk` (``stream_options.include_usage``) asks for it."""

        def chunk(delta: dict[str, Any] | None, finish_reason: str | None = None, **extra: Any) -> dict[str, Any]:
            choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
            return {"id": head["id"], "object": "chat.completion.chunk", "created": head["created"],
                    "model": head["model"], **({"system_fingerprint": head["system_fingerprint"]} if openai else {}),
                    "choices": choices, **extra}  # fmt: skip

        chunks: list[dict[str, Any]] = []
        if calls:
            for i, call in enumerate(calls):
                first = {"index": i, "id": call["id"], "type": "function",
                         "function": {"name": call["function"]["name"], "arguments": ""}}  # fmt: skip
                delta: dict[str, Any] = {"tool_calls": [first]}
                if i == 0:
                    delta = {"role": "assistant", "content": content, **delta}
                chunks.append(chunk(delta))
                for piece in _WORD.findall(call["function"]["arguments"]):
                    chunks.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
        else:
            chunks.append(chunk({"role": "assistant", "content": ""}))
            chunks.extend(chunk({"content": piece}) for piece in _WORD.findall(content or ""))
        if not openai:
            chunks.append(chunk({}, finish, usage=dict(usage)))
        else:
            chunks.append(chunk({}, finish))
            if usage_chunk:
                chunks.append(chunk(None, usage=dict(usage)))

        record.status, record.response = 200, chunks
        self._headers(handler, record, 200, "text/event-stream; charset=utf-8")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        events = [f"data: {json.dumps(c, ensure_ascii=False)}\n\n".encode("utf-8") for c in chunks]
        events.append(b"data: [DONE]\n\n")
        for i, event in enumerate(events):
            if i and self.chunk_delay_s:
                self._delay(self.chunk_delay_s)
            handler.wfile.write(b"%X\r\n%s\r\n" % (len(event), event))
        handler.wfile.write(b"0\r\n\r\n")
        raise _Done


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tracefile.testing.loopback",
        description="Serve the Azure AI model inference chat API on 127.0.0.1 with a scripted model. "
        "Prints the endpoint on stdout, one line per request on stderr.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--latency", type=float, default=0.0, metavar="SECONDS", help="delay before each response")
    parser.add_argument("--chunk-delay", type=float, default=0.0, metavar="SECONDS", help="delay between streamed chunks")
    parser.add_argument("--model-name", default=DEFAULT_MODEL, help="model reported by /info")
    parser.add_argument("--api-key", default=None, help="require this key (default: accept any)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    server = ChatServer(
        args.port,
        latency_s=args.latency,
        chunk_delay_s=args.chunk_delay,
        model_name=args.model_name,
        api_key=args.api_key,
        log=None if args.quiet else log,
    )
    try:
        # Inside the try: a Ctrl-C that comes as soon as the endpoint is printed still stops cleanly.
        print(server.endpoint, flush=True)
        log("Azure AI model inference chat API (POST /chat/completions, GET /info); Ctrl-C stops.")
        while not server._closing.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
