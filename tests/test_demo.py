"""`casehub demo`: the synthetic Yangbi county is deterministic, complete and valid."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from enum import Enum
from typing import Any

import orjson
import pytest

from casehub.cases import load_cases
from casehub.demo import build_county, load_demo
from casehub.demo.clock import add_months, add_years
from casehub.demo.payroll import case_facts
from casehub.demo.places import TOWNSHIPS, UNITS
from casehub.domain import (
    CaseOutcome,
    Channel,
    CustodyMeasure,
    DependantChange,
    EventType,
    Penalty,
    RegionLevel,
    Role,
    Scheme,
    UnitKind,
)
from casehub.engine.months import age_on
from casehub.errors import ValidationError
from casehub.idnumber import parse_id_number
from casehub.models import EmployerUnit, Entitlement, Event, PaymentLine, PayrollRun, Person, Region, Staff
from casehub.models.regions import check_region_code
from casehub.payroll.plan import MonthContext, PaidLine, settle_person
from casehub.payroll.vocabulary import LineKind, LineSource, RunStatus
from casehub.policy import default_policy
from casehub.schema.entitlements.loaders import case_facts_loader, case_result_loader

N = 300
SEED = 7
TODAY = dt.date(2026, 6, 15)
LAUNCH = dt.date(2021, 11, 1)
TABLES = (Region, EmployerUnit, Staff, Person, Entitlement, Event, PayrollRun, PaymentLine)
MANUAL = {Channel.ONSITE_PAPER, Channel.WINDOW, Channel.HOME_VISIT}
PAYLOAD_KEYS = {  # as documented on EventType in casehub.domain
    EventType.CERTIFIED: {"channel"},
    EventType.CERTIFICATION_FAILED: {"channel", "reason"},
    EventType.DIED: set(),
    EventType.CUSTODY_STARTED: {"measure", "case_ref"},
    EventType.CUSTODY_ENDED: {"outcome", "case_ref"},
    EventType.SENTENCED: {"penalty", "suspended", "outside_prison", "case_ref"},
    EventType.SENTENCE_ENDED: {"case_ref"},
    EventType.DEPENDANT_CHANGED: {"change"},
    EventType.AMOUNT_CHANGED: {"scheme", "monthly_amount_fen"},
    EventType.REMINDER_SENT: {"channel", "due_on"},
    EventType.RETRACTED: {"reason"},
}


async def load() -> bool:
    return await load_demo(recipients=N, seed=SEED, today=TODAY)


def _canon(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return value


def _columns(model: Any) -> list[str]:
    return list(model._meta.fields_db_projection)


def _digest(tables: dict[str, list[tuple]]) -> str:
    return hashlib.sha256(orjson.dumps(tables)).hexdigest()


async def dump_database() -> str:
    out = {}
    for model in TABLES:
        rows = await model.all().order_by("id").values_list(*_columns(model))
        out[model.__name__] = [tuple(_canon(v) for v in row) for row in rows]
    return _digest(out)


def dump_built(**kwargs: Any) -> str:
    county = build_county(**kwargs)
    out = {}
    for model, (name, rows) in zip(TABLES, county.tables(), strict=True):
        assert model.__name__ == name
        out[name] = [tuple(_canon(getattr(row, c)) for c in _columns(model)) for row in rows]
    return _digest(out)


# --- pure: no database -------------------------------------------------------------------------


def test_same_seed_same_county_other_seed_another() -> None:
    first = dump_built(recipients=N, seed=SEED, today=TODAY)
    assert dump_built(recipients=N, seed=SEED, today=TODAY) == first
    assert dump_built(recipients=N, seed=SEED + 1, today=TODAY) != first


def test_arguments_are_checked() -> None:
    with pytest.raises(ValidationError) as too_few:
        build_county(recipients=10, seed=SEED, today=TODAY)
    assert too_few.value.code == "TOO_FEW"
    with pytest.raises(ValidationError) as too_early:
        build_county(recipients=N, seed=SEED, today=dt.date(2022, 6, 1))
    assert too_early.value.code == "TOO_EARLY"


def test_r_pay_4_the_demo_payroll_is_the_sweeps_own_step_month_by_month() -> None:
    """`build_payroll` evaluates once per state of knowledge; its lines equal the sweep's step (`settle_person`)
    run for every month in turn, as known when it closed. A window with July, when January's increase is
    entered: arrears (ADJUSTMENT lines) too."""
    today = dt.date(2026, 8, 10)
    county = build_county(recipients=1000, seed=SEED, today=today)
    policy = default_policy()
    cases = case_facts(county)
    paid: dict[int, list[PaidLine]] = defaultdict(list)
    expected = []
    for run in county.payroll_runs:
        ctx = MonthContext(month=run.month, as_of=add_months(run.month, 1) - dt.timedelta(days=1), run_open=True,
                           epoch=county.payroll_runs[0].month, previous_run=run.id > 1)  # fmt: skip
        for pid, case in cases.items():
            _, plan = settle_person(case, paid[pid], ctx, policy, known_at=run.closed_at, overrides={},
                                    in_processing=False, duplicate_pairs=())  # fmt: skip
            for p in plan.lines:
                expected.append((run.id, pid, p.entitlement_id, p.benefit_month, p.amount_fen, p.kind, p.note))
                paid[pid].append(PaidLine(p.entitlement_id, p.benefit_month, p.amount_fen, p.kind.value, run.month,
                                          True, LineSource.SWEEP.value, p.note, run.closed_at))  # fmt: skip
    built = [(ln.run_id, ln.person_id, ln.entitlement_id, ln.benefit_month, ln.amount_fen, ln.kind, ln.note)
             for ln in county.payment_lines]  # fmt: skip
    assert built == expected
    assert {kind for *_, kind, _ in built} == set(LineKind)


# --- loaded ------------------------------------------------------------------------------------


async def test_database_holds_exactly_the_built_county(db) -> None:
    """Two runs with one seed give the same rows: the load equals an independent rebuild."""
    assert await load()
    assert await dump_database() == dump_built(recipients=N, seed=SEED, today=TODAY)


async def test_second_load_refuses_and_writes_nothing(db) -> None:
    assert await load()
    counts = [await model.all().count() for model in TABLES]
    assert not await load()
    assert [await model.all().count() for model in TABLES] == counts


async def test_counts_and_staff_accounts(db) -> None:
    assert await load()
    assert await Person.all().count() == N
    assert await Region.all().count() == 1 + 9 + 70
    kinds = Counter(await EmployerUnit.all().values_list("kind", flat=True))
    assert kinds == {UnitKind.AGENCY: 3, UnitKind.ENTERPRISE: 3, UnitKind.WORK_INJURY: 3}
    staff = dict(await Staff.all().values_list("username", "role"))
    assert set(staff.values()) == set(Role)
    expected = {
        "admin": Role.COUNTY_ADMIN,
        "county1": Role.COUNTY_STAFF,
        "county2": Role.COUNTY_STAFF,
        "investigator": Role.INVESTIGATOR,
        "auditor": Role.AUDITOR,
        "importer": Role.IMPORT_SERVICE,
        "village-532922101001": Role.VILLAGE_ASSISTANT,
    }
    expected |= {f"township-{t.code}": Role.TOWNSHIP_STAFF for t in TOWNSHIPS}
    expected |= {f"unit-{u.code}": Role.UNIT_HANDLER for u in UNITS}
    assert {name: staff.get(name) for name in expected} == expected


async def test_region_codes_follow_the_prefix_rule(db) -> None:
    assert await load()
    regions = {r.id: r for r in await Region.all()}
    levels = Counter(r.level for r in regions.values())
    assert levels == {RegionLevel.COUNTY: 1, RegionLevel.TOWNSHIP: 9, RegionLevel.VILLAGE: 70}
    for r in regions.values():
        parent = regions[r.parent_id] if r.parent_id else None
        check_region_code(r.code, r.level, parent.code if parent else None)  # raises if broken
    townships = {r.code: r.name for r in regions.values() if r.level is RegionLevel.TOWNSHIP}
    assert townships == {t.code: t.name for t in TOWNSHIPS}
    assert set(townships) == {
        "532922101", "532922102", "532922103", "532922104",
        "532922201", "532922202", "532922204", "532922205", "532922206",
    }  # fmt: skip


async def test_id_numbers_valid_and_ages_plausible(db) -> None:
    assert await load()
    persons = {p.id: p for p in await Person.all()}
    for p in persons.values():
        parsed = parse_id_number(p.id_number)
        assert (parsed.area_code, parsed.birth_date, parsed.sex) == ("532922", p.birth_date, p.sex)
        assert p.phone is None or (len(p.phone) == 11 and p.phone.startswith("1"))
    pensioner_ages = [
        age_on(persons[e.person_id].birth_date, TODAY)
        for e in await Entitlement.all()
        if e.scheme is not Scheme.WORK_INJURY_LONG_TERM
    ]
    assert min(pensioner_ages) >= 55 and max(pensioner_ages) <= 95
    assert sum(age >= 80 for age in pensioner_ages) >= N // 20
    children = await Entitlement.filter(dependant_role="CHILD")
    turning_18 = [add_years(persons[e.person_id].birth_date, 18) for e in children]
    assert any(TODAY < day <= TODAY + dt.timedelta(days=183) for day in turning_18)  # soon
    assert any(LAUNCH < day <= TODAY for day in turning_18)  # already past
    assert all(day > e.start_month for day, e in zip(turning_18, children, strict=True))  # under 18 at start


async def test_entitlements_per_scheme(db) -> None:
    assert await load()
    entitlements = await Entitlement.all().prefetch_related("unit")
    by_person = Counter(e.person_id for e in entitlements)
    assert set(by_person) == set(await Person.all().values_list("id", flat=True))
    unit_kind = {
        Scheme.AGENCY_PENSION: UnitKind.AGENCY,
        Scheme.ENTERPRISE_PENSION: UnitKind.ENTERPRISE,
        Scheme.WORK_INJURY_LONG_TERM: UnitKind.WORK_INJURY,
    }
    yuan = {
        Scheme.RESIDENT_PENSION: (100, 400),
        Scheme.ENTERPRISE_PENSION: (2_000, 6_500),
        Scheme.AGENCY_PENSION: (4_000, 10_000),
        Scheme.WORK_INJURY_LONG_TERM: (300, 5_000),
    }
    for e in entitlements:
        assert e.start_month.day == 1 and dt.date(2000, 1, 1) <= e.start_month <= TODAY
        low, high = yuan[e.scheme]
        assert low * 100 <= e.monthly_amount_fen <= high * 100, e.monthly_amount_fen
        if e.scheme is Scheme.RESIDENT_PENSION:
            assert e.unit is None and e.dependant_role is None
        else:
            assert e.unit.kind is unit_kind[e.scheme]
            assert (e.dependant_role is not None) == (e.scheme is Scheme.WORK_INJURY_LONG_TERM)
    schemes = Counter(e.scheme for e in entitlements)
    assert schemes[Scheme.RESIDENT_PENSION] > N // 2 and all(schemes[s] for s in Scheme)
    resident = {e.person_id for e in entitlements if e.scheme is Scheme.RESIDENT_PENSION}
    employee = {e.person_id for e in entitlements if e.scheme in (Scheme.AGENCY_PENSION, Scheme.ENTERPRISE_PENSION)}
    assert resident & employee  # R-DUP-1: duplicate receipt cases to find


async def test_every_event_type_and_channel_with_documented_payloads(db) -> None:
    assert await load()
    events = await Event.all()
    assert {e.type for e in events} == set(EventType)
    certified = [e for e in events if e.type is EventType.CERTIFIED]
    assert {e.payload["channel"] for e in certified} == {c.value for c in Channel}
    channels = Counter(e.payload["channel"] for e in certified)
    assert channels.most_common(1)[0][0] == Channel.APP_SELF
    enums = {
        "channel": Channel,
        "measure": CustodyMeasure,
        "outcome": CaseOutcome,
        "penalty": Penalty,
        "change": DependantChange,
        "scheme": Scheme,
    }
    for e in events:
        if e.type is EventType.AMENDED:
            assert "reason" in e.payload and set(e.payload) <= {"occurred_on", "payload", "reason"}
            continue
        assert set(e.payload) == PAYLOAD_KEYS[e.type], e.type
        for key, enum in enums.items():
            if key in e.payload and e.type is not EventType.REMINDER_SENT:
                enum(e.payload[key])  # a valid enum value, stored as its string
    assert {e.payload["outcome"] for e in events if e.type is EventType.CUSTODY_ENDED} == {o.value for o in CaseOutcome}
    assert {e.payload["change"] for e in events if e.type is EventType.DEPENDANT_CHANGED} == {
        c.value for c in DependantChange
    }


async def test_timeline_invariants(db) -> None:
    assert await load()
    events = {e.id: e for e in await Event.all()}
    midnight_today = dt.datetime.combine(TODAY, dt.time(), dt.timezone(dt.timedelta(hours=8)))
    per_person = Counter()
    for e in sorted(events.values(), key=lambda e: e.id):
        per_person[e.person_id] += 1
        assert e.source_adapter == "demo" and e.batch_id is None
        assert e.natural_key == f"demo:{e.person_id}:{e.natural_key.rsplit(':', 1)[1]}"
        assert e.recorded_at.tzinfo is not None
        assert LAUNCH <= e.occurred_on <= e.recorded_at.astimezone(dt.UTC).date()  # R-TL-2
        assert e.recorded_at < midnight_today
        if e.type in (EventType.RETRACTED, EventType.AMENDED):
            target = events[e.corrects_id]
            assert target.person_id == e.person_id and target.id < e.id
            assert target.recorded_at < e.recorded_at
        else:
            assert e.corrects_id is None
        if e.type is EventType.CERTIFIED and Channel(e.payload["channel"]) in MANUAL:
            assert e.staff_id is not None  # R-ACC-1: who confirmed it
        if e.type is EventType.CERTIFIED and e.payload["channel"] == Channel.ONSITE_PAPER:
            assert any(ref.startswith("form:") for ref in e.evidence)
    assert len(per_person) > N * 0.9
    late_deaths = [
        e for e in events.values() if e.type is EventType.DIED and (e.recorded_at.date() - e.occurred_on).days > 45
    ]
    assert late_deaths  # R-PAY-4: overpayments to find


async def test_inserts_after_the_demo_get_fresh_ids(db) -> None:
    """PostgreSQL sequences are moved past the ids the demo assigned."""
    assert await load()
    staff = await Staff.create(username="later", name="后来", role=Role.AUDITOR)
    assert staff.id == await Staff.all().count()
    region = await Region.create(code="532922999", name="新区", level=RegionLevel.TOWNSHIP)
    assert region.id == 81


async def test_r_pay_4_the_past_months_payroll_is_closed_with_what_was_known_then(db) -> None:
    """The 6 months before today's were swept as of their last day, as known at midnight after it, and
    closed then; lines are the sweep's (NORMAL for the month itself, back pay and arrears for earlier ones)."""
    assert await load()
    county1 = await Staff.get(username="county1")
    runs = await PayrollRun.all().order_by("month")
    assert [r.month for r in runs] == [dt.date(2025, 12, 1)] + [dt.date(2026, m, 1) for m in range(1, 6)]
    cst = dt.timezone(dt.timedelta(hours=8))
    for run, closed_on in zip(runs, [dt.date(2026, m, 1) for m in range(1, 7)], strict=True):
        assert run.status is RunStatus.CLOSED and run.closed_by_id == county1.id
        assert run.closed_at == dt.datetime.combine(closed_on, dt.time(), cst)
        lines = await PaymentLine.filter(run_id=run.id).values_list("benefit_month", "amount_fen", "kind", "source")
        assert (run.line_count, run.total_fen) == (len(lines), sum(amount for _, amount, _, _ in lines)) != (0, 0)
        assert {source for *_, source in lines} == {LineSource.SWEEP}
        assert all((b == run.month) == (kind is LineKind.NORMAL) and b <= run.month for b, _, kind, _ in lines)
    assert await PaymentLine.filter(kind=LineKind.BACK_PAY).exists()  # R-SUS-2: late certifications paid back


async def test_r_pay_4_the_api_finds_overpayments_in_the_demo_ledger(db) -> None:
    """Deaths recorded after months were paid and closed: what the API's loader shows (R-PAY-4, R-TL-2)."""
    assert await load()
    policy = default_policy()
    loader = case_result_loader(case_facts_loader(), policy, with_payments=True)
    ids = await Person.all().order_by("id").values_list("id", flat=True)
    results = [r for r in await loader.load_many([(pid, TODAY, None) for pid in ids]) if r is not None]
    found = [(r.person_id, o) for r in results for e in r.entitlements for o in e.overpayments]
    assert found
    closing = dict(await PayrollRun.all().values_list("month", "closed_at"))
    for person_id, o in found:
        paid = await PaymentLine.filter(entitlement_id=o.entitlement_id, benefit_month=o.month).values_list(
            "amount_fen", "run__month"
        )
        assert o.paid_fen == sum(amount for amount, _ in paid) > 0 and o.due_fen == 0
        (proof,) = await Event.filter(id__in=o.reason.event_ids)
        assert proof.person_id == person_id and proof.type is EventType.DIED
        assert proof.recorded_at > closing[o.month]  # paid because the death was not known yet
        before = proof.recorded_at - dt.timedelta(seconds=1)
        (then,) = await case_result_loader(case_facts_loader(), policy, with_payments=True).load_many(
            [(person_id, TODAY, before)]
        )
        assert o.month not in {x.month for e in then.entitlements for x in e.overpayments}


async def test_the_engine_is_given_the_same_facts_as_from_the_database(db) -> None:
    """The demo pays its past months from facts built in memory: the same `load_cases` gives after loading."""
    county = build_county(recipients=N, seed=SEED, today=TODAY)
    assert await load()
    loaded = await load_cases([p.id for p in county.persons], on=TODAY)
    for pid, built in case_facts(county).items():
        assert built.person == loaded[pid].person and built.entitlements == loaded[pid].entitlements
        assert sorted(built.events, key=lambda e: e.id) == sorted(loaded[pid].events, key=lambda e: e.id)
