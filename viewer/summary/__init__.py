"""Where the time and money went: the Summary panel (per model, tool, category or span name, and
the distribution of trace durations), inclusive subtotals and self time, and a trace's critical path.

``logic``, ``rollup``, ``critical_path`` and ``distribution`` are numpy without Qt; ``model`` is the
sortable table model, ``widget`` the panel and its histogram.
"""
