"""Helpers shared by the test suites: real OpenTelemetry SDK spans and canonical dumps."""
