"""Investigations and accountability (R-ACC-1..3): the life cycle, links, records, reopening under four eyes."""

from __future__ import annotations

import datetime as dt

import pytest

from casehub.casework import approvals, investigations
from casehub.casework.vocabulary import (
    AccountabilityKind,
    AccountabilityOutcome,
    CaseworkErrorCode,
    InvestigationStatus,
    LinkKind,
    OriginType,
)
from casehub.errors import ValidationError
from casehub.models import AccountabilityRecord, AuditEntry, InvestigationLink, InvestigationTransition

IS = InvestigationStatus


async def test_r_acc_3_life_cycle_with_accountability_referral_and_reopening(overpaid):
    inv = await investigations.open_investigation(
        overpaid.person.id, OriginType.RECOVERY_CASE, overpaid.case.id, overpaid.investigator.id,
        "死亡后仍领取两个月养老金",
    )
    assert inv.status is IS.OPENED
    # The same origin opens one investigation, however often it is referred.
    again = await investigations.open_investigation(
        overpaid.person.id, OriginType.RECOVERY_CASE, overpaid.case.id, overpaid.investigator.id, "重复"
    )
    assert again.id == inv.id
    with pytest.raises(ValidationError) as wrong:
        await investigations.transition(inv.id, IS.CLOSED, staff_id=overpaid.investigator.id)
    assert wrong.value.code == CaseworkErrorCode.INVALID_TRANSITION
    await investigations.link(inv.id, LinkKind.EVENT, overpaid.death.id, staff_id=overpaid.investigator.id,
                              note="死亡记录")
    await investigations.link(inv.id, LinkKind.EVENT, overpaid.death.id, staff_id=overpaid.investigator.id)
    with pytest.raises(ValidationError):
        await investigations.link(inv.id, LinkKind.EVENT, 999_999, staff_id=overpaid.investigator.id)
    links = await InvestigationLink.filter(investigation_id=inv.id).order_by("id").values_list("kind", "target_id")
    assert links == [(LinkKind.RECOVERY_CASE, overpaid.case.id), (LinkKind.EVENT, overpaid.death.id)]
    assert await investigations.linked_loss_fen(inv.id) == 36_000

    await investigations.transition(inv.id, IS.INVESTIGATING, staff_id=overpaid.investigator.id)
    with pytest.raises(ValidationError):  # accountability only once substantiated
        await investigations.record_accountability(
            inv.id, AccountabilityKind.FRAUD, responsible_name="张小三", facts="…", staff_id=overpaid.investigator.id
        )
    with pytest.raises(ValidationError) as no_finding:
        await investigations.transition(inv.id, IS.CONCLUDED_SUBSTANTIATED, staff_id=overpaid.investigator.id)
    assert no_finding.value.field == "note"
    await investigations.transition(
        inv.id, IS.CONCLUDED_SUBSTANTIATED, staff_id=overpaid.investigator.id,
        note="其子张小三隐瞒死亡，持卡继续领取2025年2、3月待遇",
    )
    fraud = await investigations.record_accountability(
        inv.id, AccountabilityKind.FRAUD, responsible_name="张小三", facts="隐瞒死亡冒领养老金",
        amount_lost_fen=36_000, outcome=AccountabilityOutcome.REFERRED_TO_JUDICIAL, staff_id=overpaid.investigator.id,
    )
    staff_failure = await investigations.record_accountability(
        inv.id, AccountabilityKind.CERTIFICATION_FAILURE, responsible_staff_id=overpaid.assistant.id,
        responsible_name="村协办员", facts="未按月报告死亡（R-DTH-1），迟报近三个月", staff_id=overpaid.investigator.id,
    )
    await investigations.set_accountability_outcome(
        staff_failure.id, AccountabilityOutcome.CRITICISM, note="通报批评", staff_id=overpaid.investigator.id
    )
    with pytest.raises(ValidationError) as referral:
        await investigations.transition(inv.id, IS.REFERRED, staff_id=overpaid.investigator.id)
    assert referral.value.field == "judicialOrgan"
    referred = await investigations.transition(
        inv.id, IS.REFERRED, staff_id=overpaid.investigator.id, judicial_organ="漾濞县公安局",
        referral_reference="漾人社移〔2025〕1号", referred_on=dt.date(2025, 6, 3),
    )
    assert (referred.judicial_organ, referred.referred_on) == ("漾濞县公安局", dt.date(2025, 6, 3))
    await investigations.transition(inv.id, IS.CLOSED, staff_id=overpaid.investigator.id, note="移送后结案")
    records = await AccountabilityRecord.filter(investigation_id=inv.id).order_by("id")
    assert [(r.kind, r.amount_lost_fen, r.outcome) for r in records] == [
        (AccountabilityKind.FRAUD, 36_000, AccountabilityOutcome.REFERRED_TO_JUDICIAL),
        (AccountabilityKind.CERTIFICATION_FAILURE, 0, AccountabilityOutcome.CRITICISM),
    ]
    assert fraud.responsible_person_id is None and records[1].responsible_staff_id == overpaid.assistant.id

    # Reopening a closed investigation: four eyes; no transition reopens it.
    with pytest.raises(ValidationError):
        await investigations.transition(inv.id, IS.INVESTIGATING, staff_id=overpaid.investigator.id)
    request = await approvals.request_reopen(inv.id, "发现同案其他冒领线索", staff_id=overpaid.investigator.id)
    from casehub.models import Investigation

    assert (await Investigation.get(id=inv.id)).status is IS.CLOSED  # no effect until approved
    await approvals.approve(request.id, staff_id=overpaid.investigator2.id)
    assert (await Investigation.get(id=inv.id)).status is IS.INVESTIGATING
    history = await InvestigationTransition.filter(investigation_id=inv.id).order_by("id").values_list(
        "from_status", "to_status", "by_id", "approval_id"
    )
    assert [h[1] for h in history] == [IS.OPENED, IS.INVESTIGATING, IS.CONCLUDED_SUBSTANTIATED, IS.REFERRED,
                                       IS.CLOSED, IS.INVESTIGATING]
    assert history[-1][2:] == (overpaid.investigator2.id, request.id)
    audited = await AuditEntry.filter(target_type="investigation", target_id=str(inv.id)).values_list(
        "action", flat=True
    )
    assert audited.count("INVESTIGATION_TRANSITION") == 4 and "APPROVE_REOPEN_INVESTIGATION" in audited
    assert audited.count("RECORD_ACCOUNTABILITY") == 2 and "ACCOUNTABILITY_OUTCOME" in audited


async def test_open_investigation_for_part_a_origins(overpaid):
    """Tip-offs and spot-check findings (part A) refer a matter; opening an investigation for the
    referral takes it up (sets the referral's investigation) and links it."""
    from tortoise.transactions import in_transaction

    from casehub.models import InvestigationReferral
    from casehub.processes.referrals import refer
    from casehub.processes.vocabulary import ReferralSource

    async with in_transaction() as conn:
        referral = await refer(ReferralSource.TIP_OFF, summary="群众举报：本人已去世", person_id=overpaid.person.id,
                               region_id=None, actor_id=None, using=conn)
    inv = await investigations.open_investigation(
        overpaid.person.id, "REFERRAL", referral.id, overpaid.investigator.id, "举报核查"
    )
    assert inv.origin_type is OriginType.REFERRAL
    assert (await InvestigationReferral.get(id=referral.id)).investigation_id == inv.id
    assert await InvestigationLink.filter(investigation_id=inv.id).values_list("kind", "target_id") == [
        (LinkKind.REFERRAL, referral.id)
    ]
    with pytest.raises(ValidationError) as missing_origin:
        await investigations.open_investigation(overpaid.person.id, OriginType.TIP_OFF, 999_999, None, "x")
    assert missing_origin.value.field == "originId"
    with pytest.raises(ValidationError) as unknown:
        await investigations.open_investigation(999_999, OriginType.STAFF, None, None, "x")
    assert unknown.value.field == "subjectId"
