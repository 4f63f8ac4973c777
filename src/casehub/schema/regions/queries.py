from __future__ import annotations

import strawberry

from casehub.models import Region as RegionModel
from casehub.schema.permissions import authenticated
from casehub.schema.recipients.filters import check_region_code
from casehub.schema.regions.types import Region, RegionLevelEnum


@strawberry.type
class RegionQueries:
    @strawberry.field(
        description="Regions, optionally of one level and/or under one parent code (public within the service).",
        permission_classes=[authenticated()],
    )
    async def regions(self, level: RegionLevelEnum | None = None, parent_code: str | None = None) -> list[Region]:
        query = RegionModel.all().order_by("code")
        if level is not None:
            query = query.filter(level=level)
        if parent_code is not None:
            query = query.filter(parent__code=check_region_code(parent_code, "parentCode"))
        return [Region.from_model(r) for r in await query]

    @strawberry.field(description="One region by its code.", permission_classes=[authenticated()])
    async def region(self, code: str) -> Region | None:
        row = await RegionModel.get_or_none(code=check_region_code(code, "code"))
        return Region.from_model(row) if row else None
