"""GraphQL types of the casework: recovery cases, duplicate receipt, investigations, approvals, findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from casehub import access
from casehub.casework import investigations as investigation_service
from casehub.casework.recovery import instalment_states
from casehub.casework.vocabulary import (
    AccountabilityKind,
    AccountabilityOutcome,
    ApprovalKind,
    ApprovalStatus,
    DuplicateResolution,
    DuplicateStatus,
    FindingKind,
    InvestigationStatus,
    LinkKind,
    OriginType,
    OverrideAction,
    RecoveryStatus,
    RepaymentMethod,
)
from casehub.models import (
    AccountabilityRecord as AccountabilityModel,
)
from casehub.models import (
    ApprovalRequest as ApprovalModel,
)
from casehub.models import (
    DuplicateReceipt as DuplicateModel,
)
from casehub.models import (
    InstalmentPlan,
    InvestigationLink,
    InvestigationTransition,
    RecoveryItem,
    Repayment,
    Waiver,
)
from casehub.models import (
    Investigation as InvestigationModel,
)
from casehub.models import (
    RecoveryCase as RecoveryModel,
)
from casehub.schema.casework.errors import StaffRef, staff_ref
from casehub.schema.common import gid
from casehub.schema.process_common import load_recipient, scoped_nodes
from casehub.schema.recipients.types import Recipient

RecoveryStatusEnum = strawberry.enum(RecoveryStatus, name="RecoveryStatus")
RepaymentMethodEnum = strawberry.enum(RepaymentMethod, name="RepaymentMethod")
InvestigationStatusEnum = strawberry.enum(InvestigationStatus, name="InvestigationStatus")
OriginTypeEnum = strawberry.enum(OriginType, name="InvestigationOrigin")
LinkKindEnum = strawberry.enum(LinkKind, name="InvestigationLinkKind")
AccountabilityKindEnum = strawberry.enum(AccountabilityKind, name="AccountabilityKind")
AccountabilityOutcomeEnum = strawberry.enum(AccountabilityOutcome, name="AccountabilityOutcome")
ApprovalKindEnum = strawberry.enum(ApprovalKind, name="ApprovalKind")
ApprovalStatusEnum = strawberry.enum(ApprovalStatus, name="ApprovalStatus")
OverrideActionEnum = strawberry.enum(OverrideAction, name="OverrideAction")
DuplicateStatusEnum = strawberry.enum(DuplicateStatus, name="DuplicateReceiptStatus")
DuplicateResolutionEnum = strawberry.enum(DuplicateResolution, name="DuplicateReceiptResolution")
FindingKindEnum = strawberry.enum(FindingKind, name="FindingKind")


@strawberry.type(description="One overpaid entitlement-month, or a change to one (R-PAY-4), with its proof.")
class RecoveryItemType:
    entitlement: relay.GlobalID
    benefit_month: dt.date
    paid_fen: int
    due_fen: int
    amount_fen: int = strawberry.field(description="What this item adds to the amount due (negative: fell away).")
    rule: str
    proof_event: relay.GlobalID | None = strawberry.field(description="The TimelineEvent that proves it.")
    proof_events: list[relay.GlobalID]
    known_since: dt.datetime | None = strawberry.field(description="When the proving event reached the bureau.")
    explanation: JSON
    found_month: dt.date

    @classmethod
    def from_model(cls, row: RecoveryItem) -> RecoveryItemType:
        return cls(
            entitlement=gid("Entitlement", row.entitlement_id), benefit_month=row.benefit_month,
            paid_fen=row.paid_fen, due_fen=row.due_fen, amount_fen=row.amount_fen, rule=row.rule,
            proof_event=gid("TimelineEvent", row.proof_event_id),
            proof_events=[gid("TimelineEvent", i) for i in row.proof_event_ids], known_since=row.known_since,
            explanation=row.explanation, found_month=row.found_month,
        )


@strawberry.type
class RepaymentType:
    amount_fen: int
    paid_on: dt.date
    method: RepaymentMethodEnum
    reference: str
    recorded_at: dt.datetime
    recorded_by_id: strawberry.Private[int]

    @strawberry.field
    async def recorded_by(self, info: strawberry.Info) -> StaffRef | None:
        return await staff_ref(info, self.recorded_by_id)


@strawberry.type(description="A waiver: it exists only once a second staff member approved it (four eyes).")
class WaiverType:
    amount_fen: int
    reason: str
    created_at: dt.datetime
    requested_by_id: strawberry.Private[int]
    approved_by_id: strawberry.Private[int]

    @strawberry.field
    async def requested_by(self, info: strawberry.Info) -> StaffRef | None:
        return await staff_ref(info, self.requested_by_id)

    @strawberry.field
    async def approved_by(self, info: strawberry.Info) -> StaffRef | None:
        return await staff_ref(info, self.approved_by_id)


@strawberry.type
class InstalmentType:
    seq: int
    due_month: dt.date
    amount_fen: int
    paid_fen: int = strawberry.field(description="Repayments since the plan, allocated in due order.")
    overdue: bool


@strawberry.type(description="An approved instalment plan (four eyes) and how it stands.")
class InstalmentPlanType:
    instalments: int
    first_due_month: dt.date
    total_fen: int
    reason: str
    created_at: dt.datetime
    row: strawberry.Private[InstalmentPlan]

    @strawberry.field
    async def requested_by(self, info: strawberry.Info) -> StaffRef | None:
        return await staff_ref(info, self.row.requested_by_id)

    @strawberry.field
    async def approved_by(self, info: strawberry.Info) -> StaffRef | None:
        return await staff_ref(info, self.row.approved_by_id)

    @strawberry.field
    async def schedule(self, info: strawberry.Info) -> list[InstalmentType]:
        return [
            InstalmentType(seq=s.seq, due_month=s.due_month, amount_fen=s.amount_fen, paid_fen=s.paid_fen,
                           overdue=s.overdue)
            for s in await instalment_states(self.row, today=info.context.today)
        ]


@strawberry.type(description="Recovery of an overpayment (R-PAY-4): the exact months, the figures in fen.")
class RecoveryCase(relay.Node):
    id: relay.NodeID[int]
    status: RecoveryStatusEnum
    amount_due_fen: int
    repaid_fen: int
    waived_fen: int
    outstanding_fen: int
    opened_month: dt.date
    opened_at: dt.datetime
    settled_at: dt.datetime | None
    person_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: RecoveryModel) -> RecoveryCase:
        return cls(
            id=row.id, status=row.status, amount_due_fen=row.amount_due_fen, repaid_fen=row.repaid_fen,
            waived_fen=row.waived_fen, outstanding_fen=row.outstanding_fen, opened_month=row.opened_month,
            opened_at=row.opened_at, settled_at=row.settled_at, person_id=row.person_id,
        )

    @strawberry.field
    async def recipient(self, info: strawberry.Info) -> Recipient | None:
        return await load_recipient(info, self.person_id)

    @strawberry.field
    async def items(self) -> list[RecoveryItemType]:
        return [RecoveryItemType.from_model(r) for r in await RecoveryItem.filter(case_id=self.id).order_by("id")]

    @strawberry.field
    async def repayments(self) -> list[RepaymentType]:
        return [
            RepaymentType(amount_fen=r.amount_fen, paid_on=r.paid_on, method=r.method, reference=r.reference,
                          recorded_at=r.recorded_at, recorded_by_id=r.recorded_by_id)
            for r in await Repayment.filter(case_id=self.id).order_by("id")
        ]

    @strawberry.field
    async def waivers(self) -> list[WaiverType]:
        return [
            WaiverType(amount_fen=w.amount_fen, reason=w.reason, created_at=w.created_at,
                       requested_by_id=w.requested_by_id, approved_by_id=w.approved_by_id)
            for w in await Waiver.filter(case_id=self.id).order_by("id")
        ]

    @strawberry.field(description="The active instalment plan, if any.")
    async def instalment_plan(self) -> InstalmentPlanType | None:
        plan = await InstalmentPlan.filter(case_id=self.id, active=True).first()
        if plan is None:
            return None
        return InstalmentPlanType(instalments=plan.instalments, first_due_month=plan.first_due_month,
                                  total_fen=plan.total_fen, reason=plan.reason, created_at=plan.created_at, row=plan)

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
                            ) -> list[Any]:
        return await scoped_nodes(access.person_scoped(info.context.viewer, RecoveryModel), node_ids, cls.from_model)


@strawberry.type(description="Duplicate receipt (R-DUP-1): a resident pension drawn with an employee pension.")
class DuplicateReceipt(relay.Node):
    id: relay.NodeID[int]
    status: DuplicateStatusEnum
    first_entitlement: relay.GlobalID = strawberry.field(description="The resident pension.")
    second_entitlement: relay.GlobalID = strawberry.field(description="The agency or enterprise pension.")
    overlap_from: dt.date
    detected_month: dt.date
    detected_at: dt.datetime
    resolution: DuplicateResolutionEnum | None
    resolved_at: dt.datetime | None
    note: str
    person_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: DuplicateModel) -> DuplicateReceipt:
        return cls(
            id=row.id, status=row.status, first_entitlement=gid("Entitlement", row.first_entitlement_id),
            second_entitlement=gid("Entitlement", row.second_entitlement_id), overlap_from=row.overlap_from,
            detected_month=row.detected_month, detected_at=row.detected_at, resolution=row.resolution,
            resolved_at=row.resolved_at, note=row.note, person_id=row.person_id,
        )

    @strawberry.field
    async def recipient(self, info: strawberry.Info) -> Recipient | None:
        return await load_recipient(info, self.person_id)

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
                            ) -> list[Any]:
        return await scoped_nodes(access.person_scoped(info.context.viewer, DuplicateModel), node_ids, cls.from_model)


@strawberry.type(description="One step of an investigation's life cycle, with who took it (R-ACC-1).")
class InvestigationStep:
    from_status: InvestigationStatusEnum | None
    to_status: InvestigationStatusEnum
    note: str
    at: dt.datetime
    approval: relay.GlobalID | None = strawberry.field(description="The approval that reopened it, if any.")
    by_id: strawberry.Private[int | None]

    @strawberry.field
    async def by(self, info: strawberry.Info) -> StaffRef | None:
        return await staff_ref(info, self.by_id)


@strawberry.type(description="What an investigation rests on (R-ACC-3); `targetId` is the record's database id.")
class InvestigationLinkType:
    kind: LinkKindEnum
    target_id: int
    note: str
    added_at: dt.datetime


@strawberry.type(description="R-ACC-2: the responsible staff or person, the facts, the fund's loss, the outcome.")
class AccountabilityRecord:
    id: int
    kind: AccountabilityKindEnum
    responsible_name: str
    responsible_staff: StaffRef | None
    responsible_person: relay.GlobalID | None
    facts: str
    amount_lost_fen: int
    outcome: AccountabilityOutcomeEnum
    outcome_note: str
    recorded_at: dt.datetime


@strawberry.type(description="A fraud investigation (R-ACC-3).")
class Investigation(relay.Node):
    id: relay.NodeID[int]
    status: InvestigationStatusEnum
    origin_type: OriginTypeEnum
    origin_id: int | None
    summary: str
    opened_at: dt.datetime
    conclusion: str
    concluded_at: dt.datetime | None
    judicial_organ: str = strawberry.field(description="移交的司法机关, once referred (R-ACC-2).")
    referral_reference: str
    referred_on: dt.date | None
    closed_at: dt.datetime | None
    subject_id: strawberry.Private[int]
    opened_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: InvestigationModel) -> Investigation:
        return cls(
            id=row.id, status=row.status, origin_type=row.origin_type, origin_id=row.origin_id, summary=row.summary,
            opened_at=row.opened_at, conclusion=row.conclusion, concluded_at=row.concluded_at,
            judicial_organ=row.judicial_organ, referral_reference=row.referral_reference,
            referred_on=row.referred_on, closed_at=row.closed_at, subject_id=row.subject_id,
            opened_by_id=row.opened_by_id,
        )

    @strawberry.field
    async def subject(self, info: strawberry.Info) -> Recipient | None:
        return await load_recipient(info, self.subject_id)

    @strawberry.field
    async def opened_by(self, info: strawberry.Info) -> StaffRef | None:
        return await staff_ref(info, self.opened_by_id)

    @strawberry.field
    async def history(self) -> list[InvestigationStep]:
        return [
            InvestigationStep(from_status=t.from_status, to_status=t.to_status, note=t.note, at=t.at,
                              approval=gid("ApprovalRequest", t.approval_id), by_id=t.by_id)
            for t in await InvestigationTransition.filter(investigation_id=self.id).order_by("id")
        ]

    @strawberry.field
    async def links(self) -> list[InvestigationLinkType]:
        return [
            InvestigationLinkType(kind=link.kind, target_id=link.target_id, note=link.note, added_at=link.added_at)
            for link in await InvestigationLink.filter(investigation_id=self.id).order_by("id")
        ]

    @strawberry.field
    async def accountability(self, info: strawberry.Info) -> list[AccountabilityRecord]:
        return [
            AccountabilityRecord(
                id=r.id, kind=r.kind, responsible_name=r.responsible_name,
                responsible_staff=await staff_ref(info, r.responsible_staff_id),
                responsible_person=gid("Recipient", r.responsible_person_id), facts=r.facts,
                amount_lost_fen=r.amount_lost_fen, outcome=r.outcome, outcome_note=r.outcome_note,
                recorded_at=r.recorded_at,
            )
            for r in await AccountabilityModel.filter(investigation_id=self.id).order_by("id")
        ]

    @strawberry.field(description="What the linked recovery cases still owe the fund, in fen.")
    async def linked_loss_fen(self) -> int:
        return await investigation_service.linked_loss_fen(self.id)

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
                            ) -> list[Any]:
        return await scoped_nodes(access.investigations(info.context.viewer), node_ids, cls.from_model)


@strawberry.type(description="A manual decision waiting for (or decided by) a second staff member: four eyes.")
class ApprovalRequest(relay.Node):
    id: relay.NodeID[int]
    kind: ApprovalKindEnum
    status: ApprovalStatusEnum
    target: relay.GlobalID | None = strawberry.field(description="The entitlement, recovery case or investigation.")
    payload: JSON
    reason: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str
    requested_by_id: strawberry.Private[int]
    decided_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: ApprovalModel) -> ApprovalRequest:
        type_name = {"entitlement": "Entitlement", "recovery_case": "RecoveryCase",
                     "investigation": "Investigation"}.get(row.target_type)
        return cls(
            id=row.id, kind=row.kind, status=row.status, target=gid(type_name, row.target_id) if type_name else None,
            payload=row.payload, reason=row.reason, requested_at=row.requested_at, decided_at=row.decided_at,
            decision_note=row.decision_note, requested_by_id=row.requested_by_id, decided_by_id=row.decided_by_id,
        )

    @strawberry.field
    async def requested_by(self, info: strawberry.Info) -> StaffRef | None:
        return await staff_ref(info, self.requested_by_id)

    @strawberry.field
    async def decided_by(self, info: strawberry.Info) -> StaffRef | None:
        return await staff_ref(info, self.decided_by_id)

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
                            ) -> list[Any]:
        return await scoped_nodes(access.person_scoped(info.context.viewer, ApprovalModel), node_ids, cls.from_model)


@strawberry.type(description="A new finding for investigators: an overpayment or a duplicate receipt.")
class Finding:
    kind: FindingKindEnum
    case: relay.GlobalID = strawberry.field(description="The RecoveryCase or DuplicateReceipt.")
    recipient: relay.GlobalID
    amount_fen: int = strawberry.field(description="The overpaid amount this finding adds (0 for duplicates).")
    months: list[str]
    found_at: dt.datetime
