"""Spot checks (R-SPT-1/2): a sample drawn from a recorded seed, recomputable and verifiable."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from casehub.domain import EventType, Scheme
from casehub.engine.results import EntitlementStatus
from casehub.errors import CasehubError, ValidationErrors
from casehub.models import AuditEntry, EntitlementState, Event, InvestigationReferral, SpotCheck, SpotCheckItem
from casehub.processes import spot_checks
from casehub.processes.vocabulary import FindingResult, ReferralSource
from tests.processes.conftest import POLICY, set_state

TODAY = dt.date(2026, 8, 3)


@pytest.fixture
async def population(county):
    """Resident pension: 6 per village (3 in one); agency: 4 in unit A1, 2 in A2; enterprise: 3 in one village."""
    people = {}
    for t in range(3):
        for v in range(1, 4):
            village = county.village(t, v)
            people[village.code] = [await county.recipient(village) for _ in range(3 if (t, v) == (1, 2) else 6)]
    people["A1"] = [await county.recipient(county.village(0, 1), scheme=Scheme.AGENCY_PENSION, unit=county.units["A1"])
                    for _ in range(4)]
    people["A2"] = [await county.recipient(county.village(1, 1), scheme=Scheme.AGENCY_PENSION, unit=county.units["A2"])
                    for _ in range(2)]
    people["E"] = [await county.recipient(county.village(2, 3), scheme=Scheme.ENTERPRISE_PENSION,
                                          unit=county.units["E1"]) for _ in range(3)]
    return people


def by_hand(seed, period, scheme, level, keys, k):
    """The documented rule, written out again: lowest SHA-256 of "seed|period|scheme|level|key" first."""
    digest = {key: hashlib.sha256(f"{seed}|{period}|{scheme}|{level}|{key}".encode()).hexdigest() for key in keys}
    return sorted(keys, key=lambda key: (digest[key], key))[:k]


async def test_r_spt_1_the_sample_meets_the_policy_and_follows_the_documented_rule(county, population):
    check = await spot_checks.draw_spot_check(await county.viewer("county"), period="2026-H2", policy=POLICY,
                                              today=TODAY, seed="2026年8月3日双色球 03 11 17 22 28 31 + 09")
    items = await SpotCheckItem.filter(spot_check=check).order_by("position")
    resident = [i for i in items if i.scheme is Scheme.RESIDENT_PENSION]
    villages = {i.group_code for i in resident}
    townships = {code[:9] for code in villages}
    assert len(townships) == 2 and len(villages) == 4  # R-SPT-1: ≥ 2 townships, ≥ 2 villages in each

    seed, period = check.seed, "2026-H2"
    groups = check.population["RESIDENT_PENSION"]["groups"]
    expected = []
    for township in by_hand(seed, period, "RESIDENT_PENSION", "TOWNSHIP", list(groups), 2):
        for village in by_hand(seed, period, "RESIDENT_PENSION", "VILLAGE", list(groups[township]), 2):
            ids = [str(i) for i in groups[township][village]]
            expected += [(village, int(p)) for p in by_hand(seed, period, "RESIDENT_PENSION", "PERSON", ids, 5)]
    assert [(i.group_code, i.person_id) for i in resident] == expected

    agency = [i for i in items if i.scheme is Scheme.AGENCY_PENSION]
    assert sorted(i.group_code for i in agency) == ["A1", "A1", "A1", "A2", "A2"]  # 3 per unit; A2 has only 2
    enterprise = [i for i in items if i.scheme is Scheme.ENTERPRISE_PENSION]
    assert len(enterprise) == 3
    assert "AGENCY_PENSION persons in A2: 2 of 3" in check.shortfalls
    assert "ENTERPRISE_PENSION townships: 1 of 2" in check.shortfalls


async def test_r_spt_2_the_seed_is_recorded_before_any_finding_and_the_draw_verifies(county, population):
    viewer = await county.viewer("county")
    check = await spot_checks.draw_spot_check(viewer, period="2026-H2", policy=POLICY, today=TODAY)
    assert len(check.seed) == 32  # 128 random bits when the operator gives none
    audit = await AuditEntry.get(action="DRAW_SPOT_CHECK")
    assert audit.detail["seed"] == check.seed
    assert audit.detail["populationSha256"] == check.population_sha256
    assert len(audit.detail["sample"]) == await SpotCheckItem.filter(spot_check=check).count()
    assert await SpotCheckItem.filter(spot_check=check, result__not_isnull=True).count() == 0

    result = await spot_checks.verify(await SpotCheck.get(id=check.id))
    assert result.ok and result.expected == result.recorded == len(audit.detail["sample"])

    # the same seed and population always give the same sample; another seed another one
    assert spot_checks.draw(check.seed, "2026-H2", check.population) == spot_checks.draw(
        check.seed, "2026-H2", check.population)
    assert spot_checks.draw("other", "2026-H2", check.population)[0] != spot_checks.draw(
        check.seed, "2026-H2", check.population)[0]

    with pytest.raises(CasehubError, match="has been drawn"):
        await spot_checks.draw_spot_check(viewer, period="2026-H2", policy=POLICY, today=TODAY)
    with pytest.raises(CasehubError, match="county bureau"):
        await spot_checks.draw_spot_check(await county.viewer("township"), period="2026-H1", policy=POLICY,
                                          today=TODAY)
    with pytest.raises(CasehubError, match="has not begun"):
        await spot_checks.draw_spot_check(viewer, period="2027-H1", policy=POLICY, today=TODAY)


async def test_r_spt_2_a_tampered_sample_or_population_fails_verification(county, population):
    check = await spot_checks.draw_spot_check(await county.viewer("county"), period="2026-H2", policy=POLICY,
                                              today=TODAY, seed="s")
    item = await SpotCheckItem.filter(spot_check=check, scheme=Scheme.RESIDENT_PENSION).first()
    drawn = set(await SpotCheckItem.filter(spot_check=check).values_list("person_id", flat=True))
    swap = next(p for p in population[item.group_code] if p.id not in drawn)
    item.person_id = swap.id
    await item.save()
    result = await spot_checks.verify(await SpotCheck.get(id=check.id))
    assert not result.ok and result.population_ok and not result.sample_ok
    assert [p.person_id for p in result.unexpected] == [swap.id]
    assert len(result.missing) == 1

    check = await SpotCheck.get(id=check.id)
    check.population["AGENCY_PENSION"]["groups"]["A1"].pop()
    await check.save()
    result = await spot_checks.verify(await SpotCheck.get(id=check.id))
    assert not result.population_ok


async def test_only_recipients_currently_paid_are_drawn(county):
    village = county.village(0, 1)
    paid = await county.recipient(village)
    suspended = await county.recipient(village)
    dead = await county.recipient(village)
    await set_state(paid)
    await set_state(suspended, status=EntitlementStatus.SUSPENDED)
    await set_state(dead, status=EntitlementStatus.ENDED)
    population = await spot_checks.build_population(POLICY.version_at(TODAY).spot_check.samples)
    assert population["RESIDENT_PENSION"]["groups"] == {"532922101": {"532922101001": [paid.id]}}


async def test_findings_died_and_contradictions_open_referrals(county, population):
    check = await spot_checks.draw_spot_check(await county.viewer("county"), period="2026-H2", policy=POLICY,
                                              today=TODAY, seed="findings")
    await SpotCheck.filter(id=check.id).update(drawn_at=dt.datetime(2026, 8, 3, 2, tzinfo=dt.UTC))  # drawn on TODAY
    items = await SpotCheckItem.filter(spot_check=check).order_by("position").prefetch_related("person")
    viewer = await county.viewer("county")
    checked = dt.date(2026, 8, 20)
    # certified through the app on 1 July, found to have died on 10 June: the certification was false
    await Event.create(person=items[2].person, type=EventType.CERTIFIED, occurred_on=dt.date(2026, 7, 1),
                       recorded_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), source_adapter="app",
                       natural_key="app-1", payload={"channel": "APP_SELF"})

    later = TODAY + dt.timedelta(days=30)

    async def find(item, who=viewer, today=later, **finding):
        return await spot_checks.record_finding(who, item.id, policy=POLICY, today=today, **finding)

    await find(items[0], result=FindingResult.CONFIRMED, checked_on=checked, evidence=["photo:1"])
    contradicted = await find(items[1], result=FindingResult.CONTRADICTS_CERTIFICATION, checked_on=checked,
                              note="认证视频中的人不是本人")
    died = await find(items[2], result=FindingResult.DIED, checked_on=checked, died_on=dt.date(2026, 6, 10),
                      evidence=["death-certificate:88"])
    died_quietly = await find(items[3], result=FindingResult.DIED, checked_on=checked, died_on=dt.date(2026, 8, 10))

    referrals = await InvestigationReferral.all().order_by("id")
    assert [(r.source, r.person_id) for r in referrals] == [
        (ReferralSource.SPOT_CHECK, items[1].person_id), (ReferralSource.SPOT_CHECK, items[2].person_id)]
    assert "died on 2026-06-10, yet certified on 2026-07-01" in referrals[1].summary
    assert contradicted.referral_id == referrals[0].id and died.referral_id == referrals[1].id
    assert died_quietly.referral_id is None
    event = await Event.get(id=died.event_id)
    assert (event.type, event.occurred_on, event.source_adapter) == (EventType.DIED, dt.date(2026, 6, 10), "spot_check")

    with pytest.raises(CasehubError, match="is recorded"):
        await find(items[0], result=FindingResult.CONFIRMED, checked_on=checked)
    with pytest.raises(ValidationErrors) as refused:
        await find(items[4], result=FindingResult.DIED, checked_on=TODAY, today=TODAY - dt.timedelta(days=1))
    assert {(e.field, e.code) for e in refused.value.errors} == {("checkedOn", "DATE_IN_FUTURE"),
                                                                ("diedOn", "REQUIRED")}
    with pytest.raises(CasehubError, match="in your scope"):
        await find(items[4], who=await county.viewer("township"), result=FindingResult.CONFIRMED, checked_on=checked)
    # the DIED finding ended the entitlement in the status projection
    assert (await EntitlementState.get(person_id=items[2].person_id)).status is EntitlementStatus.ENDED

    tallies = await spot_checks.tally(await SpotCheck.get(id=check.id))
    assert [t.scheme for t in tallies] == [Scheme.AGENCY_PENSION, Scheme.ENTERPRISE_PENSION, Scheme.RESIDENT_PENSION]
    results = {f: sum(t.results[f] for t in tallies) for f in FindingResult}
    assert results == {FindingResult.CONFIRMED: 1, FindingResult.CONTRADICTS_CERTIFICATION: 1,
                       FindingResult.NOT_FOUND: 0, FindingResult.DIED: 2}
    assert sum(t.sampled for t in tallies) - sum(t.pending for t in tallies) == 4


async def test_r_tl_1_a_certification_after_a_death_is_read_as_the_engine_reads_it(county):
    """A retracted retraction restores the certification; an amendment moves it before or after the death."""
    person = await county.recipient(county.village(0, 1))

    async def record(type_, day, key, corrects=None, **payload):
        return await Event.create(person=person, type=type_, occurred_on=day, corrects=corrects, payload=payload,
                                  recorded_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC),
                                  source_adapter="test", natural_key=key)  # fmt: skip

    restored = await record(EventType.CERTIFIED, dt.date(2026, 7, 1), "c1", channel="APP_SELF")
    wrong = await record(EventType.RETRACTED, dt.date(2026, 7, 2), "r1", corrects=restored)
    assert await spot_checks._certified_after(person.id, dt.date(2026, 6, 10)) is None
    await record(EventType.RETRACTED, dt.date(2026, 7, 3), "r2", corrects=wrong)
    assert await spot_checks._certified_after(person.id, dt.date(2026, 6, 10)) == dt.date(2026, 7, 1)
    moved = await record(EventType.CERTIFIED, dt.date(2026, 6, 1), "c2", channel="WINDOW")
    await record(EventType.AMENDED, dt.date(2026, 7, 4), "a1", corrects=moved, occurred_on="2026-07-20")
    assert await spot_checks._certified_after(person.id, dt.date(2026, 6, 10)) == dt.date(2026, 7, 20)
