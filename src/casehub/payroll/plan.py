"""One person's month in the payroll: pure, from the engine's result and the payment history.

Given a `CaseResult` (evaluated with `payments_made`: the lines of CLOSED months, so
its overpayments are money actually paid), every payment line on record for the
person, the approved manual decisions and whether a certification of theirs is in
processing, `plan_person` returns:

- the lines to pay in the sweep month (R-PAY-1/2): NORMAL for the month itself,
  BACK_PAY for withheld months the engine pays back this month (R-SUS-2, R-JUD-2),
  ADJUSTMENT for months of closed payrolls that were paid less than was due (a late
  certification, a retroactive increase, an approved override), each net of what was
  already paid for that month;
- the overpayments to recover (R-PAY-4), with the manual decisions applied;
- duplicate receipt (R-DUP-1);
- the rows of the finance office's adjustment list (what changes against last month).

`payments_made` is the one definition of "what was paid" that the engine is given,
by the sweep (`settle_person`) and by the GraphQL API's overpayments alike.

Pure: no I/O, no ORM. The engine decides; this only compares decisions with money.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from casehub.casework.vocabulary import OverrideAction
from casehub.domain import Scheme
from casehub.engine.evaluate import evaluate
from casehub.engine.facts import CaseFacts, Payment
from casehub.engine.months import month_index, month_start
from casehub.engine.results import (
    BackPayOutcome,
    CaseResult,
    EntitlementResult,
    EntitlementStatus,
    MonthDecision,
    PaymentAction,
)
from casehub.payroll.vocabulary import AdjustmentKind, LineKind, LineSource
from casehub.policy import Policy

_PAYABLE = (PaymentAction.PAY, PaymentAction.BACK_PAY)
_OWED_WITHHELD = (BackPayOutcome.PAID_BACK, BackPayOutcome.SCHEDULED, BackPayOutcome.OWED_ON_CLOSE)
_DRAWING = (EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED)


class PaidLine(NamedTuple):
    """A payment line on record: `run_month` is the payroll month that paid it, `closed_at` when
    that month was closed (None while it is open)."""

    entitlement_id: int
    benefit_month: dt.date
    amount_fen: int
    kind: str
    run_month: dt.date
    closed: bool
    source: str
    note: str = ""
    closed_at: dt.datetime | None = None


def payments_made(
    lines: Iterable[PaidLine], *, as_of: dt.date, known_at: dt.datetime | None = None
) -> list[Payment]:
    """What was paid, as the engine is given it for its overpayments (R-PAY-4).

    Only lines of CLOSED payroll months count (an open month's lines are a plan, not
    money paid), and of months up to `as_of`'s month (as of a day, later months had not
    been paid). With `known_at` (R-TL-2) only months closed by then: what the bureau
    knew it had paid. Each line counts for its benefit month, back pay and
    adjustments included.
    """
    last = month_index(as_of)
    return [
        Payment(ln.entitlement_id, ln.benefit_month, ln.amount_fen)
        for ln in lines
        if ln.closed
        and month_index(ln.run_month) <= last
        and (known_at is None or (ln.closed_at is not None and ln.closed_at <= known_at))
    ]


class Override(NamedTuple):
    """An approved manual decision for an entitlement-month (four eyes)."""

    id: int
    action: OverrideAction
    amount_fen: int

    @property
    def due_fen(self) -> int:
        return self.amount_fen if self.action is OverrideAction.PAY else 0


class PlannedLine(NamedTuple):
    entitlement_id: int
    person_id: int
    benefit_month: dt.date
    amount_fen: int
    kind: LineKind
    note: str


class Overpaid(NamedTuple):
    """R-PAY-4: a month paid more than was due, with the events that prove it."""

    person_id: int
    entitlement_id: int
    month: dt.date
    paid_fen: int
    due_fen: int
    amount_fen: int
    rule: str
    event_ids: tuple[int, ...]
    known_since: dt.datetime | None
    explanation: dict[str, Any]


class Duplicate(NamedTuple):
    """R-DUP-1: `first` (e.g. the resident pension) and `second` drawn together from `overlap_from`."""

    person_id: int
    first_entitlement_id: int
    second_entitlement_id: int
    overlap_from: dt.date


class AdjustmentRow(NamedTuple):
    """One row of the month's adjustment list for the finance office."""

    kind: AdjustmentKind
    person_id: int
    entitlement_id: int
    scheme: str
    months: tuple[dt.date, ...]
    amount_fen: int  # this month's amount for the row (what is paid, or recovered)
    previous_fen: int  # last month's regular payment, where it matters
    rule: str
    explanation: str


@dataclass(frozen=True, slots=True)
class MonthContext:
    """What every person's plan for one sweep month shares. Picklable (sent to worker processes)."""

    month: dt.date  # the payroll month
    as_of: dt.date
    run_open: bool  # lines are planned only for an OPEN month
    epoch: dt.date  # the first payroll month on record: nothing is known to be paid before it
    previous_run: bool  # a payroll run exists for the month before


@dataclass(slots=True)
class PersonPlan:
    lines: list[PlannedLine] = field(default_factory=list)
    overpaid: list[Overpaid] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    rows: list[AdjustmentRow] = field(default_factory=list)
    held: set[int] = field(default_factory=set)  # entitlements not suspended: certification in processing


def overdue_only(decision: MonthDecision) -> bool:
    """A WITHHOLD month withheld for an overdue certification alone (R-SUS-1), nothing judicial."""
    return decision.action is PaymentAction.WITHHOLD and decision.reason.rule == "R-SUS-1" and not (
        decision.reason.related_rules
    )


def settle_person(
    case: CaseFacts,
    lines: list[PaidLine],
    ctx: MonthContext,
    policy: Policy,
    *,
    known_at: dt.datetime | None = None,
    overrides: Mapping[tuple[int, dt.date], Override],
    in_processing: bool,
    duplicate_pairs: tuple[tuple[Scheme, Scheme], ...],
) -> tuple[CaseResult, PersonPlan]:
    """One person's step of the sweep: evaluate as of `ctx.as_of` (as known at `known_at`, default
    everything recorded) with the payments made, then plan the month (`plan_person`)."""
    payments = payments_made(lines, as_of=ctx.as_of, known_at=known_at)
    result = evaluate(case, policy, as_of=ctx.as_of, known_at=known_at, payments=payments)
    plan = plan_person(
        result, case, lines, ctx, overrides=overrides, in_processing=in_processing, duplicate_pairs=duplicate_pairs
    )
    return result, plan


def plan_person(
    result: CaseResult,
    case: CaseFacts,
    lines: list[PaidLine],
    ctx: MonthContext,
    *,
    overrides: Mapping[tuple[int, dt.date], Override],
    in_processing: bool,
    duplicate_pairs: tuple[tuple[Scheme, Scheme], ...],
) -> PersonPlan:
    plan = PersonPlan()
    starts = {e.id: e.start_month for e in case.entitlements}
    by_entitlement: dict[int, list[PaidLine]] = defaultdict(list)
    for line in lines:
        by_entitlement[line.entitlement_id].append(line)
    for er in result.entitlements:
        _plan_entitlement(
            plan, result.person_id, er, starts[er.entitlement_id], by_entitlement.get(er.entitlement_id, []),
            ctx, overrides, in_processing,
        )
    plan.duplicates = _duplicates(result, starts, duplicate_pairs, ctx)
    return plan


def _plan_entitlement(
    plan: PersonPlan,
    person_id: int,
    er: EntitlementResult,
    start: dt.date,
    lines: list[PaidLine],
    ctx: MonthContext,
    overrides: Mapping[tuple[int, dt.date], Override],
    in_processing: bool,
) -> None:
    eid = er.entitlement_id
    month = ctx.month
    m = month_index(month)
    decisions = er.decisions
    first = month_index(decisions[0].month) if decisions else 0

    def decision(b: int) -> MonthDecision | None:
        i = b - first
        return decisions[i] if decisions and 0 <= i < len(decisions) else None

    withheld = {w.month: w for w in er.withheld} if er.withheld else {}
    paid: dict[dt.date, int] = defaultdict(int)  # all money on record, except this open month's planned lines
    paid_closed: dict[dt.date, int] = defaultdict(int)
    current: list[PaidLine] = []  # this month's lines on record
    previous_normal = 0
    prev_month = month_start(m - 1)
    for ln in lines:
        if ln.run_month == month:
            current.append(ln)
            if ctx.run_open and ln.source == LineSource.SWEEP:
                continue  # replanned below
        paid[ln.benefit_month] += ln.amount_fen
        if ln.closed:
            paid_closed[ln.benefit_month] += ln.amount_fen
        if ln.run_month == prev_month and ln.benefit_month == prev_month and ln.kind == LineKind.NORMAL:
            previous_normal += ln.amount_fen

    d_now = decision(m)
    held = (
        in_processing
        and d_now is not None
        and overdue_only(d_now)
        and (eid, month) not in overrides
    )
    if held:
        plan.held.add(eid)

    def due(b_month: dt.date, b: int) -> tuple[int, LineKind]:
        """What is owed for month b by the end of the sweep month, and as which kind of line."""
        kind = LineKind.NORMAL if b == m else LineKind.ADJUSTMENT
        ov = overrides.get((eid, b_month))
        if ov is not None:
            return ov.due_fen, kind
        d = decision(b)
        if d is None:
            return 0, kind
        if d.action in _PAYABLE:
            return d.rate_fen, kind
        if d.action is PaymentAction.WITHHOLD:
            if b == m and held:
                return d.rate_fen, kind
            w = withheld.get(b_month)
            if w is not None and w.outcome in _OWED_WITHHELD and (w.paid_in is None or w.paid_in <= month):
                return w.amount_fen, LineKind.BACK_PAY if w.paid_in == month else LineKind.ADJUSTMENT
        return 0, kind

    # The months to settle: this one, the ones paid back this month, closed months since the epoch.
    months = set(range(max(month_index(ctx.epoch), month_index(start)), m + 1))
    if d_now is not None and d_now.back_pay_months:
        months.update(month_index(b) for b in d_now.back_pay_months)
    planned: list[PlannedLine] = []
    if ctx.run_open:
        for b in sorted(months):
            b_month = month_start(b)
            owed, kind = due(b_month, b)
            diff = owed - paid.get(b_month, 0)
            if diff > 0:
                note = "held: certification in processing" if (b == m and held) else ""
                planned.append(PlannedLine(eid, person_id, b_month, diff, kind, note))
        plan.lines.extend(planned)
        this_month = planned
        now_normal = sum(p.amount_fen for p in planned if p.kind is LineKind.NORMAL) + paid.get(month, 0)
    else:
        this_month = [
            PlannedLine(eid, person_id, ln.benefit_month, ln.amount_fen, LineKind(ln.kind), "") for ln in current
        ]
        now_normal = sum(ln.amount_fen for ln in current if ln.kind == LineKind.NORMAL)

    _overpaid(plan, person_id, er, paid_closed, overrides, ctx)
    # In the first payroll month on record, compare with what the engine says was due last month.
    previous = previous_normal if ctx.previous_run else (due(prev_month, m - 1)[0] if m > month_index(start) else 0)
    _rows(plan, person_id, er, start, d_now, this_month, now_normal, previous, held, (eid, month) in overrides, ctx)


def _overpaid(
    plan: PersonPlan,
    person_id: int,
    er: EntitlementResult,
    paid_closed: Mapping[dt.date, int],
    overrides: Mapping[tuple[int, dt.date], Override],
    ctx: MonthContext,
) -> None:
    """The engine's overpayments (R-PAY-4), with approved manual decisions taking precedence."""
    eid = er.entitlement_id
    for o in er.overpayments:
        if (eid, o.month) in overrides:
            continue
        plan.overpaid.append(
            Overpaid(person_id, eid, o.month, o.paid_fen, o.due_fen, o.amount_fen, "R-PAY-4", o.reason.event_ids,
                     o.known_since, o.reason.as_dict())
        )
    last = month_index(ctx.as_of)
    for (oeid, b_month), ov in overrides.items():
        if oeid != eid or month_index(b_month) > last:
            continue
        amount = paid_closed.get(b_month, 0) - ov.due_fen
        if amount > 0:
            plan.overpaid.append(
                Overpaid(person_id, eid, b_month, paid_closed[b_month], ov.due_fen, amount, "R-PAY-4", (), None,
                         {"rule": "R-PAY-4", "override": ov.id,
                          "explanationEn": f"Manual decision {ov.id} set {ov.due_fen} fen for {b_month:%Y-%m}; "
                                           f"{paid_closed[b_month]} fen was paid.",
                          "explanationZh": f"人工决定{ov.id}核定{b_month:%Y-%m}应发{ov.due_fen}分，"
                                           f"实发{paid_closed[b_month]}分。"})
            )


def _rows(
    plan: PersonPlan,
    person_id: int,
    er: EntitlementResult,
    start: dt.date,
    d_now: MonthDecision | None,
    this_month: list[PlannedLine],
    now_normal: int,
    previous: int,
    held: bool,
    overridden: bool,
    ctx: MonthContext,
) -> None:
    """The finance office's rows: what changes against last month's regular payment."""
    eid, scheme = er.entitlement_id, er.scheme.value
    month = ctx.month
    rule = d_now.reason.rule if d_now is not None else ""

    def row(kind: AdjustmentKind, months: tuple[dt.date, ...], amount: int, prev: int, why: str = "") -> None:
        text = why or (d_now.reason.explanation_zh if d_now is not None else "")
        plan.rows.append(AdjustmentRow(kind, person_id, eid, scheme, months, amount, prev, rule, text))

    if held:
        row(AdjustmentKind.HELD, (month,), now_normal, previous,
            "逾期未认证，但其资格认证已受理、尚在处理中，本月暂不停发 (R-SUS-1, Art. 8)")
    elif overridden:
        row(AdjustmentKind.OVERRIDE, (month,), now_normal, previous, "人工决定（经复核批准）")
    elif previous > 0 and now_normal == 0 and d_now is not None:
        kind = {
            PaymentAction.WITHHOLD: AdjustmentKind.SUSPEND,
            PaymentAction.STOPPED: AdjustmentKind.STOP,
            PaymentAction.ENDED: AdjustmentKind.END,
        }.get(d_now.action)
        if kind is not None:
            row(kind, (month,), 0, previous)
    elif previous == 0 and now_normal > 0:
        row(AdjustmentKind.NEW if start == month else AdjustmentKind.RESUME, (month,), now_normal, 0)
    elif previous > 0 and now_normal > 0 and previous != now_normal:
        row(AdjustmentKind.AMOUNT, (month,), now_normal, previous)
    back = [p for p in this_month if p.kind is LineKind.BACK_PAY]
    if back:
        row(AdjustmentKind.BACK_PAY, tuple(p.benefit_month for p in back), sum(p.amount_fen for p in back), previous)
    arrears = [p for p in this_month if p.kind is LineKind.ADJUSTMENT]
    if arrears:
        row(AdjustmentKind.ARREARS, tuple(p.benefit_month for p in arrears), sum(p.amount_fen for p in arrears),
            previous, "以前月份少发，本月补足差额 (R-PAY-2)")


def _duplicates(
    result: CaseResult,
    starts: Mapping[int, dt.date],
    pairs: tuple[tuple[Scheme, Scheme], ...],
    ctx: MonthContext,
) -> list[Duplicate]:
    """R-DUP-1: both schemes of a policy pair drawn (ACTIVE or SUSPENDED) as of the sweep."""
    drawing = {er.scheme: er.entitlement_id for er in result.entitlements if er.status in _DRAWING}
    found = []
    for first, second in pairs:
        if first in drawing and second in drawing:
            a, b = drawing[first], drawing[second]
            found.append(Duplicate(result.person_id, a, b, max(starts[a], starts[b])))
    return found
