"""`payments_made`: what was paid, as the engine is given it by the sweep and by the API (R-PAY-4, R-TL-2)."""

from __future__ import annotations

import datetime as dt

from casehub.engine import Payment
from casehub.payroll.plan import PaidLine, payments_made
from casehub.payroll.vocabulary import LineKind, LineSource

CST = dt.timezone(dt.timedelta(hours=8))
MAR, APR, MAY = dt.date(2025, 3, 1), dt.date(2025, 4, 1), dt.date(2025, 5, 1)
APR_CLOSED = dt.datetime(2025, 5, 1, tzinfo=CST)
MAY_CLOSED = dt.datetime(2025, 6, 1, tzinfo=CST)


def line(benefit: dt.date, amount: int, run: dt.date, closed_at: dt.datetime | None, kind=LineKind.NORMAL) -> PaidLine:
    return PaidLine(7, benefit, amount, kind.value, run, closed_at is not None, LineSource.SWEEP.value, "", closed_at)


LEDGER = [
    line(APR, 18_000, APR, APR_CLOSED),
    line(MAR, 18_000, APR, APR_CLOSED, LineKind.BACK_PAY),  # a withheld March paid back in April (R-SUS-2)
    line(MAY, 18_000, MAY, MAY_CLOSED),
    line(APR, 2_000, MAY, MAY_CLOSED, LineKind.ADJUSTMENT),  # April's increase, entered in May
    line(dt.date(2025, 6, 1), 18_000, dt.date(2025, 6, 1), None),  # June: open, a plan, not money paid
]


def test_r_pay_4_only_closed_months_count_each_line_for_its_benefit_month():
    assert payments_made(LEDGER, as_of=dt.date(2025, 6, 30)) == [
        Payment(7, APR, 18_000), Payment(7, MAR, 18_000), Payment(7, MAY, 18_000), Payment(7, APR, 2_000)
    ]


def test_r_tl_2_as_of_a_day_later_payroll_months_had_not_paid():
    assert payments_made(LEDGER, as_of=dt.date(2025, 4, 30)) == [Payment(7, APR, 18_000), Payment(7, MAR, 18_000)]
    assert payments_made(LEDGER, as_of=dt.date(2025, 3, 31)) == []


def test_r_tl_2_known_at_counts_months_closed_by_then():
    assert payments_made(LEDGER, as_of=dt.date(2025, 6, 30), known_at=MAY_CLOSED - dt.timedelta(seconds=1)) == [
        Payment(7, APR, 18_000), Payment(7, MAR, 18_000)
    ]
    assert len(payments_made(LEDGER, as_of=dt.date(2025, 6, 30), known_at=MAY_CLOSED)) == 4  # closed at: counts
    assert payments_made(LEDGER, as_of=dt.date(2025, 6, 30), known_at=APR_CLOSED - dt.timedelta(hours=1)) == []
