from __future__ import annotations

import datetime as dt

import strawberry

from casehub.domain import Channel
from casehub.schema.common import DateRange
from casehub.schema.dashboards.figures import Figures
from casehub.schema.enums import ChannelEnum
from casehub.schema.regions.types import Region


@strawberry.type
class ChannelCount:
    channel: ChannelEnum
    count: int


@strawberry.type(
    description="One region's figures. Counts are of recipients (one person counts once), except certifications "
    "(events). Statuses and due dates come from the status projection."
)
class RegionFigures:
    region: Region
    recipients: int = strawberry.field(description="Recipients with at least one entitlement.")
    active: int = strawberry.field(description="… with an ACTIVE entitlement.")
    suspended: int = strawberry.field(description="… with a SUSPENDED entitlement (R-SUS-1, R-JUD-1).")
    stopped: int = strawberry.field(description="… with a STOPPED entitlement (R-WID-1).")
    ended: int = strawberry.field(description="… with an ENDED entitlement (R-DTH-5).")
    due_this_month: int = strawberry.field(description="… whose certification falls due in `month` (R-CYC-3).")
    overdue: int = strawberry.field(description="… whose certification is overdue today (R-SUS-1).")
    key_group_due_home_visit: int = strawberry.field(
        description="Key-group members (R-KEY-1) due a home visit today, as in `homeVisitSchedule`."
    )
    certifications: int = strawberry.field(description="Certifications in `period` (retracted ones left out).")
    certified_by_channel: list[ChannelCount] = strawberry.field(description="Every channel, zeros included.")
    app_self_share: float | None = strawberry.field(
        description="APP_SELF certifications / all certifications in `period` (the county's headline goal); "
        "null when there were none."
    )

    @classmethod
    def from_figures(cls, region: Region, f: Figures) -> RegionFigures:
        total = sum(f.certified.values())
        return cls(
            region=region, recipients=f.recipients, active=f.active, suspended=f.suspended, stopped=f.stopped,
            ended=f.ended, due_this_month=f.due_this_month, overdue=f.overdue,
            key_group_due_home_visit=f.key_group_due_home_visit, certifications=total,
            certified_by_channel=[ChannelCount(channel=c, count=f.certified[c]) for c in Channel],
            app_self_share=round(f.certified[Channel.APP_SELF] / total, 4) if total else None,
        )  # fmt: skip


@strawberry.type(description="A region's dashboard: its total and a row per child region (townships, or villages).")
class RegionDashboard:
    region: Region
    month: dt.date = strawberry.field(description="The first day of the month `dueThisMonth` counts.")
    period: DateRange = strawberry.field(description="The days `certifications` counts.")
    projection_as_of: dt.date | None = strawberry.field(
        description="The oldest `asOf` of the projection rows counted: how current the status figures are."
    )
    total: RegionFigures
    breakdown: list[RegionFigures] = strawberry.field(
        description="The townships of a county or the villages of a township, in code order; empty for a village."
    )
