"""Receivers for the push tests: a real Arize Phoenix server for the session, and recorded runs."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers.push_files import recorded_run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def run_file(tmp_path_factory) -> Path:
    """A recorded run of 120 GenAI spans with two feedback records (tests that change it copy it)."""
    return recorded_run(tmp_path_factory.mktemp("push") / "run.tracy")


@pytest.fixture(scope="session")
def phoenix(tmp_path_factory) -> str:
    """A real Phoenix server (``phoenix serve``) on its own ports and working dir; yields its base URL."""
    work = tmp_path_factory.mktemp("phoenix")
    port = _free_port()
    env = {
        **os.environ,
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_PORT": str(port),
        "PHOENIX_GRPC_PORT": str(_free_port()),
        "PHOENIX_WORKING_DIR": str(work),
        "PHOENIX_TELEMETRY_ENABLED": "false",
    }
    exe = shutil.which("phoenix", path=os.path.dirname(sys.executable))
    assert exe, "the phoenix command is missing: install the dev extra (arize-phoenix)"
    log = open(work / "server.log", "wb")
    proc = subprocess.Popen([exe, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"phoenix serve exited with {proc.returncode}:\n{(work / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"phoenix serve did not answer /healthz in 180 s:\n{(work / 'server.log').read_text()[-3000:]}")
            time.sleep(0.5)  # polling a subprocess's health endpoint, not timing a test
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
