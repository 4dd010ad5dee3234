"""OTLP/HTTP semantics: malformed bodies get 400 with a message, oversized ones 413, other content
types 415, a full disk 503 with Retry-After (gRPC: UNAVAILABLE); partial success names what was
left out. After each bad request a good one still succeeds: nothing stops the receiver."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import threading

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.trace.v1 import trace_pb2

import tracefile
from tracefile.receive import Receiver
from tracefile.interop.otlp_json import spans_to_otlp
from tracefile.format.model import Span

PB, JSON = "application/x-protobuf", "application/json"


def _request(n: int = 3, name: str = "chat") -> trace_service_pb2.ExportTraceServiceRequest:
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    ss.scope.name = "tests"
    for i in range(n):
        s = ss.spans.add(trace_id=bytes([1] * 16), span_id=bytes([2] * 7 + [i + 1]), name=f"{name} {i}",
                         kind=trace_pb2.Span.SPAN_KIND_CLIENT, start_time_unix_nano=10**18 + i, end_time_unix_nano=10**18 + 1000 + i)  # fmt: skip
        s.attributes.add(key="gen_ai.request.model").value.string_value = "gpt-4o"
    return req


def _post(rx: Receiver, body: bytes, content_type: str = PB, path: str = "/v1/traces", **headers: str):
    conn = http.client.HTTPConnection("127.0.0.1", rx.http_port, timeout=30)
    conn.request("POST", path, body=body, headers={"Content-Type": content_type, **headers})
    resp = conn.getresponse()
    out = resp.status, resp.getheader("Content-Type"), resp.getheader("Retry-After"), resp.read()
    conn.close()
    return out


def _status_message(body: bytes, content_type: str) -> str:
    if content_type == JSON:
        return json.loads(body)["message"]
    from google.rpc import status_pb2

    return status_pb2.Status.FromString(body).message


def _still_works(rx: Receiver, name: str) -> None:
    status, ctype, _, body = _post(rx, _request(2, name).SerializeToString())
    assert (status, ctype) == (200, PB), body
    assert not trace_service_pb2.ExportTraceServiceResponse.FromString(body).HasField("partial_success")


def _names(rx: Receiver) -> list[str]:
    rx.close()
    return sorted(s.name for s in tracefile.load(rx.path).spans)


def test_a_truncated_protobuf_gets_400_saying_why(receiver):
    body = _request(50).SerializeToString()
    status, ctype, _, reply = _post(receiver, body[: len(body) // 2])
    assert (status, ctype) == (400, PB)
    assert "malformed protobuf trace request" in _status_message(reply, PB)
    _still_works(receiver, "after")
    assert _names(receiver) == ["after 0", "after 1"]  # nothing of the broken request


@pytest.mark.parametrize("body", [b'{"resourceSpans": [', b'{"resource": {}}', b"[1, 2]", b"\xff\xfe"])
def test_wrong_json_gets_400_saying_why(receiver, body):
    status, ctype, _, reply = _post(receiver, body, JSON)
    assert (status, ctype) == (400, JSON)
    assert _status_message(reply, JSON).startswith("malformed JSON trace request: ")
    _still_works(receiver, "after")


def test_a_body_over_the_limit_gets_413_before_it_is_read(tmp_path):
    """A 100 MB body: the answer comes from the Content-Length, without reading the body."""
    with Receiver(tmp_path / "run.tracy", http_port=0, grpc_port=None) as rx:
        size = 100 * 1024 * 1024
        sock = socket.create_connection(("127.0.0.1", rx.http_port), timeout=30)
        sock.sendall(f"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: {PB}\r\nContent-Length: {size}\r\n\r\n".encode())
        sending = threading.Thread(target=_send_quietly, args=(sock, size), daemon=True)
        sending.start()
        head = sock.makefile("rb").readline()
        sock.shutdown(socket.SHUT_RDWR)  # ends the sending thread's sendall too
        sock.close()
        sending.join(timeout=30)
        assert head.startswith(b"HTTP/1.1 413"), head
        _still_works(rx, "after")


def _send_quietly(sock: socket.socket, size: int) -> None:
    chunk = b"\0" * (1 << 20)
    try:
        for _ in range(size // len(chunk)):
            sock.sendall(chunk)
    except OSError:  # the receiver stopped reading and closed: expected
        pass


def test_a_gzip_body_that_inflates_over_the_limit_gets_413(tmp_path):
    with Receiver(tmp_path / "run.tracy", http_port=0, grpc_port=None, max_body=1 << 20) as rx:
        bomb = gzip.compress(b"\0" * (100 << 20))  # 100 MB of zeros in about 100 kB
        status, ctype, _, reply = _post(rx, bomb, PB, **{"Content-Encoding": "gzip"})
        assert status == 413 and "over the limit of 1048576 bytes" in _status_message(reply, PB)
        _still_works(rx, "after")


def test_an_unknown_content_type_gets_415(receiver):
    status, ctype, _, reply = _post(receiver, b"hello", "text/plain")
    assert (status, ctype) == (415, JSON)
    assert "unsupported content type 'text/plain'" in _status_message(reply, JSON)
    _still_works(receiver, "after")


def test_a_sender_that_disconnects_mid_body_costs_nothing(receiver):
    body = _request(5, "lost").SerializeToString()
    sock = socket.create_connection(("127.0.0.1", receiver.http_port), timeout=30)
    sock.sendall(f"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: {PB}\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    sock.sendall(body[:40])
    sock.close()
    _still_works(receiver, "after")
    assert _names(receiver) == ["after 0", "after 1"]


@pytest.mark.parametrize("content_type", [PB, JSON])
def test_gzip_bodies_are_inflated(receiver, content_type):
    req = _request(3, "zipped")
    if content_type == PB:
        body = req.SerializeToString()
    else:
        spans = [Span(trace_id="01" * 16, span_id=f"{i:016x}", parent_span_id="", name=f"zipped {i}", kind=2,
                      start_time=10**18, end_time=10**18 + 5) for i in range(1, 4)]  # fmt: skip
        body = json.dumps(spans_to_otlp(spans)).encode()
    status, ctype, _, reply = _post(receiver, gzip.compress(body), content_type, **{"Content-Encoding": "gzip"})
    assert (status, ctype) == (200, content_type), reply
    assert _names(receiver) == ["zipped 0", "zipped 1", "zipped 2"] if content_type == PB else ["zipped 1", "zipped 2", "zipped 3"]


def test_spans_that_cannot_be_read_are_a_partial_success(receiver):
    doc = {"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": "01" * 16, "spanId": "02" * 8, "name": "good", "startTimeUnixNano": "1", "endTimeUnixNano": "2"},
        {"traceId": "0102", "spanId": "03" * 8, "name": "short trace id"},
        {"traceId": "01" * 16, "spanId": "04" * 8, "name": "also good"},
    ]}]}]}  # fmt: skip
    status, ctype, _, reply = _post(receiver, json.dumps(doc).encode(), JSON)
    assert (status, ctype) == (200, JSON)
    partial = json.loads(reply)["partialSuccess"]
    assert partial["rejectedSpans"] == "1" and "span 2: traceId is not a 32-digit hex id: '0102'" in partial["errorMessage"]
    assert _names(receiver) == ["also good", "good"]


def test_protobuf_partial_success_counts_the_rejected_spans(receiver):
    req = _request(3, "ok")
    req.resource_spans[0].scope_spans[0].spans[1].span_id = b"\1\2\3"
    status, _, _, reply = _post(receiver, req.SerializeToString())
    partial = trace_service_pb2.ExportTraceServiceResponse.FromString(reply).partial_success
    assert status == 200 and partial.rejected_spans == 1 and "spanId is 3 bytes, not 8" in partial.error_message
    assert _names(receiver) == ["ok 0", "ok 2"]


def test_a_full_disk_asks_senders_to_retry(tmp_path):
    """/dev/full fails every write with ENOSPC, as a full disk does."""
    with Receiver("/dev/full", http_port=0, grpc_port=0) as rx:
        status, ctype, retry_after, reply = _post(rx, _request(2).SerializeToString())
        assert (status, retry_after) == (503, "5")
        assert "No space left on device" in _status_message(reply, PB)
        with grpc.insecure_channel(f"127.0.0.1:{rx.grpc_port}") as channel:
            with pytest.raises(grpc.RpcError) as err:
                trace_service_pb2_grpc.TraceServiceStub(channel).Export(_request(2), timeout=30)
        assert err.value.code() is grpc.StatusCode.UNAVAILABLE and "No space left on device" in err.value.details()
