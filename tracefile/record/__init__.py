"""Recording: the OpenTelemetry span exporter and its span conversion, redaction, value
serialisation, the `@trace` decorator, `configure()` and feedback writing.

This is the layer that needs the OpenTelemetry SDK; it writes through the format layer.
"""

from .feedback import append_feedback, record_feedback

__all__ = ["append_feedback", "record_feedback"]
