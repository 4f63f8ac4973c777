from __future__ import annotations

import datetime as dt

import strawberry

from casehub.auth import Permission
from casehub.processes import key_groups
from casehub.schema.key_groups.types import HomeVisitDue, KeyGroupMember
from casehub.schema.permissions import has
from casehub.schema.process_common import day_or_today, policy


@strawberry.type
class KeyGroupQueries:
    @strawberry.field(
        description="R-KEY-1: the key-group ledger on a day (default today): the very old, by the policy's age, "
        "and the recorded facts; optionally under one region code.",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def key_group_ledger(
        self, info: strawberry.Info, as_of: dt.date | None = None, region_code: str | None = None
    ) -> list[KeyGroupMember]:
        members = await key_groups.ledger(
            info.context.viewer, as_of=day_or_today(as_of), policy=policy(info), region_code=region_code
        )
        return [KeyGroupMember.from_member(m) for m in members]

    @strawberry.field(
        description="R-KEY-1: who is due a home visit when (the policy's interval after the last visit), earliest "
        "first; `dueOnly` keeps those due by `asOf`.",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def home_visit_schedule(
        self, info: strawberry.Info, as_of: dt.date | None = None, region_code: str | None = None,
        due_only: bool = False,
    ) -> list[HomeVisitDue]:
        day = day_or_today(as_of)
        schedule = await key_groups.visit_schedule(
            info.context.viewer, as_of=day, policy=policy(info), region_code=region_code
        )
        return [HomeVisitDue.from_due(v, day) for v in schedule if not due_only or v.is_due(day)]
