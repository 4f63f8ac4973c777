from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from casehub import access
from casehub.idnumber import mask_phone
from casehub.models import PublicNotice as NoticeModel
from casehub.models import TipOff as TipOffModel
from casehub.processes import notices
from casehub.processes.notices import NoticeCheck, VillageNotice
from casehub.schema.process_common import (
    NoticeStatusEnum,
    TipOffStatusEnum,
    day_or_today,
    gid,
    load_recipient,
    policy,
    scoped_nodes,
)
from casehub.schema.recipients.types import Recipient
from casehub.schema.regions.types import Region


@strawberry.type(description="A tip-off received against a public notice, and how it was handled (R-PUB-2).")
class TipOff(relay.Node):
    id: relay.NodeID[int]
    content: str
    received_at: dt.datetime
    status: TipOffStatusEnum
    finding: str | None
    handled_at: dt.datetime | None
    recorded_at: dt.datetime
    referral: relay.GlobalID | None = strawberry.field(description="The investigation referral, when referred.")
    notice: relay.GlobalID
    phone_full: strawberry.Private[str | None]
    person_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: TipOffModel) -> TipOff:
        return cls(
            id=row.id, content=row.content, received_at=row.received_at, status=row.status, finding=row.finding,
            handled_at=row.handled_at, recorded_at=row.recorded_at, referral=gid("InvestigationReferral",
                                                                                    row.referral_id),
            notice=gid("PublicNotice", row.notice_id), phone_full=row.phone, person_id=row.person_id,
        )

    @strawberry.field(description="The caller's phone number, masked: 139****1111.")
    def phone(self) -> str | None:
        return mask_phone(self.phone_full)

    @strawberry.field(description="The recipient it concerns, when known and in your scope.")
    async def recipient(self, info: strawberry.Info) -> Recipient | None:
        return await load_recipient(info, self.person_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await scoped_nodes(access.tip_offs(info.context.viewer), node_ids, cls.from_model)


@strawberry.type(description="A village's half-yearly public notice (R-PUB-1) and how long it has been up.")
class PublicNotice(relay.Node):
    id: relay.NodeID[int]
    period: str
    posted_on: dt.date
    removed_on: dt.date | None
    tipoff_phone: str
    status: NoticeStatusEnum
    working_days_up: int = strawberry.field(description="Working days on display so far, or in all once removed.")
    required_working_days: int
    earliest_removal: dt.date = strawberry.field(description="The day the required working days are complete.")
    village_id: strawberry.Private[int]

    @classmethod
    def of(cls, info: strawberry.Info, row: NoticeModel, as_of: dt.date | None = None) -> PublicNotice:
        """The notice with its display period checked as of `as_of` (default today)."""
        return cls.from_model(row, notices.check_notice(row, policy(info), day_or_today(as_of)))

    @classmethod
    def from_model(cls, row: NoticeModel, check: NoticeCheck) -> PublicNotice:
        return cls(
            id=row.id, period=row.period, posted_on=row.posted_on, removed_on=row.removed_on,
            tipoff_phone=row.tipoff_phone, status=check.status, working_days_up=check.working_days_up,
            required_working_days=check.required_working_days, earliest_removal=check.earliest_removal,
            village_id=row.village_id,
        )

    @strawberry.field
    async def village(self, info: strawberry.Info) -> Region:
        return Region.from_model(await info.context.loaders.region.load(self.village_id))

    @strawberry.field(description="Tip-offs received against this notice, oldest first.")
    async def tip_offs(self, info: strawberry.Info) -> list[TipOff]:
        rows = await access.tip_offs(info.context.viewer).filter(notice_id=self.id).order_by("received_at", "id")
        return [TipOff.from_model(r) for r in rows]

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await scoped_nodes(access.notices(info.context.viewer), node_ids, lambda row: cls.of(info, row))


@strawberry.type(description="One village for one period: its notice, or MISSING.")
class VillageNoticeStatus:
    village: Region
    status: NoticeStatusEnum
    notice: PublicNotice | None

    @classmethod
    def from_value(cls, value: VillageNotice, notice: PublicNotice | None) -> VillageNoticeStatus:
        return cls(village=Region.from_model(value.village), status=value.status, notice=notice)


@strawberry.type(description="A file to download; `contentBase64` holds its bytes.")
class FileDownload:
    filename: str
    content_type: str
    content_base64: str
