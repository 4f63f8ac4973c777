"""Casework mutations: repayments, manual decisions (four eyes), investigations, duplicate receipt.

One `…Input` per mutation; the payload carries `errors: [CaseworkError!]!` for refused
input and the record as it is now. Permission classes sit next to the fields; every
record is looked up through the viewer's scope first (`casehub.access`), so an id
outside it is NOT_FOUND, never a hint that it exists.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from casehub import access
from casehub.auth import Permission
from casehub.casework import approvals, duplicates, investigations, recovery
from casehub.casework.vocabulary import CaseworkErrorCode as Code
from casehub.errors import ValidationError
from casehub.models import ApprovalRequest as ApprovalModel
from casehub.models import DuplicateReceipt as DuplicateModel
from casehub.models import Entitlement as EntitlementModel
from casehub.models import Investigation as InvestigationModel
from casehub.models import RecoveryCase as RecoveryModel
from casehub.models import Staff
from casehub.schema.casework.errors import CaseworkError, attempt, pk_of
from casehub.schema.casework.types import (
    AccountabilityKindEnum,
    AccountabilityOutcomeEnum,
    ApprovalRequest,
    DuplicateReceipt,
    DuplicateResolutionEnum,
    Investigation,
    InvestigationStatusEnum,
    LinkKindEnum,
    OriginTypeEnum,
    OverrideActionEnum,
    RecoveryCase,
    RepaymentMethodEnum,
)
from casehub.schema.common import MAX_TEXT
from casehub.schema.permissions import has, has_any

INVESTIGATE = [has(Permission.INVESTIGATE)]


def _text(value: str, field: str) -> str:
    if len(value) > MAX_TEXT * 4:
        raise ValidationError(field, Code.INVALID, f"at most {MAX_TEXT * 4} characters")
    return value


async def _in_scope(query, key: int, field: str, what: str):
    row = await query.filter(id=key).first()
    if row is None:
        raise ValidationError(field, Code.NOT_FOUND, f"no {what} with this id in your area")
    return row


async def _recovery_case(info: strawberry.Info, gid: relay.GlobalID, field: str = "recoveryCaseId") -> RecoveryModel:
    key = pk_of(gid, "RecoveryCase", field)
    return await _in_scope(access.person_scoped(info.context.viewer, RecoveryModel), key, field, "recovery case")


async def _investigation(info: strawberry.Info, gid: relay.GlobalID) -> InvestigationModel:
    key = pk_of(gid, "Investigation", "investigationId")
    return await _in_scope(access.investigations(info.context.viewer), key, "investigationId", "investigation")


@strawberry.type
class RecoveryCasePayload:
    errors: list[CaseworkError]
    recovery_case: RecoveryCase | None


@strawberry.type
class ApprovalRequestPayload:
    errors: list[CaseworkError]
    approval_request: ApprovalRequest | None


@strawberry.type
class InvestigationPayload:
    errors: list[CaseworkError]
    investigation: Investigation | None


@strawberry.type
class DuplicateReceiptPayload:
    errors: list[CaseworkError]
    duplicate_receipt: DuplicateReceipt | None


@strawberry.input
class RecordRepaymentInput:
    recovery_case_id: relay.GlobalID
    amount_fen: int
    paid_on: dt.date
    method: RepaymentMethodEnum
    reference: str = ""


@strawberry.input(description="Ask to waive part or all of a recovery; no effect until approved (four eyes).")
class RequestRecoveryWaiverInput:
    recovery_case_id: relay.GlobalID
    amount_fen: int
    reason: str


@strawberry.input(description="Ask for an instalment plan; no effect until approved (four eyes).")
class RequestInstalmentPlanInput:
    recovery_case_id: relay.GlobalID
    instalments: int
    first_due_month: dt.date
    reason: str


@strawberry.input(description="Ask to override the engine's decision for one entitlement-month (four eyes).")
class RequestDecisionOverrideInput:
    entitlement_id: relay.GlobalID
    month: dt.date
    action: OverrideActionEnum
    amount_fen: int
    reason: str


@strawberry.input
class DecideRequestInput:
    request_id: relay.GlobalID
    note: str = ""


@strawberry.input
class OpenInvestigationInput:
    subject_id: relay.GlobalID = strawberry.field(description="The Recipient investigated.")
    origin_type: OriginTypeEnum
    origin_id: int | None = strawberry.field(default=None, description="The database id of the origin record.")
    summary: str


@strawberry.input
class TransitionInvestigationInput:
    investigation_id: relay.GlobalID
    to: InvestigationStatusEnum
    note: str = ""
    judicial_organ: str | None = None
    referral_reference: str | None = None
    referred_on: dt.date | None = None


@strawberry.input
class LinkToInvestigationInput:
    investigation_id: relay.GlobalID
    kind: LinkKindEnum
    target_id: int
    note: str = ""


@strawberry.input
class RecordAccountabilityInput:
    investigation_id: relay.GlobalID
    kind: AccountabilityKindEnum
    responsible_name: str
    facts: str
    responsible_staff_username: str | None = None
    responsible_person_id: relay.GlobalID | None = None
    amount_lost_fen: int = 0
    outcome: AccountabilityOutcomeEnum = AccountabilityOutcomeEnum.PENDING
    outcome_note: str = ""


@strawberry.input
class RequestReopenInvestigationInput:
    investigation_id: relay.GlobalID
    reason: str


@strawberry.input
class ResolveDuplicateReceiptInput:
    duplicate_receipt_id: relay.GlobalID
    resolution: DuplicateResolutionEnum
    note: str


def _staff(info: strawberry.Info) -> int:
    return info.context.viewer.staff_id


@strawberry.type
class CaseworkMutations:
    @strawberry.mutation(description="Record a repayment of an overpayment (never more than is outstanding).",
                         permission_classes=INVESTIGATE)
    async def record_repayment(self, info: strawberry.Info, input: RecordRepaymentInput) -> RecoveryCasePayload:
        async def go() -> RecoveryModel:
            case = await _recovery_case(info, input.recovery_case_id)
            await recovery.record_repayment(
                case.id, amount_fen=input.amount_fen, paid_on=input.paid_on, method=input.method,
                reference=_text(input.reference, "reference"), staff_id=_staff(info),
            )
            return await RecoveryModel.get(id=case.id)

        case, errors = await attempt(go)
        return RecoveryCasePayload(errors=errors, recovery_case=RecoveryCase.from_model(case) if case else None)

    @strawberry.mutation(permission_classes=INVESTIGATE)
    async def request_recovery_waiver(self, info: strawberry.Info, input: RequestRecoveryWaiverInput
                                      ) -> ApprovalRequestPayload:
        async def go() -> ApprovalModel:
            case = await _recovery_case(info, input.recovery_case_id)
            return await approvals.request_waiver(case.id, input.amount_fen, _text(input.reason, "reason"),
                                                  staff_id=_staff(info))

        return _approval(*await attempt(go))

    @strawberry.mutation(permission_classes=INVESTIGATE)
    async def request_instalment_plan(self, info: strawberry.Info, input: RequestInstalmentPlanInput
                                      ) -> ApprovalRequestPayload:
        async def go() -> ApprovalModel:
            case = await _recovery_case(info, input.recovery_case_id)
            return await approvals.request_instalment_plan(
                case.id, input.instalments, input.first_due_month, _text(input.reason, "reason"),
                staff_id=_staff(info), policy=info.context.policy,
            )

        return _approval(*await attempt(go))

    @strawberry.mutation(permission_classes=[has(Permission.PAYROLL)])
    async def request_decision_override(self, info: strawberry.Info, input: RequestDecisionOverrideInput
                                        ) -> ApprovalRequestPayload:
        async def go() -> ApprovalModel:
            key = pk_of(input.entitlement_id, "Entitlement", "entitlementId")
            ent: EntitlementModel = await _in_scope(
                access.entitlements(info.context.viewer), key, "entitlementId", "entitlement"
            )
            return await approvals.request_override(
                ent.id, input.month, input.action, input.amount_fen, _text(input.reason, "reason"),
                staff_id=_staff(info),
            )

        return _approval(*await attempt(go))

    @strawberry.mutation(
        description="Approve a manual decision: a different staff member with the kind's permission (four eyes).",
        permission_classes=[has_any(Permission.PAYROLL, Permission.INVESTIGATE)],
    )
    async def approve_request(self, info: strawberry.Info, input: DecideRequestInput) -> ApprovalRequestPayload:
        async def go() -> ApprovalModel:
            request = await _approval_request(info, input.request_id)
            return await approvals.approve(request.id, staff_id=_staff(info), note=_text(input.note, "note"))

        return _approval(*await attempt(go))

    @strawberry.mutation(
        description="Reject a manual decision (or withdraw one's own); it never takes effect.",
        permission_classes=[has_any(Permission.PAYROLL, Permission.INVESTIGATE)],
    )
    async def reject_request(self, info: strawberry.Info, input: DecideRequestInput) -> ApprovalRequestPayload:
        async def go() -> ApprovalModel:
            request = await _approval_request(info, input.request_id)
            return await approvals.reject(request.id, staff_id=_staff(info), note=_text(input.note, "note"))

        return _approval(*await attempt(go))

    @strawberry.mutation(permission_classes=INVESTIGATE)
    async def open_investigation(self, info: strawberry.Info, input: OpenInvestigationInput) -> InvestigationPayload:
        async def go() -> InvestigationModel:
            key = pk_of(input.subject_id, "Recipient", "subjectId")
            person = await _in_scope(access.persons(info.context.viewer), key, "subjectId", "recipient")
            return await investigations.open_investigation(
                person.id, input.origin_type, input.origin_id, _staff(info), _text(input.summary, "summary")
            )

        return _investigation_payload(*await attempt(go))

    @strawberry.mutation(description="Move an investigation along its life cycle (R-ACC-3).",
                         permission_classes=INVESTIGATE)
    async def transition_investigation(self, info: strawberry.Info, input: TransitionInvestigationInput
                                       ) -> InvestigationPayload:
        async def go() -> InvestigationModel:
            inv = await _investigation(info, input.investigation_id)
            return await investigations.transition(
                inv.id, input.to, staff_id=_staff(info), note=_text(input.note, "note"),
                judicial_organ=input.judicial_organ, referral_reference=input.referral_reference,
                referred_on=input.referred_on,
            )

        return _investigation_payload(*await attempt(go))

    @strawberry.mutation(permission_classes=INVESTIGATE)
    async def link_to_investigation(self, info: strawberry.Info, input: LinkToInvestigationInput
                                    ) -> InvestigationPayload:
        async def go() -> InvestigationModel:
            inv = await _investigation(info, input.investigation_id)
            await investigations.link(inv.id, input.kind, input.target_id, staff_id=_staff(info),
                                      note=_text(input.note, "note"))
            return await InvestigationModel.get(id=inv.id)

        return _investigation_payload(*await attempt(go))

    @strawberry.mutation(description="R-ACC-2: name who is responsible, the facts, the loss and the outcome.",
                         permission_classes=INVESTIGATE)
    async def record_accountability(self, info: strawberry.Info, input: RecordAccountabilityInput
                                    ) -> InvestigationPayload:
        async def go() -> InvestigationModel:
            inv = await _investigation(info, input.investigation_id)
            staff_id = None
            if input.responsible_staff_username:
                staff = await Staff.get_or_none(username=input.responsible_staff_username)
                if staff is None:
                    raise ValidationError("responsibleStaffUsername", Code.NOT_FOUND, "no such staff account")
                staff_id = staff.id
            person_id = None
            if input.responsible_person_id is not None:
                key = pk_of(input.responsible_person_id, "Recipient", "responsiblePersonId")
                person_id = (await _in_scope(access.persons(info.context.viewer), key, "responsiblePersonId",
                                             "recipient")).id
            await investigations.record_accountability(
                inv.id, input.kind, responsible_name=_text(input.responsible_name, "responsibleName"),
                facts=_text(input.facts, "facts"), staff_id=_staff(info), responsible_staff_id=staff_id,
                responsible_person_id=person_id, amount_lost_fen=input.amount_lost_fen, outcome=input.outcome,
                outcome_note=_text(input.outcome_note, "outcomeNote"),
            )
            return await InvestigationModel.get(id=inv.id)

        return _investigation_payload(*await attempt(go))

    @strawberry.mutation(description="Ask to reopen a CLOSED investigation; no effect until approved (four eyes).",
                         permission_classes=INVESTIGATE)
    async def request_reopen_investigation(self, info: strawberry.Info, input: RequestReopenInvestigationInput
                                           ) -> ApprovalRequestPayload:
        async def go() -> ApprovalModel:
            inv = await _investigation(info, input.investigation_id)
            return await approvals.request_reopen(inv.id, _text(input.reason, "reason"), staff_id=_staff(info))

        return _approval(*await attempt(go))

    @strawberry.mutation(permission_classes=INVESTIGATE)
    async def resolve_duplicate_receipt(self, info: strawberry.Info, input: ResolveDuplicateReceiptInput
                                        ) -> DuplicateReceiptPayload:
        async def go() -> DuplicateModel:
            key = pk_of(input.duplicate_receipt_id, "DuplicateReceipt", "duplicateReceiptId")
            case = await _in_scope(access.person_scoped(info.context.viewer, DuplicateModel), key,
                                   "duplicateReceiptId", "duplicate receipt")
            return await duplicates.resolve_duplicate(case.id, input.resolution, note=_text(input.note, "note"),
                                                      staff_id=_staff(info))

        case, errors = await attempt(go)
        return DuplicateReceiptPayload(errors=errors,
                                       duplicate_receipt=DuplicateReceipt.from_model(case) if case else None)


async def _approval_request(info: strawberry.Info, gid: relay.GlobalID) -> ApprovalModel:
    key = pk_of(gid, "ApprovalRequest", "requestId")
    return await _in_scope(access.person_scoped(info.context.viewer, ApprovalModel), key, "requestId", "request")


def _approval(request: ApprovalModel | None, errors: list[CaseworkError]) -> ApprovalRequestPayload:
    return ApprovalRequestPayload(errors=errors,
                                  approval_request=ApprovalRequest.from_model(request) if request else None)


def _investigation_payload(row: InvestigationModel | None, errors: list[CaseworkError]) -> InvestigationPayload:
    return InvestigationPayload(errors=errors, investigation=Investigation.from_model(row) if row else None)
