"""Benchmark data at scale: a Yangbi-like county with 100,000 recipients and ~2,000,000 events.

The database is created and migrated by casehub itself (`casehub.db.init_db(create_db=True)` and
`casehub.db.migrate()`), then filled with COPY (asyncpg `copy_records_to_table`), never through the
ORM, and VACUUM ANALYZEd. Everything comes from one `random.Random(seed)` and fixed dates, primary
keys included, so a seed gives the same database on every machine.

Shape (at `Scale.full()`):
- the county 532922, its 9 townships and 70 villages (codes and names of `casehub.demo.places`);
- recipients grouped by village, so one township's recipients have consecutive ids;
- ~96 % one entitlement, ~4 % two (a resident pension as well), 1 % work-injury dependants;
- a skewed timeline: 95 % of recipients have 5-15 events, 4.9 % 80-260, 0.1 % 1,000-3,000;
- one `entitlement_state` row per entitlement, derived from the recipient's last events (synthetic:
  the rules engine is not run here; the sweep benchmark measures that);
- staff: the county admin (`admin`, whose token the benchmark uses) and one account per township.

Never run against a database that holds anything else: `create` drops and recreates it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import asyncpg
import orjson

from casehub import db
from casehub.demo.names import full_name, phone
from casehub.demo.places import COUNTY_CODE, COUNTY_NAME, TOWNSHIPS, UNITS, place_weight
from casehub.idnumber import make_id_number

UTC = dt.UTC
CREATED_AT = dt.datetime(2024, 1, 1, tzinfo=UTC)
TODAY = dt.date(2025, 6, 30)  # the data's "today": the last events are recorded before it
FIRST_DAY = dt.date(2015, 1, 1)
CHANNELS = ("APP_SELF", "DATA_COMPARISON", "ONSITE_PAPER", "WINDOW", "HOME_VISIT")
CHANNEL_WEIGHTS = (50, 30, 10, 5, 5)


@dataclass(frozen=True)
class Scale:
    persons: int
    # (share of recipients, fewest events, most events), the last share takes the rest
    tiers: tuple[tuple[float, int, int], ...] = ((0.95, 5, 15), (0.049, 80, 260), (0.001, 1000, 3000))

    @classmethod
    def full(cls) -> Scale:
        return cls(persons=100_000)

    @classmethod
    def tiny(cls) -> Scale:
        """For the smoke test: enough recipients for one township's page of 100, ~10,000 events."""
        return cls(persons=1500, tiers=((0.97, 3, 8), (0.027, 20, 40), (0.003, 200, 300)))


@dataclass
class Summary:
    """What was generated, and the ids the read queries need."""

    seed: int
    persons: int = 0
    entitlements: int = 0
    events: int = 0
    states: int = 0
    heavy_person_id: int = 0  # the recipient with the most events (Q2)
    heavy_id_number: str = ""
    typical_id_number: str = ""  # a recipient with ~10 events (Q1)
    township_code: str = ""  # Q3: the first 100 recipients of this township
    township_first_person_id: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _event_count(rng: random.Random, scale: Scale) -> int:
    draw = rng.random()
    acc = 0.0
    for share, low, high in scale.tiers:
        acc += share
        if draw < acc:
            return rng.randint(low, high)
    _, low, high = scale.tiers[-1]
    return rng.randint(low, high)


class _Generator:
    """Builds the rows table by table; ids are assigned here, in order."""

    def __init__(self, seed: int, scale: Scale) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.summary = Summary(seed=seed)
        self.regions: list[tuple] = []
        self.village_ids: list[tuple[int, str, str]] = []  # (region id, code, township code)
        self.township_ids: dict[str, int] = {}
        self.units: list[tuple] = []
        self.persons: list[tuple] = []
        self.entitlements: list[tuple] = []
        self.person_entitlements: dict[int, list[tuple[int, str, int]]] = {}  # person -> (id, scheme, fen)
        self.event_counts: list[int] = []

    def geography(self) -> None:
        self.regions.append((1, COUNTY_CODE, COUNTY_NAME, "COUNTY", None))
        next_id = 2
        for township in TOWNSHIPS:
            self.township_ids[township.code] = next_id
            self.regions.append((next_id, township.code, township.name, "TOWNSHIP", 1))
            parent = next_id
            next_id += 1
            for code, name in township.places():
                self.regions.append((next_id, code, name, "VILLAGE", parent))
                self.village_ids.append((next_id, code, township.code))
                next_id += 1
        for i, unit in enumerate(UNITS, 1):
            self.units.append((i, unit.code, unit.name, unit.kind.value, self.township_ids[unit.township]))

    def people(self) -> None:
        rng, n = self.rng, self.scale.persons
        weights = [place_weight(code) for _, code, _ in self.village_ids]
        total = sum(weights)
        counts = [n * w // total for w in weights]
        counts[0] += n - sum(counts)
        used: set[str] = set()
        pid = 0
        eid = 0
        for (village_id, _code, township), count in zip(self.village_ids, counts, strict=True):
            if township == TOWNSHIPS[1].code and not self.summary.township_code:
                self.summary.township_code = township
                self.summary.township_first_person_id = pid + 1
            for _ in range(count):
                pid += 1
                work_injury = rng.random() < 0.01
                if work_injury:
                    birth = FIRST_DAY.replace(year=rng.randint(1945, 2012)) + dt.timedelta(days=rng.randrange(365))
                else:
                    birth = dt.date(rng.randint(1930, 1970), 1, 1) + dt.timedelta(days=rng.randrange(365))
                while True:
                    seq = rng.randrange(1000)
                    number = make_id_number(COUNTY_CODE, birth, seq)
                    if number not in used:
                        used.add(number)
                        break
                sex = "M" if seq % 2 else "F"
                tel = phone(rng) if rng.random() < 0.8 else None
                self.persons.append(
                    (pid, number, full_name(rng, sex, birth.year), birth, sex, tel, CREATED_AT, village_id)
                )
                ents = []
                start = dt.date(max(birth.year + 60, 2011), rng.randint(1, 12), 1)
                if work_injury:
                    schemes = [("WORK_INJURY_LONG_TERM", rng.choice((7, 8, 9)), rng.randint(80_000, 250_000))]
                    start = dt.date(rng.randint(2012, 2023), rng.randint(1, 12), 1)
                else:
                    draw = rng.random()
                    if draw < 0.06:
                        schemes = [("AGENCY_PENSION", rng.choice((1, 2, 3)), rng.randint(400_000, 900_000))]
                    elif draw < 0.15:
                        schemes = [("ENTERPRISE_PENSION", rng.choice((4, 5, 6)), rng.randint(200_000, 500_000))]
                    else:
                        schemes = []
                    if not schemes or rng.random() < 0.04:
                        schemes.append(("RESIDENT_PENSION", None, rng.randint(15_000, 40_000)))
                for scheme, unit, fen in schemes:
                    eid += 1
                    role = rng.choice(("SPOUSE", "CHILD", "PARENT")) if scheme == "WORK_INJURY_LONG_TERM" else None
                    self.entitlements.append((eid, scheme, start, fen, role, CREATED_AT, pid, village_id, unit))
                    ents.append((eid, scheme, fen))
                self.person_entitlements[pid] = ents
                self.event_counts.append(_event_count(rng, self.scale))
        self.summary.persons = pid
        self.summary.entitlements = eid
        heavy = max(range(pid), key=lambda i: self.event_counts[i])
        self.summary.heavy_person_id = heavy + 1
        self.summary.heavy_id_number = self.persons[heavy][1]
        typical = min(range(pid // 2, pid), key=lambda i: abs(self.event_counts[i] - 10))
        self.summary.typical_id_number = self.persons[typical][1]

    def events(self) -> Iterator[tuple]:
        """Event rows, person by person; also fills `self.states` (the projection)."""
        rng = self.rng
        self.states: list[tuple] = []
        eid = 0
        span = (TODAY - FIRST_DAY).days
        for index, count in enumerate(self.event_counts):
            pid = index + 1
            ents = self.person_entitlements[pid]
            # heavy timelines are dense (daily records), light ones yearly
            step = max(1, span // (count + 1))
            day = FIRST_DAY + dt.timedelta(days=rng.randrange(step))
            last_certified = None
            last_kind = "CERTIFIED"
            previous = None
            died = count >= 5 and rng.random() < 0.02
            for n in range(count):
                kind = rng.random()
                entitlement_id = None
                corrects = None
                if died and n == count - 1:
                    etype, payload = "DIED", {}
                elif kind < 0.70:
                    etype, payload = "CERTIFIED", {"channel": rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]}
                    last_certified = day
                elif kind < 0.85:
                    due_on = (day + dt.timedelta(days=30)).isoformat()
                    etype, payload = "REMINDER_SENT", {"channel": "SMS", "due_on": due_on}
                elif kind < 0.93:
                    etype = "CERTIFICATION_FAILED"
                    payload = {"channel": "APP_SELF", "reason": rng.choice(("FACE_MISMATCH", "NO_RESPONSE", "BLURRED"))}
                elif kind < 0.98 or previous is None:
                    ent_id, scheme, fen = rng.choice(ents)
                    entitlement_id = ent_id
                    new_fen = fen + rng.randint(1, 50) * 100
                    etype, payload = "AMOUNT_CHANGED", {"scheme": scheme, "monthly_amount_fen": new_fen}
                else:
                    etype, payload, corrects = "RETRACTED", {"reason": "recorded twice"}, previous
                eid += 1
                recorded = dt.datetime(day.year, day.month, day.day, tzinfo=UTC) + dt.timedelta(
                    hours=rng.randint(1, 9), seconds=rng.randrange(3600),
                    microseconds=rng.randrange(1_000_000) if rng.random() < 0.5 else 0,  # both spellings of a time
                )
                yield (
                    eid, etype, day, recorded, "bench", None, orjson.dumps(payload).decode(), "[]",
                    f"bench:{pid}:{n}", None, corrects, entitlement_id, pid, None,
                )
                previous = eid
                last_kind = etype
                day = day + dt.timedelta(days=rng.randint(max(1, step // 2), max(1, step * 3 // 2)))
                if day >= TODAY:
                    day = TODAY - dt.timedelta(days=1)
            self.summary.events = eid
            for ent_id, _scheme, _fen in ents:
                self.states.append(self._state(ent_id, pid, last_kind, last_certified))

    def _state(self, ent_id: int, pid: int, last_kind: str, certified: dt.date | None) -> tuple:
        if last_kind == "DIED":
            status, causes, due, overdue = "ENDED", "", None, None
        else:
            due = (certified or FIRST_DAY) + dt.timedelta(days=730)
            overdue = due if due < TODAY else None
            status = "SUSPENDED" if overdue else "ACTIVE"
            causes = "OVERDUE_CERTIFICATION" if overdue else ""
        explanation = orjson.dumps({"status": status, "rule": "R-BENCH", "text": "synthetic"}).decode()
        remind = due - dt.timedelta(days=30) if due else None
        return (ent_id, pid, status, causes, certified, due, overdue, remind, TODAY, CREATED_AT, explanation)

    def staff(self) -> list[tuple]:
        rows = [(1, "admin", "县管理员", "COUNTY_ADMIN", 1, None, True, CREATED_AT)]
        for i, (code, region_id) in enumerate(self.township_ids.items(), 2):
            rows.append((i, f"township-{code}", f"乡镇经办{i}", "TOWNSHIP_STAFF", region_id, None, True, CREATED_AT))
        return rows


COLUMNS = {
    "region": ("id", "code", "name", "level", "parent_id"),
    "employer_unit": ("id", "code", "name", "kind", "region_id"),
    "staff": ("id", "username", "name", "role", "region_id", "unit_id", "active", "created_at"),
    "person": ("id", "id_number", "name", "birth_date", "sex", "phone", "created_at", "village_id"),
    "entitlement": (
        "id", "scheme", "start_month", "monthly_amount_fen", "dependant_role", "created_at", "person_id",
        "region_id", "unit_id",
    ),
    "event": (
        "id", "type", "occurred_on", "recorded_at", "source_adapter", "source_row", "payload", "evidence",
        "natural_key", "batch_id", "corrects_id", "entitlement_id", "person_id", "staff_id",
    ),
    "entitlement_state": (
        "entitlement_id", "person_id", "status", "causes", "last_certified_on", "next_due", "overdue_from",
        "remind_on", "as_of", "computed_at", "explanation",
    ),
}


async def recreate_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        await conn.close()


async def migrate(url: str) -> None:
    """casehub's own schema: the same migrations `casehub migrate` applies."""
    async with db.connected(url, create_db=True):
        await db.migrate()


async def generate(url: str, admin_url: str, name: str, *, seed: int = 7, scale: Scale | None = None,
                   log=print) -> Summary:
    """Drop and recreate database `name`, migrate it with casehub, fill it with COPY, VACUUM ANALYZE."""
    scale = scale or Scale.full()
    t0 = time.perf_counter()
    await recreate_database(admin_url, name)
    await migrate(url)
    gen = _Generator(seed, scale)
    summary = gen.summary
    summary.seconds["migrate"] = time.perf_counter() - t0
    gen.geography()
    gen.people()
    conn = await asyncpg.connect(url)
    try:
        for table, rows in (
            ("region", gen.regions), ("employer_unit", gen.units), ("staff", gen.staff()),
            ("person", gen.persons), ("entitlement", gen.entitlements),
        ):
            await conn.copy_records_to_table(table, records=rows, columns=COLUMNS[table])
        t1 = time.perf_counter()
        await conn.copy_records_to_table("event", records=gen.events(), columns=COLUMNS["event"])
        summary.seconds["copy_events"] = time.perf_counter() - t1
        await conn.copy_records_to_table("entitlement_state", records=gen.states, columns=COLUMNS["entitlement_state"])
        summary.states = len(gen.states)
        for table in ("region", "employer_unit", "staff", "person", "entitlement", "event"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        t2 = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        summary.seconds["vacuum_analyze"] = time.perf_counter() - t2
    finally:
        await conn.close()
    summary.seconds["total"] = time.perf_counter() - t0
    log(
        f"generated {summary.persons:,} recipients, {summary.entitlements:,} entitlements, "
        f"{summary.events:,} events in {summary.seconds['total']:.0f} s"
    )
    return summary


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1:5432")
    parser.add_argument("--name", default="casehub_bench")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--summary", help="write the summary (the ids the queries need) to this JSON file")
    args = parser.parse_args()
    url = f"postgres://postgres@{args.host}/{args.name}"
    summary = asyncio.run(
        generate(url, f"postgres://postgres@{args.host}/postgres", args.name, seed=args.seed,
                 scale=Scale.tiny() if args.tiny else Scale.full())
    )
    if args.summary:
        Path(args.summary).write_text(json.dumps(asdict(summary)))
    print(summary)


if __name__ == "__main__":
    main()
