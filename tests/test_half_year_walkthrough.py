"""Six months in the demo county, January to June 2026, worked the way the county's staff work it.

The demo county (`casehub demo`, 150 recipients, seed 7) is loaded as it stood on 1 January 2026,
with the payroll of its last six months closed; from then on this test is the county: every month
the reporting bodies send their death reports, the recipients falling due certify, the bureau runs
`casehub sweep --month` (and again: it is idempotent) and closes the payroll month; in April and
May the villages post the half-yearly public notice, the spot check drawn in January is carried
out, and what it finds runs through an investigation, a recovery case and accountability. Almost
everything goes through the public GraphQL API as the front ends would send it, with the county's
own staff accounts, and the scheduled jobs through the `casehub` command. The clock is moved day
by day (time-machine), so that every record carries the day it would carry in the county.

Figures are derived from what the test arranged, never read back from the code that computes
them: January's payroll is the baseline (the demo's history decides it; it is checked for
consistency only), and every later month's payment lines, adjustment-list rows, status changes,
recoveries, report statuses, working days and the spot-check sample are predicted here first.

The cast, picked from the demo by rule (plain resident pensioners with no special story):
- A dies on 20 January; A's village sends its January report late, on 8 April: February and
  March were paid after the death and are recovered (R-DTH-4, R-DTH-5, R-PAY-4); the family
  repays in full.
- B is drawn for the spot check in January, dies on 10 January, and on 20 February B's son passes
  himself off as B on the app. The spot check finds B dead in May: the finding contradicts the
  certification, an investigation is opened, the certification is retracted, February to April
  are recovered, partly repaid, the rest in instalments (four eyes); the investigation is
  substantiated, accountability is recorded and the case goes to the police (R-ACC-2/3).
- D falls due in February and does not certify: suspended from March (R-SUS-1), certifies at the
  county window on 14 April, paid back March and April in May (R-SUS-2).
- G is wrongly reported dead in a township's February roster: not paid in March and April
  (closed months); G turns up at the window in May, the death is retracted (R-TL-1) and the two
  closed months are made good as adjustments in May.
- H dies on 14 March and is reported on time: paid through March, nothing to recover.
- C is named in a tip-off during the public notice; the township checks and closes it.
- The work-injury children who turn 18 in the half-year stop the month after their birthday
  (R-WID-1), with no report, computed from the birth date in the ID number.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import openpyxl
import pytest
import time_machine
from strawberry import relay

from casehub.app import create_app
from casehub.audit import verify_chain, verify_events
from casehub.cases import refresh_all_states
from casehub.demo import load_demo
from casehub.domain import DependantRole, EventType, RegionLevel, Role, Scheme
from casehub.errors import ValidationError
from casehub.models import (
    AuditEntry,
    DuplicateReceipt,
    EmployerUnit,
    Entitlement,
    EntitlementState,
    Event,
    PaymentLine,
    Person,
    RecoveryItem,
    Region,
    Staff,
    StatusChange,
)
from casehub.payroll.sweep import sweep
from casehub.policy import default_policy
from tests import factories
from tests.factories import SETTINGS

N, SEED, TODAY = 150, 7, dt.date(2026, 1, 1)
CST = dt.timezone(dt.timedelta(hours=8))
JAN, FEB, MAR, APR, MAY, JUN = (dt.date(2026, m, 1) for m in range(1, 7))
MONTHS = (JAN, FEB, MAR, APR, MAY, JUN)
SPOT_SEED = "2026-H1 福彩3D 2026005: 3 8 1"  # the publicly drawn number the bureau records
# yunnan-2023 (R-POL-2): pensions certified every 12 months, work-injury benefits every 6
CYCLE = {Scheme.RESIDENT_PENSION: 12, Scheme.AGENCY_PENSION: 12, Scheme.ENTERPRISE_PENSION: 12,
         Scheme.WORK_INJURY_LONG_TERM: 6}
# The State Council's 2026 holiday notice: weekdays off, and the weekend days worked (调休).
HOLIDAYS_2026 = {dt.date(2026, 1, 1), dt.date(2026, 1, 2), *(dt.date(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)),
                 dt.date(2026, 4, 6), dt.date(2026, 5, 1), dt.date(2026, 5, 4), dt.date(2026, 5, 5),
                 dt.date(2026, 6, 19)}
WORKED_WEEKENDS_2026 = {dt.date(2026, 1, 4), dt.date(2026, 2, 14), dt.date(2026, 2, 28), dt.date(2026, 5, 9)}
STORY_EVENTS = (EventType.DIED, EventType.CUSTODY_STARTED, EventType.SENTENCED, EventType.DEPENDANT_CHANGED,
                EventType.RETRACTED, EventType.AMENDED, EventType.CERTIFICATION_FAILED)
# the roster's words (src/casehub/processes/notices.py), as posted in the villages
SCHEME_ZH = {"RESIDENT_PENSION": "城乡居民基本养老保险", "AGENCY_PENSION": "机关事业单位基本养老保险",
             "ENTERPRISE_PENSION": "企业职工基本养老保险", "WORK_INJURY_LONG_TERM": "工伤保险长期待遇"}
STATUS_ZH = {"ACTIVE": "正常领取", "SUSPENDED": "暂停发放"}

SUBMIT = """mutation ($input: SubmitDeathReportInput!) { submitDeathReport(input: $input) {
  errors { field code message } recorded report { status daysLate entries { event } } } }"""
CERTIFY = """mutation ($input: RecordCertificationInput!) { recordCertification(input: $input) {
  errors { field code message } event { id type occurredOn }
  recipient { entitlements { state { status nextDue } } } } }"""
REPAY = """mutation ($input: RecordRepaymentInput!) { recordRepayment(input: $input) {
  errors { field code message } recoveryCase { repaidFen outstandingFen status } } }"""
REMOVE = """mutation ($input: RecordPublicNoticeRemovalInput!) { recordPublicNoticeRemoval(input: $input) {
  errors { field code message } notice { status workingDaysUp } } }"""
MOVE = """mutation ($input: TransitionInvestigationInput!) { transitionInvestigation(input: $input) {
  errors { field code message } investigation { status } } }"""
APPROVE = """mutation ($input: DecideRequestInput!) { approveRequest(input: $input) {
  errors { field code message } approvalRequest { status requestedBy { username } decidedBy { username } } } }"""


def working_day(day: dt.date) -> bool:
    return day in WORKED_WEEKENDS_2026 or (day.weekday() < 5 and day not in HOLIDAYS_2026)


def working_days_after(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (R-RPT-1's count)."""
    return sum(working_day(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))


def add_months(day: dt.date, months: int) -> dt.date:
    """R-CYC-3: the same day `months` later, clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month + 1, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)


def month_end(first: dt.date) -> dt.date:
    return add_months(first, 1) - dt.timedelta(days=1)


def ym(first: dt.date) -> str:
    return f"{first:%Y-%m}"


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


def pk(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


def masked(id_number: str) -> str:
    """docs/API.md: 532922********1234."""
    return id_number[:6] + "*" * 8 + id_number[-4:]


def rank(*parts: str) -> str:
    """R-SPT-2, docs/PROCESSES.md: sha256("<seed>|<period>|<scheme>|<level>|<key>") in hex."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def lowest(keys: list[str], k: int, scheme: str, level: str) -> list[str]:
    return sorted(keys, key=lambda key: (rank(SPOT_SEED, "2026-H1", scheme, level, key), key))[:k]


@dataclass
class Recipient:
    id: int
    name: str
    id_number: str
    village: str
    entitlement: int  # the (only) entitlement of the cast; the first one otherwise
    rate: int = 0  # the monthly amount paid in January, fen

    @property
    def gid(self) -> str:
        return gid("Recipient", self.id)


@dataclass
class County:
    """The test's own record of the county: what it arranged and therefore expects."""

    client: httpx.AsyncClient
    url: str
    clock: Any
    out: Any
    staff: dict[str, Staff] = field(default_factory=dict)
    certified: dict[int, dt.date] = field(default_factory=dict)  # person → certification day (this test's)
    submissions: int = 0  # death reports sent on time
    app_certifications: int = 0

    # --- the clock, and the two doors: GraphQL (the front ends) and the command line (the jobs) ----

    def at(self, day: dt.date, hour: int = 10, minute: int = 0) -> None:
        self.clock.move_to(dt.datetime.combine(day, dt.time(hour, minute), CST))

    async def gql(self, who: str, query: str, **variables: Any) -> dict:
        if who not in self.staff:
            self.staff[who] = await Staff.get(username=who)
        response = await self.client.post("/graphql", json={"query": query, "variables": variables},
                                          headers=factories.bearer(self.staff[who]))
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def mutate(self, who: str, query: str, field_name: str, **variables: Any) -> dict:
        """A mutation whose payload must carry no errors."""
        payload = (await self.gql(who, query, **variables))[field_name]
        assert payload["errors"] == [], payload["errors"]
        return payload

    async def batch(self, who: str, name: str, input_type: str, selection: str, inputs: list[dict]) -> list[dict]:
        """Several mutations of one kind in one request (aliases; at most 10 a request), none refused."""
        out = []
        for start in range(0, len(inputs), 10):
            chunk = inputs[start : start + 10]
            header = ", ".join(f"$i{n}: {input_type}!" for n in range(len(chunk)))
            body = " ".join(f"m{n}: {name}(input: $i{n}) {selection}" for n in range(len(chunk)))
            data = await self.gql(who, f"mutation ({header}) {{ {body} }}",
                                  **{f"i{n}": value for n, value in enumerate(chunk)})
            for n in range(len(chunk)):
                assert data[f"m{n}"]["errors"] == [], (chunk[n], data[f"m{n}"]["errors"])
                out.append(data[f"m{n}"])
        return out

    def cli(self, *args: str) -> str:
        """The `casehub` command as an operator runs it (in real time: its own clock is not moved)."""
        env = dict(os.environ, CASEHUB_DATABASE_URL=self.url, COLUMNS="200")
        done = subprocess.run([sys.executable, "-m", "casehub", *args], capture_output=True, text=True, env=env,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    # --- the monthly work -------------------------------------------------------------------------

    async def death_reports(self, month: dt.date, *, skip: frozenset[str] = frozenset(),
                            deaths: dict[str, list[tuple[Recipient, dt.date]]] | None = None,
                            passed_on: dict[str, list[tuple[Recipient, dt.date]]] | None = None,
                            ) -> dict[str, tuple[int, int]]:
        """Every body owing a report on `month` sends it today (on time), except `skip` ("VILLAGE:<code>", …).

        Township staff enter their villages' reports and their own two rosters (R-DTH-1, R-DTH-3),
        each unit's handler its unit's (R-DTH-2). `deaths` lists the deaths each report brings, by
        "<scheme>:<body key>"; `passed_on` those a township roster passes on from its villages.
        """
        deaths = deaths or {}
        passed_on = passed_on or {}

        def report(scheme: str, reporter: str, code: str) -> dict:
            rows = [{"idNumber": r.id_number, "diedOn": day.isoformat(), "evidence": [f"死亡证明:{r.id}"]}
                    for r, day in deaths.get(f"{scheme}:{reporter}:{code}", [])
                    + passed_on.get(f"{scheme}:{reporter}:{code}", [])]
            return {"scheme": scheme, "reporter": reporter, "bodyCode": code, "month": ym(month), "deaths": rows}

        selection = "{ errors { field code message } recorded alreadyRecorded report { status daysLate } }"
        sent: dict[str, tuple[int, int]] = {}  # "<scheme>:<body key>" → (recorded, already on file)
        for township in await Region.filter(level=RegionLevel.TOWNSHIP).order_by("code").values_list("code",
                                                                                                      flat=True):
            villages = await Region.filter(level=RegionLevel.VILLAGE, code__startswith=township).order_by(
                "code").values_list("code", flat=True)
            inputs = [report("RESIDENT_PENSION", "VILLAGE", v) for v in villages]
            inputs += [report("RESIDENT_PENSION", "TOWNSHIP", township), report("ENTERPRISE_PENSION", "TOWNSHIP",
                                                                               township)]
            inputs = [i for i in inputs if f"{i['reporter']}:{i['bodyCode']}" not in skip]
            done = await self.batch(f"township-{township}", "submitDeathReport", "SubmitDeathReportInput",
                                    selection, inputs)
            assert {d["report"]["status"] for d in done} == {"ON_TIME"}
            sent.update({f"{i['scheme']}:{i['reporter']}:{i['bodyCode']}": (d["recorded"], d["alreadyRecorded"])
                         for i, d in zip(inputs, done, strict=True)})
            self.submissions += len(inputs)
        for unit in await agency_units():
            if f"UNIT:{unit}" not in skip:
                (done,) = await self.batch(f"unit-{unit}", "submitDeathReport", "SubmitDeathReportInput",
                                           selection, [report("AGENCY_PENSION", "UNIT", unit)])
                sent[f"AGENCY_PENSION:UNIT:{unit}"] = (done["recorded"], done["alreadyRecorded"])
                self.submissions += 1
        # each death is recorded once, by the first report to bring it; a roster passing it on points at it
        assert {key: n for key, n in sent.items() if n != (0, 0)} == {
            **{key: (len(rows), 0) for key, rows in deaths.items()},
            **{key: (0, len(rows)) for key, rows in passed_on.items()}}
        return sent

    async def due_list(self, month: dt.date) -> set[int]:
        """The work list: everyone with a paid entitlement falling due by the end of `month`."""
        found: set[int] = set()
        after = None
        while True:
            page = (await self.gql("county1", """query ($before: Date!, $after: String) {
              recipients(filter: {dueBefore: $before, statuses: [ACTIVE]}, first: 100, after: $after) {
                pageInfo { hasNextPage endCursor } edges { node { id } } } }""",
                                   before=month_end(month).isoformat(), after=after))["recipients"]
            found |= {pk(e["node"]["id"]) for e in page["edges"]}
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    async def certify(self, people: set[int], day: dt.date) -> None:
        """App certifications (R-CYC-4), entered by the bureau's desk from the 12333 results."""
        inputs = [{"recipientId": gid("Recipient", p), "channel": "APP_SELF", "certifiedOn": day.isoformat(),
                   "evidence": [f"12333:{day:%Y%m%d}:{p}"]} for p in sorted(people)]
        await self.batch("county1", "recordCertification", "RecordCertificationInput",
                         "{ errors { field code message } event { id } }", inputs)
        self.certified.update(dict.fromkeys(people, day))
        self.app_certifications += len(people)

    async def sweep_again(self, month: dt.date) -> None:
        """The same month swept again (a retried job, an operator's check): it records nothing new, plans the
        same lines and writes the same list (docs/PAYROLL.md: idempotent)."""
        async def state() -> tuple:
            listed = adjustment_rows(self.out / f"payroll-adjustments-{ym(month)}.xlsx")
            return (await lines_of(month), await StatusChange.all().count(), await RecoveryItem.all().count(),
                    await DuplicateReceipt.all().count(), listed)

        before = await state()
        again = await sweep(month, as_of=month_end(month), report_dir=self.out, staff_id=(await Staff.get(
            username="county1")).id)
        assert (again.status_changes, again.recovery_changes, again.duplicates_opened) == ({}, 0, 0)
        assert await state() == before

    def sweep(self, month: dt.date) -> str:
        """`casehub sweep --month`, as the bureau schedules it on the month's last day."""
        return self.cli("sweep", "--month", ym(month), "--as-of", month_end(month).isoformat(), "--out",
                        str(self.out), "--as", "county1")

    async def close(self, month: dt.date) -> dict:
        """The finance office has paid: the payroll month is closed through the API (permission PAYROLL)."""
        payload = await self.mutate("county1", """mutation ($input: ClosePayrollMonthInput!) {
          closePayrollMonth(input: $input) { errors { field code message }
            payrollRun { status lineCount totalFen closedBy { username } } } }""", "closePayrollMonth",
                                    input={"month": month.isoformat()})
        return payload["payrollRun"]


def fen(lines: Counter) -> int:
    return sum(amount * n for (*_, amount), n in lines.items())


async def compliance(c: County, month: str, as_of: str) -> list[dict]:
    return (await c.gql("county1", """query ($month: String!, $asOf: Date) {
      deathReportCompliance(fromMonth: $month, asOf: $asOf) { rows {
        reporter bodyCode status receivedOn daysLate deaths submissions } } }""", month=month, asOf=as_of)
            )["deathReportCompliance"]["rows"]


async def recipient_timeline(c: County, r: Recipient) -> list[dict]:
    return (await c.gql("county1", """query ($id: ID!) { node(id: $id) { ... on Recipient { timeline {
      type occurredOn recordedAt sourceAdapter retracted recordedBy { username } } } } }""", id=r.gid)
            )["node"]["timeline"]


async def recipient_events(c: County, r: Recipient) -> list[dict]:
    return (await c.gql("county1", """query ($id: ID!) { node(id: $id) { ... on Recipient { timeline {
      id type occurredOn retracted } } } }""", id=r.gid))["node"]["timeline"]


async def recovery_cases(c: County) -> list[dict]:
    return [edge["node"] for edge in (await c.gql("investigator", """{ recoveryCases(first: 100) { edges { node {
      id status amountDueFen repaidFen outstandingFen openedMonth recipient { id }
      items { benefitMonth paidFen dueFen amountFen rule proofEvent knownSince }
      instalmentPlan { instalments firstDueMonth totalFen requestedBy { username } approvedBy { username }
        schedule { seq dueMonth amountFen paidFen overdue } } } } } }"""))["recoveryCases"]["edges"]]


async def overpayments(c: County, r: Recipient, as_of: str) -> list[tuple]:
    """The live assessment's overpayments (the recipient's page): (month, fen, proving event, known since)."""
    page = (await c.gql("investigator", """query ($id: ID!, $asOf: Date!) { node(id: $id) { ... on Recipient {
      assessment(asOf: $asOf) { entitlements { overpayments { month amountFen knownSince
        explanation { eventIds } } } } } } }""", id=r.gid, asOf=as_of))["node"]["assessment"]
    return [(o["month"], o["amountFen"], pk(o["explanation"]["eventIds"][0]), o["knownSince"])
            for e in page["entitlements"] for o in e["overpayments"]]


async def recovery_case(c: County, person: int) -> dict:
    return next(x for x in await recovery_cases(c) if pk(x["recipient"]["id"]) == person)


async def agency_units() -> list[str]:
    """R-DTH-2: the units managing at least one agency pension report (docs/PROCESSES.md)."""
    ids = await Entitlement.filter(scheme=Scheme.AGENCY_PENSION).distinct().values_list("unit_id", flat=True)
    return sorted(await EmployerUnit.filter(id__in=list(ids)).values_list("code", flat=True))


async def lines_of(month: dt.date) -> Counter:
    """The month's payment lines: (entitlement, benefit month, kind, fen)."""
    return Counter(
        (eid, b, str(kind), amount)
        for eid, b, kind, amount in await PaymentLine.filter(run__month=month).values_list(
            "entitlement_id", "benefit_month", "kind", "amount_fen")
    )


def adjustment_rows(path: Any) -> Counter:
    """The finance office's list: (kind, entitlement, months, fen, last month's fen)."""
    sheet = openpyxl.load_workbook(path)["调整清单 Adjustments"]
    return Counter((r[0], r[6], r[7], r[8], r[9]) for r in sheet.iter_rows(min_row=2, values_only=True))


async def changes_of(month: dt.date) -> Counter:
    """The status changes the month's sweeps recorded: (entitlement, from, to, causes)."""
    return Counter(
        (eid, str(a) if a else None, str(b), causes)
        for eid, a, b, causes in await StatusChange.filter(month=month).values_list(
            "entitlement_id", "from_status", "to_status", "causes")
    )


async def test_a_half_year_in_the_demo_county(db, tmp_path):
    start = dt.datetime.combine(TODAY, dt.time(8), CST)
    with time_machine.travel(start, tick=False) as clock:
        assert await load_demo(recipients=N, seed=SEED, today=TODAY)
        await refresh_all_states(default_policy(), as_of=TODAY)
        app = create_app(SETTINGS, manage_database=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            await walk(County(client, db, clock, tmp_path))


async def walk(county: County) -> None:
    c = county
    # --- what the county holds on 1 January (the demo's deterministic build) -------------------
    villages = await Region.filter(level=RegionLevel.VILLAGE).order_by("code").values_list("code", flat=True)
    townships = await Region.filter(level=RegionLevel.TOWNSHIP).order_by("code").values_list("code", flat=True)
    units = await agency_units()
    assert (len(villages), len(townships)) == (70, 9)  # the demo's places (src/casehub/demo/places.py)
    bodies = len(villages) + 2 * len(townships) + len(units)  # R-DTH-1..3: who owes a report each month
    people = {p["id"]: p for p in await Person.all().values("id", "name", "id_number", "village__code")}
    entitlements = await Entitlement.all().order_by("id").values(
        "id", "person_id", "scheme", "dependant_role", "start_month")
    held = defaultdict(list)
    for e in entitlements:
        held[e["person_id"]].append(e)
    baseline = {s["entitlement_id"]: s for s in await EntitlementState.all().values(
        "entitlement_id", "status", "next_due", "last_certified_on")}
    storied = set(await Event.filter(type__in=STORY_EVENTS).values_list("person_id", flat=True))
    assistants = set(await Staff.filter(role=Role.VILLAGE_ASSISTANT).values_list("region__code", flat=True))

    def birthday_18(pid: int) -> dt.date:
        number = people[pid]["id_number"]  # digits 7-14 are the date of birth (GB 11643)
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        return born.replace(year=born.year + 18)

    # R-WID-1: the work-injury children turning 18 this half-year stop the month after, unreported
    kids = {e["id"]: birthday_18(e["person_id"]) for e in entitlements
            if e["dependant_role"] == DependantRole.CHILD and baseline[e["id"]]["status"] == "ACTIVE"
            and birthday_18(e["person_id"]) <= month_end(JUN)}
    assert len(kids) >= 2  # the demo's two "soon18" stories at least

    def plain(pid: int) -> bool:
        """A resident pensioner with nothing special on file, paid, in a village with an assistant account
        (A's late report and B's false certification are entered by their villages' assistants)."""
        mine = held[pid]
        return (len(mine) == 1 and mine[0]["scheme"] == Scheme.RESIDENT_PENSION and pid not in storied
                and baseline[mine[0]["id"]]["status"] == "ACTIVE" and people[pid]["village__code"] in assistants)

    def due_by(pid: int, day: dt.date) -> bool:
        return any(baseline[e["id"]]["status"] == "ACTIVE" and baseline[e["id"]]["next_due"] <= day
                   for e in held[pid])


    # === January ==================================================================================
    # 2 January: every body reports December's deaths, all on time; none are known (the demo's
    # deaths up to December are on file already).
    c.at(dt.date(2026, 1, 2))
    await c.death_reports(dt.date(2025, 12, 1))
    # 5 January: the due list and the app results of everyone falling due in January.
    c.at(dt.date(2026, 1, 5))
    due = await c.due_list(JAN)
    assert due == {p for p in people if due_by(p, month_end(JAN))}
    await c.certify(due, dt.date(2026, 1, 5))
    # 6 January: the half-year's spot check is drawn from the publicly drawn number (R-SPT-1/2).
    c.at(dt.date(2026, 1, 6), 9)
    table = await compliance(c, "2025-12", "2026-01-06")  # R-DTH-4: every expected body, all on time
    assert len(table) == bodies and Counter(r["status"] for r in table) == {"ON_TIME": bodies}
    samples = {  # the policy's sample per scheme (docs/PROCESSES.md: 2 townships × 2 villages × 5, …)
        "AGENCY_PENSION": ("UNIT", 2, None, 3),
        "ENTERPRISE_PENSION": ("AREA", 2, 1, 3),
        "RESIDENT_PENSION": ("AREA", 2, 2, 5),
    }
    groups: dict[str, dict] = {scheme: defaultdict(lambda: defaultdict(list)) for scheme in samples}
    unit_of = dict(await Entitlement.all().values_list("id", "unit__code"))
    for e in entitlements:  # the population: everyone currently paid, by village or by unit
        if e["scheme"] in samples and baseline[e["id"]]["status"] == "ACTIVE":
            village = people[e["person_id"]]["village__code"]
            if samples[e["scheme"]][0] == "AREA":
                groups[e["scheme"]][village[:9]][village].append(e["person_id"])
            else:
                groups[e["scheme"]][unit_of[e["id"]]][""].append(e["person_id"])
    expected_sample, shortfalls = [], []

    def take(keys: list[str], k: int, scheme: str, level: str, within: str = "") -> list[str]:
        if len(keys) < k:
            shortfalls.append(f"{scheme} {level.lower()}s{within}: {len(keys)} of {k}")  # as the draw words it
        return lowest(keys, k, scheme, level)

    for scheme, (method, first, second, per) in samples.items():
        chosen = []
        for top in take(sorted(groups[scheme]), first, scheme, "TOWNSHIP" if method == "AREA" else "UNIT"):
            if method == "AREA":
                chosen += [(v, groups[scheme][top][v]) for v in take(
                    sorted(groups[scheme][top]), second, scheme, "VILLAGE", f" in {top}")]
            else:
                chosen.append((top, groups[scheme][top][""]))
        for code, members in chosen:
            for person in take([str(m) for m in sorted(set(members))], per, scheme, "PERSON", f" in {code}"):
                expected_sample.append((len(expected_sample) + 1, scheme, code, int(person)))
    drawn = (await c.mutate("county1", """mutation ($input: DrawSpotCheckInput!) { drawSpotCheck(input: $input) {
      errors { field code message } spotCheck { id period seed algorithm shortfalls
        items { id position scheme groupCode recipient { id } } } } }""", "drawSpotCheck",
                            input={"period": "2026-H1", "seed": SPOT_SEED}))["spotCheck"]
    assert (drawn["period"], drawn["seed"], drawn["algorithm"]) == ("2026-H1", SPOT_SEED, "sha256-rank-v1")
    assert [(i["position"], i["scheme"], i["groupCode"], pk(i["recipient"]["id"])) for i in drawn["items"]] == (
        expected_sample)
    assert sorted(drawn["shortfalls"]) == sorted(shortfalls)
    verified = (await c.gql("admin", """{ verifySpotCheck(period: "2026-H1") {
      ok populationOk sampleOk expected recorded } }"""))["verifySpotCheck"]
    assert verified == {"ok": True, "populationOk": True, "sampleOk": True, "expected": len(expected_sample),
                        "recorded": len(expected_sample)}
    sampled = {p for *_, p in expected_sample}

    # The cast, by rule, in person-id order.
    def cast(pid: int) -> Recipient:
        p = people[pid]
        return Recipient(pid, p["name"], p["id_number"], p["village__code"], held[pid][0]["id"])

    def next_due(pid: int) -> dt.date:
        return baseline[held[pid][0]["id"]]["next_due"]

    b = cast(next(p for _, scheme, _, p in expected_sample if scheme == "RESIDENT_PENSION" and plain(p)
                  and FEB <= next_due(p) <= month_end(MAR)))
    free = [p for p in sorted(people) if plain(p) and p not in sampled and p != b.id]
    d = cast(next(p for p in free if dt.date(2026, 2, 6) <= next_due(p) <= dt.date(2026, 2, 27)))
    later = [p for p in free if next_due(p) > month_end(JUN)]
    a = cast(later[0])
    g = cast(next(p for p in later if people[p]["village__code"] not in {a.village}))
    h = cast(next(p for p in later if people[p]["village__code"] not in {a.village, g.village}))
    cast_villages = {r.village for r in (a, b, d, g, h)}
    kid_villages = {people[e["person_id"]]["village__code"] for e in entitlements if e["id"] in kids}
    notice_village = next(v for v in sorted(assistants) if v not in cast_villages | kid_villages
                          and any(plain(p) and p not in sampled and people[p]["village__code"] == v for p in free))
    tipped = cast(next(p for p in free if people[p]["village__code"] == notice_village))
    too_short, no_notice = [v for v in villages if v != notice_village][:2]
    silent_unit = units[0]  # the unit whose March report never comes

    # 31 January: the walk-through's first sweep. The demo's six closed months (July to December 2025,
    # src/casehub/demo/payroll.py) are the ledger it settles against; January is the baseline.
    c.at(month_end(JAN), 18)
    out = c.sweep(JAN)
    jan = await lines_of(JAN)
    # entitlement → its monthly amount: January's, and every month's of the half-year, since each
    # January's increase is entered only in July (src/casehub/demo/__init__.py)
    paid = {}
    for eid, benefit, kind, amount in jan:
        if kind == "NORMAL":
            assert benefit == JAN and eid not in paid
            paid[eid] = amount
    active = {eid for eid, s in baseline.items() if s["status"] == "ACTIVE"}
    assert set(paid) == active  # everyone due in January certified: exactly the paid of 1 January are paid
    # January also pays back what the demo's history left to pay back (R-SUS-2: the month after the
    # certification): here the holder of entitlement 111, released from prison on 17 November 2025 and
    # then overdue, certified on 19 December — December was withheld (R-SUS-1) and is paid in January.
    # The API's live assessment of January (the front end's view) must say the same.
    back_pay = Counter(line for line in jan if line[2] == "BACK_PAY")
    assert {eid for eid, *_ in back_pay} == {111}
    for eid in {eid for eid, *_ in back_pay}:
        decision = (await c.gql("county1", """query ($id: ID!) { node(id: $id) { ... on Entitlement {
          assessment(asOf: "2026-01-31") { decisions(fromMonth: "2026-01-01", toMonth: "2026-01-01") {
            action rateFen backPayMonths backPayFen explanation { rule } } } } } }""",
                                   id=gid("Entitlement", eid)))["node"]["assessment"]["decisions"][0]
        mine = sorted((b, amount) for e, b, _, amount in back_pay if e == eid)
        assert decision == {"action": "BACK_PAY", "rateFen": paid[eid], "explanation": {"rule": "R-SUS-2"},
                            "backPayMonths": [b.isoformat() for b, _ in mine],
                            "backPayFen": sum(amount for _, amount in mine)}
    assert jan == Counter((eid, JAN, "NORMAL", amount) for eid, amount in paid.items()) + back_pay
    assert f"payroll 2026-01: {jan.total()} lines, {fen(jan)} fen planned" in out
    # R-DUP-1: the demo's two people who draw a resident and an employee pension are found once.
    both = {pid: (min(e["id"] for e in mine), max(e["start_month"] for e in mine))
            for pid, mine in held.items() if len(mine) == 2}
    assert len(both) == 2 and "duplicate receipts opened 2" in out
    # The list compares with December's regular payment — the demo's closed December payroll, which
    # withheld entitlement 111: it resumes in January, with December paid back.
    december = {eid: amount for eid, b, kind, amount in await lines_of(dt.date(2025, 12, 1))
                if kind == "NORMAL" and b == dt.date(2025, 12, 1)}
    assert not december.keys() & {eid for eid, *_ in back_pay}
    assert adjustment_rows(c.out / "payroll-adjustments-2026-01.xlsx") == Counter(
        [("BACK_PAY", eid, ym(b), amount, 0) for eid, b, _, amount in back_pay]
        + [("RESUME", eid, "2026-01", paid[eid], 0) for eid in {eid for eid, *_ in back_pay}]
        + [("DUPLICATE", first, ym(since), 0, 0) for first, since in both.values()])
    assert await changes_of(JAN) == Counter()  # nobody's status moved during January
    await c.sweep_again(JAN)
    run = await c.close(JAN)
    assert run == {"status": "CLOSED", "lineCount": jan.total(), "totalFen": fen(jan),
                   "closedBy": {"username": "county1"}}
    found = (await c.gql("investigator", """{ duplicateReceipts(status: OPEN) { totalCount edges { node {
      firstEntitlement overlapFrom detectedMonth recipient { id } } } } }"""))["duplicateReceipts"]
    assert sorted((pk(n["node"]["recipient"]["id"]), pk(n["node"]["firstEntitlement"]), n["node"]["overlapFrom"],
                   n["node"]["detectedMonth"]) for n in found["edges"]) == sorted(
        (pid, first, since.isoformat(), "2026-01-01") for pid, (first, since) in both.items())

    # The months ahead, as the test arranges them: who is paid each month (NORMAL lines), what is
    # paid on top. Everyone else certifies when due and keeps being paid the same amount.
    stops = {month: {eid for eid, day in kids.items() if day < month} for month in MONTHS}  # R-WID-1

    def expected_lines(month: dt.date, unpaid: set[int], extra: Counter | None = None) -> Counter:
        return Counter((eid, month, "NORMAL", amount) for eid, amount in paid.items()
                       if eid not in unpaid | stops[month]) + (extra or Counter())

    # === February =================================================================================
    # 2 February: January's reports — all but A's village, whose assistant has not sent it.
    c.at(dt.date(2026, 2, 2))
    await c.death_reports(JAN, skip=frozenset({f"VILLAGE:{a.village}"}))
    c.at(dt.date(2026, 2, 5))
    due = await c.due_list(FEB)
    assert due == {p for p in people if due_by(p, month_end(FEB)) and p not in c.certified} and d.id in due
    await c.certify(due - {d.id}, dt.date(2026, 2, 5))  # D does not come
    # 6 February: the compliance table for January (R-DTH-4) — one body missing, the rest on time.
    c.at(dt.date(2026, 2, 6))
    table = await compliance(c, "2026-01", "2026-02-06")
    assert Counter(r["status"] for r in table) == {"ON_TIME": bodies - 1, "MISSING": 1}
    assert [r["bodyCode"] for r in table if r["status"] == "MISSING"] == [a.village]
    # 20 February: B's son passes himself off as B on the 12333 app; the village assistant helping him
    # enters the result (B died on 10 January; nobody has reported it).
    c.at(dt.date(2026, 2, 20), 16)
    assistant_b = f"village-{b.village}"
    fake = (await c.mutate(assistant_b, CERTIFY, "recordCertification", input={
        "recipientId": b.gid, "channel": "APP_SELF", "certifiedOn": "2026-02-20",
        "evidence": ["12333:20260220:face-match"]}))["event"]
    # 28 February: February's sweep. Nothing changed against January: everyone due certified (B, by
    # fraud), D is not overdue before the month ends; no one-off lines, an empty adjustment list.
    c.at(month_end(FEB), 18)
    out = c.sweep(FEB)
    feb = await lines_of(FEB)
    assert feb == expected_lines(FEB, set())
    assert f"payroll 2026-02: {feb.total()} lines, {fen(feb)} fen planned" in out
    assert adjustment_rows(c.out / "payroll-adjustments-2026-02.xlsx") == Counter()
    assert await changes_of(FEB) == Counter()
    await c.sweep_again(FEB)
    assert (await c.close(FEB))["totalFen"] == fen(feb)
    c.certified[b.id] = dt.date(2026, 2, 20)  # on file, if false

    # === March ====================================================================================
    # 2 March: February's reports. G's township centre lists G as dead on 25 February in its roster —
    # a namesake's death, entered against G (R-DTH-5: G's pension ends from March).
    c.at(dt.date(2026, 3, 2))
    await c.death_reports(FEB, deaths={f"RESIDENT_PENSION:TOWNSHIP:{g.village[:9]}": [(g, dt.date(2026, 2, 25))]})
    timeline = await recipient_timeline(c, g)
    assert timeline[-1] == {"type": "DIED", "occurredOn": "2026-02-25", "recordedAt": "2026-03-02T02:00:00+00:00",
                            "sourceAdapter": "death_report", "retracted": False,
                            "recordedBy": {"username": f"township-{g.village[:9]}"}}
    c.at(dt.date(2026, 3, 5))
    due = await c.due_list(MAR)
    assert due == {p for p in people if due_by(p, month_end(MAR)) and p not in c.certified}
    assert d.id in due  # still shown ACTIVE: D's suspension begins with March (R-SUS-1)
    await c.certify(due - {d.id}, dt.date(2026, 3, 5))
    c.at(dt.date(2026, 3, 6))
    table = await compliance(c, "2026-02", "2026-03-06")
    assert Counter(r["status"] for r in table) == {"ON_TIME": bodies}
    assert [(r["reporter"], r["bodyCode"]) for r in table if r["deaths"]] == [("TOWNSHIP", g.village[:9])]
    # 31 March: D is withheld (due in February, not certified: R-SUS-1), G's pension has ended; the
    # first child turned 18 on 14 March: still paid for March, stopped from April (R-WID-1).
    c.at(month_end(MAR), 18)
    out = c.sweep(MAR)
    mar = await lines_of(MAR)
    assert mar == expected_lines(MAR, {d.entitlement, g.entitlement})
    assert f"payroll 2026-03: {mar.total()} lines, {fen(mar)} fen planned" in out
    assert adjustment_rows(c.out / "payroll-adjustments-2026-03.xlsx") == Counter([
        ("SUSPEND", d.entitlement, "2026-03", 0, paid[d.entitlement]),
        ("END", g.entitlement, "2026-03", 0, paid[g.entitlement])])
    # Only what the sweep itself finds is a status change of the sweep: D's suspension. G's end was
    # recorded when the report came in (the projection is refreshed after every write).
    assert await changes_of(MAR) == Counter([(d.entitlement, "ACTIVE", "SUSPENDED", "OVERDUE_CERTIFICATION")])
    await c.sweep_again(MAR)
    assert (await c.close(MAR))["totalFen"] == fen(mar)
    # A closed month never changes (docs/PAYROLL.md): the service refuses, and so does the database.
    again = (await c.gql("county1", """mutation { closePayrollMonth(input: {month: "2026-03-01"}) {
      errors { code } } }"""))["closePayrollMonth"]
    assert again["errors"] == [{"code": "PAYROLL_CLOSED"}]
    with pytest.raises(Exception, match=r"(?i)closed"):
        await PaymentLine.filter(run__month=MAR, entitlement_id=a.entitlement).update(amount_fen=1)
    assert await lines_of(MAR) == mar

    # === April ====================================================================================
    # 2 April: March's reports. H died on 14 March: the village assistant reports it, and the township
    # centre's roster to the county carries it too (R-DTH-1). One unit sends nothing (missing).
    c.at(dt.date(2026, 4, 2))
    await c.death_reports(MAR, skip=frozenset({f"UNIT:{silent_unit}"}),
                          deaths={f"RESIDENT_PENSION:VILLAGE:{h.village}": [(h, dt.date(2026, 3, 14))]},
                          passed_on={f"RESIDENT_PENSION:TOWNSHIP:{h.village[:9]}": [(h, dt.date(2026, 3, 14))]})
    died = [e for e in await recipient_timeline(c, h) if e["type"] == "DIED"]
    assert died == [{"type": "DIED", "occurredOn": "2026-03-14", "recordedAt": "2026-04-02T02:00:00+00:00",
                     "sourceAdapter": "death_report", "retracted": False,
                     "recordedBy": {"username": f"township-{h.village[:9]}"}}]  # once, though reported twice
    c.at(dt.date(2026, 4, 7))  # after the Qingming holiday (4-6 April)
    due = await c.due_list(APR)
    assert due == {p for p in people if due_by(p, month_end(APR)) and p not in c.certified} - {d.id}  # suspended
    await c.certify(due, dt.date(2026, 4, 7))
    table = await compliance(c, "2026-03", "2026-04-07")
    assert Counter(r["status"] for r in table) == {"ON_TIME": bodies - 1, "MISSING": 1}
    assert [r["bodyCode"] for r in table if r["status"] == "MISSING"] == [silent_unit]
    assert sorted((r["reporter"], r["bodyCode"], r["deaths"]) for r in table if r["deaths"]) == [
        ("TOWNSHIP", h.village[:9], 1), ("VILLAGE", h.village, 1)]
    # 8 April: A's village assistant finally sends January's report, with A's death on 20 January:
    # due 3 February, so 64 days late (R-DTH-4); the death is on A's timeline from today.
    c.at(dt.date(2026, 4, 8))
    late = await c.mutate(f"village-{a.village}", SUBMIT, "submitDeathReport", input={
        "scheme": "RESIDENT_PENSION", "reporter": "VILLAGE", "bodyCode": a.village, "month": "2026-01",
        "deaths": [{"idNumber": a.id_number, "diedOn": "2026-01-20", "evidence": ["死亡证明:甲"]}]})
    days_late = (dt.date(2026, 4, 8) - dt.date(2026, 2, 3)).days
    assert (late["recorded"], late["report"]["status"], late["report"]["daysLate"]) == (1, "LATE", days_late)
    a_death = pk(late["report"]["entries"][0]["event"])
    table = await compliance(c, "2026-01", "2026-04-08")
    assert Counter(r["status"] for r in table) == {"ON_TIME": bodies - 1, "LATE": 1}
    assert [(r["bodyCode"], r["receivedOn"], r["daysLate"], r["deaths"]) for r in table if r["status"] == "LATE"] == [
        (a.village, "2026-04-08", days_late, 1)]
    report = c.cli("reports", "compliance", "--month", "2026-01", "--as-of", "2026-04-08")
    assert f"{bodies - 1} on time, 1 late, 0 missing, 0 not due" in report
    assert [e for e in await recipient_timeline(c, a) if e["type"] == "DIED"] == [
        {"type": "DIED", "occurredOn": "2026-01-20", "recordedAt": "2026-04-08T02:00:00+00:00",
         "sourceAdapter": "death_report", "retracted": False, "recordedBy": {"username": f"village-{a.village}"}}]
    # 14 April: D certifies at the county window: the suspension ends (April is still withheld, R-SUS-2).
    c.at(dt.date(2026, 4, 14))
    window = await c.mutate("county1", CERTIFY + "", "recordCertification", input={
        "recipientId": d.gid, "channel": "WINDOW", "certifiedOn": "2026-04-14", "evidence": ["窗口:20260414-07"]})
    assert window["event"]["type"] == "CERTIFIED"
    c.certified[d.id] = dt.date(2026, 4, 14)
    assert window["recipient"]["entitlements"] == [{"state": {"status": "ACTIVE", "nextDue": "2027-04-14"}}]

    # 29 April: every village posts its half-yearly notice (R-PUB-1), entered by the township staff —
    # all but one village, which never does. 7 working days from Wednesday 29 April: 29 and 30 April,
    # 6, 7 and 8 May, Saturday 9 May (worked for the Labour Day holiday, 1-5 May), Monday 11 May.
    c.at(dt.date(2026, 4, 29), 9)
    posted, earliest = dt.date(2026, 4, 29), dt.date(2026, 4, 28)
    for _ in range(7):
        earliest += dt.timedelta(days=1)
        while not working_day(earliest):
            earliest += dt.timedelta(days=1)
    assert earliest == dt.date(2026, 5, 11)
    notices = {}
    for township in townships:
        made = await c.batch(f"township-{township}", "createPublicNotice", "CreatePublicNoticeInput",
                             "{ errors { field code message } notice { id status workingDaysUp requiredWorkingDays "
                             "earliestRemoval village { code } } }",
                             [{"villageCode": v, "period": "2026-H1", "postedOn": posted.isoformat(),
                               "tipoffPhone": "0872-7512333"} for v in villages
                              if v.startswith(township) and v != no_notice])
        for m in made:
            notice = m["notice"]
            assert (notice["status"], notice["workingDaysUp"], notice["requiredWorkingDays"],
                    notice["earliestRemoval"]) == ("POSTED", 1, 7, earliest.isoformat())
            notices[notice["village"]["code"]] = notice["id"]
    assert len(notices) == len(villages) - 1
    # The roster posted with the notice: the village's current entitlements (not ended or stopped),
    # masked ID numbers, status and certification dates as they stand (docs/PROCESSES.md).
    roster = (await c.gql(f"village-{notice_village}", """query ($id: ID!) { publicNoticeRoster(noticeId: $id) {
      filename contentBase64 } }""", id=notices[notice_village]))["publicNoticeRoster"]
    assert roster["filename"] == f"notice-{notice_village}-2026-H1.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(roster["contentBase64"]))).active
    name = await Region.get(code=notice_village).values_list("name", flat=True)
    assert [sheet.cell(row, 1).value for row in (1, 2, 3)] == [
        f"{name}社会保险待遇领取资格公示（2026-H1）",
        "公示期：自2026年04月29日起，不少于7个工作日（2026年05月11日前不得撤下）", "举报电话：0872-7512333"]
    expected_roster = []
    for e in entitlements:
        pid, state = e["person_id"], baseline[e["id"]]
        if people[pid]["village__code"] != notice_village or state["status"] in ("STOPPED", "ENDED"):
            continue
        last = c.certified.get(pid, state["last_certified_on"])
        due_on = add_months(last, CYCLE[e["scheme"]]) if pid in c.certified else state["next_due"]
        expected_roster.append((people[pid]["name"], masked(people[pid]["id_number"]), SCHEME_ZH[e["scheme"]],
                                STATUS_ZH[state["status"]], last.isoformat(), due_on.isoformat()))
    lines = [row[1:] for row in sheet.iter_rows(min_row=6, values_only=True)]
    assert lines == sorted(expected_roster) and len(lines) >= 2
    assert [row[0] for row in sheet.iter_rows(min_row=6, values_only=True)] == list(range(1, len(lines) + 1))
    c.cli("notices", "roster", "--village", notice_village, "--period", "2026-H1", "-o", str(c.out / "roster.xlsx"),
          "--as", f"village-{notice_village}")  # the same file from the command line
    assert [row[1:] for row in openpyxl.load_workbook(c.out / "roster.xlsx").active.iter_rows(
        min_row=6, values_only=True)] == lines

    # 30 April: A's and H's pensions have ended, A's too late — February and March were paid after
    # A's death: a recovery case with the exact months (R-PAY-4). The first child stops from April.
    c.at(month_end(APR), 18)
    out = c.sweep(APR)
    apr = await lines_of(APR)
    assert apr == expected_lines(APR, {d.entitlement, g.entitlement, a.entitlement, h.entitlement})
    assert f"payroll 2026-04: {apr.total()} lines, {fen(apr)} fen planned" in out
    assert "overpaid months 2, recovery cases opened 1 (changed 1)" in out
    first_kid = next(eid for eid, day in kids.items() if day < APR)
    rate_a = paid[a.entitlement]
    assert adjustment_rows(c.out / "payroll-adjustments-2026-04.xlsx") == Counter([
        ("END", a.entitlement, "2026-04", 0, rate_a), ("END", h.entitlement, "2026-04", 0, paid[h.entitlement]),
        ("STOP", first_kid, "2026-04", 0, paid[first_kid]),
        ("RECOVER", a.entitlement, "2026-02", rate_a, rate_a), ("RECOVER", a.entitlement, "2026-03", rate_a, rate_a)])
    assert await changes_of(APR) == Counter([(first_kid, "ACTIVE", "STOPPED", "")])  # found by the sweep alone
    cases = await recovery_cases(c)
    assert [(pk(x["recipient"]["id"]), x["status"], x["amountDueFen"], x["outstandingFen"], x["openedMonth"])
            for x in cases] == [(a.id, "OPEN", 2 * rate_a, 2 * rate_a, "2026-04-01")]
    assert [(i["benefitMonth"], i["paidFen"], i["dueFen"], i["amountFen"], i["rule"], pk(i["proofEvent"]),
             i["knownSince"]) for i in cases[0]["items"]] == [
        (m, rate_a, 0, rate_a, "R-PAY-4", a_death, "2026-04-08T02:00:00+00:00") for m in ("2026-02-01", "2026-03-01")]
    a_case = cases[0]["id"]
    # The recipient's page shows the same overpayments, read from the payroll ledger (R-PAY-4).
    assert await overpayments(c, a, "2026-04-30") == [
        (m, rate_a, a_death, "2026-04-08T02:00:00+00:00") for m in ("2026-02-01", "2026-03-01")]
    await c.sweep_again(APR)
    assert (await c.close(APR))["totalFen"] == fen(apr)

    # === May ======================================================================================
    c.at(dt.date(2026, 5, 2))  # April's reports, sent from the phones during the holiday: all on time
    await c.death_reports(APR)
    # 6 May: G turns up at the county window. The death entered against G is retracted (R-TL-1: both
    # stay on the timeline) and G certifies there. A's daughter repays the two months in cash.
    c.at(dt.date(2026, 5, 6))
    due = await c.due_list(MAY)
    assert due == {p for p in people if due_by(p, month_end(MAY)) and p not in c.certified}
    await c.certify(due, dt.date(2026, 5, 6))
    assert Counter(r["status"] for r in await compliance(c, "2026-04", "2026-05-06")) == {"ON_TIME": bodies}
    g_death = next(e["id"] for e in await recipient_events(c, g) if e["type"] == "DIED")
    await c.mutate("county1", """mutation ($input: RetractEventInput!) { retractEvent(input: $input) {
      errors { field code message } event { id } } }""", "retractEvent", input={
        "eventId": g_death, "reason": "乡镇汇总表误报：死亡者为同名另一人，本人5月6日到县社保局窗口"})
    await c.mutate("county1", CERTIFY, "recordCertification", input={
        "recipientId": g.gid, "channel": "WINDOW", "certifiedOn": "2026-05-06", "evidence": ["窗口:20260506-03"]})
    c.certified[g.id] = dt.date(2026, 5, 6)
    assert [(e["type"], e["retracted"]) for e in await recipient_events(c, g)][-3:] == [
        ("DIED", True), ("RETRACTED", False), ("CERTIFIED", False)]
    repaid = await c.mutate("investigator", REPAY, "recordRepayment", input={
        "recoveryCaseId": a_case, "amountFen": 2 * rate_a, "paidOn": "2026-05-06", "method": "CASH",
        "reference": "收据 No.0000518"})
    assert repaid["recoveryCase"] == {"repaidFen": 2 * rate_a, "outstandingFen": 0, "status": "SETTLED"}
    # The notices while up: 3 working days so far (29, 30 April and 6 May).
    shown = (await c.gql("county1", """{ publicNotices(period: "2026-H1", asOf: "2026-05-06") {
      status village { code } notice { workingDaysUp } } }"""))["publicNotices"]
    assert Counter((n["status"], n["notice"] and n["notice"]["workingDaysUp"]) for n in shown) == {
        ("POSTED", 3): len(villages) - 1, ("MISSING", None): 1}
    # 7 May: a caller tells the township centre that C has moved away and someone else certifies for C.
    c.at(dt.date(2026, 5, 7), 15, 30)
    township_c = f"township-{notice_village[:9]}"
    tip = (await c.mutate(township_c, """mutation ($input: RecordTipOffInput!) { recordTipOff(input: $input) {
      errors { field code message } tipOff { id status phone recipient { id } } } }""", "recordTipOff", input={
        "noticeId": notices[notice_village], "receivedAt": "2026-05-07T15:20:00+08:00", "phone": "13987654321",
        "content": f"公示名单上的{tipped.name}已随女儿去昆明居住，认证是别人代做的",
        "personIdNumber": tipped.id_number}))["tipOff"]
    assert (tip["status"], tip["phone"], pk(tip["recipient"]["id"])) == ("OPEN", "139****4321", tipped.id)
    # 8 May: one village takes its notice down after 5 working days: too short (R-PUB-1).
    c.at(dt.date(2026, 5, 8), 17)
    removed = await c.mutate(f"township-{too_short[:9]}", REMOVE, "recordPublicNoticeRemoval", input={
        "noticeId": notices[too_short], "removedOn": "2026-05-08"})
    assert (removed["notice"]["status"], removed["notice"]["workingDaysUp"]) == ("TOO_SHORT", 5)
    # 9 May (a working Saturday): the township checks the tip-off and closes it with its finding (R-PUB-2).
    c.at(dt.date(2026, 5, 9))
    closed = await c.mutate(township_c, """mutation ($input: CloseTipOffInput!) { closeTipOff(input: $input) {
      errors { field code message } tipOff { status finding handledAt } } }""", "closeTipOff", input={
        "tipOffId": tip["id"], "finding": "经入户核实：本人健在，冬季随女儿在昆明居住，现已回村；认证系本人操作"})
    assert closed["tipOff"]["status"] == "CLOSED" and closed["tipOff"]["handledAt"] == "2026-05-09T02:00:00+00:00"
    # 11 May: the other notices come down on the earliest day allowed: complete.
    c.at(dt.date(2026, 5, 11), 17)
    for township in townships:
        done = await c.batch(f"township-{township}", "recordPublicNoticeRemoval", "RecordPublicNoticeRemovalInput",
                             "{ errors { field code message } notice { status workingDaysUp } }",
                             [{"noticeId": notices[v], "removedOn": "2026-05-11"} for v in sorted(notices)
                              if v.startswith(township) and v != too_short])
        assert {(n["notice"]["status"], n["notice"]["workingDaysUp"]) for n in done} <= {("COMPLETE", 7)}
    c.at(dt.date(2026, 5, 12), 9)
    shown = (await c.gql("county1", """{ publicNotices(period: "2026-H1") { status village { code } } }"""
                         ))["publicNotices"]
    assert Counter(n["status"] for n in shown) == {"COMPLETE": len(villages) - 2, "TOO_SHORT": 1, "MISSING": 1}
    assert {n["village"]["code"]: n["status"] for n in shown if n["status"] != "COMPLETE"} == {
        too_short: "TOO_SHORT", no_notice: "MISSING"}

    # 12-13 May: the spot check is carried out. Everyone sampled is found as certified — except B, whose
    # neighbours and the crematorium's record show B died on 10 January: the finding records the death
    # and, since a certification on file postdates it, refers the case to an investigation (R-SPT-1, R-ACC-3).
    findings = [{"itemId": item["id"], "result": "CONFIRMED", "checkedOn": "2026-05-12",
                 "evidence": [f"photo:spot:{item['position']}"]}
                for item in drawn["items"] if pk(item["recipient"]["id"]) != b.id]
    await c.batch("county1", "recordSpotCheckFinding", "RecordSpotCheckFindingInput",
                  "{ errors { field code message } item { result } }", findings)
    c.at(dt.date(2026, 5, 13), 16)
    b_item = next(item["id"] for item in drawn["items"] if pk(item["recipient"]["id"]) == b.id)
    found = (await c.mutate("county1", """mutation ($input: RecordSpotCheckFindingInput!) {
      recordSpotCheckFinding(input: $input) { errors { field code message }
        item { result diedOn referral event } } }""",
                            "recordSpotCheckFinding", input={
        "itemId": b_item, "result": "DIED", "checkedOn": "2026-05-13", "diedOn": "2026-01-10",
        "evidence": ["火化证明:漾濞殡仪馆-2026-0112"], "note": "邻居和村民小组长证实本人1月10日去世"}))["item"]
    assert found["result"] == "DIED" and found["referral"] is not None and found["event"] is not None
    b_death = pk(found["event"])
    tally = (await c.gql("county1", """{ spotCheck(period: "2026-H1") { tally { scheme sampled pending
      results { result count } } } }"""))["spotCheck"]["tally"]
    sampled_per = Counter(scheme for _, scheme, _, _ in expected_sample)
    assert [(t["scheme"], t["sampled"], t["pending"], {r["result"]: r["count"] for r in t["results"] if r["count"]})
            for t in tally] == [
        (scheme, n, 0, {"CONFIRMED": n - 1, "DIED": 1} if scheme == "RESIDENT_PENSION" else {"CONFIRMED": n})
        for scheme, n in sorted(sampled_per.items())]
    # 14 May: the investigators take the referral up (R-ACC-3).
    c.at(dt.date(2026, 5, 14))
    queue = (await c.gql("investigator", """{ investigationReferrals(open: true) {
      id source summary recipient { id } } }"""))["investigationReferrals"]
    assert [(q["source"], pk(q["recipient"]["id"])) for q in queue] == [("SPOT_CHECK", b.id)]
    assert "died on 2026-01-10, yet certified on 2026-02-20" in queue[0]["summary"]
    opened = (await c.mutate("investigator", """mutation ($input: OpenInvestigationInput!) {
      openInvestigation(input: $input) { errors { field code message }
        investigation { id status links { kind } } } }""",
                             "openInvestigation", input={
        "subjectId": b.gid, "originType": "REFERRAL", "originId": pk(queue[0]["id"]),
        "summary": "抽查发现死亡后仍有人脸认证记录，疑似冒领"}))["investigation"]
    investigation = opened["id"]
    assert opened["status"] == "OPENED" and opened["links"] == [{"kind": "REFERRAL"}]
    assert (await c.gql("investigator", "{ investigationReferrals(open: true) { id } }"))[
        "investigationReferrals"] == []
    wrong = (await c.gql("investigator", MOVE, input={"investigationId": investigation, "to": "REFERRED"})
             )["transitionInvestigation"]
    assert [e["code"] for e in wrong["errors"]] == ["INVALID_TRANSITION"]  # not before it is concluded
    await c.mutate("investigator", MOVE, "transitionInvestigation",
                   input={"investigationId": investigation, "to": "INVESTIGATING", "note": "调取认证视频，询问家属"})
    # 20 May: the certification of 20 February was B's son in front of the camera: retracted.
    c.at(dt.date(2026, 5, 20))
    await c.mutate("county1", """mutation ($input: RetractEventInput!) { retractEvent(input: $input) {
      errors { field code message } event { id } } }""", "retractEvent", input={
        "eventId": fake["id"], "reason": "冒名认证：其子冒充本人进行人脸识别（调查中）"})

    # 31 May: D is paid back March and April (R-SUS-2), G's two closed months are made good as
    # adjustments; B's pension has ended and February to April are recovered; the second child stops.
    c.at(month_end(MAY), 18)
    out = c.sweep(MAY)
    may = await lines_of(MAY)
    rate_b, rate_d, rate_g = paid[b.entitlement], paid[d.entitlement], paid[g.entitlement]
    assert may == expected_lines(MAY, {a.entitlement, h.entitlement, b.entitlement}, Counter([
        (d.entitlement, MAR, "BACK_PAY", rate_d), (d.entitlement, APR, "BACK_PAY", rate_d),
        (g.entitlement, MAR, "ADJUSTMENT", rate_g), (g.entitlement, APR, "ADJUSTMENT", rate_g)]))
    assert f"payroll 2026-05: {may.total()} lines, {fen(may)} fen planned" in out
    assert "overpaid months 5, recovery cases opened 1 (changed 1)" in out  # A's two, found before, and B's three
    second_kid = next(eid for eid, day in kids.items() if APR <= day < MAY)
    assert adjustment_rows(c.out / "payroll-adjustments-2026-05.xlsx") == Counter([
        ("RESUME", d.entitlement, "2026-05", rate_d, 0), ("BACK_PAY", d.entitlement, "2026-03, 2026-04", 2 * rate_d, 0),
        ("RESUME", g.entitlement, "2026-05", rate_g, 0), ("ARREARS", g.entitlement, "2026-03, 2026-04", 2 * rate_g, 0),
        ("END", b.entitlement, "2026-05", 0, rate_b), ("STOP", second_kid, "2026-05", 0, paid[second_kid]),
        *[("RECOVER", b.entitlement, m, rate_b, rate_b) for m in ("2026-02", "2026-03", "2026-04")]])
    assert await changes_of(MAY) == Counter([(second_kid, "ACTIVE", "STOPPED", "")])
    b_case = next(x for x in await recovery_cases(c) if pk(x["recipient"]["id"]) == b.id)
    assert (b_case["status"], b_case["amountDueFen"], b_case["outstandingFen"]) == ("OPEN", 3 * rate_b, 3 * rate_b)
    assert [(i["benefitMonth"], i["amountFen"], pk(i["proofEvent"]), i["knownSince"]) for i in b_case["items"]] == [
        (m, rate_b, b_death, "2026-05-13T08:00:00+00:00") for m in ("2026-02-01", "2026-03-01", "2026-04-01")]
    assert await overpayments(c, b, "2026-05-31") == [
        (m, rate_b, b_death, "2026-05-13T08:00:00+00:00") for m in ("2026-02-01", "2026-03-01", "2026-04-01")]
    await c.sweep_again(MAY)
    assert (await c.close(MAY))["totalFen"] == fen(may)

    # === June =====================================================================================
    c.at(dt.date(2026, 6, 2))
    await c.death_reports(MAY)
    # 3 June: the investigation links what it rests on: the recovery case and the false certification.
    c.at(dt.date(2026, 6, 3))
    for kind, target in (("RECOVERY_CASE", pk(b_case["id"])), ("EVENT", pk(fake["id"]))):
        await c.mutate("investigator", """mutation ($input: LinkToInvestigationInput!) {
          linkToInvestigation(input: $input) { errors { field code message } } }""", "linkToInvestigation",
                       input={"investigationId": investigation, "kind": kind, "targetId": target})
    c.at(dt.date(2026, 6, 5))
    due = await c.due_list(JUN)
    assert due == {p for p in people if due_by(p, month_end(JUN)) and p not in c.certified}
    await c.certify(due, dt.date(2026, 6, 5))
    assert Counter(r["status"] for r in await compliance(c, "2026-05", "2026-06-05")) == {"ON_TIME": bodies}
    # 5 June: B's son repays one month by bank transfer; the rest in four monthly instalments from July,
    # a manual decision: the investigator asks, a second person approves (four eyes).
    repaid = await c.mutate("investigator", REPAY, "recordRepayment", input={
        "recoveryCaseId": b_case["id"], "amountFen": rate_b, "paidOn": "2026-06-05", "method": "BANK_TRANSFER",
        "reference": "农商行转账 20260605"})
    assert repaid["recoveryCase"] == {"repaidFen": rate_b, "outstandingFen": 2 * rate_b, "status": "OPEN"}
    c.at(dt.date(2026, 6, 8))
    asked = (await c.mutate("investigator", """mutation ($input: RequestInstalmentPlanInput!) {
      requestInstalmentPlan(input: $input) { errors { field code message } approvalRequest { id status } } }""",
                            "requestInstalmentPlan", input={
        "recoveryCaseId": b_case["id"], "instalments": 4, "firstDueMonth": "2026-07-01",
        "reason": "家庭困难，申请分4个月退回"}))["approvalRequest"]
    assert asked["status"] == "PENDING"
    same = (await c.gql("investigator", APPROVE, input={"requestId": asked["id"]}))["approveRequest"]
    assert [e["code"] for e in same["errors"]] == ["SAME_PERSON"]
    assert (await recovery_case(c, b.id))["instalmentPlan"] is None  # no effect until approved
    c.at(dt.date(2026, 6, 9))
    approved = await c.mutate("admin", APPROVE, "approveRequest", input={"requestId": asked["id"], "note": "同意"})
    assert approved["approvalRequest"] == {"status": "APPROVED", "requestedBy": {"username": "investigator"},
                                           "decidedBy": {"username": "admin"}}
    case = await recovery_case(c, b.id)
    share, extra = divmod(2 * rate_b, 4)  # whole fen, the first instalments carry the remainder
    assert (case["status"], case["outstandingFen"]) == ("INSTALMENTS", 2 * rate_b)
    assert case["instalmentPlan"]["totalFen"] == 2 * rate_b
    assert (case["instalmentPlan"]["requestedBy"], case["instalmentPlan"]["approvedBy"]) == (
        {"username": "investigator"}, {"username": "admin"})
    assert case["instalmentPlan"]["schedule"] == [
        {"seq": n, "dueMonth": f"2026-{6 + n:02d}-01", "amountFen": share + (n <= extra), "paidFen": 0,
         "overdue": False} for n in range(1, 5)]
    # 10 June: substantiated. R-ACC-2: the son obtained three months by fraud (the fund's loss); the
    # village assistant entered the app result without checking who stood before the camera.
    c.at(dt.date(2026, 6, 10))
    await c.mutate("investigator", MOVE, "transitionInvestigation", input={
        "investigationId": investigation, "to": "CONCLUDED_SUBSTANTIATED",
        "note": "本人2026年1月10日死亡，其子2月20日冒充本人认证，冒领2-4月待遇"})
    for record in (
        {"kind": "FRAUD", "responsibleName": f"{b.name}之子", "amountLostFen": 3 * rate_b,
         "facts": "冒充已死亡的父母进行人脸识别认证，冒领2026年2-4月养老金", "outcome": "REFERRED_TO_JUDICIAL"},
        {"kind": "CERTIFICATION_FAILURE", "responsibleName": "村级协办员", "responsibleStaffUsername": assistant_b,
         "facts": "协助认证时未核验认证人身份（办法第六条）", "outcome": "CRITICISM"},
    ):
        await c.mutate("investigator", """mutation ($input: RecordAccountabilityInput!) {
          recordAccountability(input: $input) { errors { field code message } } }""", "recordAccountability",
                       input={"investigationId": investigation, **record})
    c.at(dt.date(2026, 6, 15))
    await c.mutate("investigator", MOVE, "transitionInvestigation", input={
        "investigationId": investigation, "to": "REFERRED", "judicialOrgan": "漾濞彝族自治县公安局",
        "referredOn": "2026-06-15", "referralReference": "漾社保移〔2026〕3号"})

    # 30 June: nothing changes against May — an empty adjustment list.
    c.at(month_end(JUN), 18)
    out = c.sweep(JUN)
    jun = await lines_of(JUN)
    assert jun == expected_lines(JUN, {a.entitlement, h.entitlement, b.entitlement})
    assert f"payroll 2026-06: {jun.total()} lines, {fen(jun)} fen planned" in out
    assert "status changes: none" in out and "recovery cases opened 0 (changed 0)" in out
    assert adjustment_rows(c.out / "payroll-adjustments-2026-06.xlsx") == Counter()
    await c.sweep_again(JUN)
    assert (await c.close(JUN))["totalFen"] == fen(jun)
    c.at(month_end(JUN), 19)
    await c.mutate("investigator", MOVE, "transitionInvestigation", input={
        "investigationId": investigation, "to": "CLOSED", "note": "已移送公安机关，追回款按分期计划执行"})

    # A closed month is swept again while it is the latest: its lines are not touched. An earlier month
    # is refused: judged as of its own last day it would set everything back (docs/PAYROLL.md).
    again = await sweep(JUN, as_of=month_end(JUN), report_dir=c.out / "again")
    assert (again.run_status, again.lines, again.recovery_changes) == ("CLOSED", 0, 0)  # nothing planned into it
    assert await lines_of(JUN) == jun
    with pytest.raises(ValidationError) as refused:
        await sweep(MAR, as_of=month_end(MAR), report_dir=c.out / "again")
    assert refused.value.code == "PAYROLL_ORDER" and "2026-06 has been swept since 2026-03" in str(refused.value)

    # === The half-year in figures ===================================================================
    # The investigation's whole life, who moved it, what it rests on, and R-ACC-2's records.
    case_file = (await c.gql("investigator", """query ($id: ID!) { node(id: $id) { ... on Investigation {
      status originType subject { id } judicialOrgan referredOn referralReference linkedLossFen
      history { fromStatus toStatus by { username } } links { kind targetId }
      accountability { kind responsibleName responsibleStaff { username } amountLostFen outcome } } } }""",
                             id=investigation))["node"]
    assert case_file["history"] == [
        {"fromStatus": before, "toStatus": after, "by": {"username": "investigator"}} for before, after in (
            (None, "OPENED"), ("OPENED", "INVESTIGATING"), ("INVESTIGATING", "CONCLUDED_SUBSTANTIATED"),
            ("CONCLUDED_SUBSTANTIATED", "REFERRED"), ("REFERRED", "CLOSED"))]
    assert (case_file["status"], case_file["originType"], pk(case_file["subject"]["id"]), case_file["judicialOrgan"],
            case_file["referredOn"]) == ("CLOSED", "REFERRAL", b.id, "漾濞彝族自治县公安局", "2026-06-15")
    assert sorted((x["kind"], x["targetId"]) for x in case_file["links"]) == sorted([
        ("REFERRAL", pk(queue[0]["id"])), ("RECOVERY_CASE", pk(b_case["id"])), ("EVENT", pk(fake["id"]))])
    assert case_file["linkedLossFen"] == 2 * rate_b  # what the fund is still owed
    assert case_file["accountability"] == [
        {"kind": "FRAUD", "responsibleName": f"{b.name}之子", "responsibleStaff": None, "amountLostFen": 3 * rate_b,
         "outcome": "REFERRED_TO_JUDICIAL"},
        {"kind": "CERTIFICATION_FAILURE", "responsibleName": "村级协办员",
         "responsibleStaff": {"username": assistant_b}, "amountLostFen": 0, "outcome": "CRITICISM"}]
    # Both recovery cases: A's settled, B's in instalments.
    assert sorted((pk(x["recipient"]["id"]), x["status"], x["amountDueFen"], x["repaidFen"], x["outstandingFen"])
                  for x in await recovery_cases(c)) == sorted([
        (a.id, "SETTLED", 2 * rate_a, 2 * rate_a, 0), (b.id, "INSTALMENTS", 3 * rate_b, rate_b, 2 * rate_b)])
    # R-DTH-4 over the six reporting months: every body on time but A's village (once late) and the
    # silent unit (once missing).
    summary = (await c.gql("county1", """{ deathReportCompliance(fromMonth: "2025-12", toMonth: "2026-05",
      asOf: "2026-06-30") { bodies { reporter bodyCode scheme onTime late missing notDue daysLate } } }"""
                           ))["deathReportCompliance"]["bodies"]
    assert len(summary) == bodies
    assert {(x["bodyCode"], x["scheme"]): (x["onTime"], x["late"], x["missing"], x["notDue"], x["daysLate"])
            for x in summary if x["onTime"] != 6} == {
        (a.village, "RESIDENT_PENSION"): (5, 1, 0, 0, days_late), (silent_unit, "AGENCY_PENSION"): (5, 0, 1, 0, 0)}
    # R-RPT-1: how fast this half-year's deaths reached the bureau, in working days; G's retracted
    # death is left out, H's counts once (the village's report brought it), B's came with the spot check.
    latency = (await c.gql("county1", """{ stopEventLatency(occurredFrom: "2026-01-01", occurredTo: "2026-06-30") {
      bodyKey events withinLimit overLimit maxWorkingDays } }"""))["stopEventLatency"]
    took = {f"VILLAGE:{a.village}": working_days_after(dt.date(2026, 1, 20), dt.date(2026, 4, 8)),
            f"VILLAGE:{h.village}": working_days_after(dt.date(2026, 3, 14), dt.date(2026, 4, 2)),
            "COUNTY:532922": working_days_after(dt.date(2026, 1, 10), dt.date(2026, 5, 13))}
    assert took[f"VILLAGE:{h.village}"] == 14  # 16-20, 23-27 March, 30, 31 March, 1, 2 April
    assert {x["bodyKey"]: (x["events"], x["withinLimit"], x["overLimit"], x["maxWorkingDays"]) for x in latency} == {
        key: (1, int(days <= 20), int(days > 20), days) for key, days in took.items()}
    # The sample still verifies from its recorded seed, findings and all (R-SPT-2).
    verified = c.cli("spotcheck", "verify", "--period", "2026-H1")
    assert f"spot check 2026-H1 verified: {len(expected_sample)} recipients, as the seed gives them" in verified
    # Every change was audited, and the chain holds (docs/SECURITY.md).
    actions = Counter(await AuditEntry.all().values_list("action", flat=True))
    api_certifications = c.app_certifications + 3  # the monthly app results, B's false one, D and G at the window
    assert {k: actions[k] for k in EXPECTED_ACTIONS} == {
        **EXPECTED_ACTIONS, "SUBMIT_DEATH_REPORT": c.submissions + 1, "RECORD_CERTIFICATION": api_certifications,
        "CREATE_PUBLIC_NOTICE": len(notices), "RECORD_NOTICE_REMOVAL": len(notices),
        "RECORD_SPOT_CHECK_FINDING": len(expected_sample),
        # the demo's own seal, one per certification, the three reports that brought a death, the spot
        # check's death and the two retractions
        "RECORD_EVENTS": 1 + api_certifications + 3 + 1 + 2}
    assert await AuditEntry.filter(target_type="investigation").order_by("id").values_list("action", flat=True) == [
        "OPEN_INVESTIGATION", "INVESTIGATION_TRANSITION", "LINK_TO_INVESTIGATION", "LINK_TO_INVESTIGATION",
        "INVESTIGATION_TRANSITION", "RECORD_ACCOUNTABILITY", "RECORD_ACCOUNTABILITY", "INVESTIGATION_TRANSITION",
        "INVESTIGATION_TRANSITION"]
    assert await verify_chain() is None and await verify_events() is None
    assert "audit chain verified" in c.cli("audit", "verify")


EXPECTED_ACTIONS = {  # the fixed ones; the counted ones are filled in where they are checked
    "SWEEP": 6 + 6 + 1,  # each month from the command line, again in-process, and June once more, closed
    "CLOSE_PAYROLL": 6, "OPEN_DUPLICATE_RECEIPTS": 1, "OPEN_RECOVERY": 2, "RECORD_REPAYMENT": 2,
    "REQUEST_APPROVAL": 1, "APPROVE_INSTALMENT_PLAN": 1, "DRAW_SPOT_CHECK": 1, "EXPORT_NOTICE_ROSTER": 2,
    "RECORD_TIP_OFF": 1, "CLOSE_TIP_OFF": 1, "REFER_TO_INVESTIGATION": 1, "OPEN_INVESTIGATION": 1,
    "INVESTIGATION_TRANSITION": 4, "LINK_TO_INVESTIGATION": 2, "RECORD_ACCOUNTABILITY": 2, "RETRACT_EVENT": 2,
    "SUBMIT_DEATH_REPORT": 0, "RECORD_CERTIFICATION": 0, "CREATE_PUBLIC_NOTICE": 0, "RECORD_NOTICE_REMOVAL": 0,
    "RECORD_SPOT_CHECK_FINDING": 0, "RECORD_EVENTS": 0,
}
