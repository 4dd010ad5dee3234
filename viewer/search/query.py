"""The search box's query language. It lives in the library (`tracefile.search.query`), where
`tracy push --query` parses the same text; the viewer's modules import it from here."""

from __future__ import annotations

from tracefile.search.query import (
    BUILTIN_KEYS,
    CATEGORY_VALUES,
    DURATION_FIELDS,
    DURATION_UNITS,
    HELP,
    KIND_VALUES,
    NUMERIC_FIELDS,
    OPS,
    STATUS_VALUES,
    TOKEN_SUFFIXES,
    And,
    Compare,
    Field,
    Node,
    Not,
    Or,
    Query,
    QueryError,
    Term,
    describe,
    format_duration,
    parse,
)

__all__ = [
    "BUILTIN_KEYS", "CATEGORY_VALUES", "DURATION_FIELDS", "DURATION_UNITS", "HELP", "KIND_VALUES", "NUMERIC_FIELDS",
    "OPS", "STATUS_VALUES", "TOKEN_SUFFIXES", "And", "Compare", "Field", "Node", "Not", "Or", "Query", "QueryError",
    "Term", "describe", "format_duration", "parse",
]  # fmt: skip
