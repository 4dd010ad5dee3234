"""tracefile.load, iter_spans, tracy info and tracy validate read every format: a foreign file gives
the importer's model and says which format it was; skipped records are warnings, or errors with
``strict`` and in validate's exit code; a file in no known format is one clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracefile
from tests.helpers.foreign import FIXTURES, LABELS, break_first_record, write_sdk_otlp_jsonl
from tests.helpers.spans import loaded_span_dict
from tracefile.cli import main as tracy
from tracefile.interop import is_tracy_file, read_any

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden-v1.tracy"


@pytest.fixture(params=[*FIXTURES, "otlp-json"])
def foreign(request, tmp_path) -> tuple[str, Path]:
    """(format, file): each committed fixture, and a file from the SDK's OTLP json-file exporter."""
    if request.param == "otlp-json":
        return "otlp-json", write_sdk_otlp_jsonl(tmp_path / "sdk-export.jsonl")
    return request.param, FIXTURES[request.param]


def test_load_of_a_foreign_file_is_what_its_importer_reads(foreign):
    fmt, path = foreign
    imported = read_any(path)
    tf = tracefile.load(path)
    assert tf.format == imported.format == fmt
    assert [loaded_span_dict(s) for s in tf.spans] == [loaded_span_dict(s) for s in imported.spans]
    assert tf.spans, "each fixture holds spans"
    assert tf.warnings == imported.warnings
    assert tf.size == path.stat().st_size and not tf.truncated
    assert {r.attributes.get("service.name") for r in tf.resources} == {
        s.resource.attributes.get("service.name") for s in tf.spans if s.resource is not None
    }
    assert [loaded_span_dict(s) for s in tracefile.iter_spans(path)] == [loaded_span_dict(s) for s in imported.spans]
    assert not is_tracy_file(path)


def test_load_of_a_tracy_file_is_unchanged():
    tf = tracefile.load(GOLDEN)
    assert tf.format == "tracy" and tf.version == (1, 0) and len(tf.spans) == 7
    assert len(list(tracefile.iter_spans(GOLDEN))) == 7


def test_a_file_in_no_known_format_raises_the_importers_message(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('{"notes": ["not a trace"]}')
    for read in (tracefile.load, lambda p: list(tracefile.iter_spans(p))):
        with pytest.raises(tracefile.TraceFileError) as info:
            read(path)
        message = str(info.value)
        assert message.startswith(f"{path}: not a trace format tracy can read (tried: .tracy, OTLP/JSON, Jaeger JSON")
        assert message.endswith('it starts with "{\\"notes\\": [\\"not a trace\\"": JSON, but not in a shape any of them uses')


@pytest.mark.parametrize("fmt", ["jaeger", "zipkin"])
def test_a_broken_record_is_skipped_or_with_strict_raised(fmt, tmp_path):
    broken = break_first_record(FIXTURES[fmt], tmp_path / f"broken-{fmt}.json")
    tf = tracefile.load(broken)
    assert len(tf.spans) == len(read_any(FIXTURES[fmt]).spans) - 1
    missing = "spanID" if fmt == "jaeger" else "id"
    assert tf.warnings[0] == f"1 span skipped: span 1: missing {missing}"
    with pytest.raises(tracefile.TraceFileError, match=f"^{broken}: 1 span skipped: span 1: missing {missing}$"):
        tracefile.load(broken, strict=True)
    # Notes that are not damage (Prompty's time zone) do not make strict raise.
    assert tracefile.load(FIXTURES["prompty"], strict=True).warnings


# --- tracy info and tracy validate -------------------------------------------------------------


def test_info_names_the_format(foreign, capsys):
    fmt, path = foreign
    assert tracy(["info", str(path)]) == 0
    out = capsys.readouterr().out
    n = len(read_any(path).spans)
    assert f"   format  {LABELS[fmt]} (imported)\n" in out
    assert f"    spans  {n:,} in " in out
    assert "bytes per span" not in out and ", format " not in out
    assert tracy(["info", "--json", str(path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["format"], info["format_version"], info["spans"]) == (fmt, None, n)


def test_info_of_a_tracy_file_still_gives_its_format_version(capsys):
    assert tracy(["info", "--json", str(GOLDEN)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["format"], info["format_version"]) == ("tracy", "1.0")


def test_validate_of_a_clean_foreign_file_exits_0_and_prints_its_notes(foreign, capsys):
    fmt, path = foreign
    assert tracy(["validate", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}: OK: {LABELS[fmt]}, {len(read_any(path).spans):,} spans imported"
    assert out[1:] == [f"  note: {w}" for w in read_any(path).warnings]


@pytest.mark.parametrize("fmt", ["jaeger", "zipkin"])
def test_validate_of_a_file_with_a_broken_record_exits_1_and_says_what_was_skipped(fmt, tmp_path, capsys):
    broken = break_first_record(FIXTURES[fmt], tmp_path / f"broken-{fmt}.json")
    assert tracy(["validate", str(broken)]) == 1
    out = capsys.readouterr().out.splitlines()
    n = len(read_any(FIXTURES[fmt]).spans) - 1
    assert out[0] == f"{broken}: DAMAGED: 1 problem(s); {LABELS[fmt]}, {n:,} spans imported"
    missing = "spanID" if fmt == "jaeger" else "id"
    assert out[1] == f"  - 1 span skipped: span 1: missing {missing}"
    assert all(line.startswith("  note: ") for line in out[2:])


def test_validate_of_an_otlp_file_with_a_line_that_is_not_json_exits_1(tmp_path, capsys):
    path = write_sdk_otlp_jsonl(tmp_path / "sdk-export.jsonl")
    with path.open("a") as f:
        f.write('{"resourceSpans": [\n')
    assert tracy(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "DAMAGED: 1 problem(s); OTLP/JSON, 3 spans imported" in out
    assert out.endswith("  - 1 line skipped: line 4: not JSON (Input data was truncated)\n")  # one span a line


def test_info_and_validate_of_an_unknown_file_say_so_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert tracy(["info", str(path)]) == 2
    assert tracy(["validate", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("not a trace format tracy can read" in e and "it is binary, starting with 0x89 0x50" in e for e in err)
