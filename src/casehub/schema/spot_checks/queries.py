from __future__ import annotations

import strawberry

from casehub import access
from casehub.auth import Permission
from casehub.processes import spot_checks
from casehub.processes.periods import Period
from casehub.schema.permissions import has
from casehub.schema.spot_checks.types import SpotCheck, SpotCheckVerification


async def _find(info: strawberry.Info, period: str):
    return await access.spot_checks(info.context.viewer).get_or_none(period=Period.parse(period).label)


@strawberry.type
class SpotCheckQueries:
    @strawberry.field(
        description="The spot check drawn for a period (2026-H2); the county bureau's.",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def spot_check(self, info: strawberry.Info, period: str) -> SpotCheck | None:
        row = await _find(info, period)
        return SpotCheck.from_model(row) if row else None

    @strawberry.field(
        description="R-SPT-2: recompute a period's draw from its recorded seed and population and compare.",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def verify_spot_check(self, info: strawberry.Info, period: str) -> SpotCheckVerification | None:
        row = await _find(info, period)
        return SpotCheckVerification.from_verification(await spot_checks.verify(row)) if row else None
