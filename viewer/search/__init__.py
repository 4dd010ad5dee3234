"""Search: the query language (`query`) and its evaluation over timeline columns (`columns`). No Qt."""

from .columns import Evaluation, evaluate_columns, match_positions, matching_rows, next_match
from .query import And, Compare, Field, Not, Or, Query, QueryError, Term, describe, parse

__all__ = [
    "And", "Compare", "Evaluation", "Field", "Not", "Or", "Query", "QueryError", "Term",
    "describe", "evaluate_columns", "match_positions", "matching_rows", "next_match", "parse",
]  # fmt: skip
