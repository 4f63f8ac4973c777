from __future__ import annotations

import strawberry

from casehub import access
from casehub.auth import Permission
from casehub.schema.permissions import has
from casehub.schema.referrals.types import InvestigationReferral


@strawberry.type
class ReferralQueries:
    @strawberry.field(
        description="Referrals from tip-offs and spot checks, oldest first; `open` keeps those no investigation "
        "has taken up yet.",
        permission_classes=[has(Permission.INVESTIGATE)],
    )
    async def investigation_referrals(self, info: strawberry.Info, open: bool | None = None
                                      ) -> list[InvestigationReferral]:
        query = access.referrals(info.context.viewer)
        if open is not None:
            query = query.filter(investigation_id__isnull=open)
        return [InvestigationReferral.from_model(r) for r in await query.order_by("id").limit(500)]
