"""`tracefile.configure()` as an app meets it: called twice, closed, given an unwritable path or a
full disk, fed arguments that cannot be shown or are huge; and recording without code changes
(`tracy run`, `opentelemetry-instrument --traces_exporter tracy`).

configure() installs the process-wide TracerProvider, so every scenario runs in a fresh
interpreter (`tests/helpers/apps/`) against a loopback ChatServer run by this test process.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.helpers.requirements import require_azure

require_azure()

import tracefile
from tests.helpers import e2e
from tests.helpers.apps import configure_app
from tracefile.testing.loopback import ChatServer

MARKER = re.compile(r"…\[truncated ([0-9,]+) chars\]")


@pytest.fixture(scope="module")
def server():
    with ChatServer() as s:
        yield s


# -- twice, close, odd arguments: one app run -----------------------------------------------


class Lifecycle:
    def __init__(self, out: dict, stderr: str, path: Path, other: Path) -> None:
        self.out, self.stderr, self.path, self.other = out, stderr, path, other
        self.tf = tracefile.load(path)


@pytest.fixture(scope="module")
def lifecycle(server, tmp_path_factory) -> Lifecycle:
    tmp = tmp_path_factory.mktemp("lifecycle")
    path, other = tmp / "run.tracy", tmp / "other.tracy"
    done = e2e.run_app(
        "configure_app.py", "lifecycle", "--endpoint", server.endpoint, "--path", str(path), "--other-path", str(other)
    )
    return Lifecycle(e2e.last_json(done.stdout), done.stderr, path, other)


def test_configure_twice_warns_once_and_returns_the_same_recording(lifecycle: Lifecycle) -> None:
    out = lifecycle.out
    assert out["same"] is True
    assert out["again_path"] == out["path"] == str(lifecycle.path)
    assert not lifecycle.other.exists()  # the second call's path was not opened
    warnings = e2e.warnings_in(lifecycle.stderr)
    assert len(warnings) == 1, lifecycle.stderr
    assert "configure() was already called" in warnings[0]
    assert str(lifecycle.path) in warnings[0]
    # Nothing else was logged at all: not after close() either.
    assert [line for line in lifecycle.stderr.splitlines() if line.startswith("LOG ")] == warnings


def test_configure_twice_does_not_duplicate_spans(lifecycle: Lifecycle) -> None:
    tf = lifecycle.tf
    assert tf.warnings == [] and not tf.truncated
    ids = lifecycle.out["ids"]
    chats = e2e.chat_spans(tf)
    assert len(chats) == len(ids) == 3
    assert sorted(s.attributes["gen_ai.response.id"] for s in chats) == sorted(ids)
    assert len([s for s in tf.spans if s.name == "POST"]) == 3
    assert len({s.span_id for s in tf.spans}) == len(tf.spans)
    assert sorted(s.name for s in tf.spans if s.kind_name == "internal") == ["double_it", "measure"]
    assert {r.attributes["service.name"] for r in tf.resources} == {"lifecycle"}


def test_spans_after_close_are_not_written(lifecycle: Lifecycle) -> None:
    out = lifecycle.out
    assert out["closed"] is True
    assert out["after"] == [1, 2, 3]  # the traced function still ran, and returned the right thing
    assert len(out["after_ids"]) == 2  # the chat calls still worked
    assert out["flush_after_close"] is True
    tf = lifecycle.tf
    assert not [s for s in tf.spans if s.name == "after_close"]
    recorded = {s.attributes.get("gen_ai.response.id") for s in tf.spans}
    assert not recorded & set(out["after_ids"])
    assert b"after_close" not in e2e.all_payload_bytes(lifecycle.path)
    assert len(tf.spans) == 8  # 3 chat + 3 POST + double_it + measure, and nothing later


def test_argument_whose_repr_raises_is_recorded_with_a_marker(lifecycle: Lifecycle) -> None:
    assert lifecycle.out["double"] == 42
    (span,) = [s for s in lifecycle.tf.spans if s.name == "double_it"]
    assert span.status_name == "unset"
    assert json.loads(span.attributes["input.value"]) == {
        "thing": {"$type": "__main__.Unprintable", "$repr": "<repr() failed: RuntimeError>"},
        "n": 21,
    }
    assert span.attributes["output.value"] == "42"
    assert "tracy.error" not in span.attributes


def test_a_50_mb_argument_is_cut_with_a_marker(lifecycle: Lifecycle) -> None:
    assert lifecycle.out["measure"] == configure_app.BIG_LENGTH
    (span,) = [s for s in lifecycle.tf.spans if s.name == "measure"]
    text = span.attributes["input.value"]
    assert len(text) <= 32_768
    assert text.startswith('{"text":"xxxxxxxx')
    (count,) = MARKER.findall(text)
    kept = text[len('{"text":"') : text.index("…[truncated")]
    assert set(kept) == {"x"}
    assert int(count.replace(",", "")) + len(kept) == configure_app.BIG_LENGTH
    assert span.attributes["output.value"] == str(configure_app.BIG_LENGTH)
    assert lifecycle.path.stat().st_size < 1_000_000


def test_a_50_mb_argument_costs_the_app_almost_nothing(lifecycle: Lifecycle) -> None:
    """README: "Huge arguments are sliced before they are copied, so a 50 MB string costs the
    app well under a millisecond." With configure()'s redaction the whole string is scanned
    for secrets first (Redactor.json_scrub -> _inner_text on all 50 MB, called by
    values._Walker.value before _Walker.string slices it): about a second. 50 ms is 50 times
    the promise."""
    assert lifecycle.out["measure_s"] < 0.05


# -- the public name ----------------------------------------------------------------------------

_NAME_PROBE = """
import json, sys, tracefile
out = {"first_lookup": type(tracefile.configure).__name__, "second_lookup": type(tracefile.configure).__name__}
from tracefile import configure
out["from_import"] = type(configure).__name__
try:
    a = tracefile.configure(sys.argv[1], instrument=())
    out["twice"] = tracefile.configure(sys.argv[1], instrument=()) is a
    a.close()
except TypeError as exc:
    out["twice"] = str(exc)
print(json.dumps(out))
"""


def test_configure_stays_a_function(tmp_path: Path) -> None:
    """`tracefile.configure` is a lazy attribute of the package, and also the name of the submodule
    that defines it: importing that submodule (which the first lookup, `from tracefile import
    configure`, record_feedback() and `tracy run` all do) rebinds `tracefile.configure` to the
    module. Then `tracefile.configure()` raises TypeError: 'module' object is not callable.
    Fix: rename tracefile/configure.py (e.g. to tracefile/recording.py) and point _LAZY and the
    two imports (feedback.py, cli.py) at the new name."""
    done = e2e.run([sys.executable, "-c", _NAME_PROBE, str(tmp_path / "run.tracy")])
    assert done.returncode == 0, done.stderr
    assert e2e.last_json(done.stdout) == {
        "first_lookup": "function",
        "second_lookup": "function",
        "from_import": "function",
        "twice": True,
    }


# -- failures stay out of the app ---------------------------------------------------------------


def _unwritable(server: ChatServer, path: str) -> tuple[dict, list[str], str]:
    done = e2e.run_app("configure_app.py", "unwritable", "--endpoint", server.endpoint, "--path", path)
    return e2e.last_json(done.stdout), e2e.warnings_in(done.stderr), done.stderr


@pytest.mark.parametrize("where", ["under_a_file", "dev_full"])
def test_unwritable_path_warns_once_and_the_app_goes_on(server: ChatServer, tmp_path: Path, where: str) -> None:
    if where == "under_a_file":
        # Tests run as root, so chmod cannot make a folder read-only: a path under a regular file can't exist.
        (tmp_path / "file.txt").write_text("not a folder")
        path, reason = str(tmp_path / "file.txt" / "run.tracy"), "File exists"
    else:
        if not Path("/dev/full").exists():
            pytest.skip("no /dev/full here")
        path, reason = "/dev/full", "No space left on device"
    out, warnings, stderr = _unwritable(server, path)
    # The app did all its work and finished normally (run_app checked exit code 0).
    assert out["still_running"] is True
    assert len(out["ids"]) == 3 and out["double"] == 42
    # Three batches failed to write; exactly one warning says where and why.
    assert len(warnings) == 1, stderr
    assert path in warnings[0]
    assert reason in warnings[0]
    assert "Traceback" not in stderr
    if where == "under_a_file":
        assert (tmp_path / "file.txt").read_text() == "not a folder"


# -- recording without code changes ------------------------------------------------------------


def test_tracy_run_records_a_script_that_never_calls_configure(server: ChatServer, tmp_path: Path) -> None:
    out_file = tmp_path / "run.tracy"
    done = e2e.run([sys.executable, "-m", "tracefile", "run", "-o", str(out_file), str(e2e.APPS / "chat_app.py"),
                    "--endpoint", server.endpoint, "--steps", "sync,tools", "--no-configure"])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"tracy: recording to {out_file}" in done.stderr
    seen = e2e.last_json(done.stdout)
    assert seen["path"] is None  # the script itself configured nothing
    tf = tracefile.load(out_file)
    assert tf.warnings == []
    chat = e2e.by_response_id(tf, seen["sync"]["id"])
    assert chat.name == "chat gpt-4o-mini" and chat.attributes["gen_ai.usage.input_tokens"] == 13
    (http,) = e2e.children(tf, chat)
    assert http.attributes["http.response.status_code"] == 200
    (agent,) = [s for s in tf.spans if s.name == "invoke_agent weather-agent"]
    assert sorted(s.name for s in e2e.children(tf, agent)) == ["chat gpt-4o-mini", "chat gpt-4o-mini", "execute_tool get_weather"]
    # Content stays off unless asked for (`tracy run --content`).
    assert "USER-MARKER-91c2" not in e2e.file_text(tf).replace(agent.attributes["input.value"], "")
    assert all("gen_ai.event.content" not in e.attributes for s in e2e.chat_spans(tf) for e in s.events)


def test_tracy_run_names_the_file_after_the_script(server: ChatServer, tmp_path: Path) -> None:
    """README: service_name defaults to "the script's name". Under `tracy run app.py`,
    configure() runs before the script and names the service after the runner
    (`__main__` for `python -m tracefile`, `tracy` for the console script).
    Fix (tracefile/cli.py, cmd_run): pass the script's name, e.g.
    ``configure(args.output, service_name=None if os.environ.get("OTEL_SERVICE_NAME") else Path(args.script).stem)``."""
    folder = tmp_path / "runs"
    done = e2e.run([sys.executable, "-m", "tracefile", "run", "-o", f"{folder}/", str(e2e.APPS / "chat_app.py"),
                    "--endpoint", server.endpoint, "--steps", "sync", "--no-configure"])  # fmt: skip
    assert done.returncode == 0, done.stderr
    (path,) = folder.glob("*.tracy")
    tf = tracefile.load(path)
    assert len(e2e.chat_spans(tf)) == 1
    assert {r.attributes["service.name"] for r in tf.resources} == {"chat_app"}
    assert path.name.startswith("chat_app.")


def test_tracy_run_of_an_app_that_calls_configure_itself(tmp_path: Path) -> None:
    """`tracy run examples/travel_agent.py`: the app's own tracefile.configure() joins the
    recording tracy run opened. Fails with the bug in test_configure_stays_a_function:
    importing a submodule named configure would rebind `tracefile.configure` to that module."""
    out_file = tmp_path / "run.tracy"
    done = e2e.run([sys.executable, "-m", "tracefile", "run", "-o", str(out_file),
                    str(e2e.ROOT / "examples" / "travel_agent.py")], cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    tf = tracefile.load(out_file)
    assert len([s for s in tf.spans if s.name == "invoke_agent travel-agent"]) == 2
    assert len(tf.feedback) == 1
    assert not (tmp_path / ".runs").exists()  # no second file: the app joined tracy run's recording


def test_opentelemetry_instrument_uses_the_tracy_exporter(tmp_path: Path) -> None:
    out_file = tmp_path / "manual.tracy"
    env = e2e.clean_env(
        OTEL_EXPORTER_TRACY_PATH=str(out_file),
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
        OTEL_SERVICE_NAME="manual-app",
    )
    launcher = e2e.VENV_BIN / "opentelemetry-instrument"
    if not launcher.exists():  # a dev dependency: missing, the install is broken, so fail rather than skip
        pytest.fail("opentelemetry-instrument is not installed (opentelemetry-instrumentation): run ./dev setup",
                    pytrace=False)  # fmt: skip
    done = e2e.run([str(launcher), "--traces_exporter", "tracy", sys.executable, str(e2e.APPS / "otel_manual_app.py")], env=env)
    assert done.returncode == 0, done.stderr
    ids = e2e.last_json(done.stdout)
    assert ids["provider"] == "TracerProvider"  # the SDK's, set up by the launcher
    tf = tracefile.load(out_file)
    assert tf.warnings == [] and not tf.truncated
    spans = {s.span_id: s for s in tf.spans}
    assert set(spans) == {ids["root"], ids["chat"], ids["post"]}
    root, chat, post = spans[ids["root"]], spans[ids["chat"]], spans[ids["post"]]
    assert {s.trace_id for s in tf.spans} == {ids["trace_id"]}
    assert (root.name, root.kind_name, root.parent_span_id) == ("handle_request", "server", "")
    assert root.attributes == {"app.user": "ada"}
    assert (chat.name, chat.kind_name, chat.parent_span_id) == ("chat manual-model", "client", ids["root"])
    assert chat.attributes["gen_ai.usage.output_tokens"] == 34
    assert chat.attributes["gen_ai.provider.name"] == "manual"
    assert [(e.name, e.attributes) for e in chat.events] == [("step", {"n": 1})]
    assert (post.parent_span_id, post.status_name, post.status_message) == (ids["root"], "error", "could not format")
    assert (chat.scope.name, chat.scope.version) == ("manual-app", "1.2.3")
    assert {r.attributes["service.name"] for r in tf.resources} == {"manual-app"}
