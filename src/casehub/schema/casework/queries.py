from __future__ import annotations

import strawberry

from casehub import access
from casehub.auth import Permission
from casehub.casework.approvals import REQUIRED_PERMISSION
from casehub.models import ApprovalRequest as ApprovalModel
from casehub.models import DuplicateReceipt as DuplicateModel
from casehub.models import RecoveryCase as RecoveryModel
from casehub.schema.casework.paging import page_by_id
from casehub.schema.casework.types import (
    ApprovalKindEnum,
    ApprovalRequest,
    ApprovalStatusEnum,
    DuplicateReceipt,
    DuplicateStatusEnum,
    Investigation,
    InvestigationStatusEnum,
    RecoveryCase,
    RecoveryStatusEnum,
)
from casehub.schema.pagination import Connection
from casehub.schema.permissions import has, has_any


@strawberry.type
class CaseworkQueries:
    @strawberry.field(
        description="Recovery cases (R-PAY-4), oldest first, a page at a time (at most 100).",
        permission_classes=[has(Permission.INVESTIGATE)],
    )
    async def recovery_cases(
        self, info: strawberry.Info, status: list[RecoveryStatusEnum] | None = None, first: int = 20,
        after: str | None = None,
    ) -> Connection[RecoveryCase]:
        query = access.person_scoped(info.context.viewer, RecoveryModel)
        if status:
            query = query.filter(status__in=status)
        return await page_by_id(query, RecoveryCase.from_model, first, after)

    @strawberry.field(
        description="Duplicate-receipt cases (R-DUP-1), oldest first.",
        permission_classes=[has(Permission.INVESTIGATE)],
    )
    async def duplicate_receipts(
        self, info: strawberry.Info, status: DuplicateStatusEnum | None = None, first: int = 20,
        after: str | None = None,
    ) -> Connection[DuplicateReceipt]:
        query = access.person_scoped(info.context.viewer, DuplicateModel)
        if status:
            query = query.filter(status=status)
        return await page_by_id(query, DuplicateReceipt.from_model, first, after)

    @strawberry.field(
        description="Investigations (R-ACC-3), oldest first.", permission_classes=[has(Permission.INVESTIGATE)]
    )
    async def investigations(
        self, info: strawberry.Info, status: list[InvestigationStatusEnum] | None = None, first: int = 20,
        after: str | None = None,
    ) -> Connection[Investigation]:
        query = access.investigations(info.context.viewer)
        if status:
            query = query.filter(status__in=status)
        return await page_by_id(query, Investigation.from_model, first, after)

    @strawberry.field(
        description="Manual decisions (four eyes) of the kinds the viewer may decide; PENDING by default.",
        permission_classes=[has_any(Permission.PAYROLL, Permission.INVESTIGATE)],
    )
    async def approval_requests(
        self, info: strawberry.Info, status: ApprovalStatusEnum | None = ApprovalStatusEnum.PENDING,
        kind: ApprovalKindEnum | None = None, first: int = 20, after: str | None = None,
    ) -> Connection[ApprovalRequest]:
        viewer = info.context.viewer
        kinds = [k for k, permission in REQUIRED_PERMISSION.items() if viewer.can(permission)]
        query = access.person_scoped(viewer, ApprovalModel).filter(kind__in=kinds)
        if status:
            query = query.filter(status=status)
        if kind:
            query = query.filter(kind=kind)
        return await page_by_id(query, ApprovalRequest.from_model, first, after)
