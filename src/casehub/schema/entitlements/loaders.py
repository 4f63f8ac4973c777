"""The rules engine behind a recipient's page: facts loaded in a few set-based queries, evaluated live.

A page asks for statuses, decisions and overpayments "as of" a day and "as known at" a moment
(R-TL-2); the engine is cheap, so these are computed per request rather than stored. Facts
are loaded once per (person, day) whatever the number of fields that need them
(`cases.load_cases`: four queries per batch of persons).

Overpayments (R-PAY-4) compare what was due with what was actually paid: the payroll's
payment lines (`payroll.runs.lines_for_persons`, one more query per batch of persons),
given to the engine exactly as the monthly sweep gives them (`payroll.plan.payments_made`):
the lines of CLOSED payroll months up to as_of's month and, with known_at, only of months
closed by then. The API and the sweep thus agree on what was paid and what was overpaid.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from casehub.cases import load_cases
from casehub.engine import CaseFacts, CaseResult, evaluate
from casehub.payroll.plan import PaidLine, payments_made
from casehub.payroll.runs import lines_for_persons
from casehub.policy import Policy

FactsKey = tuple[int, dt.date]  # person id, the day whose recorded key groups apply
CaseKey = tuple[int, dt.date, dt.datetime | None]  # person id, as_of, known_at


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
    """Evaluations keyed by (person, as_of, known_at); `with_payments` adds the payments made (the
    payroll's lines), so that the results carry overpayments."""

    async def batch(keys: Sequence[CaseKey]) -> list[CaseResult | None]:
        cases = await facts.load_many([(pid, as_of) for pid, as_of, _ in keys])
        lines: dict[int, list[PaidLine]] = {}
        if with_payments:
            lines = await lines_for_persons(sorted({case.person.id for case in cases if case is not None}))
        results: list[CaseResult | None] = []
        for (pid, as_of, known_at), case in zip(keys, cases, strict=True):
            if case is None:
                results.append(None)
                continue
            payments = payments_made(lines.get(pid, ()), as_of=as_of, known_at=known_at) if with_payments else ()
            results.append(evaluate(case, policy, as_of=as_of, known_at=known_at, payments=payments))
        return results

    return DataLoader(batch)
