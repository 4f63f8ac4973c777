from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from casehub.schema.common import MAX_INPUT_LIST
from casehub.schema.enums import EntitlementStatusEnum, KeyGroupEnum, SchemeEnum


@strawberry.input(
    description="Which recipients to list. Conditions on schemes, statuses and due dates hold on one and the same "
    "entitlement, read from the status projection (as of its `asOf`, refreshed after every write and by the daily "
    f"sweep). Lists are capped at {MAX_INPUT_LIST} items."
)
class RecipientFilterInput:
    region_code: str | None = strawberry.field(
        default=None,
        description="A county (6 digits), township (9) or village (12) code: everyone living under it.",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Part of a name, a full 18-character ID number, or the last 4 characters of one (as the mask "
        "shows them). Other digit strings are refused, so the masked digits cannot be guessed.",
    )
    schemes: list[SchemeEnum] | None = strawberry.field(
        default=None, description="Holds an entitlement in one of these."
    )
    statuses: list[EntitlementStatusEnum] | None = strawberry.field(
        default=None, description="An entitlement in one of these statuses."
    )
    due_before: dt.date | None = strawberry.field(
        default=None, description="An entitlement whose certification falls due on or before this day (overdue too)."
    )
    overdue_since: dt.date | None = strawberry.field(
        default=None, description="An entitlement overdue since this day or earlier (overdueFrom ≤ overdueSince)."
    )
    key_groups: list[KeyGroupEnum] | None = strawberry.field(
        default=None,
        description="In one of these key groups today (R-KEY-1): VERY_OLD from the birth date and the policy's age, "
        "the others from the key-group ledger.",
    )


@strawberry.enum(description="How recipients are ordered.")
class RecipientOrderField(Enum):
    ID = "ID"
    NAME = "NAME"
    NEXT_DUE = "NEXT_DUE"  # the earliest next due date among the matching entitlements; none last


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input
class RecipientOrderInput:
    field: RecipientOrderField = RecipientOrderField.ID
    direction: OrderDirection = OrderDirection.ASC
