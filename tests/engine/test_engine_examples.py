"""Worked examples as table tests: every month's decision, written out by hand.

Each row is "FIRST..LAST ACTION amount" (or one month): the months of the range get
that action and pay that amount in fen. Together the rows cover every month from
the entitlement's start to as_of, so a stray decision anywhere fails the example.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from engine_builders import at, certified, d, died, ev, m, one, pension, person, run, work_injury

from casehub.domain import CaseOutcome, CustodyMeasure, DependantRole, EventType, Penalty, Scheme
from casehub.engine import BackPayOutcome, EntitlementFacts, EntitlementStatus, EventFacts, Payment, PersonFacts
from casehub.engine.months import month_index, month_start
from casehub.idnumber import make_id_number, parse_id_number


@dataclass
class Example:
    entitlement: EntitlementFacts
    events: list[EventFacts]
    as_of: str
    rows: list[str]
    status: EntitlementStatus
    who: PersonFacts = field(default_factory=person)
    withheld: dict[BackPayOutcome, int] = field(default_factory=dict)  # outcome -> how many months
    known_at: str | None = None
    payments: list[Payment] = field(default_factory=list)
    overpaid: list[str] = field(default_factory=list)  # months
    back_pay_fen: int = 0


def _months(spec: str) -> list[str]:
    first, _, last = spec.partition("..")
    lo, hi = month_index(m(first)), month_index(m(last or first))
    return [f"{month_start(i):%Y-%m}" for i in range(lo, hi + 1)]


def _expected(rows: list[str]) -> dict[str, tuple[str, int]]:
    out = {}
    for row in rows:
        spec, action, fen = row.split()
        for month in _months(spec):
            out[month] = (action, int(fen))
    return out


CHILD_ID = make_id_number("532922", d("2006-08-19"), 24)
LATE_DEATH = died("2024-02-25", recorded="2024-06-28")

EXAMPLES = {
    "misses certification for two cycles then certifies by app": Example(
        pension("2021-11", 10_000),
        [
            certified("2021-12-10", "ONSITE_PAPER"),  # due 2022-06-10, then 2022-12-10: both missed
            ev(EventType.AMOUNT_CHANGED, "2023-01-01", {"scheme": "RESIDENT_PENSION", "monthly_amount_fen": 10_500}),
            certified("2023-01-16", "APP_SELF"),  # applied at once (R-CYC-4)
        ],
        "2023-03-20",
        [
            "2021-11..2022-06 PAY 10000",
            "2022-07..2022-12 WITHHOLD 0",
            "2023-01 WITHHOLD 0",
            "2023-02 BACK_PAY 81000",  # 10 500 + 6 × 10 000 + 10 500
            "2023-03 PAY 10500",
        ],
        EntitlementStatus.ACTIVE,
        withheld={BackPayOutcome.PAID_BACK: 7},
        back_pay_fen=70_500,
    ),
    "detainee released without charge": Example(
        pension("2023-09", 300_000, scheme=Scheme.ENTERPRISE_PENSION),
        [
            certified("2023-12-01", "DATA_COMPARISON"),
            ev(
                EventType.CUSTODY_STARTED,
                "2024-03-28",
                {"measure": CustodyMeasure.CRIMINAL_DETENTION, "case_ref": "漾公刑〔2024〕17号"},
            ),
            ev(
                EventType.CUSTODY_ENDED,
                "2024-05-06",
                {"outcome": CaseOutcome.NOT_PROSECUTED, "case_ref": "漾公刑〔2024〕17号"},
            ),
        ],
        "2024-07-15",
        [
            "2023-09..2024-03 PAY 300000",
            "2024-04..2024-05 WITHHOLD 0",
            "2024-06 BACK_PAY 900000",
            "2024-07 PAY 300000",
        ],
        EntitlementStatus.ACTIVE,
        withheld={BackPayOutcome.PAID_BACK: 2},
        back_pay_fen=600_000,
    ),
    "a sentence served": Example(
        pension("2022-12", 500_000, scheme=Scheme.AGENCY_PENSION),
        [
            certified("2023-01-05"),  # due 2023-07-05: lapses in prison, overlaps the sentence
            ev(EventType.CUSTODY_STARTED, "2023-03-14", {"measure": "ARREST", "case_ref": "K9"}),
            ev(
                EventType.SENTENCED,
                "2023-06-20",
                {"penalty": Penalty.FIXED_TERM, "suspended": False, "outside_prison": False, "case_ref": "K9"},
            ),
            ev(EventType.AMOUNT_CHANGED, "2024-01-01", {"scheme": "AGENCY_PENSION", "monthly_amount_fen": 520_000}),
            ev(EventType.SENTENCE_ENDED, "2024-06-18", {"case_ref": "K9"}),
            certified("2024-06-25", "WINDOW"),
        ],
        "2024-08-10",
        [
            "2022-12..2023-03 PAY 500000",
            "2023-04..2024-06 WITHHOLD 0",  # custody from April, sentence to June 2024
            "2024-07..2024-08 PAY 500000",  # the amount before the sentence (R-JUD-2)
        ],
        EntitlementStatus.ACTIVE,
        withheld={BackPayOutcome.NOT_PAID_BACK: 15},
    ),
    "dependant turning 18 mid-month": Example(
        work_injury("2024-01", 120_000, role=DependantRole.CHILD),
        [certified("2024-03-01", "DATA_COMPARISON"), certified("2024-07-20", "APP_SELF")],
        "2024-10-05",
        [
            "2024-01..2024-08 PAY 120000",  # 18 on 19 August: August is paid
            "2024-09..2024-10 STOPPED 0",
        ],
        EntitlementStatus.STOPPED,
        who=person(parse_id_number(CHILD_ID).birth_date.isoformat()),
    ),
    "a death reported four months late": Example(
        pension("2023-09", 18_000),
        [certified("2024-01-10"), LATE_DEATH],
        "2024-06-30",
        [
            "2023-09..2024-02 PAY 18000",
            "2024-03..2024-06 ENDED 0",
        ],
        EntitlementStatus.ENDED,
        payments=[
            Payment(1, month_start(i), 18_000) for i in range(month_index(m("2023-09")), month_index(m("2024-06")) + 1)
        ],
        overpaid=["2024-03", "2024-04", "2024-05", "2024-06"],
    ),
    "a death reported four months late, as known before the report": Example(
        pension("2023-09", 18_000),
        [certified("2024-01-10"), LATE_DEATH],
        "2024-06-30",
        ["2023-09..2024-06 PAY 18000"],
        EntitlementStatus.ACTIVE,
        known_at="2024-06-27",
        payments=[
            Payment(1, month_start(i), 18_000) for i in range(month_index(m("2023-09")), month_index(m("2024-06")) + 1)
        ],
    ),
}


@pytest.mark.parametrize("example", EXAMPLES.values(), ids=list(EXAMPLES))
def test_worked_example(example: Example):
    res = one(
        run(
            example.entitlement,
            example.events,
            as_of=example.as_of,
            who=example.who,
            known_at=example.known_at,
            payments=example.payments,
        )
    )
    got = {f"{dec.month:%Y-%m}": (dec.action.value, dec.amount_fen) for dec in res.decisions}
    assert got == _expected(example.rows)
    assert res.status == example.status
    outcomes: dict[BackPayOutcome, int] = {}
    for w in res.withheld:
        outcomes[w.outcome] = outcomes.get(w.outcome, 0) + 1
    assert outcomes == example.withheld
    assert sum(dec.back_pay_fen for dec in res.decisions) == example.back_pay_fen
    assert [f"{o.month:%Y-%m}" for o in res.overpayments] == example.overpaid


def test_late_death_overpayment_names_the_death_and_when_it_became_known():
    example = EXAMPLES["a death reported four months late"]
    res = one(run(example.entitlement, example.events, as_of=example.as_of, payments=example.payments))
    assert sum(o.amount_fen for o in res.overpayments) == 4 * 18_000
    assert {o.reason.event_ids for o in res.overpayments} == {(LATE_DEATH.id,)}
    assert {o.known_since for o in res.overpayments} == {at("2024-06-28")}
    assert "2024-02-25" in res.overpayments[0].reason.explanation_en
