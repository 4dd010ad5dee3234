"""Fixtures of the fuzz harness: one probe process for the session, and the recordings mutated."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import fuzz, hostile

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def prober():
    with fuzz.Prober() as p:
        yield p


@pytest.fixture(scope="session")
def originals(prober, tmp_path_factory) -> list[tuple[str, fuzz.Recording, fuzz.Baseline]]:
    """The recordings mutants are made from, with their spans' digests: the two golden files (the
    real writer, compressed, with feedback and an index), the hostile corpus's clean file (300
    GenAI spans), and an uncompressed one."""
    plain = tmp_path_factory.mktemp("fuzz") / "plain.tracy"
    plain.write_bytes(hostile.plain_file())
    out = []
    for path in (DATA / "golden-v1.tracy", DATA / "golden-v1.1.tracy", hostile.HERE / hostile.CLEAN_NAME, plain):
        rec = fuzz.Recording.of(path.read_bytes())
        out.append((path.name, rec, fuzz.Baseline.of(rec, prober.run(path, ["load"]))))
    return out
