"""Parsed and validated documents, remembered per document text: one extension instead of four.

Parsing and validating a document costs more than answering a small query, and a client sends the
same few documents over and over. strawberry's `ParserCache`, `MaxTokensLimiter`,
`AddValidationRules` and `ValidationCache` did this as four extensions, each with hooks run on
every request, and `ValidationCache` hashed the whole document tree to look it up. Here the key is
the document text alone: the token limit and the validation rules are fixed per schema, so the
text decides both the document and its verdict. A document that fails to parse is never
remembered; its error is raised again each time (with the token limit applied).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse, specified_rules
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document


class Documents:
    """The process's remembered documents for one schema (LRU, `maxsize` texts)."""

    def __init__(self, *, max_tokens: int, rules: Sequence[type[ASTValidationRule]], maxsize: int) -> None:
        self.max_tokens = max_tokens
        self.rules = tuple(rules)
        self.all_rules = (*specified_rules, *self.rules)  # GraphQL's own rules (strawberry's default) and these
        self.schema: GraphQLSchema | None = None  # set once the schema is built
        self.parse = lru_cache(maxsize=maxsize)(self._parse)
        self.validate = lru_cache(maxsize=maxsize)(self._validate)

    def _parse(self, query: str) -> DocumentNode:
        return parse(query, max_tokens=self.max_tokens)

    def _validate(self, query: str, rules: tuple[type[ASTValidationRule], ...]) -> list[GraphQLError]:
        assert self.schema is not None
        return validate_document(self.schema, self.parse(query), rules)


class DocumentCache(SchemaExtension):
    """Parse and validate through `Documents`, with its rules: the same set `CasehubSchema.execute` uses."""

    def __init__(self, documents: Documents) -> None:
        self.documents = documents

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.documents.max_tokens
        context.validation_rules = self.documents.all_rules  # strawberry's own (GraphQL's) and the limits'
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            context.graphql_document = self.documents.parse(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.pre_execution_errors is None:
            context.pre_execution_errors = self.documents.validate(context.query, context.validation_rules)
        yield


__all__: list[Any] = ["DocumentCache", "Documents"]
