"""Recording: the OpenTelemetry span exporter and its span conversion, redaction, value
serialisation, the `@trace` decorator, `configure()` and feedback writing.

This is the layer that needs the OpenTelemetry SDK; it writes through the format layer.
"""
