"""Imported trace models as canonical JSON text, for the importers' snapshot tests."""

from __future__ import annotations

import base64
import json

from tests.helpers.spans import loaded_span_dict


def _json_default(v):
    if isinstance(v, bytes):
        return {"bytes_base64": base64.b64encode(v).decode("ascii")}
    raise TypeError(type(v).__name__)


def canonical(imported) -> str:
    """The imported model as sorted, stable JSON text (JSON keeps ints, floats and bools apart)."""
    data = {"format": imported.format, "warnings": imported.warnings, "spans": [loaded_span_dict(s) for s in imported.spans]}
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False, default=_json_default) + "\n"
