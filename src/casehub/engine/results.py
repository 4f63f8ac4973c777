"""What the rules engine returns: statuses, monthly decisions, overpayments, each with its reason.

Every decision carries a `Reason` (R-PAY-3): the rule id, the article, the policy
version, the ids of the events it rests on, and a one-sentence explanation in
Chinese and in English. Pure: no I/O, no ORM.

`Reason`, `MonthDecision` and `WithheldMonth` are NamedTuples rather than frozen
dataclasses: the engine makes one per entitlement-month (and a reason per run of
months), and a NamedTuple is built about three times faster while staying
immutable and typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from casehub.domain import KeyGroup, Scheme
from casehub.engine.explain import render


class EntitlementStatus(StrEnum):
    ACTIVE = "ACTIVE"  # 正常
    SUSPENDED = "SUSPENDED"  # 暂停 (R-SUS-1, R-JUD-1): not final
    STOPPED = "STOPPED"  # 停发 (R-WID-1/2): final for the entitlement
    ENDED = "ENDED"  # 终止 (R-DTH-5): death


class SuspensionCause(StrEnum):
    OVERDUE_CERTIFICATION = "OVERDUE_CERTIFICATION"  # R-SUS-1
    JUDICIAL = "JUDICIAL"  # R-JUD-1/2


class PaymentAction(StrEnum):
    """R-PAY-1: one per entitlement per month."""

    PAY = "PAY"
    WITHHOLD = "WITHHOLD"
    BACK_PAY = "BACK_PAY"  # this month's payment plus withheld months paid back (R-SUS-2, R-JUD-2)
    STOPPED = "STOPPED"
    ENDED = "ENDED"


class BackPayOutcome(StrEnum):
    """What becomes of a withheld month."""

    PAID_BACK = "PAID_BACK"  # paid in a BACK_PAY month on or before as_of
    SCHEDULED = "SCHEDULED"  # the suspension is resolved; paid in a month after as_of
    PENDING = "PENDING"  # the suspension is not resolved yet (no certification, case open)
    NOT_PAID_BACK = "NOT_PAID_BACK"  # R-JUD-2 sentence served, or died before certifying
    OWED_ON_CLOSE = "OWED_ON_CLOSE"  # resolved, but the entitlement ended before a payable month


class Reason(NamedTuple):
    """Why (R-PAY-3). The explanations are rendered on access from `template` and `params`."""

    rule: str
    article: str
    policy_version: str
    event_ids: tuple[int, ...]
    template: str
    params: tuple[tuple[str, Any], ...] = ()
    related_rules: tuple[str, ...] = ()

    @property
    def explanation_zh(self) -> str:
        return render(self.template, self.params, "zh")

    @property
    def explanation_en(self) -> str:
        return render(self.template, self.params, "en")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for the API and audit records."""
        return {
            "rule": self.rule,
            "article": self.article,
            "policyVersion": self.policy_version,
            "eventIds": list(self.event_ids),
            "relatedRules": list(self.related_rules),
            "explanationZh": self.explanation_zh,
            "explanationEn": self.explanation_en,
        }


class MonthDecision(NamedTuple):
    """One entitlement-month (R-PAY-1).

    `amount_fen` is what is paid in this month's run (0 unless PAY or BACK_PAY);
    `rate_fen` is the monthly amount in force for the month (what is withheld when
    WITHHOLD; 0 once STOPPED or ENDED). A BACK_PAY pays `rate_fen + back_pay_fen`.
    """

    entitlement_id: int
    month: dt.date
    action: PaymentAction
    amount_fen: int
    rate_fen: int
    reason: Reason
    back_pay_months: tuple[dt.date, ...] = ()
    back_pay_fen: int = 0


class WithheldMonth(NamedTuple):
    """A WITHHOLD month and what becomes of it (R-SUS-2, R-JUD-2)."""

    month: dt.date
    amount_fen: int
    outcome: BackPayOutcome
    paid_in: dt.date | None  # the BACK_PAY month, when known
    reason: Reason


@dataclass(frozen=True, slots=True)
class StatusPeriod:
    """A stretch of days with one status; `end` is exclusive, None when it runs past as_of."""

    status: EntitlementStatus
    start: dt.date
    end: dt.date | None
    causes: tuple[SuspensionCause, ...]
    reason: Reason


@dataclass(frozen=True, slots=True)
class Overpayment:
    """A month paid that should not have been, or paid too much (R-PAY-4).

    `known_since` is when the system learned the event that proves it (None
    when the proof is not an event, e.g. an age-18 stop from the birth date).
    """

    entitlement_id: int
    month: dt.date
    paid_fen: int
    due_fen: int
    amount_fen: int  # paid_fen - due_fen, to recover
    reason: Reason
    known_since: dt.datetime | None


@dataclass(frozen=True, slots=True)
class EntitlementResult:
    entitlement_id: int
    scheme: Scheme
    status: EntitlementStatus  # as of as_of
    causes: tuple[SuspensionCause, ...]  # when SUSPENDED
    explanation: Reason  # of the current status
    periods: tuple[StatusPeriod, ...]
    last_certified_on: dt.date | None
    next_due: dt.date | None  # R-CYC-3; None once stopped or ended
    overdue_from: dt.date | None  # the day after next_due
    is_overdue: bool  # overdue_from is on or before as_of
    remind_on: dt.date | None  # next_due minus the policy's reminder lead days
    stopped_from: dt.date | None  # first STOPPED month (R-WID-1)
    ended_on: dt.date | None  # date of death (R-DTH-5)
    decisions: tuple[MonthDecision, ...]
    withheld: tuple[WithheldMonth, ...]
    overpayments: tuple[Overpayment, ...]

    def decision_for(self, month: dt.date) -> MonthDecision | None:
        for d in self.decisions:
            if d.month == month:
                return d
        return None


@dataclass(frozen=True, slots=True)
class CaseResult:
    person_id: int
    as_of: dt.date
    known_at: dt.datetime | None
    key_groups: frozenset[KeyGroup]  # R-KEY-1
    died_on: dt.date | None
    entitlements: tuple[EntitlementResult, ...]

    def entitlement(self, entitlement_id: int) -> EntitlementResult:
        for e in self.entitlements:
            if e.entitlement_id == entitlement_id:
                return e
        raise KeyError(entitlement_id)
