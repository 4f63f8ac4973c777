from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from casehub import access
from casehub.models import KeyGroupFact as FactModel
from casehub.processes.key_groups import Member, VisitDue
from casehub.schema.process_common import KeyGroupEnum, scoped_nodes
from casehub.schema.recipients.types import Recipient


@strawberry.type(description="A recorded key-group fact (R-KEY-1): severely disabled or cannot care for oneself.")
class KeyGroupFact(relay.Node):
    id: relay.NodeID[int]
    group: KeyGroupEnum
    since: dt.date
    until: dt.date | None = strawberry.field(description="The last day it holds; null while it still does.")
    source: str
    recorded_at: dt.datetime

    @classmethod
    def from_model(cls, row: FactModel) -> KeyGroupFact:
        return cls(id=row.id, group=row.group, since=row.since, until=row.until, source=row.source,
                   recorded_at=row.recorded_at)

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await scoped_nodes(access.key_group_facts(info.context.viewer), node_ids, cls.from_model)


@strawberry.type(description="A recipient in the key-group ledger on the day asked.")
class KeyGroupMember:
    recipient: Recipient
    groups: list[KeyGroupEnum]
    joined_on: dt.date = strawberry.field(description="When the earliest of the current groups began to hold.")
    facts: list[KeyGroupFact]

    @classmethod
    def from_member(cls, m: Member) -> KeyGroupMember:
        return cls(recipient=Recipient.from_model(m.person), groups=sorted(m.groups), joined_on=m.joined_on,
                   facts=[KeyGroupFact.from_model(f) for f in m.facts])


@strawberry.type(description="When a key-group member is due a home visit (R-KEY-1).")
class HomeVisitDue:
    member: KeyGroupMember
    last_visit_on: dt.date | None
    due_on: dt.date
    is_due: bool

    @classmethod
    def from_due(cls, v: VisitDue, as_of: dt.date) -> HomeVisitDue:
        return cls(member=KeyGroupMember.from_member(v.member), last_visit_on=v.last_visit_on, due_on=v.due_on,
                   is_due=v.is_due(as_of))
