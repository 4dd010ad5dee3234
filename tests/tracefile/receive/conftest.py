"""A receiver on free ports per test, and the Node.js sender installed once per session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

NODE_APP = Path(__file__).resolve().parents[2] / "node"


@pytest.fixture
def receiver(tmp_path):
    """A started `Receiver` writing to ``tmp_path/run.tracy``, HTTP and gRPC on free ports."""
    from tracefile.receive import Receiver

    rx = Receiver(tmp_path / "run.tracy", http_port=0, grpc_port=0).start()
    yield rx
    rx.close()


@pytest.fixture(scope="session")
def node_sender() -> list[str]:
    """The command that runs tests/node/send.mjs (``+ [URL, "json" | "proto"]``), after ``npm ci``."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("node and npm are needed for the Node.js sender tests (apt-get install nodejs npm)", pytrace=False)
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"], cwd=NODE_APP, capture_output=True, text=True, timeout=300)
    if done.returncode:
        pytest.fail(f"npm ci in {NODE_APP} failed:\n{done.stderr[-2000:]}", pytrace=False)
    return [node, str(NODE_APP / "send.mjs")]
