"""Investigators' alerts over WebSocket (graphql-transport-ws): new overpayment and duplicate findings.

Served by the process's `AlertHub` (`casehub.casework.alerts`), which on PostgreSQL listens
to NOTIFY, so a finding made by any process reaches every subscriber.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator

import strawberry

from casehub.auth import Permission
from casehub.casework.vocabulary import FindingKind
from casehub.errors import CasehubError
from casehub.schema.casework.types import Finding, FindingKindEnum
from casehub.schema.common import gid
from casehub.schema.permissions import has

CASE_TYPES = {FindingKind.OVERPAYMENT: "RecoveryCase", FindingKind.DUPLICATE_RECEIPT: "DuplicateReceipt"}


@strawberry.type
class CaseworkSubscriptions:
    @strawberry.subscription(
        description="New overpayment (R-PAY-4) and duplicate-receipt (R-DUP-1) findings, as they are found.",
        permission_classes=[has(Permission.INVESTIGATE)],
    )
    async def findings(
        self, info: strawberry.Info, kinds: list[FindingKindEnum] | None = None
    ) -> AsyncGenerator[Finding, None]:
        hub = getattr(info.context, "alerts", None)
        if hub is None:
            raise CasehubError("alerts are not available on this server")
        wanted = set(kinds or FindingKind)
        async for finding in hub.subscribe():
            if finding.kind in wanted:
                yield Finding(
                    kind=finding.kind, case=gid(CASE_TYPES[finding.kind], finding.case_id),
                    recipient=gid("Recipient", finding.person_id), amount_fen=finding.amount_fen,
                    months=list(finding.months), found_at=dt.datetime.fromisoformat(finding.found_at),
                )
