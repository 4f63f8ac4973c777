from __future__ import annotations

import datetime as dt

import strawberry

from casehub.auth import Permission
from casehub.models import PayrollRun as RunModel
from casehub.models import SweepRun as SweepModel
from casehub.schema.casework.paging import page_by_id
from casehub.schema.pagination import Connection
from casehub.schema.payroll.types import PayrollRun, SweepRun
from casehub.schema.permissions import has

PAYROLL = [has(Permission.PAYROLL)]


@strawberry.type
class PayrollQueries:
    @strawberry.field(description="The payroll run of a month (its first day).", permission_classes=PAYROLL)
    async def payroll_run(self, month: dt.date) -> PayrollRun | None:
        row = await RunModel.get_or_none(month=month.replace(day=1))
        return PayrollRun.from_model(row) if row else None

    @strawberry.field(description="Payroll months, latest first, a page at a time.", permission_classes=PAYROLL)
    async def payroll_runs(self, first: int = 12, after: str | None = None) -> Connection[PayrollRun]:
        return await page_by_id(RunModel.all(), PayrollRun.from_model, first, after, newest_first=True)

    @strawberry.field(description="The sweeps of a month, latest first (at most 100).", permission_classes=PAYROLL)
    async def sweep_runs(self, month: dt.date) -> list[SweepRun]:
        rows = await SweepModel.filter(month=month.replace(day=1)).order_by("-id").limit(100)
        return [SweepRun.from_model(r) for r in rows]
