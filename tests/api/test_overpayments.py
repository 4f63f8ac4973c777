"""Overpayments (R-PAY-4) on a recipient's page come from the payroll ledger: money paid in CLOSED payroll
months, counted as the monthly sweep counts it, as of a day and as known at a moment (R-TL-2)."""

from __future__ import annotations

import datetime as dt

from casehub.domain import Channel, EventType
from casehub.models import RecoveryItem
from casehub.payroll.sweep import sweep
from tests.api.conftest import ADMIN, POLICY, event, pay_month

APR, MAY, JUN = dt.date(2024, 4, 1), dt.date(2024, 5, 1), dt.date(2024, 6, 1)
OVERPAID = """query ($n: String!, $asOf: Date, $knownAt: DateTime) { recipient(idNumber: $n) {
  entitlements { assessment(asOf: $asOf, knownAt: $knownAt) {
    decisions(fromMonth: "2024-04-01", toMonth: "2024-04-01") { action rateFen }
    overpayments { month paidFen dueFen amountFen knownSince explanation { rule events { type } } }
  } } } }"""


async def overpaid(world, person, **variables) -> list[tuple[str, int, int, int]]:
    data = await world.ok(ADMIN, OVERPAID, n=person.id_number, **variables)
    found = data["recipient"]["entitlements"][0]["assessment"]["overpayments"]
    return [(o["month"], o["paidFen"], o["dueFen"], o["amountFen"]) for o in found]


async def died_in_march_learned_in_june(world):
    """Paid 200 yuan for April by the finance office (the rate is 180), April closed; May paid but still open;
    the death of 5 March reaches the bureau on 20 June."""
    person = await world.recipient(start=dt.date(2024, 1, 1))  # 18,000 fen a month
    await event(person, EventType.CERTIFIED, dt.date(2024, 2, 1), channel=Channel.APP_SELF.value)
    april = await pay_month(world, APR, {person: 20_000})
    await pay_month(world, MAY, {person: 18_000}, close=False)
    await event(person, EventType.DIED, dt.date(2024, 3, 5), recorded=dt.datetime(2024, 6, 20, 3, tzinfo=dt.UTC))
    return person, april


async def test_r_pay_4_the_overpayment_is_the_money_the_ledger_paid_not_the_rate(world):
    person, _ = await died_in_march_learned_in_june(world)
    data = await world.ok(ADMIN, OVERPAID, n=person.id_number)
    (ent,) = data["recipient"]["entitlements"]
    assert ent["assessment"]["decisions"] == [{"action": "ENDED", "rateFen": 0}]  # R-DTH-5: paid through March
    (april,) = ent["assessment"]["overpayments"]  # May's run is open: a plan, not money paid
    assert (april["month"], april["paidFen"], april["dueFen"], april["amountFen"]) == ("2024-04-01", 20_000, 0, 20_000)
    assert april["explanation"]["rule"] == "R-PAY-4" and april["explanation"]["events"] == [{"type": "DIED"}]
    assert april["knownSince"].startswith("2024-06-20")


async def test_r_tl_2_a_month_counts_as_paid_from_the_moment_it_was_closed(world):
    person, april = await died_in_march_learned_in_june(world)
    closed_at = april.closed_at
    assert closed_at is not None
    before = (closed_at - dt.timedelta(seconds=1)).isoformat()
    assert await overpaid(world, person, knownAt=before) == []  # the death was known; the payment not yet
    assert await overpaid(world, person, knownAt=closed_at.isoformat()) == [("2024-04-01", 20_000, 0, 20_000)]
    # as of a day: payroll months after it had not paid yet
    assert await overpaid(world, person, asOf="2024-04-30") == [("2024-04-01", 20_000, 0, 20_000)]
    assert await overpaid(world, person, asOf="2024-03-31") == []


async def test_r_pay_4_the_api_and_the_sweep_agree_on_what_was_overpaid(world):
    person, _ = await died_in_march_learned_in_june(world)

    async def recovered() -> list[tuple[str, int, int, int]]:
        items = await RecoveryItem.filter(case__person_id=person.id).order_by("benefit_month").values_list(
            "benefit_month", "paid_fen", "due_fen", "amount_fen"
        )
        return [(b.isoformat(), paid, due, amount) for b, paid, due, amount in items]

    await sweep(MAY, as_of=dt.date(2024, 5, 31), policy=POLICY)  # finds April, closed, overpaid
    assert await recovered() == await overpaid(world, person) == [("2024-04-01", 20_000, 0, 20_000)]
    await pay_month(world, MAY, {})  # swept and closed: May's 180 yuan is now money paid
    await sweep(JUN, as_of=dt.date(2024, 6, 30), policy=POLICY)
    assert await recovered() == await overpaid(world, person) == [
        ("2024-04-01", 20_000, 0, 20_000), ("2024-05-01", 18_000, 0, 18_000)
    ]
