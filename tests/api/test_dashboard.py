"""Dashboards: per-region counts from grouped SQL, scoped to the viewer, consistent with the work lists."""

from __future__ import annotations

import datetime as dt

from casehub.clock import today
from casehub.domain import Channel, DependantRole, EventType, Role, Scheme
from casehub.engine.months import add_months
from casehub.models import Event
from tests.api.conftest import ADMIN, event

DASHBOARD = """query ($code: String!, $period: DateRangeInput) {
  dashboard(regionCode: $code, period: $period) {
    region { code } month period { gte lte } projectionAsOf
    total { ...figures }
    breakdown { region { code } ...figures }
  }
}
fragment figures on RegionFigures {
  recipients active suspended stopped ended dueThisMonth overdue keyGroupDueHomeVisit
  certifications appSelfShare certifiedByChannel { channel count }
}"""


def ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


async def county(world) -> None:
    """Ten recipients whose figures are known (see each line)."""
    start = dt.date(2024, 1, 1)
    v1, v2, v3 = "532922101001", "532922101002", "532922102001"
    a = await world.recipient(v1, name="a", start=start)  # ACTIVE: APP_SELF 10 days ago
    await event(a, EventType.CERTIFIED, ago(10), channel=Channel.APP_SELF.value)
    b = await world.recipient(v1, name="b", start=start)  # never certified: SUSPENDED, overdue since 2025-01-02
    c = await world.recipient(v1, name="c", start=start, born=dt.date(1930, 1, 1))  # ditto, VERY_OLD, never visited
    d = await world.recipient(v1, name="d", start=start, born=dt.date(1931, 1, 1))  # died: ENDED (not in the ledger)
    await event(d, EventType.DIED, dt.date(2024, 6, 1))
    e = await world.recipient(v2, name="e", start=start)  # ACTIVE: paper form 5 days ago
    await event(e, EventType.CERTIFIED, ago(5), channel=Channel.ONSITE_PAPER.value)
    f = await world.recipient(v2, name="f", start=start, born=dt.date(1935, 1, 1))  # due today; visit a year ago
    await event(f, EventType.CERTIFIED, add_months(today(), -12), channel=Channel.HOME_VISIT.value)
    g = await world.recipient(v2, name="g", start=start, born=dt.date(1936, 1, 1))  # visited 10 days ago
    await event(g, EventType.CERTIFIED, ago(10), channel=Channel.HOME_VISIT.value)
    h = await world.recipient(v3, name="h", start=start, scheme=Scheme.WORK_INJURY_LONG_TERM,
                              dependant_role=DependantRole.SPOUSE)  # STOPPED: remarried  # fmt: skip
    await event(h, EventType.CERTIFIED, ago(20), channel=Channel.APP_SELF.value)
    await event(h, EventType.DEPENDANT_CHANGED, dt.date(2024, 3, 10), change="REMARRIED")
    i = await world.recipient(v3, name="i", start=start, scheme=Scheme.AGENCY_PENSION, unit="A1")  # ACTIVE
    await event(i, EventType.CERTIFIED, ago(3), channel=Channel.APP_SELF.value)
    j = await world.recipient(v3, name="j", start=start)  # a WINDOW certification, retracted: SUSPENDED
    window = await event(j, EventType.CERTIFIED, ago(8), channel=Channel.WINDOW.value)
    await event(j, EventType.RETRACTED, ago(7), corrects=window, reason="wrong person")
    await world.refresh(a, b, c, d, e, f, g, h, i, j)


def by_channel(figures: dict) -> dict[str, int]:
    return {c["channel"]: c["count"] for c in figures["certifiedByChannel"] if c["count"]}


async def test_county_dashboard_counts_per_township(world):
    await county(world)
    period = {"gte": ago(30).isoformat(), "lte": today().isoformat()}
    data = (await world.ok(ADMIN, DASHBOARD, code="532922", period=period))["dashboard"]
    total = data["total"]
    assert data["month"] == today().replace(day=1).isoformat() and data["projectionAsOf"] == today().isoformat()
    assert (total["recipients"], total["active"], total["suspended"], total["stopped"], total["ended"]) == \
        (10, 5, 3, 1, 1)  # fmt: skip
    assert (total["overdue"], total["dueThisMonth"], total["keyGroupDueHomeVisit"]) == (3, 1, 2)
    # h's certification is 20 days ago; j's is retracted, so it does not count
    assert by_channel(total) == {"APP_SELF": 3, "ONSITE_PAPER": 1, "HOME_VISIT": 1}
    assert total["certifications"] == 5 and total["appSelfShare"] == 0.6
    rows = [(r["region"]["code"], r["recipients"], r["overdue"], r["keyGroupDueHomeVisit"]) for r in data["breakdown"]]
    assert rows == [("532922101", 7, 2, 2), ("532922102", 3, 1, 0)]
    assert sum(r["certifications"] for r in data["breakdown"]) == total["certifications"]


async def test_township_and_village_dashboards(world):
    await county(world)
    township = (await world.ok(ADMIN, DASHBOARD, code="532922101"))["dashboard"]
    assert [(r["region"]["code"], r["recipients"]) for r in township["breakdown"]] == [
        ("532922101001", 4), ("532922101002", 3)
    ]
    village = (await world.ok(ADMIN, DASHBOARD, code="532922101002"))["dashboard"]
    assert village["breakdown"] == [] and village["total"]["recipients"] == 3
    assert village["total"]["keyGroupDueHomeVisit"] == 1  # f: last visit a year ago; g visited 10 days ago


async def test_key_group_count_agrees_with_the_home_visit_schedule(world):
    await county(world)
    schedule = await world.ok(ADMIN, "{ homeVisitSchedule(dueOnly: true) { member { recipient { name } } } }")
    due = sorted(v["member"]["recipient"]["name"] for v in schedule["homeVisitSchedule"])
    data = (await world.ok(ADMIN, DASHBOARD, code="532922"))["dashboard"]
    assert due == ["c", "f"] and data["total"]["keyGroupDueHomeVisit"] == len(due)


async def test_the_dashboard_counts_only_what_the_viewer_sees(world):
    await county(world)
    mine = (await world.ok(Role.TOWNSHIP_STAFF, DASHBOARD, code="532922"))["dashboard"]
    assert mine["total"]["recipients"] == 7
    assert [r["recipients"] for r in mine["breakdown"]] == [7, 0]
    unit = (await world.ok(Role.UNIT_HANDLER, DASHBOARD, code="532922"))["dashboard"]
    assert unit["total"]["recipients"] == 1 and unit["total"]["active"] == 1


async def test_unknown_or_malformed_region_codes_are_errors(world):
    await world.recipient()
    missing = await world.gql(ADMIN, DASHBOARD, code="532922109")
    assert "no region with code 532922109" in missing["errors"][0]["message"]
    malformed = await world.gql(ADMIN, DASHBOARD, code="53")
    assert "region code" in malformed["errors"][0]["message"]
    backwards = await world.gql(ADMIN, DASHBOARD, code="532922", period={"gte": "2025-02-01", "lte": "2025-01-01"})
    assert "after" in backwards["errors"][0]["message"]


async def test_the_dashboard_is_a_fixed_number_of_statements(world):
    from tests.api.test_query_count import statements

    await county(world)
    with statements() as seen:
        await world.ok(ADMIN, DASHBOARD, code="532922")
    # auth, region, status figures, corrected certifications (the events, their corrections, their
    # villages), certifications, home visits, region tree
    assert len(seen) <= 9, seen


async def amend(person, target, day: dt.date, **changes) -> Event:
    """An AMENDED event: `occurred_on` moves the target's date, other keys replace its payload keys (R-TL-1)."""
    payload: dict = {"reason": "corrected"}
    if "occurred_on" in changes:
        payload["occurred_on"] = changes.pop("occurred_on").isoformat()
    if changes:
        payload["payload"] = changes
    return await Event.create(
        person=person, type=EventType.AMENDED, occurred_on=day,
        recorded_at=dt.datetime.combine(day, dt.time(9), dt.UTC),
        source_adapter="test", natural_key=f"test:amend:{target.id}:{day}", payload=payload, corrects=target,
    )


async def figures_of(world, code: str = "532922102001") -> dict:
    period = {"gte": ago(30).isoformat(), "lte": today().isoformat()}
    return (await world.ok(ADMIN, DASHBOARD, code=code, period=period))["dashboard"]["total"]


async def due_home_visits(world) -> list[str]:
    schedule = await world.ok(ADMIN, "{ homeVisitSchedule(dueOnly: true) { member { recipient { name } } } }")
    return sorted(v["member"]["recipient"]["name"] for v in schedule["homeVisitSchedule"])


async def test_r_tl_1_a_retracted_retraction_restores_the_certification(world):
    """The dashboard reads corrections as the engine does: retracting the retraction brings the certification back."""
    start, v = dt.date(2024, 1, 1), "532922102001"
    app = await world.recipient(v, name="app", start=start)
    cert = await event(app, EventType.CERTIFIED, ago(9), channel=Channel.APP_SELF.value)
    wrong = await event(app, EventType.RETRACTED, ago(8), corrects=cert, reason="wrong person")
    await event(app, EventType.RETRACTED, ago(7), corrects=wrong, reason="it was the right person")
    old = await world.recipient(v, name="old", start=start, born=dt.date(1930, 1, 1))  # VERY_OLD (R-KEY-1)
    visit = await event(old, EventType.CERTIFIED, ago(6), channel=Channel.HOME_VISIT.value)
    withdrawn = await event(old, EventType.RETRACTED, ago(5), corrects=visit, reason="not found at home")
    await event(old, EventType.RETRACTED, ago(4), corrects=withdrawn, reason="found after all")
    await world.refresh(app, old)
    total = await figures_of(world)
    assert (total["active"], total["suspended"]) == (2, 0)  # the engine: both certifications stand
    assert by_channel(total) == {"APP_SELF": 1, "HOME_VISIT": 1}
    assert total["keyGroupDueHomeVisit"] == 0 and await due_home_visits(world) == []  # visited 6 days ago


async def test_r_tl_1_amended_channel_and_date_count_as_amended(world):
    start, v = dt.date(2024, 1, 1), "532922102001"
    window = await world.recipient(v, name="window", start=start)  # WINDOW amended to APP_SELF
    await amend(window, await event(window, EventType.CERTIFIED, ago(8), channel=Channel.WINDOW.value), ago(7),
                channel=Channel.APP_SELF.value)  # fmt: skip
    late = await world.recipient(v, name="late", start=start)  # 60 days ago, amended into the period
    await amend(late, await event(late, EventType.CERTIFIED, ago(60), channel=Channel.ONSITE_PAPER.value), ago(1),
                occurred_on=ago(2))  # fmt: skip
    early = await world.recipient(v, name="early", start=start)  # in the period, amended out of it
    await amend(early, await event(early, EventType.CERTIFIED, ago(5), channel=Channel.APP_SELF.value), ago(1),
                occurred_on=ago(90))  # fmt: skip
    old = await world.recipient(v, name="old", start=start, born=dt.date(1930, 1, 1))  # a visit that was not one
    await amend(old, await event(old, EventType.CERTIFIED, ago(3), channel=Channel.HOME_VISIT.value), ago(2),
                channel=Channel.WINDOW.value)  # fmt: skip
    older = await world.recipient(v, name="older", start=start, born=dt.date(1931, 1, 1))  # one that was
    await amend(older, await event(older, EventType.CERTIFIED, ago(3), channel=Channel.APP_SELF.value), ago(2),
                channel=Channel.HOME_VISIT.value)  # fmt: skip
    unchanged = await event(older, EventType.CERTIFIED, ago(4), channel=Channel.APP_SELF.value)
    await amend(older, unchanged, ago(2), occurred_on=ago(4))  # amended, but no different
    await world.refresh(window, late, early, old, older)
    total = await figures_of(world)
    assert by_channel(total) == {"APP_SELF": 2, "ONSITE_PAPER": 1, "WINDOW": 1, "HOME_VISIT": 1}
    assert total["certifications"] == 5
    assert total["keyGroupDueHomeVisit"] == 1 and await due_home_visits(world) == ["old"]
