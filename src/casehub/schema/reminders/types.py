from __future__ import annotations

import datetime as dt

import strawberry

from casehub.processes.reminders import DueItem, WorkList
from casehub.schema.process_common import load_recipient
from casehub.schema.recipients.types import Recipient, SchemeEnum


@strawberry.type(description="An entitlement whose certification falls due soon, and the reminder already sent.")
class DueSoonItem:
    scheme: SchemeEnum
    next_due: dt.date
    days_left: int
    reminded_at: dt.datetime | None = strawberry.field(description="When a reminder for this due date was recorded.")
    person_id: strawberry.Private[int]

    @classmethod
    def from_item(cls, item: DueItem) -> DueSoonItem:
        return cls(scheme=item.scheme, next_due=item.next_due, days_left=item.days_left,
                   reminded_at=item.reminded_at, person_id=item.person_id)

    @strawberry.field
    async def recipient(self, info: strawberry.Info) -> Recipient | None:
        return await load_recipient(info, self.person_id)


@strawberry.type(description="The due-soon work list of one village or one employer unit.")
class DueSoonList:
    kind: str = strawberry.field(description="VILLAGE or UNIT.")
    name: str
    items: list[DueSoonItem]

    @classmethod
    def from_list(cls, w: WorkList) -> DueSoonList:
        return cls(kind=w.kind, name=w.name, items=[DueSoonItem.from_item(i) for i in w.items])
