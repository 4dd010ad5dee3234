"""The span inspector: every field of the selected span, as sections of key/value rows.

``logic`` turns a `tracefile.Span` into sections and renders values (no Qt);
``model`` is the thin Qt tree model over those sections; ``widget`` is the view
with its detail pane and copy actions::

    from viewer.inspector.widget import SpanInspector
    inspector = SpanInspector()
    inspector.set_span(span)          # or None for the empty state
"""
