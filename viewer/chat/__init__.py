"""The chat view: a GenAI span's conversation (system, input and output messages, tool calls).

``logic`` reads the conversation out of a `tracefile.Span`, whatever layout the
instrumentation used, and renders it as Markdown (no Qt).
"""
