from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from casehub.auth import Permission
from casehub.processes import notices
from casehub.schema.notices.types import PublicNotice, TipOff
from casehub.schema.permissions import has
from casehub.schema.process_common import ProcessError, attempt, day_or_today, pk, policy


@strawberry.input
class CreatePublicNoticeInput:
    village_code: str
    period: str = strawberry.field(description="2026-H1 or 2026-H2.")
    posted_on: dt.date = strawberry.field(description="The first day on display.")
    tipoff_phone: str


@strawberry.input
class RecordPublicNoticeRemovalInput:
    notice_id: relay.GlobalID
    removed_on: dt.date = strawberry.field(description="The last day on display.")


@strawberry.type
class PublicNoticePayload:
    errors: list[ProcessError]
    notice: PublicNotice | None = None


@strawberry.input
class RecordTipOffInput:
    notice_id: relay.GlobalID
    content: str
    received_at: dt.datetime
    phone: str | None = strawberry.field(default=None, description="The caller's number; tip-offs may be anonymous.")
    person_id_number: str | None = strawberry.field(default=None, description="The recipient it concerns, if named.")


@strawberry.input
class CloseTipOffInput:
    tip_off_id: relay.GlobalID
    finding: str


@strawberry.input
class ReferTipOffInput:
    tip_off_id: relay.GlobalID
    reason: str


@strawberry.type
class TipOffPayload:
    errors: list[ProcessError]
    tip_off: TipOff | None = None


@strawberry.type
class NoticeMutations:
    @strawberry.mutation(
        description="R-PUB-1: record a village's half-yearly public notice.",
        permission_classes=[has(Permission.RECORD_EVENTS)],
    )
    async def create_public_notice(self, info: strawberry.Info, input: CreatePublicNoticeInput) -> PublicNoticePayload:
        done, errors = await attempt(lambda: notices.create_notice(
            info.context.viewer, village_code=input.village_code, period=input.period, posted_on=input.posted_on,
            tipoff_phone=input.tipoff_phone, policy=policy(info), today=day_or_today(None),
        ))
        return PublicNoticePayload(errors=errors, notice=PublicNotice.of(info, done) if done else None)

    @strawberry.mutation(
        description="R-PUB-1: record the last day a notice was up (once).",
        permission_classes=[has(Permission.RECORD_EVENTS)],
    )
    async def record_public_notice_removal(
        self, info: strawberry.Info, input: RecordPublicNoticeRemovalInput
    ) -> PublicNoticePayload:
        done, errors = await attempt(lambda: notices.record_removal(
            info.context.viewer, pk(input.notice_id, "PublicNotice", "noticeId"), removed_on=input.removed_on,
            today=day_or_today(None),
        ))
        return PublicNoticePayload(errors=errors, notice=PublicNotice.of(info, done) if done else None)

    @strawberry.mutation(
        description="R-PUB-2: record a tip-off received against a notice.",
        permission_classes=[has(Permission.RECORD_EVENTS)],
    )
    async def record_tip_off(self, info: strawberry.Info, input: RecordTipOffInput) -> TipOffPayload:
        done, errors = await attempt(lambda: notices.record_tip_off(
            info.context.viewer, pk(input.notice_id, "PublicNotice", "noticeId"), content=input.content,
            received_at=input.received_at, phone=input.phone, person_id_number=input.person_id_number,
        ))
        return TipOffPayload(errors=errors, tip_off=TipOff.from_model(done) if done else None)

    @strawberry.mutation(
        description="R-PUB-2: handle a tip-off by closing it with a finding.",
        permission_classes=[has(Permission.SUPERVISE)],
    )
    async def close_tip_off(self, info: strawberry.Info, input: CloseTipOffInput) -> TipOffPayload:
        done, errors = await attempt(lambda: notices.close_tip_off(
            info.context.viewer, pk(input.tip_off_id, "TipOff", "tipOffId"), finding=input.finding
        ))
        return TipOffPayload(errors=errors, tip_off=TipOff.from_model(done) if done else None)

    @strawberry.mutation(
        description="R-PUB-2, R-ACC-3: handle a tip-off by referring it to an investigation.",
        permission_classes=[has(Permission.SUPERVISE)],
    )
    async def refer_tip_off(self, info: strawberry.Info, input: ReferTipOffInput) -> TipOffPayload:
        done, errors = await attempt(lambda: notices.refer_tip_off(
            info.context.viewer, pk(input.tip_off_id, "TipOff", "tipOffId"), reason=input.reason
        ))
        return TipOffPayload(errors=errors, tip_off=TipOff.from_model(done) if done else None)
