"""Refuse U+0000 anywhere in a request's strings, before anything runs.

PostgreSQL cannot store a NUL character in text, so such a value would fail
deep inside a write as an internal error; it is refused up front instead, the
same way on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from casehub.memo import remember

NUL = "\x00"
MESSAGE = "text may not contain the control character U+0000"


class _FindNul(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if NUL in node.value:
            self.found = True


def _carries_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_carries_nul(k) or _carries_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_carries_nul(v) for v in value)
    return False


_CHECKED_MAX = 512  # documents whose verdict is remembered (like the parser's cache); cleared when full
_checked: dict[str, bool] = {}


def _document_carries_nul(query: str | None, document: DocumentNode) -> bool:
    """Whether a string literal in the document holds U+0000; one look per document text, not per request."""
    found = _checked.get(query) if query is not None else None
    if found is None:
        finder = _FindNul()
        visit(document, finder)
        found = finder.found
        if query is not None:
            remember(_checked, query, found, _CHECKED_MAX)
    return found


def nul_refusal(query: str | None, document: DocumentNode | None, variables: Any) -> GraphQLError | None:
    """The error refusing this request, or None when neither its document nor its variables hold U+0000."""
    in_document = document is not None and _document_carries_nul(query, document)
    if in_document or _carries_nul(variables):
        return GraphQLError(MESSAGE)
    return None


class RefuseNulCharacters(SchemaExtension):
    """`nul_refusal` for the operations that go through strawberry's extensions (subscriptions)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        refusal = nul_refusal(context.query, context.graphql_document, context.variables)
        if refusal is not None:
            context.result = ExecutionResult(data=None, errors=[refusal])
        yield
