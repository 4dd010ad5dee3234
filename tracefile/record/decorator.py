"""``@trace``: one OpenTelemetry span per call of your own functions, with their inputs and output.

    import tracefile

    @tracefile.trace
    def retrieve(query: str, k: int = 5) -> list[Doc]:
        docs = index.search(query, k)
        tracefile.log("candidates", len(docs))     # an event on the current span
        return docs

Works on functions, methods, classmethods, staticmethods, coroutines, generators
and async generators. Attributes follow OpenInference (what Arize Phoenix and
its instrumentations write): ``input.value``/``input.mime_type`` hold the
bound arguments as JSON (``self``/``cls`` left out), ``output.value``/
``output.mime_type`` the return value (``text/plain`` for a ``str``); plus the
OpenTelemetry ``code.function.name``, ``code.file.path`` and ``code.line.number``.

Spans nest through ``contextvars``: tasks of ``asyncio.gather`` inside a traced
coroutine become sibling subtrees. A plain ``ThreadPoolExecutor`` does not copy
context, so a traced function run there starts a new trace; submit
``contextvars.copy_context().run, fn, *args`` to keep it under the caller.

Tracing never changes what the function does: if recording fails, the call
still runs and returns or raises exactly as it would untraced, and one warning
goes to the ``tracefile`` logger.
"""

from __future__ import annotations

import collections.abc as abc
import functools
import inspect
import logging
import sys
import threading
from typing import Any, Callable, TypeVar, overload

from opentelemetry import context as otel_context
from opentelemetry import trace as otel_trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .. import __version__
from ..genai.names import INPUT_MIME_TYPE, INPUT_VALUE, OUTPUT_MIME_TYPE, OUTPUT_VALUE
from .values import DEFAULT_MAX_LENGTH, MAX_ITEMS, Scrub, TextHook, to_attribute, to_json

_logger = logging.getLogger("tracefile")

F = TypeVar("F", bound=Callable[..., Any])

CODE_FUNCTION = "code.function.name"
CODE_FILE = "code.file.path"
CODE_LINE = "code.line.number"
LOCALS = "tracy.locals"
GENERATOR_ITEMS = "tracy.generator.items"  # how many items a generator yielded
GENERATOR_CLOSED = "tracy.generator.closed"  # True when the consumer stopped before the generator finished
TRACING_ERROR = "tracy.error"  # recording (not the function) failed: what was lost
LOG_EVENT = "tracy.log"
LOG_NAME = "tracy.log.name"
LOG_VALUE = "tracy.log.value"
LOG_MIME_TYPE = "tracy.log.mime_type"
JSON = "application/json"
TEXT = "text/plain"


class _ValuePolicy:
    """How values become attribute text: set once by ``set_value_policy`` (e.g. from ``configure()``)."""

    __slots__ = ("max_length", "scrub", "text_hook")

    def __init__(self, max_length: int = DEFAULT_MAX_LENGTH, scrub: Scrub | None = None, text_hook: TextHook | None = None):
        self.max_length = max_length
        self.scrub = scrub
        self.text_hook = text_hook


_settings = _ValuePolicy()


def set_value_policy(
    max_length: int | None = None,
    scrub: Scrub | None = None,
    text_hook: TextHook | None = None,
) -> None:
    """Set how ``@trace`` and ``log()`` serialize values; arguments left out go back to their defaults.

    ``max_length`` caps each attribute's text (default 32768 characters);
    ``scrub(key, value)`` may replace any value before it is serialized and
    ``text_hook(text)`` may rewrite the final text: redaction plugs in here.
    """
    global _settings
    # One new object, swapped in whole, so a concurrent call never sees half a policy.
    _settings = _ValuePolicy(max_length or DEFAULT_MAX_LENGTH, scrub, text_hook)


_warned: set[str] = set()


def _warn(what: str) -> None:
    """Log a failure of the tracing code: a warning the first time for each kind, then debug."""
    level = logging.DEBUG if what in _warned else logging.WARNING
    _warned.add(what)
    _logger.log(level, "tracefile.trace: %s; the function runs unaffected", what, exc_info=True)


# -- tracer ------------------------------------------------------------------

_tracer_cache: tuple[Any, Any] = (None, None)


def _tracer(provider: Any) -> otel_trace.Tracer:
    # Resolved per call so a provider configured after decoration is used; cached while it stays the same.
    global _tracer_cache
    provider = provider if provider is not None else otel_trace.get_tracer_provider()
    cached_provider, tracer = _tracer_cache
    if cached_provider is provider:
        return tracer
    tracer = provider.get_tracer("tracefile", __version__)
    _tracer_cache = (provider, tracer)
    return tracer


# -- local variables ---------------------------------------------------------


class _Capture:
    """The local variables of one call, snapshotted each time its frame returns or yields."""

    __slots__ = ("code", "frame", "locals", "problem")

    def __init__(self, code: Any) -> None:
        self.code = code
        self.frame: Any = None
        self.locals: dict | None = None
        self.problem: str | None = None


class _Watcher(threading.local):
    """A per-thread ``sys.setprofile`` hook, installed only while a capturing call runs on the thread.

    The hook sees every call and return on the thread while installed; it
    claims the first frame of a waiting capture's code object ("call"), and
    copies that frame's ``f_locals`` when it returns or yields ("return" is
    also reported when it exits by an exception).
    """

    def __init__(self) -> None:
        self.active = 0
        self.pending: dict[Any, list[_Capture]] = {}
        self.frames: dict[Any, _Capture] = {}
        self.hook = self.profile  # one bound method, so sys.getprofile() can be compared with it

    def profile(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            if self.pending:
                waiting = self.pending.get(frame.f_code)
                if waiting:
                    capture = waiting.pop(0)
                    if not waiting:
                        del self.pending[frame.f_code]
                    capture.frame = frame
                    self.frames[frame] = capture
        elif event == "return" and self.frames:
            capture = self.frames.get(frame)
            if capture is not None:
                capture.locals = dict(frame.f_locals)

    def enter(self, capture: _Capture) -> bool:
        """Watch ``capture`` until exit(); False (and nothing to undo) if it can't be watched."""
        if capture.problem is not None:
            return False
        if self.active == 0:
            current = sys.getprofile()
            if current is not None and current is not self.hook:
                # Never displace a profiler (cProfile, yappi...): give up on locals instead.
                capture.problem = "another profiler is active"
                return False
            sys.setprofile(self.hook)
        self.active += 1
        if capture.frame is None:
            self.pending.setdefault(capture.code, []).append(capture)
        else:
            self.frames[capture.frame] = capture
        return True

    def exit(self, capture: _Capture) -> None:
        waiting = self.pending.get(capture.code)
        if waiting and capture in waiting:
            waiting.remove(capture)
            if not waiting:
                del self.pending[capture.code]
        if capture.frame is not None:
            self.frames.pop(capture.frame, None)
        self.active -= 1
        if self.active == 0:
            self.pending.clear()
            self.frames.clear()
            if sys.getprofile() is self.hook:
                sys.setprofile(None)


_watcher = _Watcher()


# -- one call ----------------------------------------------------------------


class _Meta:
    """What ``@trace`` knows about a function, computed once at decoration."""

    def __init__(
        self,
        fn: Callable,
        name: str | None,
        record_inputs: bool,
        record_output: bool,
        capture_locals: bool,
        attributes: dict | None,
        kind: SpanKind,
        max_length: int | None,
        tracer_provider: Any,
    ) -> None:
        self.fn = fn
        inner = inspect.unwrap(fn)
        qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
        # "outer.<locals>.step" reads as "outer.step" in a span tree.
        self.name = name or qualname.replace("<locals>.", "")
        self.record_inputs = record_inputs
        self.record_output = record_output
        self.kind = kind
        self.max_length = max_length
        self.provider = tracer_provider
        code = getattr(inner, "__code__", None)
        self.code = code if capture_locals else None
        try:
            self.signature: inspect.Signature | None = inspect.signature(fn)
        except (TypeError, ValueError):
            self.signature = None
        params = list(self.signature.parameters) if self.signature else []
        # Methods: the instance or class is context, not input.
        self.skip = params[0] if params and params[0] in ("self", "cls") else None
        attrs: dict[str, Any] = {CODE_FUNCTION: f"{getattr(fn, '__module__', None) or '?'}.{qualname}"}
        if code is not None:
            attrs[CODE_FILE] = code.co_filename
            attrs[CODE_LINE] = code.co_firstlineno
        for key, value in (attributes or {}).items():
            attrs[str(key)] = to_attribute(value)
        self.attributes = attrs

    def arguments(self, args: tuple, kwargs: dict) -> dict:
        if self.signature is not None:
            try:
                bound = self.signature.bind(*args, **kwargs)
            except TypeError:
                pass  # the call itself will raise; record what was passed
            else:
                bound.apply_defaults()
                arguments = dict(bound.arguments)
                if self.skip is not None:
                    arguments.pop(self.skip, None)
                return arguments
        return {"args": list(args[1:] if self.skip else args), "kwargs": kwargs}


class _Inert:
    """Stands in for a call whose span could not be started: every step is a no-op."""

    def enter(self) -> None: ...
    def leave(self) -> None: ...
    def fail(self, exc: BaseException) -> None: ...
    def succeed(self, result: Any) -> None: ...
    def yielded(self, item: Any) -> None: ...
    def finish_generator(self, closed: bool) -> None: ...


_INERT = _Inert()


class _Call:
    """One traced call: its span, made current only while the function's own code runs."""

    __slots__ = ("meta", "span", "token", "capture", "watching", "policy", "items", "count")

    def __init__(self, meta: _Meta, span: Any, policy: _ValuePolicy) -> None:
        self.meta = meta
        self.span = span
        self.policy = policy
        self.token: Any = None
        self.capture: _Capture | None = None
        self.watching = False
        self.items: list = []
        self.count = 0

    def _json(self, value: Any) -> str:
        policy = self.policy
        return to_json(
            value,
            max_length=self.meta.max_length or policy.max_length,
            scrub=policy.scrub,
            text_hook=policy.text_hook,
        )

    def enter(self) -> None:
        try:
            self.token = otel_context.attach(otel_trace.set_span_in_context(self.span))
        except Exception:
            _warn("could not make the span current")
        if self.capture is not None:
            try:
                self.watching = _watcher.enter(self.capture)
            except Exception:
                _warn("could not watch local variables")

    def leave(self) -> None:
        if self.watching:
            self.watching = False
            try:
                _watcher.exit(self.capture)
            except Exception:
                _warn("could not stop watching local variables")
        if self.token is not None:
            token, self.token = self.token, None
            try:
                otel_context.detach(token)
            except Exception:
                _warn("could not restore the context")

    def _record_locals(self) -> None:
        capture = self.capture
        if capture is None:
            return
        if capture.problem is not None:
            self.span.set_attribute(TRACING_ERROR, f"locals not captured: {capture.problem}")
        elif capture.locals is not None:
            variables = capture.locals
            if self.meta.skip is not None:
                variables.pop(self.meta.skip, None)
            self.span.set_attribute(LOCALS, self._json(variables))

    def fail(self, exc: BaseException) -> None:
        try:
            if self.span.is_recording():
                self._record_locals()
                self.span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {_describe(exc)}"))
                self.span.record_exception(exc)
        except Exception:
            _warn("could not record the exception")
        self._end()

    def succeed(self, result: Any) -> None:
        try:
            if self.span.is_recording():
                self._record_locals()
                if self.meta.record_output:
                    self._set_output(result)
        except Exception:
            _warn("could not record the output")
        self._end()

    def _set_output(self, result: Any) -> None:
        policy = self.policy
        if type(result) is str:
            text = to_attribute(
                result,
                max_length=self.meta.max_length or policy.max_length,
                scrub=policy.scrub,
                text_hook=policy.text_hook,
            )
            self.span.set_attribute(OUTPUT_VALUE, text)
            self.span.set_attribute(OUTPUT_MIME_TYPE, TEXT)
        else:
            self.span.set_attribute(OUTPUT_VALUE, self._json(result))
            self.span.set_attribute(OUTPUT_MIME_TYPE, JSON)

    def yielded(self, item: Any) -> None:
        self.count += 1
        if self.meta.record_output and len(self.items) < MAX_ITEMS:
            self.items.append(item)  # a reference only: serialized once, when the generator ends

    def finish_generator(self, closed: bool) -> None:
        try:
            if self.span.is_recording():
                self._record_locals()
                self.span.set_attribute(GENERATOR_ITEMS, self.count)
                if closed:
                    self.span.set_attribute(GENERATOR_CLOSED, True)
                if self.meta.record_output:
                    self.span.set_attribute(OUTPUT_VALUE, self._json(_Yielded(self.items, self.count)))
                    self.span.set_attribute(OUTPUT_MIME_TYPE, JSON)
        except Exception:
            _warn("could not record the generator's output")
        self._end()

    def _end(self) -> None:
        try:
            self.span.end()
        except Exception:
            _warn("could not end the span")


class _Yielded(abc.Sequence):
    """The first yielded items, with the real count as its length, so the JSON says how many were left out."""

    def __init__(self, items: list, count: int) -> None:
        self.items, self.count = items, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def __iter__(self) -> Any:
        return iter(self.items)


def _describe(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "<str() failed>"


def _begin(meta: _Meta, args: tuple, kwargs: dict) -> _Call | _Inert:
    """Start the span for one call; never raises (an _Inert call if tracing is broken)."""
    try:
        span = _tracer(meta.provider).start_span(meta.name, kind=meta.kind, attributes=meta.attributes)
    except Exception:
        _warn("could not start a span")
        return _INERT
    call = _Call(meta, span, _settings)
    try:
        if span.is_recording():
            if meta.record_inputs:
                arguments = meta.arguments(args, kwargs)
                if arguments:
                    span.set_attribute(INPUT_VALUE, call._json(arguments))
                    span.set_attribute(INPUT_MIME_TYPE, JSON)
            if meta.code is not None:
                call.capture = _Capture(meta.code)
    except Exception:
        _warn("could not record the inputs")
        try:
            span.set_attribute(TRACING_ERROR, "inputs not recorded")
        except Exception:
            pass
    return call


# -- wrappers ----------------------------------------------------------------


def _wrap(fn: Callable, meta: _Meta) -> Callable:
    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def async_gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            call = _begin(meta, args, kwargs)
            try:
                agen = fn(*args, **kwargs)  # runs none of its code, but may reject the arguments
            except BaseException as exc:
                call.fail(exc)
                raise
            send: Any = None
            thrown: BaseException | None = None
            while True:
                call.enter()
                try:
                    item = await (agen.asend(send) if thrown is None else agen.athrow(thrown))
                except StopAsyncIteration:
                    call.leave()
                    call.finish_generator(closed=False)
                    return
                except BaseException as exc:
                    call.leave()
                    call.fail(exc)
                    raise
                call.leave()
                call.yielded(item)
                thrown = None
                try:
                    send = yield item
                except GeneratorExit:
                    # The consumer stopped early (break, aclose(), garbage collection): close ours under the span.
                    call.enter()
                    try:
                        await agen.aclose()
                    except BaseException as exc:
                        call.leave()
                        call.fail(exc)
                        raise
                    call.leave()
                    call.finish_generator(closed=True)
                    raise
                except BaseException as exc:
                    thrown, send = exc, None

        return async_gen_wrapper

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            # The span starts at the first next(), not when the generator object is created.
            call = _begin(meta, args, kwargs)
            try:
                gen = fn(*args, **kwargs)
            except BaseException as exc:
                call.fail(exc)
                raise
            send: Any = None
            thrown: BaseException | None = None
            while True:
                # Current only while the generator's code runs: between items the caller's context is its own.
                call.enter()
                try:
                    item = gen.send(send) if thrown is None else gen.throw(thrown)
                except StopIteration as stop:
                    call.leave()
                    call.finish_generator(closed=False)
                    return stop.value
                except BaseException as exc:
                    call.leave()
                    call.fail(exc)
                    raise
                call.leave()
                call.yielded(item)
                thrown = None
                try:
                    send = yield item
                except GeneratorExit:
                    call.enter()
                    try:
                        gen.close()
                    except BaseException as exc:
                        call.leave()
                        call.fail(exc)
                        raise
                    call.leave()
                    call.finish_generator(closed=True)
                    raise
                except BaseException as exc:
                    thrown, send = exc, None

        return gen_wrapper

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            call = _begin(meta, args, kwargs)
            call.enter()
            try:
                result = await fn(*args, **kwargs)
            except BaseException as exc:
                call.leave()
                call.fail(exc)
                raise
            call.leave()
            call.succeed(result)
            return result

        return async_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        call = _begin(meta, args, kwargs)
        call.enter()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            call.leave()
            call.fail(exc)
            raise
        call.leave()
        call.succeed(result)
        return result

    return wrapper


@overload
def trace(func: F) -> F: ...
@overload
def trace(
    func: None = None,
    *,
    name: str | None = None,
    record_inputs: bool = True,
    record_output: bool = True,
    capture_locals: bool = False,
    attributes: dict[str, Any] | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    max_length: int | None = None,
    tracer_provider: Any = None,
) -> Callable[[F], F]: ...


def trace(
    func: Callable | None = None,
    *,
    name: str | None = None,
    record_inputs: bool = True,
    record_output: bool = True,
    capture_locals: bool = False,
    attributes: dict[str, Any] | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    max_length: int | None = None,
    tracer_provider: Any = None,
) -> Any:
    """Record each call of the decorated function as a span; use as ``@trace`` or ``@trace(name=...)``.

    ``name`` replaces the span name (default: the function's qualified name).
    ``record_inputs``/``record_output`` turn off ``input.value``/``output.value``.
    ``capture_locals=True`` also records the function's local variables as
    they were when it returned or raised (``tracy.locals``); it runs a
    ``sys.setprofile`` hook on the thread during the call, which slows the
    calls made inside it several times, so use it while debugging. It is
    skipped when another profiler is active. ``attributes`` are added to every
    span; ``kind`` is its SpanKind; ``max_length`` caps each value's JSON text
    (default: ``set_value_policy``'s, 32768). ``tracer_provider`` overrides
    the global provider, which is otherwise looked up at each call.

    Generators and async generators get one span from the first item to the
    last (or until the consumer closes them or drops them: then
    ``tracy.generator.closed`` is true), with ``tracy.generator.items`` and,
    as ``output.value``, the first 1000 yielded items.
    """
    options = dict(
        name=name,
        record_inputs=record_inputs,
        record_output=record_output,
        capture_locals=capture_locals,
        attributes=attributes,
        kind=kind,
        max_length=max_length,
        tracer_provider=tracer_provider,
    )

    def decorate(fn: Any) -> Any:
        if isinstance(fn, (classmethod, staticmethod)):
            # @trace above @classmethod/@staticmethod: trace the function inside, and wrap it back.
            return type(fn)(decorate(fn.__func__))
        if not callable(fn):
            raise TypeError(f"@trace needs a function, got {type(fn).__name__}")
        return _wrap(fn, _Meta(fn, **options))

    if func is not None:
        return decorate(func)
    return decorate


def log(name: str, value: Any, **attributes: Any) -> None:
    """Record an intermediate value as a ``tracy.log`` event on the current span; a no-op outside one.

    The event has ``tracy.log.name``, ``tracy.log.value`` (a str as is, with
    ``tracy.log.mime_type`` ``text/plain``; numbers and bools as is; anything
    else JSON, ``application/json``), and ``attributes`` as extra event attributes.
    """
    try:
        span = otel_trace.get_current_span()
        if not span.is_recording():
            return
        policy = _settings
        options = dict(max_length=policy.max_length, scrub=policy.scrub, text_hook=policy.text_hook)
        event: dict[str, Any] = {LOG_NAME: str(name)}
        if type(value) in (bool, int, float):
            event[LOG_VALUE] = to_attribute(value, **options)
        elif type(value) is str:
            event[LOG_VALUE] = to_attribute(value, **options)
            event[LOG_MIME_TYPE] = TEXT
        else:
            event[LOG_VALUE] = to_json(value, **options)
            event[LOG_MIME_TYPE] = JSON
        for key, extra in attributes.items():
            event[key] = to_attribute(extra, **options)
        span.add_event(LOG_EVENT, event)
    except Exception:
        _warn("could not record a log() value")
