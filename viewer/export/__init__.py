"""Export: a span or a trace as readable Markdown, and spans as an OTLP/JSON file.

``logic`` holds it all (no Qt): the viewer's menu actions and the chat view's
"Copy as Markdown" button call it.
"""
