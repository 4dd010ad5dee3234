"""tracefile.settings: one parser per type, every content-capture value meaning the same for
configure() and a bare exporter, and one warning for an unknown value."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

import tracefile
from tests.helpers import e2e
from tracefile import settings
from tracefile.record.exporter import TracyFileExporter, default_policy
from tracefile.record.redact import Policy

CONTENT = settings.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
AZURE = settings.AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED


@pytest.fixture(autouse=True)
def fresh_warnings():
    """Each test sees its own first warnings (settings warns once per variable and value per process)."""
    settings._warned.clear()
    yield
    settings._warned.clear()


def warnings_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tracefile" and r.levelno == logging.WARNING]


# -- every variable the library reads is named here --------------------------------------------


def test_every_variable_name_is_a_documented_constant():
    names = {k: v for k, v in vars(settings).items() if k.isupper() and isinstance(v, str) and k == v}
    assert set(names) >= {
        "OTEL_EXPORTER_TRACY_PATH", "OTEL_EXPORTER_TRACY_COMPRESSION", "OTEL_EXPORTER_TRACY_FSYNC", "OTEL_SERVICE_NAME",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED",
        "TRACY_INSTRUMENT", "TRACY_REDACT", "TRACY_REDACT_KEYS", "TRACY_REDACT_PATTERNS", "TRACY_MAX_VALUE_LENGTH",
    }  # fmt: skip
    source = Path(settings.__file__).read_text()
    readme = (Path(settings.__file__).parents[1] / "README.md").read_text()
    for name in names:
        assert f'{name} = "{name}"\n"""' in source, f"{name} has no docstring"
        if name != "OTEL_BSP_SCHEDULE_DELAY":  # the SDK's own variable
            assert f"`{name}`" in readme, f"{name} is not in the README"
    # No other module reads the environment itself.
    package = Path(tracefile.__file__).parent
    readers = [p.relative_to(package).as_posix() for p in package.rglob("*.py") if "environ.get(" in p.read_text()]
    assert readers == []


# -- one parser per type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [("true", True), ("TRUE", True), (" 1 ", True), ("yes", True), ("On", True),
     ("false", False), ("False", False), ("0", False), ("no", False), ("OFF", False)],
)  # fmt: skip
def test_flag(raw, expected):
    assert settings.flag("X", not expected, {"X": raw}) is expected


def test_flag_unset_or_blank_is_the_default():
    assert settings.flag("X", True, {}) is True
    assert settings.flag("X", False, {"X": "  "}) is False


def test_headers(caplog):
    env = {"H": " Api-Key = s%3Dcret%2C2 , x-team=genai,broken, =nokey,,"}
    assert settings.headers("H", env) == {"api-key": "s=cret,2", "x-team": "genai"}
    assert settings.headers("H", {}) == {}
    assert warnings_logged(caplog) == [
        "Tracy: ignoring H='broken': expected key=value pairs separated by commas; using the other headers",
        "Tracy: ignoring H='=nokey': expected key=value pairs separated by commas; using the other headers",
    ]


def test_integer():
    assert settings.integer("X", 5, {"X": "32_768"}) == 32_768
    assert settings.integer("X", 5, {"X": " -1 "}) == -1
    assert settings.integer("X", 5, {}) == 5


def test_choice():
    choices = {"zstd": True, "none": False}
    assert settings.choice("X", choices, True, {"X": "NONE"}) is False
    assert settings.choice("X", choices, False, {"X": "zstd"}) is True
    assert settings.choice("X", choices, True, {}) is True
    assert settings.choice("compression", choices, True, value=" None ") is False


def test_items():
    assert settings.items("X", ("d",), {}) == ("d",)
    assert settings.items("X", ("d",), {"X": ""}) == ()  # set but empty: no items
    assert settings.items("X", (), {"X": "azure-ai-inference, openai,"}) == ("azure-ai-inference", "openai")
    assert settings.items("X", (), {"X": r"EMP-\d{3,6}, (a|b)"}) == (r"EMP-\d{3,6}", "(a|b)")
    assert settings.items("X", (), {"X": "a,b\nc"}) == ("a,b", "c")


def test_text():
    assert settings.text("X", "d", {"X": "runs/"}) == "runs/"
    assert settings.text("X", "d", {"X": ""}) == "d"
    assert settings.text("X", None, {}) is None


ON = ["true", "TRUE", "1", "yes", "on", "span_only", "SPAN_ONLY", "Event_Only", "span_and_event", "SPAN_AND_EVENT"]
OFF = ["false", "False", "0", "no", "off", "no_content", "NO_CONTENT"]


@pytest.mark.parametrize("raw", ON + OFF)
def test_content_capture_values(raw, caplog):
    with caplog.at_level(logging.WARNING, logger="tracefile"):
        assert settings.content_capture(CONTENT, {CONTENT: raw}) is (raw in ON)
        assert settings.content_capture(AZURE, {AZURE: raw}) is (raw in ON)
    assert warnings_logged(caplog) == []


def test_content_recording_either_variable_turns_it_on():
    assert settings.content_recording({}) is None
    assert settings.content_recording({CONTENT: "SPAN_ONLY"}) is True
    assert settings.content_recording({CONTENT: "NO_CONTENT"}) is False
    assert settings.content_recording({CONTENT: "false", AZURE: "true"}) is True
    assert settings.content_recording({CONTENT: "no_content", AZURE: "false"}) is False


@pytest.mark.parametrize("raw", ON + OFF)
def test_each_content_value_means_the_same_for_configure_and_a_bare_exporter(raw, monkeypatch):
    # configure() decides from settings.content_recording(); a bare exporter's default policy must agree.
    monkeypatch.setenv(CONTENT, raw)
    assert default_policy().record_content is (raw in ON)
    assert Policy.from_env().record_content is (raw in ON)
    assert bool(settings.content_recording()) is (raw in ON)


# -- an unknown value: one warning, then the default --------------------------------------------------


@pytest.mark.parametrize(
    "name, raw, accepted, read",
    [
        (settings.OTEL_EXPORTER_TRACY_COMPRESSION, "gzip", "zstd, none",
         lambda: TracyFileExporter("unused.tracy")._compression is True),
        (settings.OTEL_EXPORTER_TRACY_FSYNC, "sometimes", "true or false",
         lambda: TracyFileExporter("unused.tracy")._fsync is False),
        (settings.TRACY_REDACT, "perhaps", "true or false", lambda: Policy.from_env().redact is True),
        (settings.TRACY_MAX_VALUE_LENGTH, "plenty", "an integer", lambda: Policy.from_env().max_length == 1 << 20),
        (CONTENT, "verbose", "SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT, NO_CONTENT",
         lambda: default_policy().record_content is False),
    ],
)  # fmt: skip
def test_an_unknown_value_warns_once_naming_the_accepted_ones_then_uses_the_default(name, raw, accepted, read,
                                                                                   monkeypatch, caplog):  # fmt: skip
    monkeypatch.setenv(name, raw)
    with caplog.at_level(logging.WARNING, logger="tracefile"):
        for _ in range(3):  # read again and again (each exporter, each record_feedback()): still one warning
            assert read()
    (message,) = warnings_logged(caplog)
    assert name in message and repr(raw) in message and accepted in message


def test_a_new_bad_value_gets_its_own_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="tracefile"):
        settings.flag("X", True, {"X": "maybe"})
        settings.flag("X", True, {"X": "maybe"})
        settings.flag("X", True, {"X": "perhaps"})
    assert len(warnings_logged(caplog)) == 2


def test_a_compression_argument_takes_the_same_words(caplog):
    assert TracyFileExporter("unused.tracy", compression="NONE")._compression is False
    assert TracyFileExporter("unused.tracy", compression="zstd")._compression is True
    with caplog.at_level(logging.WARNING, logger="tracefile"):
        assert TracyFileExporter("unused.tracy", compression="lz4")._compression is True
    (message,) = warnings_logged(caplog)
    assert "compression='lz4'" in message


# -- end to end: configure() and a bare exporter record the same content ------------------------------

# configure() installs the process-wide TracerProvider, so this runs in a fresh interpreter.
# For each value: configure() records a chat span to one file, a bare exporter records the
# same span to another.
_BOTH_WAYS = """
import json, logging, os, sys
from pathlib import Path
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
import tracefile
from tracefile.record.recording import configure

logging.basicConfig(stream=sys.stderr, format="LOG %(levelname)s %(name)s: %(message)s")
folder, values = Path(sys.argv[1]), json.loads(sys.argv[2])
MESSAGES = '[{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}]'


def chat(tracer):
    with tracer.start_as_current_span("chat gpt-4o") as span:
        span.set_attribute("gen_ai.operation.name", "chat")
        span.set_attribute("gen_ai.input.messages", MESSAGES)


for i, value in enumerate(values):
    os.environ.pop("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", None)
    if value is not None:
        os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = value
    recording = configure(folder / f"configure.{i}.tracy", instrument=())
    chat(recording.provider.get_tracer("app"))
    recording.close()
    provider = TracerProvider()
    exporter = tracefile.TracyFileExporter(folder / f"bare.{i}.tracy")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    chat(provider.get_tracer("app"))
    provider.shutdown()
"""


VALUES = [None, "span_only", "SPAN_ONLY", "true", "1", "on", "EVENT_ONLY", "span_and_event", "false", "off", "NO_CONTENT", "bogus"]
KEPT = {"span_only", "SPAN_ONLY", "true", "1", "on", "EVENT_ONLY", "span_and_event"}


class BothWays:
    def __init__(self, folder: Path, stderr: str) -> None:
        self.folder, self.stderr = folder, stderr

    def span(self, value: str | None, way: str) -> tracefile.Span:
        (span,) = tracefile.load(self.folder / f"{way}.{VALUES.index(value)}.tracy").spans
        return span

    def kept(self, value: str | None, way: str) -> bool:
        return "gen_ai.input.messages" in self.span(value, way).attributes


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory) -> BothWays:
    folder = tmp_path_factory.mktemp("both_ways")
    done = e2e.run([sys.executable, "-c", _BOTH_WAYS, str(folder), json.dumps(VALUES)])
    assert done.returncode == 0, done.stderr
    return BothWays(folder, done.stderr)


def test_span_only_content_is_recorded_by_configure_and_by_a_bare_exporter(both_ways):
    for value in ("span_only", "SPAN_ONLY"):
        for way in ("configure", "bare"):
            span = both_ways.span(value, way)
            assert "Weather in Paris?" in span.attributes["gen_ai.input.messages"], (value, way)


def test_every_content_value_means_the_same_end_to_end(both_ways):
    for value in VALUES[1:]:
        assert both_ways.kept(value, "configure") is both_ways.kept(value, "bare") is (value in KEPT), value
    # The unknown value was read by configure() and by the exporter, once for each: one warning.
    (warning,) = e2e.warnings_in(both_ways.stderr)
    assert "'bogus'" in warning and "NO_CONTENT" in warning


def test_without_the_variable_configure_drops_content_and_a_bare_exporter_keeps_it(both_ways):
    # As documented: configure() defaults to off; a bare exporter keeps what the instrumentations recorded.
    assert not both_ways.kept(None, "configure")
    assert both_ways.kept(None, "bare")


def test_settings_imports_nothing_from_opentelemetry_or_qt():
    code = "import sys, tracefile.settings; print(sorted(m for m in sys.modules if m.split('.')[0] in ('opentelemetry', 'PySide6')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e2e.clean_env(), timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
