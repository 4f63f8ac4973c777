"""Four eyes on a manual payment decision: no effect until a second person with PAYROLL approves."""

from __future__ import annotations

import datetime as dt

import pytest

from casehub.casework import approvals
from casehub.casework.vocabulary import CaseworkErrorCode, OverrideAction
from casehub.domain import Role
from casehub.errors import ValidationError
from casehub.models import DecisionOverride, PaymentLine
from tests import factories
from tests.payroll.helpers import certify, entitlement, month, sweep_and_close, sweep_month

MAR, APR, MAY = month(2025, 3), month(2025, 4), month(2025, 5)


async def test_override_of_a_withheld_month_pays_it_once_approved_then_as_arrears_after_close(db):
    village = (await factories.region_tree())["532922101001"]
    clerk = await factories.staff(Role.COUNTY_STAFF)
    clerk2 = await factories.staff(Role.COUNTY_STAFF)
    investigator = await factories.staff(Role.INVESTIGATOR)
    person = await factories.recipient(village, start=month(2024, 1), amount_fen=18_000)
    await certify(person, dt.date(2024, 3, 5))  # due 2025-03-05: withheld from April (R-SUS-1)
    ent = await entitlement(person)
    await sweep_and_close(MAR, clerk)
    with pytest.raises(ValidationError) as lacking:
        await approvals.request_override(ent.id, APR, OverrideAction.PAY, 18_000, "住院无法认证",
                                         staff_id=investigator.id)
    assert lacking.value.code == CaseworkErrorCode.NOT_PERMITTED
    with pytest.raises(ValidationError) as zero:
        await approvals.request_override(ent.id, APR, OverrideAction.PAY, 0, "x", staff_id=clerk.id)
    assert zero.value.code == CaseworkErrorCode.NOT_POSITIVE
    request = await approvals.request_override(ent.id, APR, OverrideAction.PAY, 18_000, "住院无法认证，经核实在世",
                                               staff_id=clerk.id)
    await sweep_and_close(APR, clerk)  # pending: no effect
    assert not await PaymentLine.filter(run__month=APR).exists()
    await approvals.approve(request.id, staff_id=clerk2.id)
    override = await DecisionOverride.get(entitlement_id=ent.id)
    assert (override.requested_by_id, override.approved_by_id) == (clerk.id, clerk2.id)
    # April is closed: the approved decision is paid as an adjustment in May.
    await sweep_month(MAY)
    assert await PaymentLine.filter(run__month=MAY).values_list("benefit_month", "amount_fen", "kind") == [
        (APR, 18_000, "ADJUSTMENT")
    ]
