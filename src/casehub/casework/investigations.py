"""Investigations (fraud cases) and accountability (R-ACC-1..3).

`open_investigation` is the entry point for everyone who finds something to
investigate: tip-offs and spot-check findings (part A calls it), duplicate receipt,
recovery cases, or an investigator's own initiative. Transitions follow the life
cycle in `casehub.casework.vocabulary.TRANSITIONS`; anything else is refused with
INVALID_TRANSITION. Reopening a CLOSED investigation is a manual decision approved
by a second person (`casehub.casework.approvals`). Every change is audited and
every transition kept with who made it.
"""

from __future__ import annotations

import datetime as dt

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from casehub import models
from casehub.audit import append_audit
from casehub.casework.vocabulary import (
    TRANSITIONS,
    AccountabilityKind,
    AccountabilityOutcome,
    InvestigationStatus,
    LinkKind,
    OriginType,
)
from casehub.casework.vocabulary import CaseworkErrorCode as Code
from casehub.errors import ValidationError
from casehub.models import (
    AccountabilityRecord,
    Investigation,
    InvestigationLink,
    InvestigationTransition,
    Person,
    RecoveryCase,
    Staff,
)

IS = InvestigationStatus
# The model behind each link kind (a spot-check finding is recorded on its sampled item).
LINK_MODELS: dict[LinkKind, str] = {
    LinkKind.TIP_OFF: "TipOff",
    LinkKind.SPOT_CHECK_FINDING: "SpotCheckItem",
    LinkKind.REFERRAL: "InvestigationReferral",
    LinkKind.EVENT: "Event",
    LinkKind.RECOVERY_CASE: "RecoveryCase",
    LinkKind.DUPLICATE_RECEIPT: "DuplicateReceipt",
}
ORIGIN_LINKS: dict[OriginType, LinkKind] = {
    OriginType.TIP_OFF: LinkKind.TIP_OFF,
    OriginType.SPOT_CHECK_FINDING: LinkKind.SPOT_CHECK_FINDING,
    OriginType.REFERRAL: LinkKind.REFERRAL,
    OriginType.RECOVERY_CASE: LinkKind.RECOVERY_CASE,
    OriginType.DUPLICATE_RECEIPT: LinkKind.DUPLICATE_RECEIPT,
}


def _required(value: str | None, field: str, what: str) -> str:
    if value is None or not value.strip():
        raise ValidationError(field, Code.INVALID, f"{what} is required")
    return value.strip()


async def open_investigation(
    subject_person_id: int,
    origin_type: OriginType | str,
    origin_id: int | None,
    opened_by: int | None,
    summary: str,
    *,
    using: BaseDBAsyncClient | None = None,
) -> Investigation:
    """Open an investigation of a person, or return the one already open for the same origin.

    The origin (a tip-off, a spot-check finding, a referral, a recovery case, a duplicate
    receipt) is linked to it (R-ACC-3); a referral (part A's `InvestigationReferral`) is marked as
    taken up. Joins the caller's transaction when `using` is given.
    """
    if using is None:
        async with in_transaction() as conn:
            return await open_investigation(
                subject_person_id, origin_type, origin_id, opened_by, summary, using=conn
            )
    origin = OriginType(origin_type)
    summary = _required(summary, "summary", "a summary")
    if not await Person.filter(id=subject_person_id).using_db(using).exists():
        raise ValidationError("subjectId", Code.NOT_FOUND, f"no recipient {subject_person_id}")
    if origin in ORIGIN_LINKS:
        model = getattr(models, LINK_MODELS[ORIGIN_LINKS[origin]])
        if origin_id is None or not await model.filter(id=origin_id).using_db(using).exists():
            raise ValidationError("originId", Code.NOT_FOUND, f"no {origin.lower()} {origin_id}")
    if origin_id is not None:
        existing = await Investigation.filter(
            origin_type=origin, origin_id=origin_id, status__not=IS.CLOSED
        ).using_db(using).first()
        if existing is not None:
            return existing
    investigation = await Investigation.create(
        subject_id=subject_person_id, status=IS.OPENED, origin_type=origin, origin_id=origin_id, summary=summary,
        opened_by_id=opened_by, using_db=using,
    )
    await InvestigationTransition.create(
        investigation_id=investigation.id, from_status=None, to_status=IS.OPENED, note=summary, by_id=opened_by,
        using_db=using,
    )
    if origin in ORIGIN_LINKS and origin_id is not None:
        await InvestigationLink.create(
            investigation_id=investigation.id, kind=ORIGIN_LINKS[origin], target_id=origin_id, added_by_id=opened_by,
            note="origin", using_db=using,
        )
    if origin is OriginType.REFERRAL and origin_id is not None:
        await models.InvestigationReferral.filter(id=origin_id, investigation_id=None).using_db(using).update(
            investigation_id=investigation.id
        )
    await append_audit(
        "OPEN_INVESTIGATION", "investigation", investigation.id, actor_id=opened_by, using=using,
        detail={"subjectId": subject_person_id, "origin": origin.value, "originId": origin_id, "summary": summary},
    )
    return investigation


async def _locked(investigation_id: int, conn: BaseDBAsyncClient) -> Investigation:
    investigation = await Investigation.filter(id=investigation_id).using_db(conn).select_for_update().first()
    if investigation is None:
        raise ValidationError("investigationId", Code.NOT_FOUND, f"no investigation {investigation_id}")
    return investigation


async def transition(
    investigation_id: int,
    to: InvestigationStatus,
    *,
    staff_id: int,
    note: str = "",
    judicial_organ: str | None = None,
    referral_reference: str | None = None,
    referred_on: dt.date | None = None,
) -> Investigation:
    """Move an investigation along its life cycle (R-ACC-3); refuse anything else. Audited.

    A conclusion needs a note (the finding); a referral (移交司法机关, R-ACC-2) names the
    judicial organ and the date.
    """
    to = InvestigationStatus(to)
    async with in_transaction() as conn:
        investigation = await _locked(investigation_id, conn)
        current = investigation.status
        if to not in TRANSITIONS[current]:
            allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (reopening needs a second person's approval)"
            raise ValidationError(
                "to", Code.INVALID_TRANSITION, f"an investigation {current} cannot become {to}; allowed: {allowed}"
            )
        now = dt.datetime.now(dt.UTC)
        if to in (IS.CONCLUDED_SUBSTANTIATED, IS.CONCLUDED_NOT_SUBSTANTIATED):
            investigation.conclusion = _required(note, "note", "the conclusion")
            investigation.concluded_at = now
        elif to is IS.REFERRED:
            investigation.judicial_organ = _required(judicial_organ, "judicialOrgan", "the judicial organ")
            if referred_on is None:
                raise ValidationError("referredOn", Code.INVALID, "the date of the referral is required")
            investigation.referred_on = referred_on
            investigation.referral_reference = (referral_reference or "").strip()
        elif to is IS.CLOSED:
            investigation.closed_at = now
        investigation.status = to
        await investigation.save(using_db=conn)
        await InvestigationTransition.create(
            investigation_id=investigation.id, from_status=current, to_status=to, note=note, by_id=staff_id,
            using_db=conn,
        )
        await append_audit(
            "INVESTIGATION_TRANSITION", "investigation", investigation.id, actor_id=staff_id, using=conn,
            detail={"from": current.value, "to": to.value, "note": note, "judicialOrgan": judicial_organ,
                    "referralReference": referral_reference,
                    "referredOn": referred_on.isoformat() if referred_on else None},
        )
    return investigation


async def reopen(investigation: Investigation, *, approval_id: int, requested_by: int, approved_by: int,
                 reason: str, conn: BaseDBAsyncClient) -> None:
    """Called by the approval of a REOPEN_INVESTIGATION, inside its transaction."""
    if investigation.status is not IS.CLOSED:
        raise ValidationError("investigationId", Code.INVALID_TRANSITION, "only a CLOSED investigation is reopened")
    investigation.status = IS.INVESTIGATING
    investigation.closed_at = None
    await investigation.save(using_db=conn)
    await InvestigationTransition.create(
        investigation_id=investigation.id, from_status=IS.CLOSED, to_status=IS.INVESTIGATING, note=reason,
        by_id=approved_by, approval_id=approval_id, using_db=conn,
    )


async def link(
    investigation_id: int, kind: LinkKind, target_id: int, *, staff_id: int, note: str = ""
) -> InvestigationLink:
    """Link a record the investigation rests on (R-ACC-3); linking twice is a no-op. Audited."""
    kind = LinkKind(kind)
    async with in_transaction() as conn:
        investigation = await _locked(investigation_id, conn)
        model = getattr(models, LINK_MODELS[kind])
        if not await model.filter(id=target_id).using_db(conn).exists():
            raise ValidationError("targetId", Code.NOT_FOUND, f"no {kind.lower()} {target_id}")
        existing = await InvestigationLink.filter(
            investigation_id=investigation.id, kind=kind, target_id=target_id
        ).using_db(conn).first()
        if existing is not None:
            return existing
        created = await InvestigationLink.create(
            investigation_id=investigation.id, kind=kind, target_id=target_id, note=note, added_by_id=staff_id,
            using_db=conn,
        )
        await append_audit(
            "LINK_TO_INVESTIGATION", "investigation", investigation.id, actor_id=staff_id, using=conn,
            detail={"kind": kind.value, "targetId": target_id, "note": note},
        )
    return created


async def linked_loss_fen(investigation_id: int) -> int:
    """What the linked recovery cases still owe the fund (a starting point for R-ACC-2's amount lost)."""
    ids = await InvestigationLink.filter(
        investigation_id=investigation_id, kind=LinkKind.RECOVERY_CASE
    ).values_list("target_id", flat=True)
    return sum(c.outstanding_fen for c in await RecoveryCase.filter(id__in=list(ids)))


async def record_accountability(
    investigation_id: int,
    kind: AccountabilityKind,
    *,
    responsible_name: str,
    facts: str,
    staff_id: int,
    responsible_staff_id: int | None = None,
    responsible_person_id: int | None = None,
    amount_lost_fen: int = 0,
    outcome: AccountabilityOutcome = AccountabilityOutcome.PENDING,
    outcome_note: str = "",
) -> AccountabilityRecord:
    """R-ACC-2: name the responsible staff (certification not done as required) or person (fraud),
    the facts, the amount lost to the fund and the outcome. Only on a substantiated investigation.
    """
    kind = AccountabilityKind(kind)
    name = _required(responsible_name, "responsibleName", "the responsible person's name")
    facts = _required(facts, "facts", "the facts")
    if isinstance(amount_lost_fen, bool) or not isinstance(amount_lost_fen, int) or amount_lost_fen < 0:
        raise ValidationError("amountLostFen", Code.INVALID, "the amount lost is a whole number of fen, zero or more")
    if kind is AccountabilityKind.CERTIFICATION_FAILURE and responsible_person_id is not None:
        raise ValidationError(
            "responsiblePersonId", Code.INVALID, "a certification failure names staff, not a recipient"
        )
    async with in_transaction() as conn:
        investigation = await _locked(investigation_id, conn)
        if investigation.status not in (IS.CONCLUDED_SUBSTANTIATED, IS.REFERRED):
            raise ValidationError(
                "investigationId", Code.INVALID_TRANSITION,
                f"accountability is recorded once an investigation is substantiated (it is {investigation.status})",
            )
        if responsible_staff_id is not None and not await Staff.filter(id=responsible_staff_id).using_db(conn).exists():
            raise ValidationError("responsibleStaffId", Code.NOT_FOUND, f"no staff account {responsible_staff_id}")
        if responsible_person_id is not None and not await Person.filter(
            id=responsible_person_id
        ).using_db(conn).exists():
            raise ValidationError("responsiblePersonId", Code.NOT_FOUND, f"no recipient {responsible_person_id}")
        record = await AccountabilityRecord.create(
            investigation_id=investigation.id, kind=kind, responsible_staff_id=responsible_staff_id,
            responsible_person_id=responsible_person_id, responsible_name=name, facts=facts,
            amount_lost_fen=amount_lost_fen, outcome=outcome, outcome_note=outcome_note, recorded_by_id=staff_id,
            using_db=conn,
        )
        await append_audit(
            "RECORD_ACCOUNTABILITY", "investigation", investigation.id, actor_id=staff_id, using=conn,
            detail={"recordId": record.id, "kind": kind.value, "responsibleName": name,
                    "responsibleStaffId": responsible_staff_id, "responsiblePersonId": responsible_person_id,
                    "amountLostFen": amount_lost_fen, "outcome": outcome.value},
        )
    return record


async def set_accountability_outcome(
    record_id: int, outcome: AccountabilityOutcome, *, note: str, staff_id: int
) -> AccountabilityRecord:
    """Record how an accountability matter ended. Audited."""
    async with in_transaction() as conn:
        record = await AccountabilityRecord.filter(id=record_id).using_db(conn).select_for_update().first()
        if record is None:
            raise ValidationError("recordId", Code.NOT_FOUND, f"no accountability record {record_id}")
        previous = record.outcome
        record.outcome = AccountabilityOutcome(outcome)
        record.outcome_note = note
        await record.save(using_db=conn)
        await append_audit(
            "ACCOUNTABILITY_OUTCOME", "investigation", record.investigation_id, actor_id=staff_id, using=conn,
            detail={"recordId": record.id, "from": previous.value, "to": record.outcome.value, "note": note},
        )
    return record
