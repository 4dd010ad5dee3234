"""Prompt and completion diff: two LLM spans side by side, and two runs of a trace compared step by step.

``logic`` aligns the messages of two spans and diffs them word by word, compares model,
parameters, tokens and latency, and pairs the spans of two traces by their path (no Qt);
``model`` holds the thin Qt table models; ``widget`` the views and the windows that open them::

    from viewer.diff.widget import open_span_diff, open_run_compare
    open_span_diff(parent, span_a, span_b, ("yesterday.tracy", "today.tracy"))
    open_run_compare(parent, spans_of_trace_a, spans_of_trace_b, ("yesterday.tracy", "today.tracy"))
"""
