"""`tracy receive` as a user runs it: it says where it listens and writes, stops cleanly on SIGTERM,
and says what is wrong when it cannot start."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

import tracefile


def _start(*args: str) -> tuple[subprocess.Popen, list[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "tracefile", "receive", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if "Ctrl+C" in line:
            break
    return proc, lines


def test_receive_prints_where_it_listens_and_writes_and_stops_on_sigterm(tmp_path):
    out = tmp_path / "runs"
    out.mkdir()
    proc, lines = _start(str(out), "--http", "0", "--grpc", "0")
    try:
        text = "\n".join(lines)
        path = re.search(r"writing to (\S+\.tracy)", text).group(1)
        http_port = int(re.search(r"OTLP/HTTP on http://127\.0\.0\.1:(\d+)", text).group(1))
        grpc_port = int(re.search(r"OTLP/gRPC on 127\.0\.0\.1:(\d+)", text).group(1))
        assert path.startswith(str(out)) and http_port and grpc_port
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(HttpExporter(endpoint=f"http://127.0.0.1:{http_port}/v1/traces")))
        provider.add_span_processor(SimpleSpanProcessor(GrpcExporter(endpoint=f"127.0.0.1:{grpc_port}", insecure=True)))
        with provider.get_tracer("t").start_as_current_span("hello"):
            pass
        provider.shutdown()
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert f"wrote 2 spans and 0 feedback records to {path}" in rest
    got = tracefile.load(path)
    assert [s.name for s in got.spans] == ["hello", "hello"] and not got.truncated


def test_a_port_in_use_is_an_error_that_names_it(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "tracefile", "receive", str(tmp_path / "x.tracy"), "--http", str(port), "--grpc", "off"],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 2
    assert "tracy: tracy receive:" in run.stderr and "address already in use" in run.stderr.lower(), run.stderr


def test_bad_options_say_what_is_accepted():
    run = subprocess.run([sys.executable, "-m", "tracefile", "receive", "--http", "http"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "not a port: 'http' (0-65535, 0 for a free one, or off)" in run.stderr
