"""Referring a tip-off or a spot-check finding to an investigation (R-ACC-3, R-PUB-2, R-SPT-1).

The processes create an `InvestigationReferral` — who or what, why, from where — and nothing else;
the investigations module (tracker issue 6, part B) opens or links the investigation and sets the
referral's `investigation_id`. `open_referrals` is the investigators' queue until then.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from casehub.audit import append_audit
from casehub.models import InvestigationReferral
from casehub.processes.vocabulary import ReferralSource


async def refer(
    source: ReferralSource,
    *,
    summary: str,
    person_id: int | None,
    region_id: int | None,
    actor_id: int | None,
    using: BaseDBAsyncClient,
) -> InvestigationReferral:
    """Create and audit one referral inside the caller's transaction."""
    referral = await InvestigationReferral.create(
        source=source, summary=summary, person_id=person_id, region_id=region_id, opened_by_id=actor_id,
        using_db=using,
    )
    await append_audit(
        "REFER_TO_INVESTIGATION", "investigation_referral", referral.id, actor_id=actor_id, using=using,
        detail={"source": source.value, "personId": person_id, "regionId": region_id, "summary": summary},
    )
    return referral
