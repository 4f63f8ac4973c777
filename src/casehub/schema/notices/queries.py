from __future__ import annotations

import base64
import datetime as dt

import strawberry
from strawberry import relay

from casehub import access
from casehub.auth import Permission
from casehub.processes import notices
from casehub.processes.periods import Period
from casehub.schema.notices.types import FileDownload, PublicNotice, TipOff, VillageNoticeStatus
from casehub.schema.permissions import has
from casehub.schema.process_common import TipOffStatusEnum, day_or_today, pk, policy

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@strawberry.type
class NoticeQueries:
    @strawberry.field(
        description="R-PUB-1: every village in scope for one period (2026-H1): its notice and whether it stayed "
        "up the required working days, or MISSING.",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def public_notices(
        self, info: strawberry.Info, period: str, township_code: str | None = None, as_of: dt.date | None = None
    ) -> list[VillageNoticeStatus]:
        rows = await notices.notice_compliance(
            info.context.viewer, period, policy=policy(info), as_of=day_or_today(as_of), township_code=township_code
        )
        return [
            VillageNoticeStatus.from_value(r, PublicNotice.from_model(r.notice, r.check) if r.notice else None)
            for r in rows
        ]

    @strawberry.field(
        description="The notice's roster to post, as an XLSX file (masked ID numbers; formulas defused).",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def public_notice_roster(self, info: strawberry.Info, notice_id: relay.GlobalID) -> FileDownload:
        filename, content = await notices.roster_xlsx(
            info.context.viewer, pk(notice_id, "PublicNotice", "noticeId"), policy=policy(info)
        )
        return FileDownload(filename=filename, content_type=XLSX, content_base64=base64.b64encode(content).decode())

    @strawberry.field(
        description="R-PUB-2: tip-offs in scope, oldest first, optionally of one status and one period.",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def tip_offs(
        self, info: strawberry.Info, status: TipOffStatusEnum | None = None, period: str | None = None
    ) -> list[TipOff]:
        query = access.tip_offs(info.context.viewer)
        if status is not None:
            query = query.filter(status=status)
        if period is not None:
            query = query.filter(notice__period=Period.parse(period).label)
        return [TipOff.from_model(r) for r in await query.order_by("received_at", "id").limit(500)]
