"""Feedback and evaluations: shown on their spans, and added from the viewer."""
