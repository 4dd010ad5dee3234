"""One token rule: the inspector's and chat's totals, the diff's token rows and `tracy info` count a
span's tokens as the file's token columns do, for every GenAI dialect (real recordings)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tracefile
from tracefile.format import read_timeline
from tracefile.format.stats import summarize
from viewer.cost.logic import attribute_totals, default_table
from viewer.diff.logic import field_diffs

DIALECTS = Path(__file__).resolve().parents[1] / "data" / "interop" / "dialects"
FILES = sorted(DIALECTS.glob("*.tracy"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_view_counts_tokens_as_the_columns_do(path):
    spans = tracefile.load(path).spans
    timeline = read_timeline(path)
    assert len(spans) == len(timeline.input_tokens)
    assert int(timeline.input_tokens.sum()) > 0, "the fixture records tokens"
    table = default_table()
    by_id = {timeline.span_id_key(s.span_id): s for s in spans}
    for row, key in enumerate(timeline.span_id.tolist()):
        span = by_id[int(key)]
        used = attribute_totals(span.attributes, table, span.name)
        assert (used.input, used.output) == (int(timeline.input_tokens[row]), int(timeline.output_tokens[row])), span.name
        fields = {f.key: f for f in field_diffs(span, span)}
        assert (fields["tokens.input"].left or 0) == int(timeline.input_tokens[row]), span.name
    totals = summarize(spans)
    assert totals["input_tokens"] == int(np.sum(timeline.input_tokens, dtype=np.uint64))
    assert totals["output_tokens"] == int(np.sum(timeline.output_tokens, dtype=np.uint64))
