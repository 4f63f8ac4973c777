"""The GraphQL schema: one folder per domain, merged here at the root."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import GraphQLError, execute
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry import relay
from strawberry.exceptions import MissingQueryError
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter
from strawberry.relay.types import GlobalIDValueError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.tools import merge_types
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type
from tortoise.exceptions import ValidationError as FieldValueError

from casehub.auth import Permission
from casehub.errors import CasehubError
from casehub.schema.casework.mutations import CaseworkMutations
from casehub.schema.casework.queries import CaseworkQueries
from casehub.schema.casework.subscriptions import CaseworkSubscriptions
from casehub.schema.dashboards.queries import DashboardQueries
from casehub.schema.death_reports.mutations import DeathReportMutations
from casehub.schema.death_reports.queries import DeathReportQueries
from casehub.schema.documents import DocumentCache, Documents
from casehub.schema.execution import CasehubExecutionContext, shorten_resolvers
from casehub.schema.identity.mutations import IdentityMutations
from casehub.schema.key_groups.mutations import KeyGroupMutations
from casehub.schema.key_groups.queries import KeyGroupQueries
from casehub.schema.notices.mutations import NoticeMutations
from casehub.schema.notices.queries import NoticeQueries
from casehub.schema.payroll.mutations import PayrollMutations
from casehub.schema.payroll.queries import PayrollQueries
from casehub.schema.permissions import has
from casehub.schema.plans import Plans
from casehub.schema.recipients.queries import RecipientQueries
from casehub.schema.referrals.queries import ReferralQueries
from casehub.schema.regions.queries import RegionQueries
from casehub.schema.reminders.mutations import ReminderMutations
from casehub.schema.reminders.queries import ReminderQueries
from casehub.schema.spot_checks.mutations import SpotCheckMutations
from casehub.schema.spot_checks.queries import SpotCheckQueries
from casehub.schema.text_guard import RefuseNulCharacters, nul_refusal
from casehub.schema.timeline.mutations import TimelineMutations
from casehub.schema.viewer.queries import ViewerQueries


def _query_type() -> type:
    """A fresh root Query: strawberry's relay `node` field can be bound to one schema only."""

    @strawberry.type
    class NodeQueries:
        node: relay.Node | None = relay.node(permission_classes=[has(Permission.READ_CASES)])

    return merge_types(
        "Query",
        (
            NodeQueries, ViewerQueries, RecipientQueries, RegionQueries, DashboardQueries, DeathReportQueries,
            NoticeQueries, SpotCheckQueries, KeyGroupQueries, ReminderQueries, ReferralQueries, PayrollQueries,
            CaseworkQueries,
        ),
    )


Mutation = merge_types(
    "Mutation",
    (
        TimelineMutations, IdentityMutations, DeathReportMutations, NoticeMutations, SpotCheckMutations,
        KeyGroupMutations, ReminderMutations, PayrollMutations, CaseworkMutations,
    ),
)
Subscription = merge_types("Subscription", (CaseworkSubscriptions,))

LIMITS = {"max_depth": 10, "max_tokens": 2000, "max_aliases": 15}  # documented in docs/API.md
DOCUMENT_CACHE_SIZE = 512  # parsed and validated documents kept per process (LRU): a client's few documents


def _is_internal(error: GraphQLError) -> bool:
    """Mask everything but casehub's own expected errors, GraphQL's validation errors and malformed ids."""
    original = error.original_error
    # tortoise's ValidationError is a value the client sent that no column can hold (e.g. a code too long)
    expected = CasehubError | GlobalIDValueError | FieldValueError
    return original is not None and not isinstance(original, expected)


@functools.cache
def build_schema(*, production: bool = False) -> strawberry.Schema:
    """One schema per mode, built once per process.

    Parsing and validating a document costs more than answering a small query, so both are cached
    (LRU, keyed by the document text: `documents.py`). The limiters' rules are built once here.
    """
    rules = [
        *QueryDepthLimiter(max_depth=LIMITS["max_depth"]).validation_rules,
        *MaxAliasesLimiter(max_alias_count=LIMITS["max_aliases"]).validation_rules,
    ]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)  # what strawberry's DisableIntrospection adds
    documents = Documents(max_tokens=LIMITS["max_tokens"], rules=rules, maxsize=DOCUMENT_CACHE_SIZE)
    extensions = [
        lambda: DocumentCache(documents),
        lambda: MaskInternalErrors(should_mask_error=_is_internal),
        RefuseNulCharacters,
    ]
    schema = CasehubSchema(
        query=_query_type(), mutation=Mutation, subscription=Subscription, extensions=extensions,
        execution_context_class=CasehubExecutionContext,
    )  # fmt: skip
    documents.schema = schema._schema
    schema.documents = documents
    schema.plans = Plans(documents, maxsize=DOCUMENT_CACHE_SIZE)
    shorten_resolvers(schema)
    return schema


class MaskInternalErrors(MaskErrors):
    """strawberry's MaskErrors, looking for a result's errors by attribute: its `isinstance` check against
    a typing Protocol cost about 3 % of a small request."""

    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]


class CasehubSchema(strawberry.Schema):
    documents: Documents  # set by build_schema
    plans: Plans  # set by build_schema
    _masking = MaskInternalErrors(should_mask_error=_is_internal)

    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        """Log unexpected errors with their traceback; expected ones are the client's business."""
        unexpected = [e for e in errors if _is_internal(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)

    async def execute(  # type: ignore[override]
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """strawberry's `execute` (every query and mutation over HTTP) without its extension machinery.

        Building an execution context, three extensions and their hook runners per request cost about
        a third of a small query's CPU. What those extensions do is done here in line, with the same
        pieces: `Documents` parses and validates, `nul_refusal` refuses U+0000, `MaskInternalErrors`
        masks. Subscriptions still go through the extensions, which use the same pieces.
        """
        if not query:
            raise MissingQueryError
        allowed = DEFAULT_ALLOWED_OPERATION_TYPES if allowed_operation_types is None else allowed_operation_types
        try:
            document = self.documents.parse(query)
        except GraphQLError as error:
            return self._result(None, [error])
        try:
            operation_type = get_operation_type(document, operation_name)
        except RuntimeError as error:
            raise CannotGetOperationTypeError(operation_name) from error
        if operation_type not in allowed:
            raise InvalidOperationTypeError(operation_type)
        errors = self.documents.validate(query, self.documents.all_rules)
        if errors:
            return self._result(None, errors)
        refusal = nul_refusal(query, document, variable_values)
        if refusal is not None:
            return self._result(None, [refusal])
        try:
            result = execute(
                self._schema, document, root_value=root_value, context_value=context_value,
                variable_values=variable_values, operation_name=operation_name,
                executor_class=self.execution_context_class, is_awaitable=optimized_is_awaitable,
                operation_extensions=operation_extensions,
            )  # fmt: skip
            if isawaitable(result):
                result = await result
        except Exception as exc:  # as strawberry does: an unexpected failure becomes a (masked) error
            error = exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
            return self._result(None, [error])
        return self._result(result.data, result.errors)

    def _result(self, data: Any, errors: list[GraphQLError] | None) -> ExecutionResult:
        if errors:
            self._process_errors(errors)
            errors = self._masking._process_errors(errors)
        return ExecutionResult(data=data, errors=errors or None, extensions={})
