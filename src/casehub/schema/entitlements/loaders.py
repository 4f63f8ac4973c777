"""The rules engine behind a recipient's page: facts loaded in a few set-based queries, evaluated live.

A page asks for statuses, decisions and overpayments "as of" a day and "as known at" a moment
(R-TL-2); the engine is cheap, so these are computed per request rather than stored. Facts
are loaded once per (person, day) whatever the number of fields that need them
(`cases.load_cases`: four queries per batch of persons).

Overpayments (R-PAY-4) need what was actually paid. casehub has no payments ledger yet, so
each month's payment is *presumed*: the decision the rules engine would have made for that
month with what was known when the month's payment run was made (`PAY_RUN_*` below) — the
amount then in force for PAY and BACK_PAY months, and the back-paid months at their withheld
amounts. When a payments ledger arrives, `presumed_payments` is replaced by reading it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from casehub.cases import load_cases
from casehub.clock import SHANGHAI
from casehub.engine import (
    CaseFacts,
    CaseResult,
    Payment,
    PaymentAction,
    evaluate,
    month_index,
    month_start,
)
from casehub.policy import Policy

FactsKey = tuple[int, dt.date]  # person id, the day whose recorded key groups apply
CaseKey = tuple[int, dt.date, dt.datetime | None]  # person id, as_of, known_at
PAY_RUN_DAY = 1  # a month's payment run is made with what was known at 00:00 county time on
PAY_RUN_MONTHS_AFTER = 1  # the 1st of the following month (interpretation; see docs/API.md)
_PAID = (PaymentAction.PAY, PaymentAction.BACK_PAY)


def case_facts_loader() -> DataLoader[FactsKey, CaseFacts | None]:
    async def batch(keys: Sequence[FactsKey]) -> list[CaseFacts | None]:
        by_day: dict[dt.date, list[int]] = defaultdict(list)
        for person_id, day in keys:
            by_day[day].append(person_id)
        found: dict[FactsKey, CaseFacts] = {}
        for day, ids in by_day.items():
            found.update({(pid, day): facts for pid, facts in (await load_cases(ids, on=day)).items()})
        return [found.get(k) for k in keys]

    return DataLoader(batch)


def case_result_loader(
    facts: DataLoader[FactsKey, CaseFacts | None], policy: Policy, *, with_payments: bool
) -> DataLoader[CaseKey, CaseResult | None]:
    """Evaluations keyed by (person, as_of, known_at); `with_payments` adds the presumed payments."""

    async def batch(keys: Sequence[CaseKey]) -> list[CaseResult | None]:
        cases = await facts.load_many([(pid, as_of) for pid, as_of, _ in keys])
        now = dt.datetime.now(dt.UTC)
        results: list[CaseResult | None] = []
        for (_, as_of, known_at), case in zip(keys, cases, strict=True):
            if case is None:
                results.append(None)
                continue
            payments = presumed_payments(case, policy, as_of=as_of, known_at=known_at, now=now) if with_payments else ()
            results.append(evaluate(case, policy, as_of=as_of, known_at=known_at, payments=payments))
        return results

    return DataLoader(batch)


def pay_run_at(month: dt.date) -> dt.datetime:
    """When the payment run for `month` is taken to have been made."""
    index = month_index(month) + PAY_RUN_MONTHS_AFTER
    first = month_start(index).replace(day=PAY_RUN_DAY)
    return dt.datetime.combine(first, dt.time(0), SHANGHAI)


def presumed_payments(
    case: CaseFacts, policy: Policy, *, as_of: dt.date, known_at: dt.datetime | None, now: dt.datetime
) -> list[Payment]:
    """What each monthly run paid, as decided with what was known at that run (no payments ledger yet)."""
    if not case.entitlements:
        return []
    first = min(month_index(e.start_month) for e in case.entitlements)
    payments: list[Payment] = []
    for index in range(first, month_index(as_of) + 1):
        month = month_start(index)
        run_at = pay_run_at(month)
        if run_at > now or (known_at is not None and run_at > known_at):
            break  # not paid yet (as known at known_at)
        last_day = month_start(index + 1) - dt.timedelta(days=1)
        result = evaluate(case, policy, as_of=last_day, known_at=run_at)
        for ent in result.entitlements:
            decision = ent.decision_for(month)
            if decision is None or decision.action not in _PAID:
                continue
            payments.append(Payment(ent.entitlement_id, month, decision.rate_fen))
            if decision.back_pay_months:
                withheld = {w.month: w.amount_fen for w in ent.withheld}
                payments += [Payment(ent.entitlement_id, m, withheld.get(m, 0)) for m in decision.back_pay_months]
    return payments
