"""Monthly death reports (月死亡报告制度, R-DTH-1..4) and how fast stop events arrive (R-RPT-1).

Who reports what to whom by which day of the month is policy data (`death_reports` in the policy
file): village assistants to their township centre by the 3rd and township centres to the county
by the 5th (resident pension), employer units by the 4th (agency pension), township centres by the
4th (enterprise pension). Each submission covers the previous month; an empty list is a nil report
and still a report (R-DTH-4).

Interpretation choices (docs/PROCESSES.md):
- "于每月3日前" is read as "by the end of the 3rd" (RULES.md: "by the 3rd"); a due day that falls on
  a weekend or holiday is kept as the calendar day the text names, not moved to a working day.
- Lateness is counted in calendar days after the due day, from the day the report was received
  (by default the day it is entered; a paper report can give the day it arrived).
- The first submission fixes on-time or late; a resubmission adds rows (a death learned later) and
  is idempotent: a row already recorded is recorded once (R-TL-3), a row that contradicts one
  already recorded is refused (correct the event with an AMENDED event instead).
- A death already on the timeline — reported by another body (the village's report, then the
  township centre's roster that passes it on, R-DTH-1), recorded at the window or found by a spot
  check — is not recorded again: the row points at the event on file. A row giving another date
  is refused like a contradicting resubmission.
- Expected reporters: every village and every township (area bodies), and every employer unit of
  the scheme's kind that manages at least one entitlement of the scheme.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from casehub import access
from casehub.audit import append_audit
from casehub.auth import Viewer
from casehub.cases import standing_events
from casehub.clock import county_day
from casehub.domain import EventType, RegionLevel, Scheme, UnitKind
from casehub.errors import ValidationError
from casehub.models import DeathReport, DeathReportEntry, EmployerUnit, Entitlement, Event, Person, Region, Staff
from casehub.policy import DeathReportRule, Policy, PolicyVersion, ReportingBody
from casehub.processes import events as timeline
from casehub.processes.common import MAX_INPUT_ROWS, Problems, check_evidence, fail, id_number, next_month
from casehub.processes.vocabulary import ProcessErrorCode, ReportStatus
from casehub.processes.workdays import working_days_after

SOURCE = "death_report"
UNIT_KIND = {
    Scheme.AGENCY_PENSION: UnitKind.AGENCY,
    Scheme.ENTERPRISE_PENSION: UnitKind.ENTERPRISE,
    Scheme.WORK_INJURY_LONG_TERM: UnitKind.WORK_INJURY,
}
AREA_LEVEL = {ReportingBody.VILLAGE: RegionLevel.VILLAGE, ReportingBody.TOWNSHIP: RegionLevel.TOWNSHIP}
# R-RPT-1: the stop events whose reporting speed is measured (death, sentence, dependant change)
STOP_EVENTS = (EventType.DIED, EventType.SENTENCED, EventType.DEPENDANT_CHANGED)


@dataclass(frozen=True, slots=True)
class Body:
    """A reporting body: a village or township (by region code) or an employer unit (by unit code)."""

    reporter: ReportingBody
    code: str
    name: str
    region_id: int | None = None
    unit_id: int | None = None

    @property
    def key(self) -> str:
        return f"{self.reporter}:{self.code}"


@dataclass(frozen=True, slots=True)
class ReportedDeath:
    id_number: str
    died_on: dt.date
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Submission:
    report: DeathReport
    recorded: int  # rows new with this submission
    already_recorded: int  # rows recorded by an earlier submission (idempotent resubmission)


def due_on(month: dt.date, rule: DeathReportRule) -> dt.date:
    """The day by which the report on `month` is due: that day of the following month, as the text says."""
    return next_month(month).replace(day=rule.due_day)


def reporting_version(policy: Policy, month: dt.date) -> PolicyVersion:
    """The policy version that governs the report on `month`: the one in force when reporting opens."""
    return policy.version_at(next_month(month))


def rule_for(version: PolicyVersion, scheme: Scheme, reporter: ReportingBody) -> DeathReportRule:
    for rule in version.death_reports:
        if rule.scheme is scheme and rule.reporter is reporter:
            return rule
    raise fail(
        "reporter", ProcessErrorCode.NOT_A_REPORTING_BODY,
        f"under policy {version.id} no {reporter.lower()} reports {scheme} deaths",
    )


async def find_body(reporter: ReportingBody, code: str) -> Body:
    if reporter in AREA_LEVEL:
        region = await Region.get_or_none(code=code, level=AREA_LEVEL[reporter])
        if region is None:
            raise fail("bodyCode", ProcessErrorCode.NOT_FOUND, f"no {reporter.lower()} with code {code!r}")
        return Body(reporter, region.code, region.name, region_id=region.id)
    if reporter is ReportingBody.UNIT:
        unit = await EmployerUnit.get_or_none(code=code)
        if unit is None:
            raise fail("bodyCode", ProcessErrorCode.NOT_FOUND, f"no employer unit with code {code!r}")
        return Body(reporter, unit.code, unit.name, unit_id=unit.id)
    raise fail("reporter", ProcessErrorCode.NOT_A_REPORTING_BODY, f"{reporter} does not send death reports")


def covers(viewer: Viewer, body: Body) -> bool:
    return access.covers_unit(viewer, body.unit_id) if body.unit_id else access.covers_region(viewer, body.code)


async def _members(persons: Iterable[Person], body: Body, scheme: Scheme) -> set[int]:
    """Which of these persons are the body's recipients of the report's scheme: holding an entitlement of
    it and living in the body's area (a village or township, R-DTH-1, R-DTH-3), or holding one the body
    manages (an employer unit, R-DTH-2)."""
    if body.unit_id is None:
        candidates = Entitlement.filter(
            person_id__in=[p.id for p in persons if p.village.code.startswith(body.code)], scheme=scheme
        )
    else:
        candidates = Entitlement.filter(person_id__in=[p.id for p in persons], unit_id=body.unit_id, scheme=scheme)
    return set(await candidates.values_list("person_id", flat=True))


async def submit(
    viewer: Viewer,
    *,
    scheme: Scheme,
    reporter: ReportingBody,
    body_code: str,
    month: dt.date,
    deaths: Sequence[ReportedDeath],
    policy: Policy,
    today: dt.date,
    received_on: dt.date | None = None,
) -> Submission:
    """Record one body's report on `month` (R-DTH-1..4); each death becomes a DIED event (R-DTH-5).

    All or nothing: any invalid row refuses the whole submission, naming each problem.
    """
    if month >= today.replace(day=1):
        raise fail("month", ProcessErrorCode.INVALID_MONTH, f"{month:%Y-%m} has not ended: report it from next month")
    version = reporting_version(policy, month)
    rule = rule_for(version, scheme, reporter)
    due = due_on(month, rule)
    body = await find_body(reporter, body_code)
    if not covers(viewer, body):
        raise fail("bodyCode", ProcessErrorCode.OUT_OF_SCOPE, f"{body.name} ({body.code}) is outside your scope")
    received = received_on or today
    if received > today:
        raise fail("receivedOn", ProcessErrorCode.DATE_IN_FUTURE, f"{received} is in the future")
    if received < next_month(month):
        raise fail("receivedOn", ProcessErrorCode.DATE_OUT_OF_RANGE,
                   f"a report on {month:%Y-%m} cannot be received before the month has ended")

    report = await DeathReport.get_or_none(scheme=scheme, body_key=body.key, month=month)
    known = {}
    if report is not None:
        known = {e.person_id: e for e in await DeathReportEntry.filter(report_id=report.id)}
    rows, on_file = await _check_rows(deaths, body, scheme, month, known)

    new_rows = [(row, person, death) for row, person, death in rows if person.id not in known]
    drafts = {
        person.id: timeline.draft(
            person.id, EventType.DIED, death.died_on,
            f"death-report:{scheme}:{body.key}:{month:%Y-%m}:{person.id_number}",
            payload={"reportedBy": body.key, "rule": rule.rule}, evidence=death.evidence, source_row=row,
        )
        for row, person, death in new_rows
        if person.id not in on_file
    }
    now = dt.datetime.now(dt.UTC)
    async with in_transaction() as conn:
        if report is None:
            report = await DeathReport.create(
                scheme=scheme, reporter=reporter, body_key=body.key, region_id=body.region_id, unit_id=body.unit_id,
                month=month, due_on=due, received_on=received, days_late=max((received - due).days, 0),
                rule=rule.rule, policy_version=version.id, submissions=1, submitted_by_id=viewer.staff_id,
                first_recorded_at=now, last_recorded_at=now, using_db=conn,
            )
        else:
            report.submissions += 1
            report.last_recorded_at = now
            await report.save(update_fields=["submissions", "last_recorded_at"], using_db=conn)
        recorded = await timeline.record(list(drafts.values()), source=SOURCE, staff_id=viewer.staff_id,
                                         refresh=policy)
        await DeathReportEntry.bulk_create(
            [
                DeathReportEntry(
                    report_id=report.id, row=row, submission=report.submissions, person_id=person.id,
                    died_on=death.died_on, evidence=list(death.evidence),
                    event_id=recorded[drafts[person.id].natural_key].id if person.id in drafts else on_file[
                        person.id][1],
                )
                for row, person, death in new_rows
            ],
            using_db=conn,
        )
        await append_audit(
            "SUBMIT_DEATH_REPORT", "death_report", report.id, actor_id=viewer.staff_id, using=conn,
            detail={
                "scheme": scheme.value, "body": body.key, "month": f"{month:%Y-%m}", "submission": report.submissions,
                "rows": len(rows), "recorded": len(drafts), "receivedOn": report.received_on.isoformat(),
                "daysLate": report.days_late, "rule": rule.rule, "policyVersion": report.policy_version,
            },
        )
    return Submission(report=report, recorded=len(drafts), already_recorded=len(rows) - len(drafts))


async def deaths_on_file(person_ids: Iterable[int]) -> dict[int, tuple[dt.date, int]]:
    """Each person's death as the rules engine reads the timeline (R-TL-1: a retraction that stands
    withdraws it, an amendment moves it): the date and the DIED event that records it."""
    found: dict[int, tuple[dt.date, int]] = {}
    for pid, e in await standing_events(Event.filter(person_id__in=list(person_ids), type=EventType.DIED)):
        if e.type is EventType.DIED and (pid not in found or (e.occurred_on, e.id) < found[pid]):
            found[pid] = (e.occurred_on, e.id)
    return found


async def _check_rows(
    deaths: Sequence[ReportedDeath], body: Body, scheme: Scheme, month: dt.date, known: dict[int, DeathReportEntry]
) -> tuple[list[tuple[int, Person, ReportedDeath]], dict[int, tuple[dt.date, int]]]:
    """The rows, checked (all problems at once), and the deaths already on file of the new rows' persons."""
    problems = Problems()
    if len(deaths) > MAX_INPUT_ROWS:
        raise fail("deaths", ProcessErrorCode.TOO_MANY, f"at most {MAX_INPUT_ROWS} rows per submission")
    numbers: dict[str, int] = {}
    for i, death in enumerate(deaths):
        try:
            number = id_number(death.id_number, f"deaths[{i}].idNumber")
        except ValidationError as exc:
            problems.absorb(exc)
            continue
        if number in numbers:
            problems.add(
                f"deaths[{i}].idNumber", ProcessErrorCode.DUPLICATE, f"{number} is also in row {numbers[number] + 1}"
            )
        numbers.setdefault(number, i)
    persons = {p.id_number: p for p in await Person.filter(id_number__in=list(numbers)).select_related("village")}
    members = await _members(persons.values(), body, scheme)
    on_file = await deaths_on_file(p.id for p in persons.values() if p.id not in known)
    month_end = next_month(month) - dt.timedelta(days=1)
    rows = []
    for number, i in numbers.items():
        death, person, field = deaths[i], persons.get(number), f"deaths[{i}]"
        check_evidence(death.evidence, f"{field}.evidence", problems)
        if person is None:
            problems.add(
                f"{field}.idNumber", ProcessErrorCode.PERSON_NOT_FOUND, f"no recipient with ID number {number}"
            )
            continue
        if person.id not in members:
            problems.add(f"{field}.idNumber", ProcessErrorCode.PERSON_NOT_IN_AREA,
                         f"{number} is not a {scheme} recipient of {body.name} ({body.code})")
        if death.died_on > month_end:
            problems.add(f"{field}.diedOn", ProcessErrorCode.DATE_OUT_OF_RANGE,
                         f"{death.died_on} is after {month:%Y-%m}: it belongs in a later month's report")
        elif death.died_on < person.birth_date:
            problems.add(
                f"{field}.diedOn", ProcessErrorCode.DATE_OUT_OF_RANGE, f"{death.died_on} is before the birth date"
            )
        earlier = known.get(person.id)
        if earlier is not None and earlier.died_on != death.died_on:
            problems.add(f"{field}.diedOn", ProcessErrorCode.CONFLICTING_DATE,
                         f"{number} was reported in submission {earlier.submission} as died on {earlier.died_on}; "
                         "correct the recorded event with an amendment instead")
        recorded = on_file.get(person.id)
        if earlier is None and recorded is not None and recorded[0] != death.died_on:
            problems.add(f"{field}.diedOn", ProcessErrorCode.CONFLICTING_DATE,
                         f"{number} is recorded as died on {recorded[0]} (event {recorded[1]}); "
                         "correct the recorded event with an amendment instead")
        rows.append((i + 1, person, death))
    problems.check()
    return rows, on_file


# --- compliance (R-DTH-4) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComplianceRow:
    month: dt.date
    scheme: Scheme
    rule: str
    recipient: ReportingBody
    body: Body
    due_on: dt.date
    status: ReportStatus
    received_on: dt.date | None
    days_late: int
    deaths: int
    submissions: int
    report_id: int | None


async def expected_bodies(viewer: Viewer, rule: DeathReportRule) -> list[Body]:
    """Every body that owes this rule's report, within the viewer's scope."""
    if rule.reporter in AREA_LEVEL:
        regions = await Region.filter(level=AREA_LEVEL[rule.reporter]).order_by("code")
        bodies = [Body(rule.reporter, r.code, r.name, region_id=r.id) for r in regions]
    elif rule.reporter is ReportingBody.UNIT and rule.scheme in UNIT_KIND:
        managing = Entitlement.filter(scheme=rule.scheme, unit_id__not_isnull=True).values_list("unit_id", flat=True)
        units = await EmployerUnit.filter(kind=UNIT_KIND[rule.scheme], id__in=Subquery(managing)).order_by("code")
        bodies = [Body(rule.reporter, u.code, u.name, unit_id=u.id) for u in units]
    else:
        bodies = []
    return [b for b in bodies if covers(viewer, b)]


async def compliance(
    viewer: Viewer,
    months: Sequence[dt.date],
    *,
    policy: Policy,
    as_of: dt.date,
    scheme: Scheme | None = None,
    body_code: str | None = None,
) -> list[ComplianceRow]:
    """One row per month, rule and expected body: on time, late (with days), missing or not yet due."""
    reports = {
        (r.scheme, r.body_key, r.month): r
        for r in await access.death_reports(viewer).filter(month__in=list(months))
    }
    deaths = dict(
        await DeathReportEntry.filter(report_id__in=[r.id for r in reports.values()])
        .group_by("report_id").annotate(n=Count("id")).values_list("report_id", "n")
    )
    bodies_by_rule: dict[tuple[Scheme, ReportingBody], list[Body]] = {}
    rows = []
    for month in months:
        for rule in reporting_version(policy, month).death_reports:
            if scheme is not None and rule.scheme is not scheme:
                continue
            due = due_on(month, rule)
            key = (rule.scheme, rule.reporter)
            if key not in bodies_by_rule:
                bodies_by_rule[key] = await expected_bodies(viewer, rule)
            for body in bodies_by_rule[key]:
                if body_code is not None and body.code != body_code:
                    continue
                rows.append(_row(month, rule, body, due, reports.get((rule.scheme, body.key, month)), deaths, as_of))
    return rows


def _row(month: dt.date, rule: DeathReportRule, body: Body, due: dt.date, report: DeathReport | None,
         deaths: dict[int, int], as_of: dt.date) -> ComplianceRow:
    if report is None:
        status = ReportStatus.MISSING if as_of > due else ReportStatus.NOT_DUE
    else:
        status = ReportStatus.LATE if report.days_late else ReportStatus.ON_TIME
    return ComplianceRow(
        month=month, scheme=rule.scheme, rule=rule.rule, recipient=rule.recipient, body=body, due_on=due,
        status=status, received_on=report.received_on if report else None,
        days_late=report.days_late if report else 0, deaths=deaths.get(report.id, 0) if report else 0,
        submissions=report.submissions if report else 0, report_id=report.id if report else None,
    )


@dataclass(frozen=True, slots=True)
class BodySummary:
    body: Body
    scheme: Scheme
    on_time: int
    late: int
    missing: int
    not_due: int
    days_late: int  # total over the late reports


def summarize(rows: Iterable[ComplianceRow]) -> list[BodySummary]:
    """Per body and scheme over the months asked: how many reports were on time, late, missing."""
    grouped: dict[tuple[str, Scheme], list[ComplianceRow]] = defaultdict(list)
    for row in rows:
        grouped[(row.body.key, row.scheme)].append(row)
    out = []
    for (_, scheme), group in grouped.items():
        counts = {s: sum(r.status is s for r in group) for s in ReportStatus}
        out.append(BodySummary(
            body=group[0].body, scheme=scheme, on_time=counts[ReportStatus.ON_TIME], late=counts[ReportStatus.LATE],
            missing=counts[ReportStatus.MISSING], not_due=counts[ReportStatus.NOT_DUE],
            days_late=sum(r.days_late for r in group),
        ))
    return out


# --- stop-event reporting speed (R-RPT-1) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Latency:
    """How long stop events from one reporting body took to reach the system, in working days."""

    body_key: str  # "VILLAGE:…", "TOWNSHIP:…", "UNIT:…", "COUNTY:…" or "ADAPTER:<name>"
    body_name: str
    events: int
    within_limit: int
    over_limit: int
    limit_working_days: int
    mean_working_days: float
    max_working_days: int


async def stop_event_latency(
    viewer: Viewer, *, occurred_from: dt.date, occurred_to: dt.date, policy: Policy
) -> list[Latency]:
    """R-RPT-1: per reporting body, working days from `occurred_on` to the county day of `recorded_at`.

    Events are read as the rules engine reads the timeline (R-TL-1): a retracted one is left out
    unless its retraction was retracted, and an amended date is the date it occurred. Events that
    occurred before the rule came into force are left out. The body is the death report an event
    came from, else the recording staff member's unit or region, else the adapter that imported it.
    """
    amended = Event.filter(type=EventType.AMENDED, corrects_id__isnull=False).values_list("corrects_id", flat=True)
    candidates = access.events(viewer).filter(type__in=list(STOP_EVENTS)).filter(
        Q(occurred_on__gte=occurred_from, occurred_on__lte=occurred_to) | Q(id__in=Subquery(amended))
    )  # an amendment may move an event into the period
    occurred = {
        e.id: e.occurred_on
        for _, e in await standing_events(candidates)
        if occurred_from <= e.occurred_on <= occurred_to
    }
    stop = [
        {**e, "occurred_on": occurred[e["id"]]}
        for e in await candidates.values("id", "recorded_at", "source_adapter", "staff_id")
        if e["id"] in occurred
    ]
    bodies = await _event_bodies(stop)
    days: dict[str, list[tuple[int, int]]] = defaultdict(list)  # body key → [(working days, limit)]
    for e in stop:
        rules = policy.version_at(e["occurred_on"]).stop_event_report
        if e["occurred_on"] < rules.in_force_from:
            continue
        took = working_days_after(e["occurred_on"], county_day(e["recorded_at"]), field="occurredFrom")
        days[bodies[e["id"]][0]].append((took, rules.working_days))
    names = {key: name for key, name in bodies.values()}
    return [
        Latency(
            body_key=key, body_name=names[key], events=len(values),
            within_limit=sum(d <= limit for d, limit in values), over_limit=sum(d > limit for d, limit in values),
            limit_working_days=max(limit for _, limit in values),
            mean_working_days=round(statistics.fmean(d for d, _ in values), 1),
            max_working_days=max(d for d, _ in values),
        )
        for key, values in sorted(days.items())
    ]


async def _event_bodies(stop: list[dict]) -> dict[int, tuple[str, str]]:
    """Each event's reporting body as (key, name), in three queries."""
    ids = [e["id"] for e in stop]
    from_reports: dict[int, dict] = {}
    for row in await DeathReportEntry.filter(event_id__in=ids).order_by("-id").values(
        "event_id", "report__body_key", "report__region__name", "report__unit__name"
    ):
        from_reports[row["event_id"]] = row  # the report that recorded it, not a roster passing it on
    staff = {
        s["id"]: s
        for s in await Staff.filter(id__in={e["staff_id"] for e in stop if e["staff_id"]}).values(
            "id", "unit__code", "unit__name", "region__code", "region__name", "region__level"
        )
    }
    out = {}
    for e in stop:
        if e["id"] in from_reports and e["source_adapter"] == SOURCE:
            r = from_reports[e["id"]]
            out[e["id"]] = (r["report__body_key"], r["report__region__name"] or r["report__unit__name"])
        elif e["staff_id"] in staff and staff[e["staff_id"]]["unit__code"]:
            s = staff[e["staff_id"]]
            out[e["id"]] = (f"UNIT:{s['unit__code']}", s["unit__name"])
        elif e["staff_id"] in staff and staff[e["staff_id"]]["region__code"]:
            s = staff[e["staff_id"]]
            out[e["id"]] = (f"{s['region__level']}:{s['region__code']}", s["region__name"])
        else:
            out[e["id"]] = (f"ADAPTER:{e['source_adapter']}", e["source_adapter"])
    return out
