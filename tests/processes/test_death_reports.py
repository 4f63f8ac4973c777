"""Monthly death reports (R-DTH-1..4): deadlines, compliance, DIED events, idempotent resubmission."""

from __future__ import annotations

import datetime as dt

import pytest

from casehub.domain import EventType, Scheme
from casehub.engine.results import EntitlementStatus
from casehub.errors import CasehubError, ValidationErrors
from casehub.models import AuditEntry, DeathReport, DeathReportEntry, EntitlementState, Event
from casehub.policy import ReportingBody
from casehub.processes import death_reports
from casehub.processes.death_reports import ReportedDeath
from casehub.processes.vocabulary import ReportStatus
from tests.processes.conftest import POLICY

SEPTEMBER = dt.date(2026, 9, 1)
VILLAGE, TOWNSHIP, UNIT = ReportingBody.VILLAGE, ReportingBody.TOWNSHIP, ReportingBody.UNIT


async def submit(county, who, reporter, code, deaths=(), *, on, scheme=Scheme.RESIDENT_PENSION, month=SEPTEMBER,
                 received_on=None):
    return await death_reports.submit(
        await county.viewer(who), scheme=scheme, reporter=reporter, body_code=code, month=month,
        deaths=list(deaths), policy=POLICY, today=on, received_on=received_on,
    )


def test_r_dth_1_to_3_due_days_come_from_the_policy_and_stay_on_the_calendar_day():
    version = POLICY.version_at(dt.date(2026, 10, 1))
    due = {(r.scheme, r.reporter): death_reports.due_on(SEPTEMBER, r) for r in version.death_reports}
    # 3 and 5 October 2026 fall in the National Day holiday: the text's day is kept
    assert due == {
        (Scheme.RESIDENT_PENSION, VILLAGE): dt.date(2026, 10, 3),
        (Scheme.RESIDENT_PENSION, TOWNSHIP): dt.date(2026, 10, 5),
        (Scheme.AGENCY_PENSION, UNIT): dt.date(2026, 10, 4),
        (Scheme.ENTERPRISE_PENSION, TOWNSHIP): dt.date(2026, 10, 4),
    }


async def test_r_dth_4_on_time_late_nil_and_missing_make_the_compliance_table(county):
    deceased = await county.recipient(county.village(0, 0 + 1), name="张三")
    v = [county.village(0, i).code for i in (1, 2, 3)]
    report = await submit(county, "village", VILLAGE, v[0], [ReportedDeath(deceased.id_number, dt.date(2026, 9, 17),
                                                                       ("photo:abc",))], on=dt.date(2026, 10, 2))
    assert report.recorded == 1 and report.report.days_late == 0
    await submit(county, "township", VILLAGE, v[1], on=dt.date(2026, 10, 3))  # a nil report, entered by the centre
    late = await submit(county, "township", VILLAGE, v[2], on=dt.date(2026, 10, 9))
    assert late.report.days_late == 6

    rows = await death_reports.compliance(
        await county.viewer("admin"), [SEPTEMBER], policy=POLICY, as_of=dt.date(2026, 10, 10)
    )
    villages = {r.body.code: r for r in rows if r.body.reporter is VILLAGE}
    assert len(villages) == 9  # every village owes a report, nil or not
    assert (villages[v[0]].status, villages[v[0]].deaths) == (ReportStatus.ON_TIME, 1)
    assert (villages[v[1]].status, villages[v[1]].deaths) == (ReportStatus.ON_TIME, 0)
    assert (villages[v[2]].status, villages[v[2]].days_late) == (ReportStatus.LATE, 6)
    assert sum(r.status is ReportStatus.MISSING for r in villages.values()) == 6
    townships = [r for r in rows if r.body.reporter is TOWNSHIP]
    assert len(townships) == 6  # three townships, resident and enterprise rosters
    assert {r.status for r in townships} == {ReportStatus.MISSING}
    units = [r for r in rows if r.body.reporter is UNIT]
    assert units == []  # no unit manages an agency pension yet: nobody owes that report

    before = await death_reports.compliance(
        await county.viewer("admin"), [SEPTEMBER], policy=POLICY, as_of=dt.date(2026, 10, 3)
    )
    assert {r.status for r in before if r.body.reporter is TOWNSHIP} == {ReportStatus.NOT_DUE}

    summary = {(s.body.code, s.scheme): s for s in death_reports.summarize(rows)}
    assert summary[(v[2], Scheme.RESIDENT_PENSION)].late == 1
    assert summary[(v[2], Scheme.RESIDENT_PENSION)].days_late == 6

    # the village assistant's scope is their own village
    mine = await death_reports.compliance(
        await county.viewer("village"), [SEPTEMBER], policy=POLICY, as_of=dt.date(2026, 10, 10)
    )
    assert [(r.body.code, r.status) for r in mine] == [(v[0], ReportStatus.ON_TIME)]


async def test_r_dth_5_reported_deaths_become_died_events_with_their_source(county):
    person = await county.recipient(county.village(0, 1))
    result = await submit(county, "village", VILLAGE, county.village(0, 1).code,
                          [ReportedDeath(person.id_number, dt.date(2026, 9, 17), ("photo:abc",))],
                          on=dt.date(2026, 10, 2))
    (event,) = await Event.filter(person_id=person.id)
    assert event.type is EventType.DIED and event.occurred_on == dt.date(2026, 9, 17)
    assert event.source_adapter == "death_report" and event.source_row == 1
    assert event.evidence == ["photo:abc"]
    assert event.natural_key == f"death-report:RESIDENT_PENSION:VILLAGE:532922101001:2026-09:{person.id_number}"
    entry = await DeathReportEntry.get(report_id=result.report.id)
    assert entry.event_id == event.id
    assert (await EntitlementState.get(person_id=person.id)).status is EntitlementStatus.ENDED  # projection rebuilt
    audit = await AuditEntry.filter(action="SUBMIT_DEATH_REPORT").first()
    assert audit.detail["recorded"] == 1 and audit.detail["daysLate"] == 0


async def test_resubmission_is_idempotent_and_adds_only_new_rows(county):
    a, b = [await county.recipient(county.village(0, 1)) for _ in range(2)]
    code = county.village(0, 1).code
    rows = [ReportedDeath(a.id_number, dt.date(2026, 9, 3))]
    await submit(county, "village", VILLAGE, code, rows, on=dt.date(2026, 10, 2))
    again = await submit(county, "village", VILLAGE, code, rows, on=dt.date(2026, 10, 7))
    assert (again.recorded, again.already_recorded) == (0, 1)
    more = await submit(county, "village", VILLAGE, code, [*rows, ReportedDeath(b.id_number, dt.date(2026, 9, 30))],
                        on=dt.date(2026, 10, 8))
    assert (more.recorded, more.already_recorded) == (1, 1)
    report = await DeathReport.get(body_key=f"VILLAGE:{code}")
    assert (report.submissions, report.received_on, report.days_late) == (3, dt.date(2026, 10, 2), 0)
    assert await Event.filter(type=EventType.DIED).count() == 2

    with pytest.raises(ValidationErrors) as refused:
        await submit(county, "village", VILLAGE, code, [ReportedDeath(a.id_number, dt.date(2026, 9, 4))],
                     on=dt.date(2026, 10, 9))
    assert [(e.field, e.code) for e in refused.value.errors] == [("deaths[0].diedOn", "CONFLICTING_DATE")]
    assert (await DeathReport.get(id=report.id)).submissions == 3


async def test_a_death_passed_on_by_the_township_roster_is_recorded_once(county):
    """R-DTH-1: the village reports a death to the township centre, whose roster to the county carries it
    again. The timeline holds one death (R-TL-3); the roster's row points at it; R-RPT-1 credits the village."""
    person, other, revived = [await county.recipient(county.village(0, 1)) for _ in range(3)]
    village, township = county.village(0, 1).code, county.regions["532922101"].code
    first = await submit(county, "village", VILLAGE, village, [ReportedDeath(person.id_number, dt.date(2026, 9, 17))],
                         on=dt.date(2026, 10, 2))
    (event,) = await Event.filter(person_id=person.id, type=EventType.DIED)
    # someone recorded at the window on the 20th; someone reported dead in error, then retracted
    window = await _event(other, EventType.DIED, dt.date(2026, 9, 20), dt.date(2026, 9, 22), key="window")
    wrong = await _event(revived, EventType.DIED, dt.date(2026, 9, 1), dt.date(2026, 9, 2), key="wrong")
    await Event.create(person=revived, type=EventType.RETRACTED, occurred_on=dt.date(2026, 9, 9), corrects=wrong,
                       recorded_at=dt.datetime(2026, 9, 9, tzinfo=dt.UTC), source_adapter="api", natural_key="r")

    with pytest.raises(ValidationErrors) as refused:  # another date than the one on file: amend instead
        await submit(county, "township", TOWNSHIP, township, [ReportedDeath(other.id_number, dt.date(2026, 9, 21))],
                     on=dt.date(2026, 10, 4))
    assert [(e.field, e.code) for e in refused.value.errors] == [("deaths[0].diedOn", "CONFLICTING_DATE")]
    assert not await DeathReport.exists(body_key=f"TOWNSHIP:{township}")

    roster = await submit(county, "township", TOWNSHIP, township, [
        ReportedDeath(person.id_number, dt.date(2026, 9, 17)), ReportedDeath(other.id_number, dt.date(2026, 9, 20)),
        ReportedDeath(revived.id_number, dt.date(2026, 9, 25)),
    ], on=dt.date(2026, 10, 4))
    assert (first.recorded, roster.recorded, roster.already_recorded) == (1, 1, 2)
    assert await Event.filter(person_id=person.id, type=EventType.DIED).count() == 1
    assert await Event.filter(person_id=other.id, type=EventType.DIED).count() == 1
    assert await Event.filter(person_id=revived.id, type=EventType.DIED).count() == 2  # the retracted one stays
    entries = {e.person_id: e.event_id for e in await DeathReportEntry.filter(report_id=roster.report.id)}
    assert entries[person.id] == event.id and entries[other.id] == window.id
    rows = await death_reports.stop_event_latency(
        await county.viewer("admin"), occurred_from=dt.date(2026, 9, 1), occurred_to=dt.date(2026, 9, 30),
        policy=POLICY,
    )
    assert {r.body_key: r.events for r in rows} == {f"VILLAGE:{village}": 1, f"TOWNSHIP:{township}": 1,
                                                    "ADAPTER:civil_affairs": 1}


async def test_every_bad_row_is_named_and_nothing_is_recorded(county):
    here = await county.recipient(county.village(0, 1))
    elsewhere = await county.recipient(county.village(1, 1))
    bad_check_digit = here.id_number[:-1] + ("0" if here.id_number[-1] != "0" else "1")
    deaths = [
        ReportedDeath(bad_check_digit, dt.date(2026, 9, 1)),
        ReportedDeath("532922195001019999", dt.date(2026, 9, 1)),
        ReportedDeath(elsewhere.id_number, dt.date(2026, 9, 1)),
        ReportedDeath(here.id_number, dt.date(2026, 10, 1)),
        ReportedDeath(here.id_number, dt.date(2026, 9, 1)),
    ]
    with pytest.raises(ValidationErrors) as refused:
        await submit(county, "village", VILLAGE, county.village(0, 1).code, deaths, on=dt.date(2026, 10, 2))
    codes = {(e.field, e.code) for e in refused.value.errors}
    assert ("deaths[0].idNumber", "INVALID_ID_NUMBER") in codes
    assert ("deaths[4].idNumber", "DUPLICATE") in codes
    assert ("deaths[2].idNumber", "PERSON_NOT_IN_AREA") in codes
    assert ("deaths[3].diedOn", "DATE_OUT_OF_RANGE") in codes
    assert any(f == "deaths[1].idNumber" for f, _ in codes)  # unknown person or bad check digit
    assert await DeathReport.all().count() == 0 and await Event.all().count() == 0


async def test_an_area_body_reports_only_the_schemes_recipients(county):
    """A township's enterprise-pension report (R-DTH-3) covers enterprise-pension recipients in its area; a
    resident-pension recipient there is refused, named, and accepted in the resident-pension report."""
    village = county.village(0, 1)
    enterprise = await county.recipient(village, scheme=Scheme.ENTERPRISE_PENSION)
    resident = await county.recipient(village)
    deaths = [ReportedDeath(enterprise.id_number, dt.date(2026, 9, 1)), ReportedDeath(resident.id_number,
                                                                                      dt.date(2026, 9, 2))]
    with pytest.raises(ValidationErrors) as refused:
        await submit(county, "township", TOWNSHIP, village.code[:9], deaths, on=dt.date(2026, 10, 2),
                     scheme=Scheme.ENTERPRISE_PENSION)  # fmt: skip
    assert [(e.field, e.code) for e in refused.value.errors] == [("deaths[1].idNumber", "PERSON_NOT_IN_AREA")]
    assert "is not a ENTERPRISE_PENSION recipient" in refused.value.errors[0].message
    assert await Event.all().count() == 0
    await submit(county, "township", TOWNSHIP, village.code[:9], deaths[:1], on=dt.date(2026, 10, 2),
                 scheme=Scheme.ENTERPRISE_PENSION)  # fmt: skip
    await submit(county, "village", VILLAGE, village.code, deaths[1:], on=dt.date(2026, 10, 2))
    assert await Event.filter(type=EventType.DIED).count() == 2


async def test_scope_month_and_dates_are_checked(county):
    other_village = county.village(0, 2).code
    with pytest.raises(CasehubError, match="outside your scope"):
        await submit(county, "village", VILLAGE, other_village, on=dt.date(2026, 10, 2))
    with pytest.raises(CasehubError, match="has not ended"):
        await submit(county, "village", VILLAGE, county.village(0, 1).code, month=dt.date(2026, 10, 1),
                     on=dt.date(2026, 10, 20))
    with pytest.raises(CasehubError, match="in the future"):
        await submit(county, "village", VILLAGE, county.village(0, 1).code, on=dt.date(2026, 10, 2),
                     received_on=dt.date(2026, 10, 3))
    with pytest.raises(CasehubError, match="no unit reports RESIDENT_PENSION"):
        await submit(county, "unit", UNIT, "A1", on=dt.date(2026, 10, 2))


async def test_r_dth_2_units_report_their_own_retirees_and_a_paper_report_keeps_its_day(county):
    retiree = await county.recipient(county.village(1, 1), scheme=Scheme.AGENCY_PENSION, unit=county.units["A1"])
    await county.recipient(county.village(1, 2), scheme=Scheme.AGENCY_PENSION, unit=county.units["A2"])
    with pytest.raises(CasehubError, match="outside your scope"):
        await submit(county, "unit", UNIT, "A2", scheme=Scheme.AGENCY_PENSION, on=dt.date(2026, 10, 2))
    # entered by the county on the 9th, received on paper on the 4th: on time
    await submit(county, "county", UNIT, "A1", [ReportedDeath(retiree.id_number, dt.date(2026, 9, 30))],
                 scheme=Scheme.AGENCY_PENSION, on=dt.date(2026, 10, 9), received_on=dt.date(2026, 10, 4))
    rows = await death_reports.compliance(
        await county.viewer("unit"), [SEPTEMBER], policy=POLICY, as_of=dt.date(2026, 10, 10)
    )
    assert [(r.body.code, r.status, r.deaths) for r in rows] == [("A1", ReportStatus.ON_TIME, 1)]
    everyone = await death_reports.compliance(
        await county.viewer("admin"), [SEPTEMBER], policy=POLICY, as_of=dt.date(2026, 10, 10),
        scheme=Scheme.AGENCY_PENSION,
    )
    assert [(r.body.code, r.status) for r in everyone] == [("A1", ReportStatus.ON_TIME), ("A2", ReportStatus.MISSING)]


async def _event(person, type_, occurred_on, recorded_on, *, key, source="civil_affairs", staff=None):
    recorded_at = dt.datetime.combine(recorded_on, dt.time(10), tzinfo=dt.UTC)
    return await Event.create(person=person, type=type_, occurred_on=occurred_on, recorded_at=recorded_at,
                              source_adapter=source, natural_key=key, staff=staff)


async def test_r_rpt_1_stop_events_are_measured_in_working_days_per_reporting_body(county):
    p = [await county.recipient(county.village(0, 1)) for _ in range(5)]
    # National Day 2026: died Thursday 24 September, recorded Monday 12 October = 7 working days
    # (28-30 Sep, 8, 9, Saturday 10 Oct (an adjusted working day), 12 Oct), not 12 weekdays
    on_time = await _event(p[0], EventType.DIED, dt.date(2026, 9, 24), dt.date(2026, 10, 12), key="a",
                           source="death_report")
    report = await DeathReport.create(
        scheme=Scheme.RESIDENT_PENSION, reporter=VILLAGE, body_key="VILLAGE:532922101001",
        region=county.village(0, 1), month=SEPTEMBER, due_on=dt.date(2026, 10, 3), received_on=dt.date(2026, 10, 12),
        days_late=9, rule="R-DTH-1", policy_version="yunnan-2023", submissions=1,
        first_recorded_at=on_time.recorded_at, last_recorded_at=on_time.recorded_at,
    )
    await DeathReportEntry.create(report=report, row=1, submission=1, person=p[0], died_on=dt.date(2026, 9, 24),
                                  event=on_time)
    # sentenced Monday 12 January, recorded 9 February: 20 working days (the limit); 10 February: 21
    await _event(p[1], EventType.SENTENCED, dt.date(2026, 1, 12), dt.date(2026, 2, 9), key="b",
                 staff=county.staff["township"])
    await _event(p[2], EventType.SENTENCED, dt.date(2026, 1, 12), dt.date(2026, 2, 10), key="c",
                 staff=county.staff["township"])
    # recorded over the Spring Festival: 26 working days
    await _event(p[3], EventType.DEPENDANT_CHANGED, dt.date(2026, 1, 12), dt.date(2026, 2, 24), key="d")
    # a retracted death and a certification are not measured; nor is anything before 2023-12-01
    wrong = await _event(p[4], EventType.DIED, dt.date(2026, 1, 12), dt.date(2026, 6, 1), key="e")
    await Event.create(person=p[4], type=EventType.RETRACTED, occurred_on=dt.date(2026, 6, 2), corrects=wrong,
                       recorded_at=dt.datetime(2026, 6, 2, tzinfo=dt.UTC), source_adapter="api", natural_key="f")
    await _event(p[4], EventType.CERTIFIED, dt.date(2026, 1, 12), dt.date(2026, 6, 1), key="g")
    await _event(p[4], EventType.DIED, dt.date(2023, 11, 1), dt.date(2024, 6, 1), key="h")

    rows = await death_reports.stop_event_latency(
        await county.viewer("admin"), occurred_from=dt.date(2023, 1, 1), occurred_to=dt.date(2026, 12, 31),
        policy=POLICY,
    )
    got = {r.body_key: (r.events, r.within_limit, r.over_limit, r.max_working_days, r.mean_working_days)
           for r in rows}
    assert got == {
        "VILLAGE:532922101001": (1, 1, 0, 7, 7.0),
        "TOWNSHIP:532922101": (2, 1, 1, 21, 20.5),
        "ADAPTER:civil_affairs": (1, 0, 1, 26, 26.0),
    }
    assert {r.limit_working_days for r in rows} == {20}
    # a village assistant sees only the events of their village's recipients
    mine = await death_reports.stop_event_latency(
        await county.viewer("village"), occurred_from=dt.date(2026, 1, 1), occurred_to=dt.date(2026, 12, 31),
        policy=POLICY,
    )
    assert sum(r.events for r in mine) == 4


async def test_r_rpt_1_stop_events_are_read_as_the_engine_reads_the_timeline(county):
    """R-TL-1: a death whose retraction was retracted is measured; an amended date is the day it occurred."""
    p = [await county.recipient(county.village(0, 1)) for _ in range(3)]

    async def correct(person, type_, target, day, key, **payload):
        return await Event.create(person=person, type=type_, occurred_on=day, corrects=target, payload=payload,
                                  recorded_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
                                  source_adapter="api", natural_key=key)  # fmt: skip

    restored = await _event(p[0], EventType.DIED, dt.date(2026, 3, 2), dt.date(2026, 3, 4), key="a")
    wrong = await correct(p[0], EventType.RETRACTED, restored, dt.date(2026, 3, 5), "b", reason="wrong person")
    await correct(p[0], EventType.RETRACTED, wrong, dt.date(2026, 3, 6), "c", reason="the right person after all")
    moved = await _event(p[1], EventType.DIED, dt.date(2026, 2, 27), dt.date(2026, 3, 4), key="d")
    await correct(p[1], EventType.AMENDED, moved, dt.date(2026, 3, 5), "e", occurred_on="2026-03-03")
    gone = await _event(p[2], EventType.DIED, dt.date(2026, 3, 2), dt.date(2026, 3, 4), key="f")
    await correct(p[2], EventType.AMENDED, gone, dt.date(2026, 3, 5), "g", occurred_on="2026-04-03")
    rows = await death_reports.stop_event_latency(
        await county.viewer("admin"), occurred_from=dt.date(2026, 3, 1), occurred_to=dt.date(2026, 3, 31),
        policy=POLICY,
    )
    # restored: 2 March → 4 March, 2 working days; moved: 3 March (amended from 27 February) → 4 March, 1;
    # gone: amended out of March
    assert [(r.body_key, r.events, r.max_working_days, r.mean_working_days) for r in rows] == [
        ("ADAPTER:civil_affairs", 2, 2, 1.5)
    ]


async def test_r_rpt_1_a_day_outside_the_statutory_calendar_is_an_error_naming_it(county):
    person = await county.recipient(county.village(0, 1))
    await _event(person, EventType.DIED, dt.date(2026, 12, 28), dt.date(2027, 1, 6), key="x")
    with pytest.raises(CasehubError, match="2027-01-06 is outside the statutory holiday calendar"):
        await death_reports.stop_event_latency(
            await county.viewer("admin"), occurred_from=dt.date(2026, 12, 1), occurred_to=dt.date(2026, 12, 31),
            policy=POLICY,
        )
