"""Recovery cases (R-PAY-4): repayments, waivers and instalment plans under four eyes, in whole fen."""

from __future__ import annotations

import datetime as dt

import pytest

from casehub.casework import approvals
from casehub.casework.recovery import instalment_amounts, instalment_states, record_repayment
from casehub.casework.vocabulary import ApprovalStatus, CaseworkErrorCode, RecoveryStatus, RepaymentMethod
from casehub.errors import ValidationError
from casehub.models import AuditEntry, InstalmentPlan, RecoveryCase, Waiver
from tests.payroll.helpers import month


def test_instalments_add_up_to_the_fen():
    assert instalment_amounts(36_001, 3) == [12_001, 12_000, 12_000]
    assert sum(instalment_amounts(100, 7)) == 100


async def refreshed(case: RecoveryCase) -> RecoveryCase:
    return await RecoveryCase.get(id=case.id)


async def test_r_pay_4_instalment_plan_needs_a_second_investigator_then_repayments_settle(overpaid):
    case = overpaid.case
    assert (case.amount_due_fen, case.status) == (36_000, RecoveryStatus.OPEN)
    request = await approvals.request_instalment_plan(
        case.id, 3, month(2025, 5), "年老无力一次退回", staff_id=overpaid.investigator.id
    )
    # Until approved it has no effect.
    assert not await InstalmentPlan.filter(case_id=case.id).exists()
    assert (await refreshed(case)).status is RecoveryStatus.OPEN
    with pytest.raises(ValidationError) as same:
        await approvals.approve(request.id, staff_id=overpaid.investigator.id)
    assert same.value.code == CaseworkErrorCode.SAME_PERSON
    with pytest.raises(ValidationError) as lacking:
        await approvals.approve(request.id, staff_id=overpaid.clerk.id)  # county staff: no INVESTIGATE
    assert lacking.value.code == CaseworkErrorCode.NOT_PERMITTED
    approved = await approvals.approve(request.id, staff_id=overpaid.investigator2.id, note="同意")
    assert (approved.status, approved.requested_by_id, approved.decided_by_id) == (
        ApprovalStatus.APPROVED, overpaid.investigator.id, overpaid.investigator2.id
    )
    plan = await InstalmentPlan.get(case_id=case.id)
    assert (plan.requested_by_id, plan.approved_by_id, plan.total_fen) == (
        overpaid.investigator.id, overpaid.investigator2.id, 36_000
    )
    assert (await refreshed(case)).status is RecoveryStatus.INSTALMENTS
    with pytest.raises(ValidationError) as decided:
        await approvals.approve(request.id, staff_id=overpaid.investigator2.id)
    assert decided.value.code == CaseworkErrorCode.ALREADY_DECIDED

    await record_repayment(case.id, amount_fen=12_000, paid_on=dt.date(2025, 5, 20),
                           method=RepaymentMethod.CASH, reference="收据0001", staff_id=overpaid.investigator.id)
    states = await instalment_states(plan, today=dt.date(2025, 7, 3))
    assert [(s.due_month, s.amount_fen, s.paid_fen, s.overdue) for s in states] == [
        (month(2025, 5), 12_000, 12_000, False), (month(2025, 6), 12_000, 0, True), (month(2025, 7), 12_000, 0, False),
    ]
    current = await refreshed(case)
    assert (current.repaid_fen, current.outstanding_fen) == (12_000, 24_000)
    with pytest.raises(ValidationError) as too_much:
        await record_repayment(case.id, amount_fen=24_001, paid_on=dt.date(2025, 6, 1),
                               method=RepaymentMethod.BANK_TRANSFER, reference="", staff_id=overpaid.investigator.id)
    assert too_much.value.code == CaseworkErrorCode.EXCEEDS_OUTSTANDING
    await record_repayment(case.id, amount_fen=24_000, paid_on=dt.date(2025, 6, 1),
                           method=RepaymentMethod.BANK_TRANSFER, reference="转账", staff_id=overpaid.investigator.id)
    settled = await refreshed(case)
    assert (settled.outstanding_fen, settled.status) == (0, RecoveryStatus.SETTLED) and settled.settled_at
    actions = await AuditEntry.filter(target_type="recovery_case").values_list("action", flat=True)
    assert actions.count("RECORD_REPAYMENT") == 2 and "APPROVE_INSTALMENT_PLAN" in actions


async def test_waiver_takes_effect_only_when_approved_and_rejection_has_none(overpaid):
    case = overpaid.case
    refused = await approvals.request_waiver(case.id, 6_000, "丧葬困难", staff_id=overpaid.investigator.id)
    await approvals.reject(refused.id, staff_id=overpaid.investigator2.id, note="理由不足")
    assert (await refreshed(case)).waived_fen == 0 and not await Waiver.exists()
    with pytest.raises(ValidationError):
        await approvals.request_waiver(case.id, 36_001, "全部", staff_id=overpaid.investigator.id)
    whole = await approvals.request_waiver(case.id, 36_000, "家属已无力偿还，经集体研究核销",
                                           staff_id=overpaid.investigator.id)
    await approvals.approve(whole.id, staff_id=overpaid.investigator2.id)
    written_off = await refreshed(case)
    assert (written_off.waived_fen, written_off.outstanding_fen, written_off.status) == (
        36_000, 0, RecoveryStatus.WRITTEN_OFF
    )
    waiver = await Waiver.get(case_id=case.id)
    assert (waiver.requested_by_id, waiver.approved_by_id) == (overpaid.investigator.id, overpaid.investigator2.id)


async def test_r_tl_1_a_retracted_death_cancels_the_recovery(overpaid):
    """The death was the wrong person's: retracted (R-TL-1), the overpayment falls away (negative items)."""
    from casehub.domain import EventType
    from casehub.models import Event, RecoveryItem
    from tests.payroll.helpers import sweep_month

    await Event.create(
        person=overpaid.person, type=EventType.RETRACTED, occurred_on=dt.date(2025, 4, 16),
        recorded_at=dt.datetime(2025, 4, 16, 2, tzinfo=dt.UTC), source_adapter="test", natural_key="retract-death",
        corrects=overpaid.death, payload={"reason": "报错了人"},
    )
    summary = await sweep_month(month(2025, 4))
    case = await refreshed(overpaid.case)
    assert (case.amount_due_fen, case.status) == (0, RecoveryStatus.CANCELLED)
    amounts = await RecoveryItem.filter(case_id=case.id).order_by("id").values_list("amount_fen", flat=True)
    assert amounts == [18_000, 18_000, -18_000, -18_000] and summary.recovery_changes == 1
