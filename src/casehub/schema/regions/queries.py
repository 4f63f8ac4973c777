from __future__ import annotations

import strawberry

from casehub.models import Region as RegionModel
from casehub.schema.regions.types import Region, RegionLevelEnum


@strawberry.type
class RegionQueries:
    @strawberry.field(description="Regions, optionally of one level and/or under one parent code.")
    async def regions(self, level: RegionLevelEnum | None = None, parent_code: str | None = None) -> list[Region]:
        query = RegionModel.all().order_by("code")
        if level is not None:
            query = query.filter(level=level)
        if parent_code is not None:
            query = query.filter(parent__code=parent_code)
        return [Region.from_model(r) for r in await query]
