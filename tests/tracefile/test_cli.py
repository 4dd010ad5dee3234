"""The `tracy` command: info, convert and validate, in-process and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

import tracefile
from tracefile.cli import main as tracy
from tracefile.format.schema import Feedback
from tracefile.format.writer import TraceWriter


@pytest.fixture
def run_file(tmp_path):
    path = tmp_path / "agent.tracy"
    provider = TracerProvider(resource=Resource.create({"service.name": "agent"}))
    provider.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(path)))
    tracer = provider.get_tracer("t")
    for turn, model in enumerate(["gpt-4o", "gpt-4o", "phi-4"]):
        with tracer.start_as_current_span(f"invoke_agent turn{turn}"):
            with tracer.start_as_current_span(f"chat {model}", kind=SpanKind.CLIENT) as chat:
                chat.set_attribute("gen_ai.request.model", model)
                chat.set_attribute("gen_ai.usage.input_tokens", 100)
                chat.set_attribute("gen_ai.usage.output_tokens", 20)
                chat.set_attribute("gen_ai.response.id", f"resp-{turn}")
            with tracer.start_as_current_span("execute_tool search") as tool:
                if turn == 2:
                    tool.set_status(Status(StatusCode.ERROR, "timeout"))
    provider.shutdown()
    with TraceWriter(path, writer="feedback") as w:
        w.write_feedback([Feedback(time_unix_nano=1, response_id="resp-1", score=1.0, label="thumbs_up")])
    return path


def test_info_json_reports_counts_tokens_models_and_size(run_file, capsys):
    assert tracy(["info", str(run_file), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {k: info[k] for k in ("spans", "traces", "errors", "input_tokens", "output_tokens", "feedback")} == {
        "spans": 9, "traces": 3, "errors": 1, "input_tokens": 300, "output_tokens": 60, "feedback": 1,
    }  # fmt: skip
    assert info["bytes"] == run_file.stat().st_size
    assert info["models"] == {"gpt-4o": 2, "phi-4": 1}
    assert info["bytes_per_span"] == pytest.approx(info["bytes"] / 9, abs=0.1)
    assert info["warnings"] == []


def test_info_text_is_readable(run_file, capsys):
    assert tracy(["info", str(run_file)]) == 0
    out = capsys.readouterr().out
    assert "9 in 3 traces, 1 with errors" in out
    assert "300 in, 60 out" in out
    assert "gpt-4o ×2" in out


def test_validate_ok_and_damaged(run_file, capsys):
    assert tracy(["validate", str(run_file)]) == 0
    assert "OK" in capsys.readouterr().out
    data = bytearray(run_file.read_bytes())
    middle = len(data) // 2
    data[middle] ^= 0xFF
    run_file.write_bytes(bytes(data))
    assert tracy(["validate", str(run_file)]) == 1
    out = capsys.readouterr().out
    assert "DAMAGED" in out and "byte" in out


def test_validate_reports_torn_tail(run_file, capsys):
    data = run_file.read_bytes()
    run_file.write_bytes(data[:-7])
    assert tracy(["validate", str(run_file)]) == 1
    assert "file ends inside" in capsys.readouterr().out


def test_errors_are_one_clear_line(tmp_path, capsys):
    prompty = tmp_path / "prompty.tracy"
    prompty.write_text('{"runtime": "python", "trace": {"name": "run"}}')
    assert tracy(["info", str(prompty)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tracy: ") and "Prompty" in err and "Traceback" not in err
    assert tracy(["info", str(tmp_path / "missing.tracy")]) == 2
    assert "cannot open" in capsys.readouterr().err


def test_convert_refuses_to_overwrite_and_unknown_suffix(run_file, tmp_path, capsys):
    out = tmp_path / "out.json"
    out.write_text("keep me")
    assert tracy(["convert", str(run_file), str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == "keep me"
    assert tracy(["convert", str(run_file), str(tmp_path / "out.csv")]) == 2
    assert "must end in" in capsys.readouterr().err


def test_convert_to_tracy_keeps_feedback_and_to_otlp_adds_feedback_events(run_file, tmp_path):
    copy = tmp_path / "copy.tracy"
    assert tracy(["convert", str(run_file), str(copy)]) == 0
    loaded = tracefile.load(copy)
    assert [f.label for f in loaded.feedback] == ["thumbs_up"]
    (chat,) = [s for s in loaded.spans if s.attributes.get("gen_ai.response.id") == "resp-1"]
    assert chat.feedback[0].score == 1.0
    out = tmp_path / "otlp.json"
    assert tracy(["convert", str(run_file), str(out)]) == 0
    events = [e["name"] for rs in json.loads(out.read_text())["resourceSpans"] for ss in rs["scopeSpans"]
              for s in ss["spans"] for e in s.get("events", [])]  # fmt: skip
    assert events == ["gen_ai.evaluation.user_feedback"]


def test_convert_writes_the_format_version_asked_for(tmp_path, capsys):
    """A 2.0 file with its long texts in the content store converts to 1.1 for readers of format 1:
    the texts inline again, every span the same."""
    history = json.dumps([{"role": "user", "content": "tell me more " * 100}])
    source = tmp_path / "two.tracy"
    tp = TracerProvider(resource=Resource({"service.name": "convert"}), shutdown_on_exit=False)
    from tracefile.record.exporter import TracyFileExporter

    exporter = TracyFileExporter(source)
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    for turn in range(3):
        with tp.get_tracer("t").start_as_current_span("chat", attributes={"gen_ai.input.messages": history, "turn": turn}):
            pass
    exporter.shutdown()
    old = tmp_path / "old.tracy"
    assert tracy(["convert", str(source), str(old), "--format-version", "1.1"]) == 0
    assert tracefile.load(source).version == (2, 0) and tracefile.load(old).version == (1, 1)
    assert b"tell me more" in b"".join(_payloads(old)) and not _content_frames(old)
    assert _content_frames(source) == 1
    assert [s.attributes for s in tracefile.load(old).spans] == [s.attributes for s in tracefile.load(source).spans]
    back = tmp_path / "back.tracy"
    assert tracy(["convert", str(old), str(back)]) == 0 and tracefile.load(back).version == (2, 0)
    assert tracy(["convert", str(source), str(tmp_path / "x.json"), "--format-version", "1.1"]) == 2
    assert "applies to .tracy output only" in capsys.readouterr().err


def _payloads(path):
    from tracefile.format.framing import ScanReport, frame_payload, scan_frames

    data = path.read_bytes()
    return [frame_payload(data, r) for r in scan_frames(data, ScanReport())]


def _content_frames(path) -> int:
    from tracefile.format.framing import ScanReport, scan_frames

    return sum(r.kind_name == "content" for r in scan_frames(path.read_bytes(), ScanReport()))


def test_tracy_command_runs_as_a_process(run_file):
    done = subprocess.run([sys.executable, "-m", "tracefile", "info", str(run_file), "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["spans"] == 9
