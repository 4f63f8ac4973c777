"""Entitlements and what the rules engine says about them, each decision with its reason (R-PAY-3).

Two views of status, on purpose:

- `Entitlement.state` is the stored projection (`EntitlementState`): the status as of its
  `asOf` day, refreshed after every write and by the daily sweep. Lists, filters and dashboards
  use it, because SQL can filter and count it.
- `Entitlement.assessment(asOf, knownAt)` and `Recipient.assessment` run the rules engine live
  for one page: any day, and "as known at" any moment (R-TL-2) — what the bureau knew when it paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import strawberry
from strawberry import relay

from casehub.engine import (
    EntitlementResult,
    MonthDecision,
    Reason,
    SuspensionCause,
    month_index,
)
from casehub.engine import Overpayment as OverpaymentResult
from casehub.engine import (
    StatusPeriod as StatusPeriodResult,
)
from casehub.engine import WithheldMonth as WithheldMonthResult
from casehub.errors import ValidationError
from casehub.models import EmployerUnit as UnitModel
from casehub.models import Entitlement as EntitlementModel
from casehub.models import EntitlementState as StateModel
from casehub.schema.common import aware, load_nodes, recipient_of
from casehub.schema.enums import (
    BackPayOutcomeEnum,
    DependantRoleEnum,
    EntitlementStatusEnum,
    KeyGroupEnum,
    PaymentActionEnum,
    SchemeEnum,
    SuspensionCauseEnum,
    UnitKindEnum,
)
from casehub.schema.loaders import MISSING, loaded
from casehub.schema.regions.types import Region
from casehub.schema.timeline.types import TimelineEvent

MAX_DECISION_MONTHS = 120  # months per `decisions` call; documented in docs/API.md
DEFAULT_DECISION_MONTHS = 12


@strawberry.type(description="Why (R-PAY-3): the rule, its article, the policy version, the events, a sentence.")
class Explanation:
    rule: str = strawberry.field(description="The rule id in RULES.md, e.g. R-SUS-1.")
    article: str = strawberry.field(description="The article of the measure (or other source) the rule restates.")
    policy_version: str = strawberry.field(description="The policy version in force for the decision (R-POL-1).")
    related_rules: list[str]
    zh: str = strawberry.field(description="The explanation in Chinese.")
    en: str = strawberry.field(description="The explanation in English.")
    raw_event_ids: strawberry.Private[tuple[int, ...]]

    @classmethod
    def from_reason(cls, reason: Reason) -> Explanation:
        from casehub.engine.explain import ARTICLES

        return cls(
            rule=reason.rule,
            article=reason.article or ARTICLES.get(reason.rule, ""),
            policy_version=reason.policy_version,
            related_rules=list(reason.related_rules),
            zh=reason.explanation_zh,
            en=reason.explanation_en,
            raw_event_ids=tuple(reason.event_ids),
        )

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> Explanation:
        """From the projection's stored `Reason.as_dict()`."""
        return cls(
            rule=stored.get("rule", ""),
            article=stored.get("article", ""),
            policy_version=stored.get("policyVersion", ""),
            related_rules=list(stored.get("relatedRules", ())),
            zh=stored.get("explanationZh", ""),
            en=stored.get("explanationEn", ""),
            raw_event_ids=tuple(stored.get("eventIds", ())),
        )

    @strawberry.field(description="Global ids of the events the decision rests on.")
    def event_ids(self) -> list[relay.GlobalID]:
        return [relay.GlobalID("TimelineEvent", str(i)) for i in self.raw_event_ids]

    @strawberry.field(description="The events the decision rests on (those the viewer may see).")
    async def events(self, info: strawberry.Info) -> list[TimelineEvent]:
        rows = await info.context.loaders.event.load_many(list(self.raw_event_ids))
        return [TimelineEvent.from_model(r) for r in rows if r is not None]


@strawberry.type(description="An employer unit (参保单位) that manages and reports for its own retirees.")
class EmployerUnit(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str
    kind: UnitKindEnum

    @classmethod
    def from_model(cls, row: UnitModel) -> EmployerUnit:
        return cls(id=row.id, code=row.code, name=row.name, kind=row.kind)

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(info.context.loaders.unit, node_ids, cls.from_model)


@strawberry.type(
    description="The stored status projection of an entitlement, as of `asOf` (refreshed after every write "
    "and by the daily sweep). Lists and dashboards filter and count on it."
)
class EntitlementState:
    status: EntitlementStatusEnum
    causes: list[SuspensionCauseEnum]
    last_certified_on: dt.date | None
    next_due: dt.date | None = strawberry.field(description="R-CYC-3: the day certification falls due.")
    overdue_from: dt.date | None = strawberry.field(description="The day after `nextDue`.")
    remind_on: dt.date | None
    as_of: dt.date = strawberry.field(description="The day the rules engine evaluated.")
    computed_at: dt.datetime
    explanation: Explanation

    @classmethod
    def from_model(cls, row: StateModel) -> EntitlementState:
        return cls(
            status=row.status,
            causes=[SuspensionCause(c) for c in row.causes.split(",") if c],
            last_certified_on=row.last_certified_on,
            next_due=row.next_due,
            overdue_from=row.overdue_from,
            remind_on=row.remind_on,
            as_of=row.as_of,
            computed_at=row.computed_at,
            explanation=Explanation.from_dict(row.explanation or {}),
        )


@strawberry.type(description="R-PAY-1: one payment decision for one entitlement-month.")
class PaymentDecision:
    month: dt.date = strawberry.field(description="The first day of the month decided.")
    action: PaymentActionEnum
    amount_fen: int = strawberry.field(description="Paid in this month's run (0 unless PAY or BACK_PAY).")
    rate_fen: int = strawberry.field(description="The monthly amount in force for the month.")
    back_pay_months: list[dt.date]
    back_pay_fen: int
    explanation: Explanation

    @classmethod
    def from_result(cls, d: MonthDecision) -> PaymentDecision:
        return cls(
            month=d.month, action=d.action, amount_fen=d.amount_fen, rate_fen=d.rate_fen,
            back_pay_months=list(d.back_pay_months), back_pay_fen=d.back_pay_fen,
            explanation=Explanation.from_reason(d.reason),
        )  # fmt: skip


@strawberry.type(description="A withheld month and what becomes of it (R-SUS-2, R-JUD-2).")
class WithheldMonth:
    month: dt.date
    amount_fen: int
    outcome: BackPayOutcomeEnum
    paid_in: dt.date | None = strawberry.field(description="The BACK_PAY month, when known.")
    explanation: Explanation

    @classmethod
    def from_result(cls, w: WithheldMonthResult) -> WithheldMonth:
        return cls(month=w.month, amount_fen=w.amount_fen, outcome=w.outcome, paid_in=w.paid_in,
                   explanation=Explanation.from_reason(w.reason))  # fmt: skip


@strawberry.type(description="A stretch of days with one status; `end` is exclusive, null while it lasts.")
class StatusPeriod:
    status: EntitlementStatusEnum
    start: dt.date
    end: dt.date | None
    causes: list[SuspensionCauseEnum]
    explanation: Explanation

    @classmethod
    def from_result(cls, p: StatusPeriodResult) -> StatusPeriod:
        return cls(status=p.status, start=p.start, end=p.end, causes=list(p.causes),
                   explanation=Explanation.from_reason(p.reason))  # fmt: skip


@strawberry.type(
    description="R-PAY-4: a month paid that should not have been, or paid too much, with the amount to recover. "
    "What was paid is the payroll's payment lines of closed months (docs/API.md)."
)
class Overpayment:
    month: dt.date
    paid_fen: int
    due_fen: int
    amount_fen: int = strawberry.field(description="paidFen - dueFen: the amount to recover.")
    known_since: dt.datetime | None = strawberry.field(description="When the event that proves it was recorded.")
    explanation: Explanation
    entitlement_id: strawberry.Private[int]

    @classmethod
    def from_result(cls, o: OverpaymentResult) -> Overpayment:
        return cls(
            month=o.month, paid_fen=o.paid_fen, due_fen=o.due_fen, amount_fen=o.amount_fen,
            known_since=o.known_since, explanation=Explanation.from_reason(o.reason), entitlement_id=o.entitlement_id,
        )  # fmt: skip

    @strawberry.field
    async def entitlement(self, info: strawberry.Info) -> Entitlement | None:
        row = await info.context.loaders.entitlement.load(self.entitlement_id)
        return Entitlement.from_model(row) if row else None


def _months(from_month: dt.date | None, to_month: dt.date | None, as_of: dt.date) -> tuple[int, int]:
    last = month_index(to_month) if to_month else month_index(as_of)
    first = month_index(from_month) if from_month else last - DEFAULT_DECISION_MONTHS + 1
    if first > last:
        raise ValidationError("fromMonth", "INVALID_RANGE", "fromMonth is after toMonth")
    if last - first + 1 > MAX_DECISION_MONTHS:
        raise ValidationError("fromMonth", "TOO_MANY", f"at most {MAX_DECISION_MONTHS} months at a time")
    return first, last


@strawberry.type(description="What the rules engine says about one entitlement as of `asOf`, as known at `knownAt`.")
class EntitlementAssessment:
    scheme: SchemeEnum
    status: EntitlementStatusEnum
    causes: list[SuspensionCauseEnum]
    explanation: Explanation = strawberry.field(description="Why the entitlement has its current status.")
    last_certified_on: dt.date | None
    next_due: dt.date | None = strawberry.field(description="R-CYC-3; null once stopped or ended.")
    overdue_from: dt.date | None
    is_overdue: bool
    remind_on: dt.date | None
    stopped_from: dt.date | None = strawberry.field(description="The first STOPPED month (R-WID-1).")
    ended_on: dt.date | None = strawberry.field(description="The date of death (R-DTH-5).")
    periods: list[StatusPeriod]
    withheld: list[WithheldMonth]
    result: strawberry.Private[EntitlementResult]
    person_id: strawberry.Private[int]
    as_of: strawberry.Private[dt.date]
    known_at: strawberry.Private[dt.datetime | None]

    @classmethod
    def from_result(
        cls, r: EntitlementResult, person_id: int, as_of: dt.date, known_at: dt.datetime | None
    ) -> EntitlementAssessment:
        return cls(
            scheme=r.scheme, status=r.status, causes=list(r.causes), explanation=Explanation.from_reason(r.explanation),
            last_certified_on=r.last_certified_on, next_due=r.next_due, overdue_from=r.overdue_from,
            is_overdue=r.is_overdue, remind_on=r.remind_on, stopped_from=r.stopped_from, ended_on=r.ended_on,
            periods=[StatusPeriod.from_result(p) for p in r.periods],
            withheld=[WithheldMonth.from_result(w) for w in r.withheld],
            result=r, person_id=person_id, as_of=as_of, known_at=known_at,
        )  # fmt: skip

    @strawberry.field
    async def entitlement(self, info: strawberry.Info) -> Entitlement | None:
        row = await info.context.loaders.entitlement.load(self.result.entitlement_id)
        return Entitlement.from_model(row) if row else None

    @strawberry.field(
        description=f"R-PAY-1: one decision per month from `fromMonth` to `toMonth` (first days of months; default "
        f"the {DEFAULT_DECISION_MONTHS} months up to asOf; at most {MAX_DECISION_MONTHS})."
    )
    def decisions(self, from_month: dt.date | None = None, to_month: dt.date | None = None) -> list[PaymentDecision]:
        first, last = _months(from_month, to_month, self.as_of)
        return [
            PaymentDecision.from_result(d) for d in self.result.decisions if first <= month_index(d.month) <= last
        ]

    @strawberry.field(
        description="R-PAY-4: months overpaid up to asOf, as known at knownAt: paid in payroll months closed by then "
        "(up to asOf's month) and not due."
    )
    async def overpayments(self, info: strawberry.Info) -> list[Overpayment]:
        result = await info.context.loaders.case_result_with_payments.load((self.person_id, self.as_of, self.known_at))
        ent = result.entitlement(self.result.entitlement_id) if result else None
        return [Overpayment.from_result(o) for o in ent.overpayments] if ent else []


@strawberry.type(description="A recipient's case as the rules engine sees it as of `asOf`, as known at `knownAt`.")
class CaseAssessment:
    as_of: dt.date
    known_at: dt.datetime | None
    key_groups: list[KeyGroupEnum] = strawberry.field(description="R-KEY-1 on asOf.")
    died_on: dt.date | None
    entitlements: list[EntitlementAssessment] = strawberry.field(description="Those the viewer may see.")


async def assess(
    info: strawberry.Info, person_id: int, as_of: dt.date | None, known_at: dt.datetime | None
) -> tuple[dt.date, dt.datetime | None, Any]:
    """Run (or reuse) the engine for one person: the request's loaders batch and cache it."""
    day = as_of or info.context.today
    moment = aware(known_at)
    return day, moment, await info.context.loaders.case_result.load((person_id, day, moment))


@strawberry.type
class Entitlement(relay.Node):
    """One recipient × one scheme (待遇): start month and monthly amount in fen."""

    id: relay.NodeID[int]
    scheme: SchemeEnum
    start_month: dt.date
    monthly_amount_fen: int = strawberry.field(description="The amount at start; later changes are events.")
    dependant_role: DependantRoleEnum | None
    person_id: strawberry.Private[int]
    region_id: strawberry.Private[int]
    unit_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: EntitlementModel) -> Entitlement:
        return cls(
            id=row.id, scheme=row.scheme, start_month=row.start_month, monthly_amount_fen=row.monthly_amount_fen,
            dependant_role=row.dependant_role, person_id=row.person_id, region_id=row.region_id, unit_id=row.unit_id,
        )  # fmt: skip

    recipient = strawberry.field(resolver=recipient_of)

    @strawberry.field(description="The township or village that manages it.")
    async def region(self, info: strawberry.Info) -> Region:
        return Region.from_model(await info.context.loaders.region.load(self.region_id))

    @strawberry.field(description="The employer unit that manages it (agency, enterprise and work-injury schemes).")
    async def unit(self, info: strawberry.Info) -> EmployerUnit | None:
        if self.unit_id is None:
            return None
        row = await info.context.loaders.unit.load(self.unit_id)
        return EmployerUnit.from_model(row) if row else None

    @strawberry.field(description="The stored status projection (as of its `asOf`); null until first computed.")
    def state(self, info: strawberry.Info) -> EntitlementState | None:
        # answers at once when a list resolver has loaded the page's states (`recipients.types.prefetch`)
        row = loaded(info.context.loaders.state_by_entitlement, self.id)
        if row is MISSING:
            return self._load_state(info)  # type: ignore[return-value]
        return EntitlementState.from_model(row) if row else None

    async def _load_state(self, info: strawberry.Info) -> EntitlementState | None:
        row = await info.context.loaders.state_by_entitlement.load(self.id)
        return EntitlementState.from_model(row) if row else None

    @strawberry.field(
        description="The rules engine, live: status, due dates, decisions and overpayments as of `asOf` "
        "(default today), as known at `knownAt` (default now; without a UTC offset, county time)."
    )
    async def assessment(
        self, info: strawberry.Info, as_of: dt.date | None = None, known_at: dt.datetime | None = None
    ) -> EntitlementAssessment | None:
        day, moment, result = await assess(info, self.person_id, as_of, known_at)
        if result is None:
            return None
        for ent in result.entitlements:
            if ent.entitlement_id == self.id:
                return EntitlementAssessment.from_result(ent, self.person_id, day, moment)
        return None

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(info.context.loaders.entitlement, node_ids, cls.from_model)


__all__ = [
    "CaseAssessment",
    "EmployerUnit",
    "Entitlement",
    "EntitlementAssessment",
    "EntitlementState",
    "Explanation",
    "Overpayment",
    "PaymentDecision",
    "StatusPeriod",
    "WithheldMonth",
    "assess",
]
