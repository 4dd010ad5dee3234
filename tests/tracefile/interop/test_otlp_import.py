"""OTLP import in every shape: JSON Lines and single requests, protobuf requests and the Collector's
length-prefixed stream; export then re-import; broken records skipped and counted; big files stream.

The snapshot, detection and .tracy round-trip tests of the fixtures are in test_importers.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tracefile.cli import main as tracy
from tracefile.format.errors import TraceFileError
from tracefile.interop import iter_any, otlp_proto, read_any
from tracefile.interop.otlp_json import write_otlp_json
from tests.helpers.snapshot import canonical

DATA = Path(__file__).resolve().parents[2] / "data" / "interop"
JSONL = DATA / "otlp-json" / "sdk-json-file-exporter-two-batches.jsonl"
EXAMPLE = DATA / "otlp-json" / "proto-example-upper-case-ids-numeric-times.json"
REQUEST = DATA / "otlp-proto" / "sdk-encoder-request-two-resources.binpb"
STREAM = DATA / "otlp-proto" / "collector-file-exporter-stream.pb"
OTLP_FIXTURES = [JSONL, EXAMPLE, REQUEST, STREAM, DATA / "otlp-proto" / "collector-file-exporter-stream-zstd.pb"]


def _model(imported) -> dict:
    """The canonical model without the format name (the same spans may come from JSON or protobuf)."""
    data = json.loads(canonical(imported))
    del data["format"]
    return data


@pytest.mark.parametrize("fixture", OTLP_FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("lines", [False, True], ids=["request", "lines"])
def test_otlp_json_export_then_reimport_keeps_the_model(fixture, lines, tmp_path):
    imported = read_any(fixture)
    out = tmp_path / ("out.jsonl" if lines else "out.json")
    write_otlp_json(out, imported.spans, lines=lines)
    back = read_any(out)
    assert back.format == "otlp-json"
    assert _model(back) == _model(imported)


def test_json_and_protobuf_of_the_same_spans_import_alike():
    assert _model(read_any(JSONL)) == _model(read_any(REQUEST)) == _model(read_any(STREAM))


def test_a_pretty_printed_request_with_upper_case_ids_and_numeric_times():
    (span,) = read_any(EXAMPLE).spans
    assert (span.trace_id, span.span_id, span.parent_span_id) == ("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", "eee19b7ec3c1b173")
    assert (span.start_time, span.end_time, span.kind_name) == (1544712660000000000, 1544712661000000000, "server")


# --- broken records ---------------------------------------------------------------------------


def test_json_lines_skip_broken_spans_and_lines_and_count_them(tmp_path):
    first, second = JSONL.read_text(encoding="utf-8").splitlines()
    doc = json.loads(first)
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    del spans[0]["spanId"]
    spans[1]["startTimeUnixNano"] = "soon"
    spans[2]["traceId"] = "xyz"
    lines = [json.dumps(doc), '{"resourceSpans": [{"scopeSpans": [', "", '{"resourceMetrics": []}', second]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported = read_any(path)
    assert imported.format == "otlp-json"
    assert len(imported.spans) == len(read_any(JSONL).spans) - 3
    lines_warning, spans_warning = imported.warnings
    assert lines_warning.startswith("2 lines skipped: line 2: not JSON (")
    assert lines_warning.endswith("; line 4: not a trace request (resourceMetrics)")
    assert spans_warning == (
        "3 spans skipped: line 1: missing spanId; line 1: startTimeUnixNano is not an integer: 'soon'; "
        "line 1: traceId is not a 32-digit hex id: 'xyz'"
    )


def test_json_lines_whose_first_line_is_broken_still_import(tmp_path):
    path = tmp_path / "cut.jsonl"
    path.write_text('{"resourceSpans": [}\n' + JSONL.read_text(encoding="utf-8"), encoding="utf-8")
    imported = read_any(path)
    assert len(imported.spans) == len(read_any(JSONL).spans)
    assert imported.warnings[0].startswith("1 line skipped: line 1: not JSON (")


def test_a_single_request_skips_a_broken_span_by_number(tmp_path):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    spans.append(dict(spans[0], spanId=12))
    path = tmp_path / "two.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    imported = read_any(path)
    assert len(imported.spans) == 1
    assert imported.warnings == ["1 span skipped: span 2: Expected `str`, got `int` - at `$.spanId`"]


def test_collector_stream_skips_a_broken_message_and_reports_a_cut_write(tmp_path):
    data = STREAM.read_bytes()
    n = int.from_bytes(data[:4], "big")
    first, rest = data[: 4 + n], data[4 + n :]
    broken = b"\x0a\x03\xff\xff\xff"  # resource_spans of 3 bytes that are not a ResourceSpans
    path = tmp_path / "otel.pb"
    path.write_bytes(first + len(broken).to_bytes(4, "big") + broken + rest + rest[:20])
    imported = read_any(path)
    assert _model(imported)["spans"] == _model(read_any(STREAM))["spans"]
    assert imported.warnings[0] == f"the file ends inside message 4 at byte {len(data) + 4 + len(broken)} (a write cut short); read the 3 before it"
    assert imported.warnings[1].startswith("1 message skipped: message 2: does not parse: ")


def test_protobuf_spans_with_bad_ids_are_skipped(tmp_path):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    request = ExportTraceServiceRequest.FromString(REQUEST.read_bytes())
    request.resource_spans[0].scope_spans[0].spans[1].span_id = b"\x01\x02"
    request.resource_spans[1].scope_spans[0].spans[0].ClearField("trace_id")
    path = tmp_path / "body.binpb"
    path.write_bytes(request.SerializeToString())
    imported = read_any(path)
    assert imported.format == "otlp-proto" and len(imported.spans) == len(read_any(REQUEST).spans) - 2
    assert imported.warnings == ["2 spans skipped: span 2: spanId is 2 bytes, not 8; span 1: missing traceId"]


@pytest.mark.parametrize(
    "content",
    [
        b"\x0a\x05hello",  # field 1 of 5 bytes that do not parse as ResourceSpans
        b"\x0a\x10short",  # a length past the end
        b"\x0a\x00\x12\x00",  # a second field that is not resource_spans
        b"\x00\x00\x00\x02\x12\x00",  # a length-prefixed message whose field is not resource_spans
        b"\x00\x00\x00\x00",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ],
)
def test_protobuf_detection_is_strict(tmp_path, content):
    path = tmp_path / "mystery.bin"
    path.write_bytes(content)
    assert otlp_proto.read(str(path), content[:64]) is None
    with pytest.raises(TraceFileError, match="not a trace format tracy can read"):
        read_any(path)


def test_protobuf_without_opentelemetry_proto_names_the_extra_to_install():
    # A fresh interpreter in which opentelemetry-proto cannot be imported, as without the extra.
    code = (
        "import sys; sys.modules['opentelemetry.proto'] = None\n"
        "from tracefile.cli import main\n"
        f"sys.exit(main(['convert', {str(REQUEST)!r}, '/nonexistent/out.tracy']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "looks like OTLP protobuf (an ExportTraceServiceRequest), which needs opentelemetry-proto to read: " \
           "pip install 'tracy-genai[otlp]'" in proc.stderr  # fmt: skip
    assert "Traceback" not in proc.stderr


# --- streaming --------------------------------------------------------------------------------


def test_json_lines_are_read_as_the_batches_are_consumed(tmp_path):
    """Spans of a line appended after the first batch was taken still arrive: nothing was read ahead."""
    path = tmp_path / "growing.jsonl"
    first, second = JSONL.read_text(encoding="utf-8").splitlines()
    path.write_text(first + "\n" + " " * 70_000 + "\n", encoding="utf-8")  # past the read buffer
    batches = iter_any(path)
    got = [s.name for s in next(batches.batches)]
    with open(path, "a", encoding="utf-8") as f:
        f.write(second + "\n")
    got += [s.name for batch in batches.batches for s in batch]
    assert got == [s.name for s in read_any(JSONL).spans]


#: How a big file is imported: `tracy convert`, and the viewer's import into a private .tracy copy.
_IMPORTS = {
    "tracy convert": "from tracefile.cli import main; code = main(['convert', *sys.argv[1:]])",
    "viewer import": "from tracefile.interop import import_to_tracy; import_to_tracy(*sys.argv[1:]); code = 0",
}


def _peak_rss_kb(how: str, source, target) -> int:
    code = (f"import sys; {_IMPORTS[how]}\n"
            "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]); sys.exit(code)")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code, str(source), str(target)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.split()[-1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
@pytest.mark.parametrize("how", sorted(_IMPORTS))
def test_a_big_json_lines_file_imports_in_memory_far_below_its_size(tmp_path, how):
    line = JSONL.read_text(encoding="utf-8").splitlines()[0]
    doc = json.loads(line)
    # Padding on the resource: each line is big, each batch of spans (512, from 128 lines) small.
    doc["resourceSpans"][0]["resource"]["attributes"].append({"key": "padding", "value": {"stringValue": "x" * 20_000}})
    padded = json.dumps(doc)
    big = tmp_path / "big.jsonl"
    with open(big, "w", encoding="utf-8") as f:
        for _ in range(4000):  # 80 MB, 16,000 spans
            f.write(padded + "\n")
    small = tmp_path / "small.jsonl"
    small.write_text(padded + "\n", encoding="utf-8")
    baseline = _peak_rss_kb(how, small, tmp_path / "small.tracy")
    peak = _peak_rss_kb(how, big, tmp_path / "big.tracy")
    size_kb = big.stat().st_size // 1024
    assert peak - baseline < size_kb / 4, (peak, baseline, size_kb)
    assert tracy(["validate", str(tmp_path / "big.tracy")]) == 0
