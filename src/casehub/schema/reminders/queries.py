from __future__ import annotations

import datetime as dt

import strawberry

from casehub.auth import Permission
from casehub.processes import reminders
from casehub.schema.permissions import has
from casehub.schema.process_common import day_or_today, policy
from casehub.schema.reminders.types import DueSoonList


@strawberry.type
class ReminderQueries:
    @strawberry.field(
        description="Who falls due for certification within `days` (default: the policy's reminder lead, 30), per "
        "village and per employer unit, so nobody is suspended without warning.",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def due_soon(self, info: strawberry.Info, days: int | None = None, as_of: dt.date | None = None
                       ) -> list[DueSoonList]:
        items = await reminders.due_soon(info.context.viewer, as_of=day_or_today(as_of), policy=policy(info), days=days)
        return [DueSoonList.from_list(w) for w in reminders.work_lists(items)]
