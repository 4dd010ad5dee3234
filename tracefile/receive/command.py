"""`tracy receive`: run a receiver until Ctrl+C (or SIGTERM), saying where it listens and writes."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from ..format.errors import TraceFileError

_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def byte_size(text: str) -> int:
    """``20M``, ``512k`` or a plain number of bytes (an argparse type)."""
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    try:
        n = int(float(t[:-1]) * _UNITS[t[-1]]) if t and t[-1] in _UNITS else int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (say 20M, 512k or a number of bytes)") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (must be more than 0)")
    return n


def port(text: str) -> int | None:
    """A port number, 0 for a free one, or ``off`` (an argparse type)."""
    if text.strip().lower() in ("off", "none", "no"):
        return None
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"not a port: {text!r} (0-65535, 0 for a free one, or off)")
    return n


def run(args: argparse.Namespace) -> int:
    try:
        from . import Receiver
        from .otlp_grpc import GrpcReceiver  # noqa: F401  (the extra's libraries, checked before listening)
        from .otlp_http import HttpReceiver  # noqa: F401
    except ImportError as exc:
        raise TraceFileError(f"tracy receive needs the receive extra ({exc}): pip install 'tracy-genai[receive]'") from None
    if args.http is None and args.grpc is None:
        raise TraceFileError("tracy receive: --http off and --grpc off leave nothing to listen on")
    receiver = Receiver(args.output, host=args.host, http_port=args.http, grpc_port=args.grpc,
                        max_body=args.max_body, content_recording=True if args.content else None)  # fmt: skip
    try:
        receiver.start()
    except OSError as exc:
        raise TraceFileError(f"tracy receive: {exc.strerror or exc}" + (f" ({exc.filename})" if getattr(exc, "filename", None) else "")) from None
    stop = threading.Event()

    def on_sigterm(*_) -> None:
        # Raised in the main thread, out of stop.wait(): a handler that set the event could deadlock
        # on the event's own lock if the signal arrived while the main thread held it.
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    out = sys.stdout
    try:
        print(f"tracy receive: writing to {receiver.path}", file=out)
        if receiver.http_port is not None:
            print(f"tracy receive: OTLP/HTTP on {receiver.http_endpoint} (POST /v1/traces, /v1/logs; protobuf or JSON)", file=out)
        if receiver.grpc_port is not None:
            print(f"tracy receive: OTLP/gRPC on {receiver.host}:{receiver.grpc_port}", file=out)
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"tracy receive: listening on {args.host}: anyone who can reach this machine can write to the file", file=out)
        print("tracy receive: Ctrl+C to stop", file=out, flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        receiver.close()
    sink = receiver.sink
    print(f"tracy receive: wrote {sink.spans:,} spans and {sink.feedback:,} feedback records to {receiver.path}", file=out, flush=True)
    return 0
