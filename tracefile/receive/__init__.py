"""`tracy receive`: an OTLP receiver that writes what any language's OpenTelemetry SDK sends
into a .tracy file, through the same writer, redaction and content policy as `configure()`.

    from tracefile.receive import Receiver
    with Receiver("run.tracy", http_port=0, grpc_port=0) as rx:
        print(rx.http_endpoint, rx.grpc_endpoint)   # point any OTLP exporter here
        ...

Needs the ``receive`` extra (``pip install 'tracy-genai[receive]'``: opentelemetry-proto,
grpcio, aiohttp); those are imported when a receiver starts.
"""

from __future__ import annotations

INSTALL_HINT = "pip install 'tracy-genai[receive]'"

#: Loaded when first used, so that the `tracy` command's parser loads no OpenTelemetry.
_LAZY = {
    "Receiver": "server", "resolve_path": "server", "DEFAULT_HTTP_PORT": "server", "DEFAULT_GRPC_PORT": "server",
    "DEFAULT_MAX_BODY": "server", "Outcome": "otlp", "StorageFull": "sink",
}  # fmt: skip

__all__ = ["DEFAULT_GRPC_PORT", "DEFAULT_HTTP_PORT", "DEFAULT_MAX_BODY", "INSTALL_HINT", "Outcome", "Receiver", "StorageFull", "resolve_path"]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tracefile.receive' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)
