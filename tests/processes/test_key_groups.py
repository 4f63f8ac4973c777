"""The key-group ledger and home visits (R-KEY-1)."""

from __future__ import annotations

import datetime as dt

import pytest

from casehub.domain import Channel, EventType, KeyGroup
from casehub.engine.results import EntitlementStatus
from casehub.errors import CasehubError
from casehub.models import EntitlementState, Event, KeyGroupFact
from casehub.processes import key_groups
from tests.processes.conftest import POLICY, set_state

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
async def ledger_people(county):
    v1, v2, other = county.village(0, 1), county.village(0, 2), county.village(1, 1)
    people = {
        "turns_80_today": await county.recipient(v1, born=dt.date(1946, 6, 1), name="甲"),
        "turns_80_tomorrow": await county.recipient(v1, born=dt.date(1946, 6, 2), name="乙"),
        "leap_day_90": await county.recipient(v2, born=dt.date(1936, 2, 29), name="丙"),
        "disabled": await county.recipient(v2, born=dt.date(1970, 5, 5), name="丁"),
        "recovered": await county.recipient(v1, born=dt.date(1960, 5, 5), name="戊"),
        "died_old": await county.recipient(v1, born=dt.date(1930, 1, 1), name="己"),
        "elsewhere_old": await county.recipient(other, born=dt.date(1940, 1, 1), name="庚"),
    }
    await set_state(people["died_old"], status=EntitlementStatus.ENDED)
    township = await county.viewer("township")
    await key_groups.record_fact(township, id_number=people["disabled"].id_number, group=KeyGroup.SEVERELY_DISABLED,
                                 since=dt.date(2025, 1, 1), source="残疾人证 一级", today=AS_OF)
    fact = await key_groups.record_fact(township, id_number=people["recovered"].id_number,
                                        group=KeyGroup.CANNOT_SELF_CARE, since=dt.date(2025, 1, 1),
                                        source="失能评估 2025-01", today=AS_OF)
    await key_groups.end_fact(township, fact.id, until=dt.date(2026, 3, 31))
    return people


async def test_r_key_1_the_ledger_computes_age_and_reads_recorded_facts(county, ledger_people):
    members = await key_groups.ledger(await county.viewer("admin"), as_of=AS_OF, policy=POLICY)
    got = {m.person.name: (set(m.groups), m.joined_on) for m in members}
    assert got == {
        "甲": ({KeyGroup.VERY_OLD}, dt.date(2026, 6, 1)),  # 80 today
        "丙": ({KeyGroup.VERY_OLD}, dt.date(2016, 2, 29)),
        "丁": ({KeyGroup.SEVERELY_DISABLED}, dt.date(2025, 1, 1)),
        "庚": ({KeyGroup.VERY_OLD}, dt.date(2020, 1, 1)),
    }  # 乙 is 79, 戊's fact ended on 31 March, 己 has died
    before = await key_groups.ledger(await county.viewer("admin"), as_of=dt.date(2026, 3, 31), policy=POLICY)
    assert "戊" in {m.person.name for m in before}
    mine = await key_groups.ledger(await county.viewer("township"), as_of=AS_OF, policy=POLICY)
    assert {m.person.name for m in mine} == {"甲", "丙", "丁"}


async def test_r_key_1_home_visits_certify_and_set_the_schedule(county, ledger_people):
    township = await county.viewer("township")
    visit = await key_groups.record_home_visit(
        township, policy=POLICY, id_number=ledger_people["disabled"].id_number, visited_on=dt.date(2026, 4, 15),
        today=AS_OF, evidence=["photo:visit-1"], note="身体状况稳定",
    )
    assert (visit.type, visit.payload["channel"], visit.staff_id) == (
        EventType.CERTIFIED, Channel.HOME_VISIT, county.staff["township"].id)
    again = await key_groups.record_home_visit(
        township, policy=POLICY, id_number=ledger_people["disabled"].id_number, visited_on=dt.date(2026, 4, 15),
        today=AS_OF,
    )
    assert again.id == visit.id and await Event.filter(type=EventType.CERTIFIED).count() == 1
    state = await EntitlementState.get(person_id=ledger_people["disabled"].id)
    assert state.last_certified_on == dt.date(2026, 4, 15)  # R-CYC-4: the visit certified
    await key_groups.record_home_visit(township, policy=POLICY, id_number=ledger_people["leap_day_90"].id_number,
                                       visited_on=dt.date(2026, 1, 10), today=AS_OF)

    schedule = await key_groups.visit_schedule(township, as_of=AS_OF, policy=POLICY)
    assert [(v.member.person.name, v.last_visit_on, v.due_on, v.is_due(AS_OF)) for v in schedule] == [
        ("丙", dt.date(2026, 1, 10), dt.date(2026, 4, 10), True),  # three months after the last visit: overdue
        ("甲", None, dt.date(2026, 6, 1), True),  # never visited: due from the day they turned 80
        ("丁", dt.date(2026, 4, 15), dt.date(2026, 7, 15), False),
    ]
    with pytest.raises(CasehubError, match="in the future"):
        await key_groups.record_home_visit(township, policy=POLICY, id_number=ledger_people["disabled"].id_number,
                                           visited_on=AS_OF + dt.timedelta(days=1), today=AS_OF)
    with pytest.raises(CasehubError, match="in your scope"):
        await key_groups.record_home_visit(township, policy=POLICY,
                                           id_number=ledger_people["elsewhere_old"].id_number, visited_on=AS_OF,
                                           today=AS_OF)


async def test_facts_are_checked(county, ledger_people):
    township = await county.viewer("township")
    with pytest.raises(CasehubError, match="follows from the birth date"):
        await key_groups.record_fact(township, id_number=ledger_people["disabled"].id_number,
                                     group=KeyGroup.VERY_OLD, since=AS_OF, source="x", today=AS_OF)
    with pytest.raises(CasehubError, match="already recorded"):
        await key_groups.record_fact(township, id_number=ledger_people["disabled"].id_number,
                                     group=KeyGroup.SEVERELY_DISABLED, since=AS_OF, source="x", today=AS_OF)
    fact = await KeyGroupFact.get(person_id=ledger_people["recovered"].id)
    with pytest.raises(CasehubError, match="already ends"):
        await key_groups.end_fact(township, fact.id, until=AS_OF)


async def test_load_cases_gives_the_engine_the_recorded_key_groups(county, ledger_people):
    try:
        from casehub import cases
    except ImportError:
        pytest.skip("the rules engine (casehub.engine.evaluate) has not landed on this branch")
    facts = await cases.load_cases([ledger_people["disabled"].id, ledger_people["recovered"].id], on=AS_OF)
    assert facts[ledger_people["disabled"].id].person.key_groups == {KeyGroup.SEVERELY_DISABLED}
    assert facts[ledger_people["recovered"].id].person.key_groups == frozenset()
