from __future__ import annotations

import datetime as dt

import strawberry

from casehub.auth import Permission
from casehub.payroll.runs import close_run
from casehub.schema.casework.errors import CaseworkError, attempt
from casehub.schema.payroll.types import PayrollRun
from casehub.schema.permissions import has


@strawberry.input(description="Close a swept payroll month once paid: from then on it never changes (R-PAY-4).")
class ClosePayrollMonthInput:
    month: dt.date = strawberry.field(description="The month's first day.")


@strawberry.type
class PayrollRunPayload:
    errors: list[CaseworkError]
    payroll_run: PayrollRun | None


@strawberry.type
class PayrollMutations:
    @strawberry.mutation(permission_classes=[has(Permission.PAYROLL)])
    async def close_payroll_month(self, info: strawberry.Info, input: ClosePayrollMonthInput) -> PayrollRunPayload:
        run, errors = await attempt(lambda: close_run(input.month, staff_id=info.context.viewer.staff_id))
        return PayrollRunPayload(errors=errors, payroll_run=PayrollRun.from_model(run) if run else None)
