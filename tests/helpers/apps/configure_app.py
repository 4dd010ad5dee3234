"""An app for the configure() tests: what happens around the recording, not inside the model call.

    python configure_app.py lifecycle  --endpoint URL --path OUT --other-path OTHER
    python configure_app.py unwritable --endpoint URL --path OUT

``lifecycle``: configure() twice (the second asking for another file), three chat
calls, a traced call with an argument whose ``repr()`` raises, a traced call
with a 50 MB string, then ``recording.close()`` and more spans, log() calls and
chat calls after it. ``unwritable``: configure() to a path that cannot be
written, then chat calls, traced calls and several flushes; the app must go on.

Warnings of the ``tracefile`` logger go to stderr as ``LOG WARNING tracefile: ...``.
Prints one JSON object (what the app saw) on its last line.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

import tracefile

# `tracefile.configure` can turn into the submodule of that name (the bug that
# test_configure.py::test_configure_stays_a_function shows); take the function
# either way, so that this app tests what configure() does, not how it is found.
_found = tracefile.configure
configure = getattr(_found, "configure", _found)

MODEL = "gpt-4o-mini"
BIG_LENGTH = 50_000_000


class Unprintable:
    """An argument nothing can show: repr() and str() raise, and it has no public attributes."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")

    __str__ = __repr__


@tracefile.trace
def double_it(thing, n: int) -> int:
    return n * 2


@tracefile.trace
def measure(text: str) -> int:
    return len(text)


@tracefile.trace
def after_close(x: int) -> int:
    tracefile.log("after_close_log", {"x": x})
    return x + 1


def _client(endpoint: str):
    from azure.ai.inference import ChatCompletionsClient
    from azure.core.credentials import AzureKeyCredential

    return ChatCompletionsClient(endpoint=endpoint, credential=AzureKeyCredential("test-key"), retry_total=0)


def _ask(client, text: str) -> str:
    from azure.ai.inference.models import UserMessage

    return client.complete(messages=[UserMessage(text)], model=MODEL).id


def lifecycle(args) -> dict:
    recording = configure(args.path, service_name="lifecycle")
    again = configure(args.other_path, service_name="other", content_recording=True)
    out: dict = {"same": again is recording, "path": str(recording.path), "again_path": str(again.path)}
    with _client(args.endpoint) as client:
        out["ids"] = [_ask(client, f"question {i}") for i in range(3)]
        out["double"] = double_it(Unprintable(), 21)
        big = "x" * BIG_LENGTH
        started = time.perf_counter()
        out["measure"] = measure(big)
        out["measure_s"] = time.perf_counter() - started
        del big
        recording.close()
        out["closed"] = recording.closed
        # After close(): the app keeps calling, nothing more is written, nothing is logged.
        out["after"] = [after_close(i) for i in range(3)]
        out["after_ids"] = [_ask(client, f"after close {i}") for i in range(2)]
        out["flush_after_close"] = recording.flush()
        recording.close()  # twice is harmless
    return out


def unwritable(args) -> dict:
    recording = configure(args.path, service_name="unwritable")
    out: dict = {"path": str(recording.path), "flushes": []}
    with _client(args.endpoint) as client:
        out["ids"] = []
        for i in range(3):  # three batches: three failed writes, still one warning
            out["ids"].append(_ask(client, f"question {i}"))
            out["double"] = double_it(i, 21)
            out["flushes"].append(recording.flush())
    recording.close()
    out["still_running"] = True
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["lifecycle", "unwritable"])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--other-path")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="LOG %(levelname)s %(name)s: %(message)s")
    out = lifecycle(args) if args.scenario == "lifecycle" else unwritable(args)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
