"""Opening, refreshing and following files, without and with Qt's worker thread."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

import tracefile
from viewer.session import Cancelled, FileSession


def _record(path, names):
    exporter = tracefile.TracyFileExporter(path)
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("t")
    for name in names:
        with tracer.start_as_current_span(name):
            with tracer.start_as_current_span(f"{name}/child", attributes={"step": name}):
                pass
    return provider


def test_load_builds_the_index_and_decodes_details_on_demand(tmp_path):
    path = tmp_path / "run.tracy"
    _record(path, ["a", "b"]).shutdown()
    session = FileSession(path)
    outcome = session.load()
    assert outcome.ok and outcome.spans == 4 and outcome.new_spans == 4
    ix = session.index
    assert len(ix.traces) == 2
    child = [r for r in range(ix.n) if ix.name(r) == "b/child"][0]
    assert session.span(child).attributes == {"step": "b"}
    assert session.span(child) is session.span(child)  # cached


def test_growing_file_is_read_incrementally(tmp_path):
    path = tmp_path / "live.tracy"
    provider = _record(path, ["first"])
    session = FileSession(path)
    assert session.load().spans == 2
    assert not session.grew()
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("second"):
        pass
    assert session.grew()
    outcome = session.load()
    assert (outcome.spans, outcome.new_spans) == (3, 1)
    assert sorted(session.index.name(int(r)) for r in session.index.traces.root) == ["first", "second"]
    provider.shutdown()


def test_spans_appended_while_the_file_is_read_count_as_growth(tmp_path):
    """The size the follower compares with is taken before reading: a span written while the reader
    runs is noticed next time (it used to be taken after, and such a span was never shown)."""
    path = tmp_path / "live.tracy"
    provider = _record(path, ["first"])
    session = FileSession(path)
    tracer = provider.get_tracer("t")
    read = session.reader.read

    def read_then_the_app_writes(*args):
        n = read(*args)
        with tracer.start_as_current_span("written during the read"):
            pass
        return n

    session.reader.read = read_then_the_app_writes
    assert session.load().spans == 2
    session.reader.read = read
    assert session.grew()
    assert session.load().spans == 3
    provider.shutdown()


@pytest.mark.parametrize(
    "content,needle",
    [(b'{"runs": []}', "Prompty"), (b"\x00\x01garbage" * 10, "is binary, starting with 0x00 0x01"), (b"", "empty")],
)
def test_bad_files_give_a_message_not_an_exception(tmp_path, content, needle):
    path = tmp_path / "bad.tracy"
    path.write_bytes(content)
    outcome = FileSession(path).load()
    assert not outcome.ok and needle in outcome.error


def test_missing_file(tmp_path):
    outcome = FileSession(tmp_path / "gone.tracy").load()
    assert not outcome.ok and "cannot open" in outcome.error


def test_cancel_stops_loading(tmp_path):
    path = tmp_path / "run.tracy"
    _record(path, ["a"]).shutdown()
    with pytest.raises(Cancelled):
        FileSession(path).load(cancelled=lambda: True)


def test_loader_runs_on_a_worker_thread(qtbot, tmp_path):
    from viewer.loading import Loader

    path = tmp_path / "run.tracy"
    _record(path, ["a", "b", "c"]).shutdown()
    loader = Loader(FileSession(path))
    with qtbot.waitSignal(loader.finished, timeout=10000) as blocker:
        assert loader.start()
    assert blocker.args[0].spans == 6
    loader.wait()


def test_follower_notices_appends(qtbot, tmp_path):
    from viewer.loading import Follower

    path = tmp_path / "live.tracy"
    provider = _record(path, ["first"])
    session = FileSession(path)
    session.load()
    follower = Follower(session)
    with qtbot.waitSignal(follower.grew, timeout=5000):
        with provider.get_tracer("t").start_as_current_span("more"):
            pass
    follower.stop()
    provider.shutdown()
