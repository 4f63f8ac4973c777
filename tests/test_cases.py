"""The ORM ↔ engine bridge: facts load in a fixed number of queries, the projection follows the timeline."""

from __future__ import annotations

import datetime as dt

from casehub.cases import load_cases, refresh_states, standing_events
from casehub.domain import Channel, EventType
from casehub.engine import EntitlementStatus
from casehub.models import EntitlementState, Event
from casehub.policy import default_policy
from tests import factories


async def record(person, type_, occurred_on, key, /, corrects=None, **payload):
    return await Event.create(
        person=person, type=type_, occurred_on=occurred_on, natural_key=key, payload=payload, corrects=corrects,
        recorded_at=dt.datetime.combine(occurred_on, dt.time(9), dt.UTC), source_adapter="test",
    )


async def test_load_cases_maps_entitlements_and_events(db):
    village = (await factories.region_tree())["532922101001"]
    person = await factories.recipient(village, start=dt.date(2023, 1, 1))
    await record(person, EventType.CERTIFIED, dt.date(2023, 3, 1), "c1", channel=Channel.APP_SELF)
    case = (await load_cases([person.id]))[person.id]
    assert case.person.birth_date == person.birth_date
    assert [e.scheme for e in case.entitlements] == ["RESIDENT_PENSION"]
    assert [(e.type, e.payload["channel"]) for e in case.events] == [(EventType.CERTIFIED, "APP_SELF")]


async def test_r_sus_1_projection_shows_overdue_suspension_then_r_sus_2_recovery(db):
    village = (await factories.region_tree())["532922101001"]
    person = await factories.recipient(village, start=dt.date(2024, 1, 1))
    policy = default_policy()
    await refresh_states([person.id], policy, as_of=dt.date(2025, 6, 1))
    state = await EntitlementState.get(person_id=person.id)
    assert state.status is EntitlementStatus.SUSPENDED and state.overdue_from is not None
    assert state.explanation["rule"] == "R-SUS-1"
    await record(person, EventType.CERTIFIED, dt.date(2025, 6, 2), "c2", channel=Channel.APP_SELF)
    await refresh_states([person.id], policy, as_of=dt.date(2025, 6, 3))
    state = await EntitlementState.get(person_id=person.id)
    assert state.status is EntitlementStatus.ACTIVE and state.last_certified_on == dt.date(2025, 6, 2)
    assert await EntitlementState.all().count() == 1


async def test_r_dth_5_death_ends_the_projection(db):
    village = (await factories.region_tree())["532922101001"]
    person = await factories.recipient(village, start=dt.date(2024, 1, 1))
    await record(person, EventType.DIED, dt.date(2024, 3, 5), "d1")
    await refresh_states([person.id], default_policy(), as_of=dt.date(2024, 6, 1))
    state = await EntitlementState.get(person_id=person.id)
    assert state.status is EntitlementStatus.ENDED and state.next_due is None


async def test_r_tl_1_standing_events_resolve_corrections_as_the_engine_does(db):
    """Retracted left out, a retracted retraction restores, amendments apply unless retracted themselves."""
    village = (await factories.region_tree())["532922101001"]
    person, other = await factories.recipient(village), await factories.recipient(village)
    day = dt.date(2025, 3, 1)
    kept = await record(person, EventType.CERTIFIED, day, "kept", channel=Channel.APP_SELF)
    gone = await record(person, EventType.CERTIFIED, day, "gone", channel=Channel.APP_SELF)
    await record(person, EventType.RETRACTED, day, "r-gone", corrects=gone)
    back = await record(person, EventType.CERTIFIED, day, "back", channel=Channel.APP_SELF)
    undone = await record(person, EventType.RETRACTED, day, "r-back", corrects=back)
    await record(person, EventType.RETRACTED, day, "r-r-back", corrects=undone)
    moved = await record(person, EventType.CERTIFIED, day, "moved", channel=Channel.WINDOW)
    await record(person, EventType.AMENDED, day, "a-moved", corrects=moved, occurred_on="2025-02-01",
                 payload={"channel": Channel.HOME_VISIT})  # fmt: skip
    same = await record(other, EventType.CERTIFIED, day, "same", channel=Channel.WINDOW)
    amended = await record(other, EventType.AMENDED, day, "a-same", corrects=same, payload={"channel": "APP_SELF"})
    await record(other, EventType.RETRACTED, day, "r-a-same", corrects=amended)
    standing = await standing_events(Event.filter(type=EventType.CERTIFIED))
    assert [(pid, e.id, e.occurred_on, e.payload["channel"]) for pid, e in standing] == [
        (person.id, moved.id, dt.date(2025, 2, 1), "HOME_VISIT"),
        (person.id, kept.id, day, "APP_SELF"), (person.id, back.id, day, "APP_SELF"),
        (other.id, same.id, day, "WINDOW"),
    ]  # fmt: skip
    assert await standing_events(Event.filter(type=EventType.DIED)) == []
