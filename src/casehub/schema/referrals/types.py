from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from casehub import access
from casehub.models import InvestigationReferral as ReferralModel
from casehub.schema.process_common import ReferralSourceEnum, load_recipient, scoped_nodes
from casehub.schema.recipients.types import Recipient


@strawberry.type(description="What a tip-off or spot-check finding hands to an investigation (R-ACC-3).")
class InvestigationReferral(relay.Node):
    id: relay.NodeID[int]
    source: ReferralSourceEnum
    summary: str
    opened_at: dt.datetime
    investigation_id: int | None = strawberry.field(description="The investigation that took it up, once one has.")
    person_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: ReferralModel) -> InvestigationReferral:
        return cls(id=row.id, source=row.source, summary=row.summary, opened_at=row.opened_at,
                   investigation_id=row.investigation_id, person_id=row.person_id)

    @strawberry.field
    async def recipient(self, info: strawberry.Info) -> Recipient | None:
        return await load_recipient(info, self.person_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await scoped_nodes(access.referrals(info.context.viewer), node_ids, cls.from_model)
