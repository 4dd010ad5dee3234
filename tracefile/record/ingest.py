"""Spans that arrive already decoded (the trace model, from an OTLP receiver) written the way
recorded spans are: the same `Redactor` over the same fields as `convert`, then the format's
own model encoder, then one append per batch."""

from __future__ import annotations

from typing import Sequence

from ..format.encode import model_to_frames
from ..format.model import Span
from ..format.schema import Resource
from ..format.writer import TraceWriter, new_batch_id
from .convert import ENCODE_ERRORS, storable_frames
from .redact import Redactor


def redact_spans(spans: Sequence[Span], redactor: Redactor) -> None:
    """Apply ``redactor`` to model spans in place, field for field as `convert` applies it to SDK
    spans: span and event attributes in one batch call, status messages as text, link and
    resource attributes; names and scopes are kept."""
    event_names = [e.name for s in spans for e in s.events]
    event_attrs = [e.attributes for s in spans for e in s.events]
    attrs, events = redactor.batch([s.attributes for s in spans], event_names, event_attrs)
    redacted = iter(events)
    resources: dict[int, Resource] = {}
    for s, a in zip(spans, attrs):
        s.attributes = a if type(a) is dict else dict(a)
        for e in s.events:
            d = next(redacted)
            e.attributes = d if type(d) is dict else dict(d)
        if s.status_message:
            s.status_message = redactor.text(s.status_message)
        for lk in s.links:
            if lk.attributes:
                lk.attributes = dict(redactor.attributes(lk.attributes))
        r = resources.get(id(s.resource))
        if r is None:
            r = resources[id(s.resource)] = Resource(
                dict(redactor.attributes(s.resource.attributes)), s.resource.schema_url, s.resource.dropped_attributes
            )
        s.resource = r


def write_model_spans(writer: TraceWriter, spans: Sequence[Span], redactor: Redactor | None) -> None:
    """Redact ``spans`` (when there is a ``redactor``) and append them to ``writer`` as one batch.
    A value MessagePack cannot hold is written as text, as the exporter does, never losing the batch."""
    if not spans:
        return
    if redactor is not None:
        redact_spans(spans, redactor)
    columns, details = model_to_frames(spans, new_batch_id())
    max_end = max(s.end_time for s in spans)
    try:
        writer.write_spans(columns, details, columns.base_time, max_end)
    except ENCODE_ERRORS:
        if writer.closed:
            raise
        columns, details = storable_frames(columns, details, redactor)
        writer.write_spans(columns, details, columns.base_time, max_end)
