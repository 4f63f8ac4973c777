"""Benchmark the monthly sweep on PostgreSQL at county-archive scale: 1,000,000 entitlements.

    .venv/bin/python bench/bench_sweep.py [--entitlements 1000000] [--workers 2] [--keep]

Creates a scratch database through casehub's own migrations, fills it with COPY
(asyncpg) — 950,000 recipients in Yangbi's 9 townships, 50,000 of them with a second
entitlement, timelines from 2021-11 with certifications by the policy's cycles,
yearly increases and reminders, and the payroll of January to June 2025 closed — then
times `casehub.payroll.sweep.sweep` for July 2025, and a second run of the same month
(idempotent: nothing new found), then the floor (`raw_floor`): the same number of
worker connections doing only the sweep's unavoidable database work with raw asyncpg —
read every person, entitlement, event (payload as text, not decoded), payment line and
stored state, and COPY one state row and one payment line per entitlement into scratch
tables. Not a timed test: it prints `<label>: <seconds> s  <rate> rows/s` lines (rows =
entitlements; `bench/run.py` reads them) for docs/PERFORMANCE.md. The scratch database is
dropped at the end unless --keep.

The mix (seed 2025), per recipient:
- 88 % certify on time (data comparison or the app), every 5 months before the
  2023-08 policy change and every 11 months after (R-CYC-1, R-POL-2);
- 4 % stopped certifying in 2024 (withheld before 2025), 2 % stop so that they fall due
  between February and June 2025 (withheld part of the half-year), 1 % fell due late in
  2024 and certify in June 2025 (paid back in July, R-SUS-2), 0.2 % fall due in June and
  have an app result received but not applied (in processing: held in July);
- 1 % died in 2024, reported promptly; 0.3 % died in March 2025, reported only in July
  (overpaid April to June: recovery cases, R-PAY-4);
- a yearly increase every January (AMOUNT_CHANGED), a reminder before most due dates;
- 5,000 draw a resident and an enterprise pension (R-DUP-1), 45,000 a resident pension and
  a work-injury survivor's benefit (certified every 5 months).
The payroll of January-June 2025 holds what the engine would have paid on the
evidence known then (so the July sweep finds only what is really new).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench.scratch, when run as a script

from bench.scratch import scratch_database
from casehub.engine.months import add_months, month_index
from casehub.idnumber import make_id_number
from casehub.payroll.sweep import sweep

UTC = dt.UTC
HALF_YEAR = [dt.date(2025, m, 1) for m in range(1, 7)]
JULY = dt.date(2025, 7, 1)
AS_OF = dt.date(2025, 7, 31)
POLICY_CHANGE = dt.date(2023, 8, 1)  # yunnan-2023: 12-month pension cycles (R-POL-2)
TOWNSHIPS = ["101", "102", "103", "104", "201", "202", "204", "205", "206"]
CHUNK = 50_000  # persons generated and copied at a time


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), UTC)


def due_after(anchor: dt.date, work_injury: bool) -> dt.date:
    """The engine's rolling due date (R-CYC-3) under the shipped policy: 6 months (3 for work injury)
    until 2023-08-01, then 12 (6); a cycle running on that day takes the longer one (R-POL-2)."""
    short, long = (3, 6) if work_injury else (6, 12)
    due = add_months(anchor, short)
    if anchor >= POLICY_CHANGE or due >= POLICY_CHANGE:
        due = add_months(anchor, long)
    return due


class Generator:
    def __init__(self, seed: int, people: int, second: int) -> None:
        self.rnd = random.Random(seed)
        self.people = people
        self.second = second  # the first `second` persons hold two entitlements
        self.event_id = 0
        self.entitlement_id = 0
        self.counts = {"persons": 0, "entitlements": 0, "events": 0, "lines": 0, "intakes": 0}

    def person(self, pid: int, villages: list[int]):
        rnd = self.rnd
        birth = dt.date(1935, 1, 1) + dt.timedelta(days=(pid * 7919) % 14_600)
        seq = pid // 14_600 + 1  # with the birth date above, unique for up to 14.6M persons (7919 is prime)
        number = make_id_number("532922", birth, seq)
        village = villages[pid % len(villages)]
        person = (pid, number, f"居民{pid}", birth, "M" if seq % 2 else "F", f"138{pid:08d}", village,
                  at(dt.date(2021, 11, 1)))  # fmt: skip
        start = add_months(dt.date(2021, 11, 1), rnd.randrange(32))  # 2021-11 .. 2024-06
        roll = rnd.random()
        profile = (
            "regular" if roll < 0.88 else "lapsed_2024" if roll < 0.92 else "lapsing_2025" if roll < 0.94
            else "recertified" if roll < 0.95 else "died_2024" if roll < 0.96 else "died_late" if roll < 0.963
            else "in_processing" if roll < 0.965 else "regular"
        )  # fmt: skip
        second = None
        if pid <= self.second:
            second = "ENTERPRISE_PENSION" if pid <= self.second // 10 else "WORK_INJURY_LONG_TERM"
        work_injury = second == "WORK_INJURY_LONG_TERM"
        events: list[tuple] = []
        ents = []
        amount = 15_000 + rnd.randrange(0, 30_000, 100)
        self.entitlement_id += 1
        ents.append([self.entitlement_id, "RESIDENT_PENSION", start, amount, None])
        if second:
            self.entitlement_id += 1
            ents.append([self.entitlement_id, second, start, 80_000 + rnd.randrange(0, 200_000, 100),
                         "SPOUSE" if work_injury else None])

        # When certifying stops, by profile: the last anchor's due date decides the first withheld month.
        died = None
        if profile == "died_2024":
            died = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(300))
        elif profile == "died_late":
            died = dt.date(2025, 3, rnd.randrange(1, 28))
        stop_by = {
            "lapsed_2024": dt.date(2023, 9, 1) + dt.timedelta(days=rnd.randrange(90)),  # due late 2024
            "lapsing_2025": dt.date(2024, 2, 1) + dt.timedelta(days=rnd.randrange(120)),  # due Feb-Jun 2025
            "recertified": dt.date(2023, 10, 1) + dt.timedelta(days=rnd.randrange(60)),
            "in_processing": dt.date(2024, 6, 2) + dt.timedelta(days=rnd.randrange(20)),  # due June 2025
        }.get(profile, dt.date(2025, 7, 20))
        if died:
            stop_by = min(stop_by, died)
        anchor = start
        last = start
        while True:
            due = due_after(anchor, work_injury)
            cert = due - dt.timedelta(days=rnd.randrange(3, 40))
            if cert > stop_by or cert <= anchor:
                break
            if rnd.random() < 0.6:
                events.append(("REMINDER_SENT", due - dt.timedelta(days=30), at(due - dt.timedelta(days=30)),
                               {"channel": "sms", "due_on": due.isoformat()}))  # fmt: skip
            channel = "DATA_COMPARISON" if rnd.random() < 0.6 else "APP_SELF"
            events.append(("CERTIFIED", cert, at(cert, 10), {"channel": channel}))
            anchor = last = cert
        certified_again = None
        if profile == "recertified":
            certified_again = dt.date(2025, 6, rnd.randrange(2, 28))
            events.append(("CERTIFIED", certified_again, at(certified_again, 11), {"channel": "WINDOW"}))
        for year in (2022, 2023, 2024, 2025):
            jan = dt.date(year, 1, 1)
            if jan > start and (died is None or jan <= died):
                amount = amount * 103 // 100
                events.append(("AMOUNT_CHANGED", jan, at(dt.date(year, 1, 10)),
                               {"scheme": "RESIDENT_PENSION", "monthly_amount_fen": amount}))  # fmt: skip
        if died:
            recorded = died + dt.timedelta(days=10) if profile == "died_2024" else dt.date(2025, 7, 6)
            events.append(("DIED", died, at(recorded), {}))

        # The half-year's payroll as paid on the evidence known then.
        lines = []
        for ent_id, scheme, _, ent_amount, _ in ents:
            rate = amount if scheme == "RESIDENT_PENSION" else ent_amount
            # R-SUS-1: withheld from the month after this entitlement's own due date
            first_withheld = month_index(due_after(last, scheme == "WORK_INJURY_LONG_TERM")) + 1
            for m in HALF_YEAR:
                mi = month_index(m)
                if mi < month_index(start) or mi >= first_withheld:
                    continue
                if died and profile == "died_2024" and mi > month_index(died):
                    continue
                lines.append((m, ent_id, pid, m, rate))
        intake = None
        if profile == "in_processing":
            intake = (pid, "APP_SELF", "APP_RESULT", f"bench:12333:{pid}", at(dt.date(2025, 7, 25)), "RECEIVED", "")
        return person, ents, events, lines, intake


async def fill(url: str, people: int, second: int, seed: int) -> dict[str, int]:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        county = await conn.fetchval(
            "INSERT INTO region (code, name, level) VALUES ('532922', '漾濞彝族自治县', 'COUNTY') RETURNING id"
        )
        villages = []
        for t in TOWNSHIPS:
            tid = await conn.fetchval(
                "INSERT INTO region (code, name, level, parent_id) VALUES ($1, $2, 'TOWNSHIP', $3) RETURNING id",
                f"532922{t}", f"乡镇{t}", county,
            )
            for v in range(1, 9):
                villages.append(await conn.fetchval(
                    "INSERT INTO region (code, name, level, parent_id) VALUES ($1, $2, 'VILLAGE', $3) RETURNING id",
                    f"532922{t}{v:03d}", f"村{t}-{v}", tid,
                ))  # fmt: skip
        runs = {}
        for m in HALF_YEAR:
            runs[m] = await conn.fetchval(
                "INSERT INTO payroll_run (month, status, opened_at, line_count, total_fen) "
                "VALUES ($1, 'OPEN', $2, 0, 0) RETURNING id", m, at(m),
            )
        gen = Generator(seed, people, second)
        created = at(dt.date(2021, 11, 1))
        for lo in range(1, people + 1, CHUNK):
            persons, ents, events, lines, intakes = [], [], [], [], []
            for pid in range(lo, min(lo + CHUNK, people + 1)):
                person, p_ents, p_events, p_lines, intake = gen.person(pid, villages)
                persons.append(person)
                region = person[6]
                ents.extend((e[0], e[1], e[2], e[3], e[4], created, pid, region, None) for e in p_ents)
                for type_, occurred, recorded, payload in p_events:
                    gen.event_id += 1
                    events.append((gen.event_id, type_, occurred, recorded, "bench", None,
                                   orjson.dumps(payload).decode(), "[]", f"bench:{gen.event_id}", None, None, None,
                                   pid, None))  # fmt: skip
                lines.extend((runs[m], b, a, "NORMAL", "IMPORT", "", eid, p) for m, eid, p, b, a in p_lines)
                if intake:
                    intakes.append(intake)
            await conn.copy_records_to_table(
                "person", records=persons,
                columns=["id", "id_number", "name", "birth_date", "sex", "phone", "village_id", "created_at"],
            )
            await conn.copy_records_to_table(
                "entitlement", records=ents,
                columns=["id", "scheme", "start_month", "monthly_amount_fen", "dependant_role", "created_at",
                         "person_id", "region_id", "unit_id"],
            )  # fmt: skip
            await conn.copy_records_to_table(
                "event", records=events,
                columns=["id", "type", "occurred_on", "recorded_at", "source_adapter", "source_row", "payload",
                         "evidence", "natural_key", "batch_id", "corrects_id", "entitlement_id", "person_id",
                         "staff_id"],
            )  # fmt: skip
            await conn.copy_records_to_table(
                "payment_line", records=lines,
                columns=["run_id", "benefit_month", "amount_fen", "kind", "source", "note", "entitlement_id",
                         "person_id"],
            )  # fmt: skip
            if intakes:
                await conn.copy_records_to_table(
                    "certification_intake", records=intakes,
                    columns=["person_id", "channel", "source", "external_ref", "received_at", "status", "note"],
                )
            gen.counts["persons"] += len(persons)
            gen.counts["entitlements"] += len(ents)
            gen.counts["events"] += len(events)
            gen.counts["lines"] += len(lines)
            gen.counts["intakes"] += len(intakes)
            print(f"  generated {gen.counts['persons']:,} recipients", flush=True)
        for table in ("person", "entitlement", "event"):
            await conn.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        await conn.execute(
            "UPDATE payroll_run r SET status = 'CLOSED', closed_at = r.opened_at + interval '25 days', "
            "line_count = s.n, total_fen = s.total FROM (SELECT run_id, count(*) n, sum(amount_fen) total "
            "FROM payment_line GROUP BY run_id) s WHERE s.run_id = r.id"
        )
        await conn.execute("ANALYZE")
        return gen.counts
    finally:
        await conn.close()


_FLOOR_READS = (
    "SELECT id, birth_date FROM person WHERE id BETWEEN $1 AND $2",
    "SELECT id, person_id, scheme, start_month, monthly_amount_fen, dependant_role FROM entitlement "
    "WHERE person_id BETWEEN $1 AND $2 ORDER BY id",
    "SELECT id, person_id, type, occurred_on, recorded_at, payload::text, corrects_id, entitlement_id FROM event "
    "WHERE person_id BETWEEN $1 AND $2",
    "SELECT l.person_id, l.entitlement_id, l.benefit_month, l.amount_fen, l.kind, r.month, r.status, l.source, l.note "
    "FROM payment_line l JOIN payroll_run r ON r.id = l.run_id WHERE l.person_id BETWEEN $1 AND $2",
)
_FLOOR_STATES = "SELECT entitlement_id, status FROM entitlement_state WHERE entitlement_id = ANY($1::int[])"


async def raw_floor(url: str, people: int, workers: int, batch: int) -> int:
    """The sweep's database work and nothing else; returns the entitlements covered.

    Each worker reads its persons' facts batch by batch, as the sweep does, and writes one
    state row and one payment line per entitlement with COPY into scratch tables shaped
    like the real ones (logged tables, as the real ones are).
    """
    dsn = url.replace("postgres://", "postgresql://", 1)
    setup = await asyncpg.connect(dsn)
    await setup.execute(
        "DROP TABLE IF EXISTS floor_state, floor_line; "
        "CREATE TABLE floor_state (LIKE entitlement_state INCLUDING DEFAULTS); "
        "CREATE TABLE floor_line (LIKE payment_line INCLUDING DEFAULTS)"
    )
    run_id = await setup.fetchval("SELECT max(id) FROM payroll_run")
    await setup.close()
    bounds = [(lo, min(lo + batch - 1, people)) for lo in range(1, people + 1, batch)]
    computed = at(AS_OF, 10)

    async def worker(share: list[tuple[int, int]]) -> int:
        conn = await asyncpg.connect(dsn)
        covered = 0
        try:
            for lo, hi in share:
                rows = [await conn.fetch(sql, lo, hi) for sql in _FLOOR_READS]
                ents = rows[1]
                await conn.fetch(_FLOOR_STATES, [e["id"] for e in ents])  # by its unique index, as the sweep does
                covered += len(ents)
                async with conn.transaction():
                    await conn.copy_records_to_table("floor_state", records=[
                        (e["id"], "ACTIVE", "", None, None, None, None, AS_OF, computed, "{}", e["id"],
                         e["person_id"]) for e in ents
                    ], columns=["id", "status", "causes", "last_certified_on", "next_due", "overdue_from",
                                "remind_on", "as_of", "computed_at", "explanation", "entitlement_id", "person_id"])
                    await conn.copy_records_to_table("floor_line", records=[
                        (run_id, e["id"], e["person_id"], JULY, e["monthly_amount_fen"], "NORMAL", "SWEEP", "")
                        for e in ents
                    ], columns=["run_id", "entitlement_id", "person_id", "benefit_month", "amount_fen", "kind",
                                "source", "note"])
        finally:
            await conn.close()
        return covered

    counts = await asyncio.gather(*(worker(bounds[i::workers]) for i in range(workers)))
    return sum(counts)


async def main(args: argparse.Namespace) -> None:
    async with scratch_database(args.admin_url, "casehub_bench_sweep", keep=args.keep) as url:
        second = args.entitlements // 20
        people = args.entitlements - second
        started = time.perf_counter()
        counts = await fill(url, people, second, args.seed)
        generated = time.perf_counter() - started
        print(f"generated and copied in {generated:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        out = Path(tempfile.mkdtemp(prefix="casehub-sweep-"))
        now = at(AS_OF, 10)
        results = []
        for label in ("first run", "second run (idempotent)"):
            t0 = time.perf_counter()
            summary = await sweep(JULY, as_of=AS_OF, now=now, workers=args.workers, database_url=url,
                                  report_dir=out, batch_size=args.batch)  # fmt: skip
            seconds = time.perf_counter() - t0
            results.append((label, seconds, summary))
            print(f"{label}: {seconds:.1f} s  {summary.entitlements / seconds:,.0f} rows/s (entitlements); "
                  f"lines {summary.lines:,} ({summary.lines_fen:,} fen), status changes {summary.status_changes}, "
                  f"held {summary.held}, overpaid months {summary.overpaid_months:,}, recovery cases opened "
                  f"{summary.recovery_cases_opened:,} (changed {summary.recovery_changes:,}), duplicate receipts "
                  f"opened {summary.duplicates_opened:,}", flush=True)  # fmt: skip
        t0 = time.perf_counter()
        covered = await raw_floor(url, people, args.workers, args.batch)
        seconds = time.perf_counter() - t0
        print(f"raw floor (asyncpg reads + COPY writes, {args.workers} connections): {seconds:.1f} s  "
              f"{covered / seconds:,.0f} rows/s (entitlements)", flush=True)
        report = results[0][2].report_path
        print(f"adjustment list: {report} ({Path(report).stat().st_size / 1e6:.1f} MB)")
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}, workers {args.workers}, batch {args.batch}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entitlements", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--admin-url", default=os.environ.get("CASEHUB_TEST_POSTGRES_URL",
                                                              "postgres://postgres@127.0.0.1:5432/postgres"))
    asyncio.run(main(parser.parse_args()))
