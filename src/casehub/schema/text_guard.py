"""Refuse U+0000 anywhere in a request's strings, before anything runs.

PostgreSQL cannot store a NUL character in text, so such a value would fail
deep inside a write as an internal error; it is refused up front instead, the
same way on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

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


class RefuseNulCharacters(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        finder = _FindNul()
        if context.graphql_document is not None:
            visit(context.graphql_document, finder)
        if finder.found or _carries_nul(context.variables):
            context.result = ExecutionResult(data=None, errors=[GraphQLError(MESSAGE)])
        yield
