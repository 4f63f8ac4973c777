"""Four eyes: manual decisions need a second staff member's approval before they take effect.

A manual decision — overriding the engine's decision for an entitlement-month, waiving
a recovery, an instalment plan, reopening a closed investigation — is recorded as a
PENDING `ApprovalRequest` and has no effect anywhere until a *different* active staff
member whose role has the permission the kind needs approves it. Approval applies the
effect in the same transaction and records both names on it; rejection ends it.
Requests, approvals and rejections are all audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from casehub.audit import append_audit
from casehub.auth import PERMISSIONS, Permission
from casehub.casework import investigations, recovery
from casehub.casework.vocabulary import ApprovalKind, ApprovalStatus, InvestigationStatus, OverrideAction
from casehub.casework.vocabulary import CaseworkErrorCode as Code
from casehub.engine.months import month_index
from casehub.errors import ValidationError
from casehub.models import (
    ApprovalRequest,
    DecisionOverride,
    Entitlement,
    InstalmentPlan,
    Investigation,
    RecoveryCase,
    Staff,
    Waiver,
)
from casehub.policy import Policy, default_policy

REQUIRED_PERMISSION: dict[ApprovalKind, Permission] = {
    ApprovalKind.DECISION_OVERRIDE: Permission.PAYROLL,
    ApprovalKind.RECOVERY_WAIVER: Permission.INVESTIGATE,
    ApprovalKind.INSTALMENT_PLAN: Permission.INVESTIGATE,
    ApprovalKind.REOPEN_INVESTIGATION: Permission.INVESTIGATE,
}


async def _staff_with(staff_id: int, kind: ApprovalKind, field: str, conn: BaseDBAsyncClient) -> Staff:
    staff = await Staff.filter(id=staff_id, active=True).using_db(conn).first()
    permission = REQUIRED_PERMISSION[kind]
    if staff is None or permission not in PERMISSIONS[staff.role]:
        raise ValidationError(field, Code.NOT_PERMITTED, f"{kind} needs a staff member with permission {permission}")
    return staff


def _reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise ValidationError("reason", Code.INVALID, "say why: a manual decision needs its reason")
    return reason.strip()


async def _request(
    kind: ApprovalKind, target_type: str, target_id: int, person_id: int, payload: dict[str, Any], reason: str,
    staff_id: int, conn: BaseDBAsyncClient,
) -> ApprovalRequest:
    request = await ApprovalRequest.create(
        kind=kind, status=ApprovalStatus.PENDING, target_type=target_type, target_id=target_id, person_id=person_id,
        payload=payload, reason=reason, requested_by_id=staff_id, using_db=conn,
    )
    await append_audit(
        "REQUEST_APPROVAL", "approval_request", request.id, actor_id=staff_id, using=conn,
        detail={"kind": kind.value, "target": f"{target_type}:{target_id}", "payload": payload, "reason": reason},
    )
    return request


async def request_override(
    entitlement_id: int, month: dt.date, action: OverrideAction, amount_fen: int, reason: str, *, staff_id: int
) -> ApprovalRequest:
    """Ask to replace the engine's decision for one entitlement-month (R-PAY-1) with PAY or WITHHOLD."""
    action = OverrideAction(action)
    reason = _reason(reason)
    if month.day != 1:
        raise ValidationError("month", Code.INVALID, f"{month} is not the first day of a month")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise ValidationError("amountFen", Code.INVALID, "amounts are whole fen")
    if action is OverrideAction.PAY and amount_fen <= 0:
        raise ValidationError("amountFen", Code.NOT_POSITIVE, "a PAY decision pays more than zero fen")
    if action is OverrideAction.WITHHOLD and amount_fen != 0:
        raise ValidationError("amountFen", Code.INVALID, "a WITHHOLD decision pays 0 fen")
    async with in_transaction() as conn:
        await _staff_with(staff_id, ApprovalKind.DECISION_OVERRIDE, "requestedBy", conn)
        entitlement = await Entitlement.filter(id=entitlement_id).using_db(conn).first()
        if entitlement is None:
            raise ValidationError("entitlementId", Code.NOT_FOUND, f"no entitlement {entitlement_id}")
        if month_index(month) < month_index(entitlement.start_month):
            raise ValidationError("month", Code.INVALID, "the month is before the entitlement started")
        payload = {"month": month.isoformat(), "action": action.value, "amountFen": amount_fen}
        return await _request(
            ApprovalKind.DECISION_OVERRIDE, "entitlement", entitlement.id, entitlement.person_id, payload, reason,
            staff_id, conn,
        )


async def _open_case(case_id: int, conn: BaseDBAsyncClient) -> RecoveryCase:
    case = await RecoveryCase.filter(id=case_id).using_db(conn).first()
    if case is None:
        raise ValidationError("recoveryCaseId", Code.NOT_FOUND, f"no recovery case {case_id}")
    if case.outstanding_fen <= 0:
        raise ValidationError("recoveryCaseId", Code.INVALID, "nothing is outstanding on this recovery case")
    return case


async def request_waiver(case_id: int, amount_fen: int, reason: str, *, staff_id: int) -> ApprovalRequest:
    """Ask to waive part or all of what a recovery case has outstanding."""
    reason = _reason(reason)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError("amountFen", Code.NOT_POSITIVE, "a waiver is a whole number of fen above zero")
    async with in_transaction() as conn:
        await _staff_with(staff_id, ApprovalKind.RECOVERY_WAIVER, "requestedBy", conn)
        case = await _open_case(case_id, conn)
        if amount_fen > case.outstanding_fen:
            raise ValidationError(
                "amountFen", Code.EXCEEDS_OUTSTANDING,
                f"{amount_fen} fen is more than the {case.outstanding_fen} fen outstanding",
            )
        return await _request(
            ApprovalKind.RECOVERY_WAIVER, "recovery_case", case.id, case.person_id, {"amountFen": amount_fen},
            reason, staff_id, conn,
        )


async def request_instalment_plan(
    case_id: int, instalments: int, first_due_month: dt.date, reason: str, *, staff_id: int,
    policy: Policy | None = None,
) -> ApprovalRequest:
    """Ask to repay a recovery case's outstanding amount in monthly instalments (policy caps the count)."""
    reason = _reason(reason)
    policy = policy or default_policy()
    longest = policy.version_at(first_due_month).recovery.max_instalments
    if not 2 <= instalments <= longest:
        raise ValidationError(
            "instalments", Code.TOO_MANY_INSTALMENTS, f"an instalment plan has 2 to {longest} monthly instalments"
        )
    if first_due_month.day != 1:
        raise ValidationError("firstDueMonth", Code.INVALID, f"{first_due_month} is not the first day of a month")
    async with in_transaction() as conn:
        await _staff_with(staff_id, ApprovalKind.INSTALMENT_PLAN, "requestedBy", conn)
        case = await _open_case(case_id, conn)
        payload = {"instalments": instalments, "firstDueMonth": first_due_month.isoformat()}
        return await _request(
            ApprovalKind.INSTALMENT_PLAN, "recovery_case", case.id, case.person_id, payload, reason, staff_id, conn
        )


async def request_reopen(investigation_id: int, reason: str, *, staff_id: int) -> ApprovalRequest:
    """Ask to reopen a CLOSED investigation."""
    reason = _reason(reason)
    async with in_transaction() as conn:
        await _staff_with(staff_id, ApprovalKind.REOPEN_INVESTIGATION, "requestedBy", conn)
        investigation = await Investigation.filter(id=investigation_id).using_db(conn).first()
        if investigation is None:
            raise ValidationError("investigationId", Code.NOT_FOUND, f"no investigation {investigation_id}")
        if investigation.status is not InvestigationStatus.CLOSED:
            raise ValidationError("investigationId", Code.INVALID_TRANSITION, "only a CLOSED investigation is reopened")
        return await _request(
            ApprovalKind.REOPEN_INVESTIGATION, "investigation", investigation.id, investigation.subject_id, {}, reason,
            staff_id, conn,
        )


async def _pending(request_id: int, conn: BaseDBAsyncClient) -> ApprovalRequest:
    request = await ApprovalRequest.filter(id=request_id).using_db(conn).select_for_update().first()
    if request is None:
        raise ValidationError("requestId", Code.NOT_FOUND, f"no approval request {request_id}")
    if request.status is not ApprovalStatus.PENDING:
        raise ValidationError("requestId", Code.ALREADY_DECIDED, f"request {request_id} is already {request.status}")
    return request


async def approve(request_id: int, *, staff_id: int, note: str = "") -> ApprovalRequest:
    """The second pair of eyes: apply the manual decision, recording both names. Audited."""
    async with in_transaction() as conn:
        request = await _pending(request_id, conn)
        if request.requested_by_id == staff_id:
            raise ValidationError("requestId", Code.SAME_PERSON, "a manual decision is approved by someone else")
        approver = await _staff_with(staff_id, request.kind, "approvedBy", conn)
        effect = await _apply(request, approver, conn)
        request.status = ApprovalStatus.APPROVED
        request.decided_by_id = staff_id
        request.decided_at = dt.datetime.now(dt.UTC)
        request.decision_note = note
        await request.save(using_db=conn)
        requester = await Staff.get(id=request.requested_by_id).using_db(conn)
        await append_audit(
            f"APPROVE_{request.kind.value}", request.target_type, request.target_id, actor_id=staff_id, using=conn,
            detail={"requestId": request.id, "requestedBy": requester.username, "approvedBy": approver.username,
                    "payload": request.payload, "reason": request.reason, "note": note, **effect},
        )
    return request


async def reject(request_id: int, *, staff_id: int, note: str) -> ApprovalRequest:
    """Refuse (or, by the requester, withdraw) a manual decision; it never takes effect. Audited."""
    if not note or not note.strip():
        raise ValidationError("note", Code.INVALID, "say why the request is rejected")
    async with in_transaction() as conn:
        request = await _pending(request_id, conn)
        if request.requested_by_id != staff_id:
            await _staff_with(staff_id, request.kind, "decidedBy", conn)
        request.status = ApprovalStatus.REJECTED
        request.decided_by_id = staff_id
        request.decided_at = dt.datetime.now(dt.UTC)
        request.decision_note = note.strip()
        await request.save(using_db=conn)
        await append_audit(
            f"REJECT_{request.kind.value}", request.target_type, request.target_id, actor_id=staff_id, using=conn,
            detail={"requestId": request.id, "note": request.decision_note},
        )
    return request


async def _apply(request: ApprovalRequest, approver: Staff, conn: BaseDBAsyncClient) -> dict[str, Any]:
    """Make the decision take effect; returns what to add to the audit entry."""
    payload = request.payload
    names = {"requested_by_id": request.requested_by_id, "approved_by_id": approver.id, "approval_id": request.id}
    if request.kind is ApprovalKind.DECISION_OVERRIDE:
        entitlement = await Entitlement.get(id=request.target_id).using_db(conn)
        override = await DecisionOverride.create(
            entitlement_id=entitlement.id, person_id=entitlement.person_id,
            month=dt.date.fromisoformat(payload["month"]), action=OverrideAction(payload["action"]),
            amount_fen=payload["amountFen"], reason=request.reason, using_db=conn, **names,
        )
        return {"overrideId": override.id}
    if request.kind is ApprovalKind.RECOVERY_WAIVER:
        case = await RecoveryCase.filter(id=request.target_id).using_db(conn).select_for_update().first()
        await recovery.apply_waiver(case, payload["amountFen"], conn)
        waiver = await Waiver.create(
            case_id=case.id, amount_fen=payload["amountFen"], reason=request.reason, using_db=conn, **names
        )
        return {"waiverId": waiver.id, "outstandingFen": case.outstanding_fen}
    if request.kind is ApprovalKind.INSTALMENT_PLAN:
        case = await RecoveryCase.filter(id=request.target_id).using_db(conn).select_for_update().first()
        if case.outstanding_fen <= 0:
            raise ValidationError("requestId", Code.INVALID, "nothing is outstanding on this recovery case any more")
        plan = await InstalmentPlan.create(
            case_id=case.id, instalments=payload["instalments"],
            first_due_month=dt.date.fromisoformat(payload["firstDueMonth"]), total_fen=case.outstanding_fen,
            reason=request.reason, active=True, using_db=conn, **names,
        )
        schedule = await recovery.apply_plan(plan, case, conn)
        return {"planId": plan.id, "totalFen": plan.total_fen, "amountsFen": [i.amount_fen for i in schedule]}
    investigation = await Investigation.filter(id=request.target_id).using_db(conn).select_for_update().first()
    await investigations.reopen(
        investigation, approval_id=request.id, requested_by=request.requested_by_id, approved_by=approver.id,
        reason=request.reason, conn=conn,
    )
    return {"investigationStatus": investigation.status.value}
