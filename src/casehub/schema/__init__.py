"""The GraphQL schema: one folder per domain, merged here at the root."""

from __future__ import annotations

import functools

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry import relay
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter
from strawberry.relay.types import GlobalIDValueError
from strawberry.tools import merge_types
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
from casehub.schema.recipients.queries import RecipientQueries
from casehub.schema.referrals.queries import ReferralQueries
from casehub.schema.regions.queries import RegionQueries
from casehub.schema.reminders.mutations import ReminderMutations
from casehub.schema.reminders.queries import ReminderQueries
from casehub.schema.spot_checks.mutations import SpotCheckMutations
from casehub.schema.spot_checks.queries import SpotCheckQueries
from casehub.schema.text_guard import RefuseNulCharacters
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
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        """Log unexpected errors with their traceback; expected ones are the client's business."""
        unexpected = [e for e in errors if _is_internal(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)

