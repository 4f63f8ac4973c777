from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from casehub.auth import Permission
from casehub.errors import ValidationError
from casehub.models import Region as RegionModel
from casehub.schema.common import DateRange, DateRangeInput, month_end
from casehub.schema.dashboards import figures
from casehub.schema.dashboards.types import RegionDashboard, RegionFigures
from casehub.schema.permissions import has
from casehub.schema.recipients.filters import check_region_code
from casehub.schema.regions.types import Region


@strawberry.type
class DashboardQueries:
    @strawberry.field(
        description="Counts for a county, township or village and each of its children: due this month, overdue, "
        "suspended, stopped, key-group members due a home visit, certifications by channel in a period. Only what "
        "the viewer may see is counted.",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def dashboard(
        self,
        info: strawberry.Info,
        region_code: str,
        month: Annotated[
            dt.date | None, strawberry.argument(description="Any day of the month `dueThisMonth` counts (default: now)")
        ] = None,
        period: Annotated[
            DateRangeInput | None, strawberry.argument(description="The days certifications count (default: `month`).")
        ] = None,
    ) -> RegionDashboard:
        context = info.context
        code = check_region_code(region_code, "regionCode")
        region = await RegionModel.get_or_none(code=code)
        if region is None:
            raise ValidationError("regionCode", "NOT_FOUND", f"no region with code {code}")
        first = (month or context.today).replace(day=1)
        last = month_end(first)
        gte = period.gte if period and period.gte else first
        lte = period.lte if period and period.lte else last
        if gte > lte:
            raise ValidationError("period", "INVALID_RANGE", "period.gte is after period.lte")
        total, children, as_of = await figures.dashboard(
            context.viewer, region, month_first=first, month_last=last, period=(gte, lte), today=context.today,
            policy=context.policy,
        )  # fmt: skip
        return RegionDashboard(
            region=Region.from_model(region),
            month=first,
            period=DateRange(gte=gte, lte=lte),
            projection_as_of=as_of,
            total=RegionFigures.from_figures(Region.from_model(region), total),
            breakdown=[RegionFigures.from_figures(Region.from_model(r), f) for r, f in children],
        )
