"""Benchmark the rules engine: events folded per second on one core, for a realistic mix.

    .venv/bin/python bench/bench_engine.py [--cases 20000] [--seed 2021] [--no-payments]

The mix is generated from a fixed seed, so runs are comparable: mostly resident
pensions certified by data comparison or the app every few months, a yearly
amount adjustment, reminders, some missed cycles, a few deaths (some reported
late), custody cases, work-injury dependants, corrections. Each case is evaluated
once as of 2025-06-30, with a payment record for every month (the sweep's load).
Not a timed test: it prints figures for docs/ENGINE.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import platform
import random
import statistics
import time

from casehub.domain import Channel, DependantRole, EventType, Scheme
from casehub.engine import CaseFacts, EntitlementFacts, EventFacts, Payment, PersonFacts, evaluate
from casehub.engine.months import add_months, month_index, month_start
from casehub.policy import default_policy

AS_OF = dt.date(2025, 6, 30)
UTC = dt.UTC
CHANNELS = [Channel.DATA_COMPARISON] * 6 + [Channel.APP_SELF] * 3 + [Channel.ONSITE_PAPER, Channel.HOME_VISIT]


def _at(day: dt.date, rnd: random.Random, delay_days: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8), UTC) + dt.timedelta(days=delay_days, minutes=rnd.randrange(600))


def make_case(person_id: int, rnd: random.Random) -> tuple[CaseFacts, list[Payment]]:
    """One person's facts and timeline, drawn from the mix described above."""
    ids = iter(range(person_id * 1000, person_id * 1000 + 1000))
    roll = rnd.random()
    if roll < 0.75:
        scheme, role = Scheme.RESIDENT_PENSION, None
    elif roll < 0.85:
        scheme, role = Scheme.ENTERPRISE_PENSION, None
    elif roll < 0.93:
        scheme, role = Scheme.AGENCY_PENSION, None
    else:
        scheme, role = Scheme.WORK_INJURY_LONG_TERM, rnd.choice(list(DependantRole))
    birth = dt.date(2005, 1, 1) if role == DependantRole.CHILD else dt.date(1935, 1, 1)
    birth += dt.timedelta(days=rnd.randrange(365 * 20 if role != DependantRole.CHILD else 365 * 8))
    start = month_start(month_index(dt.date(2019, 1, 1)) + rnd.randrange(72))
    amount = {Scheme.RESIDENT_PENSION: 15_000, Scheme.ENTERPRISE_PENSION: 280_000}.get(scheme, 420_000)
    amount += rnd.randrange(0, amount // 5)
    entitlements = [EntitlementFacts(person_id * 10, scheme, start, amount, role)]
    events: list[EventFacts] = []

    def add(type_: EventType, day: dt.date, payload: dict, delay: int = 0, **kw) -> EventFacts:
        e = EventFacts(next(ids), type_, day, _at(day, rnd, delay), payload, **kw)
        events.append(e)
        return e

    # certifications: every 1-6 months; sometimes a cycle is missed and certified late
    day = start + dt.timedelta(days=rnd.randrange(20))
    while day <= AS_OF:
        add(EventType.CERTIFIED, day, {"channel": rnd.choice(CHANNELS).value})
        gap = rnd.choice([1, 2, 3, 3, 4, 5, 6]) if rnd.random() > 0.06 else rnd.randrange(8, 20)
        if rnd.random() < 0.5:
            add(
                EventType.REMINDER_SENT,
                add_months(day, gap) - dt.timedelta(days=30),
                {"channel": "SMS", "due_on": add_months(day, gap).isoformat()},
            )
        if rnd.random() < 0.05:
            add(
                EventType.CERTIFICATION_FAILED,
                add_months(day, gap) - dt.timedelta(days=3),
                {"channel": "APP_SELF", "reason": "face mismatch"},
            )
        day = add_months(day, gap) + dt.timedelta(days=rnd.randrange(-10, 10))
    # yearly adjustment every January
    for year in range(max(start.year, 2020) + 1, AS_OF.year + 1):
        amount += amount // 20
        add(
            EventType.AMOUNT_CHANGED,
            dt.date(year, 1, 1),
            {"scheme": scheme.value, "monthly_amount_fen": amount},
            delay=rnd.randrange(30, 90),
        )
    # rarer events
    if scheme.is_pension and rnd.random() < 0.01:
        held = start + dt.timedelta(days=rnd.randrange(300, 1500))
        add(EventType.CUSTODY_STARTED, held, {"measure": "CRIMINAL_DETENTION", "case_ref": "K"})
        add(
            EventType.CUSTODY_ENDED,
            held + dt.timedelta(days=rnd.randrange(10, 200)),
            {"outcome": rnd.choice(["WITHDRAWN", "CONVICTED"]), "case_ref": "K"},
        )
    if role is not None and rnd.random() < 0.1:
        add(
            EventType.DEPENDANT_CHANGED,
            start + dt.timedelta(days=rnd.randrange(100, 1500)),
            {"change": "EMPLOYED" if role == DependantRole.CHILD else "REMARRIED"},
        )
    if rnd.random() < 0.03:
        death = start + dt.timedelta(days=rnd.randrange(60, 2000))
        add(EventType.DIED, death, {}, delay=rnd.choice([3, 10, 40, 120]))
    if events and rnd.random() < 0.01:
        target = rnd.choice(events)
        kind = rnd.choice([EventType.RETRACTED, EventType.AMENDED])
        payload = {"reason": "correction"}
        if kind == EventType.AMENDED:
            payload["occurred_on"] = (target.occurred_on + dt.timedelta(days=3)).isoformat()
        add(kind, target.occurred_on + dt.timedelta(days=5), payload, delay=5, corrects=target.id)
    events.sort(key=lambda e: e.recorded_at)  # as the database returns them
    payments = [
        Payment(entitlements[0].id, month_start(m), entitlements[0].monthly_amount_fen)
        for m in range(month_index(start), month_index(AS_OF) + 1)
    ]
    return CaseFacts(PersonFacts(person_id, birth), tuple(entitlements), tuple(events)), payments


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-payments", action="store_true", help="skip the overpayment check")
    args = parser.parse_args()

    rnd = random.Random(args.seed)
    cases = [make_case(i + 1, rnd) for i in range(args.cases)]
    policy = default_policy()
    n_events = sum(len(c.events) for c, _ in cases)
    n_months = sum(month_index(AS_OF) - month_index(c.entitlements[0].start_month) + 1 for c, _ in cases)
    for case, payments in cases[:200]:  # warm the caches
        evaluate(case, policy, as_of=AS_OF, payments=payments)

    times = []
    gc.disable()
    try:
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for case, payments in cases:
                evaluate(case, policy, as_of=AS_OF, payments=() if args.no_payments else payments)
            times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    best, median = min(times), statistics.median(times)
    print(f"machine: {_cpu()} ({platform.machine()}), Python {platform.python_version()}, one core")
    print(
        f"cases: {args.cases}, events: {n_events} ({n_events / args.cases:.1f}/case), "
        f"entitlement-months decided: {n_months} ({n_months / args.cases:.1f}/case), "
        f"payments checked: {'no' if args.no_payments else 'yes'}"
    )
    print(
        f"best of {args.repeat}: {best:.3f} s  →  {n_events / best:,.0f} events/s, "
        f"{args.cases / best:,.0f} cases/s, {n_months / best:,.0f} decisions/s"
    )
    print(f"median: {median:.3f} s  →  {n_events / median:,.0f} events/s")


if __name__ == "__main__":
    main()
