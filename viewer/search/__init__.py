"""Search: the query language (`query`), evaluation over timeline columns (`columns`) and span details (`text_index`)."""

from .columns import Evaluation, evaluate_columns, match_positions, matching_rows, next_match
from .query import And, Compare, Field, Not, Or, Query, QueryError, Term, describe, parse

__all__ = [
    "And", "Compare", "Evaluation", "Field", "Not", "Or", "Query", "QueryError", "Term",
    "describe", "evaluate_columns", "match_positions", "matching_rows", "next_match", "parse",
]  # fmt: skip
