"""The demo county's payroll history: the last months swept and closed with what was known then.

For each of the `months` payroll months before today's (oldest first), every
recipient's month is planned by the monthly sweep's own planning
(`casehub.payroll.plan.plan_person`, with the lines of the months before) from the rules
engine's result as of the month's last day **as known at midnight after it**: a death
or a retraction recorded later was not known, so the month was paid. The month is then
closed at that moment by the payroll clerk `county1`. The lines are what the sweep
would have planned (source SWEEP): NORMAL payments, back pay after a late certification
(R-SUS-2), arrears once a January increase is entered in July. The GraphQL API's
overpayments (R-PAY-4) then come from this ledger, as they would in a county that has
run casehub's payroll for half a year.

Months before the first of them are not on record (the payroll's epoch): nothing is
known to have been paid then. Today's month has no run; `casehub sweep` opens it.

Pure: no I/O and no ORM, like the rest of the generator. Rows are built for the
loader (`casehub.demo.loader`), which inserts the runs open, their lines, and then
closes them (the database refuses lines in a closed month).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from casehub.demo.clock import add_months, local_midnight, month_start
from casehub.demo.rows import County, PaymentLineRow, PayrollRunRow
from casehub.engine import CaseResult, evaluate
from casehub.engine.facts import CaseFacts, EntitlementFacts, EventFacts, PersonFacts
from casehub.payroll.plan import MonthContext, PaidLine, PlannedLine, plan_person
from casehub.payroll.vocabulary import LineSource, RunStatus
from casehub.policy import Policy

PAYROLL_MONTHS = 6  # closed payroll months on record before today's month
CLERK = "county1"  # closes each month (permission PAYROLL)
OPENED_DAY = 20  # each run is opened on the 20th of its month at 09:00 county time


def case_facts(county: County) -> dict[int, CaseFacts]:
    """What the engine is given for each recipient, from the built rows (as `cases.load_cases` gives it
    from the database; the demo records no key-group facts)."""
    entitlements: dict[int, list[EntitlementFacts]] = defaultdict(list)
    for e in county.entitlements:
        entitlements[e.person_id].append(
            EntitlementFacts(e.id, e.scheme, e.start_month, e.monthly_amount_fen, e.dependant_role)
        )
    events: dict[int, list[EventFacts]] = defaultdict(list)
    for ev in county.events:
        events[ev.person_id].append(
            EventFacts(ev.id, ev.type, ev.occurred_on, ev.recorded_at, ev.payload, ev.corrects_id, ev.entitlement_id)
        )
    return {
        p.id: CaseFacts(PersonFacts(p.id, p.birth_date), tuple(entitlements[p.id]), tuple(events[p.id]))
        for p in county.persons
    }


def closing_moment(month: dt.date) -> dt.datetime:
    """When `month` was swept (as known then) and closed: midnight after its last day, county time."""
    return local_midnight(add_months(month, 1))


def build_payroll(
    county: County,
    policy: Policy,
    *,
    today: dt.date,
    months: int = PAYROLL_MONTHS,
    progress: Callable[[int], object] | None = None,
) -> tuple[list[PayrollRunRow], list[PaymentLineRow]]:
    """The closed runs and their lines for the `months` months before `today`'s; `progress(n)` as
    recipients are done.

    Each month's lines are `plan_person`'s, the sweep's own planning, from the engine's result as of
    the month's last day as known when it closed — equal, month by month, to the sweep's step
    `settle_person` (tests/test_demo.py checks it). To stay fast, a recipient is evaluated once per
    state of knowledge rather than once per month: months whose closing knew the same events share
    one evaluation, as of the last of them (a month's decision does not depend on how much later
    as_of lies, given the same events; the planning never looks past its own month).
    """
    cases = case_facts(county)
    clerk = next(s.id for s in county.staff if s.username == CLERK)
    first = add_months(month_start(today), -months)
    firsts = [add_months(first, n) for n in range(months)]
    closing = [closing_moment(m) for m in firsts]
    contexts = [
        MonthContext(month=m, as_of=add_months(m, 1) - dt.timedelta(days=1), run_open=True, epoch=first,
                     previous_run=n > 0)
        for n, m in enumerate(firsts)
    ]  # fmt: skip
    planned: list[list[tuple[int, PlannedLine]]] = [[] for _ in firsts]  # per month: (person, line)
    reported = 0
    for done, (pid, case) in enumerate(cases.items(), 1):
        recorded = sorted(e.recorded_at for e in case.events)
        known = [bisect.bisect_right(recorded, moment) for moment in closing]  # events known at each closing
        last_with = {k: n for n, k in enumerate(known)}
        results: dict[int, CaseResult] = {}
        paid: list[PaidLine] = []
        for n, ctx in enumerate(contexts):
            result = results.get(known[n])
            if result is None:
                j = last_with[known[n]]
                result = results[known[n]] = evaluate(case, policy, as_of=contexts[j].as_of, known_at=closing[j])
            plan = plan_person(result, case, paid, ctx, overrides={}, in_processing=False, duplicate_pairs=())
            for p in plan.lines:
                planned[n].append((pid, p))
                paid.append(PaidLine(p.entitlement_id, p.benefit_month, p.amount_fen, p.kind.value, ctx.month, True,
                                     LineSource.SWEEP.value, p.note, closing[n]))  # fmt: skip
        if progress is not None and (done % 500 == 0 or done == len(cases)):
            progress(done - reported)
            reported = done
    runs: list[PayrollRunRow] = []
    rows: list[PaymentLineRow] = []
    for n, month in enumerate(firsts):
        lines = planned[n]
        runs.append(PayrollRunRow(
            id=n + 1, month=month, status=RunStatus.CLOSED,
            opened_at=local_midnight(month.replace(day=OPENED_DAY)) + dt.timedelta(hours=9),
            closed_at=closing[n], closed_by_id=clerk, line_count=len(lines),
            total_fen=sum(p.amount_fen for _, p in lines),
        ))  # fmt: skip
        rows += [
            PaymentLineRow(len(rows) + i, n + 1, p.entitlement_id, pid, p.benefit_month, p.amount_fen, p.kind,
                           LineSource.SWEEP, p.note)
            for i, (pid, p) in enumerate(lines, 1)
        ]  # fmt: skip
    return runs, rows
