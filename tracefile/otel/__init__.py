"""OpenTelemetry integration: the span exporter and ReadableSpan conversion."""
