"""`record_events`: the one write path for events (R-TL-1..3)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from casehub.domain import Channel, EventType, Scheme
from casehub.models import Event
from casehub.timeline import EventDraft, UnresolvedReferenceError, record_events
from tests import factories
from tests.factories import id_number

DAY = dt.date(2024, 3, 5)


def certified(seq: int, key: str, **extra) -> EventDraft:
    return EventDraft(
        type=EventType.CERTIFIED, occurred_on=DAY, id_number=id_number(seq), natural_key=key,
        payload={"channel": Channel.APP_SELF}, **extra,
    )  # fmt: skip


async def test_r_tl_3_same_natural_key_is_recorded_once(db):
    await factories.people(2)
    first = await record_events([certified(0, "k0"), certified(1, "k1"), certified(0, "k0")], source_adapter="t")
    assert len(first.accepted) == 2 and first.duplicates == 1
    again = await record_events([certified(0, "k0"), certified(1, "k2")], source_adapter="t")
    assert again.duplicates == 1 and len(again.accepted) == 1
    assert await Event.all().count() == 3


async def test_r_tl_2_events_carry_both_times_and_their_source(db):
    people = await factories.people(1)
    staff = await factories.staff()
    when = dt.datetime(2024, 3, 6, 8, 0, tzinfo=dt.UTC)
    [event_id] = (
        await record_events(
            [certified(0, "k", evidence=("serial:1",), source_row=7)],
            source_adapter="app_results", staff=staff, recorded_at=when,
        )
    ).accepted  # fmt: skip
    event = await Event.get(id=event_id)
    assert (event.person_id, event.occurred_on, event.recorded_at) == (people[0].id, DAY, when)
    assert (event.source_adapter, event.source_row, event.staff_id) == ("app_results", 7, staff.id)
    assert event.payload == {"channel": "APP_SELF"} and event.evidence == ["serial:1"]


async def test_unknown_person_raises_and_records_nothing(db):
    await factories.people(1)
    with pytest.raises(UnresolvedReferenceError, match="no recipient with ID number") as info:
        await record_events([certified(0, "ok"), certified(5, "unknown")], source_adapter="t")
    assert info.value.code == "UNKNOWN_PERSON" and len(info.value.problems) == 1
    assert await Event.all().count() == 0


async def test_skip_mode_records_the_good_drafts_and_returns_the_rejected(db):
    await factories.people(1)
    drafts = [
        certified(0, "ok"),
        certified(7, "unknown"),
        certified(0, "no-ent", scheme=Scheme.AGENCY_PENSION),
        certified(0, "bad-staff", staff_id=999),
        certified(0, "with-ent", scheme=Scheme.RESIDENT_PENSION),
    ]
    result = await record_events(drafts, source_adapter="t", on_invalid="skip")
    assert [r.code for r in result.rejected] == ["UNKNOWN_PERSON", "NO_ENTITLEMENT", "UNKNOWN_STAFF"]
    assert [r.index for r in result.rejected] == [1, 2, 3]
    assert len(result.accepted) == 2 and result.duplicates == 0
    with_ent = await Event.get(natural_key="with-ent")
    assert with_ent.entitlement_id is not None


async def test_r_tl_1_corrections_point_at_earlier_events_in_the_same_call_or_before(db):
    people = await factories.people(2)
    [original] = (await record_events([certified(0, "orig")], source_adapter="t")).accepted
    retract = EventDraft(
        type=EventType.RETRACTED, occurred_on=DAY, person_id=people[0].id, natural_key="r1",
        corrects_key="orig", payload={"reason": "wrong person"},
    )  # fmt: skip
    same_call = [
        certified(1, "second"),
        EventDraft(type=EventType.AMENDED, occurred_on=DAY, id_number=id_number(1), natural_key="a1",
                   corrects_key="second", payload={"occurred_on": "2024-03-04", "reason": "typo"}),
    ]  # fmt: skip
    result = await record_events([retract, *same_call], source_adapter="t")
    assert len(result.accepted) == 3
    assert (await Event.get(natural_key="r1")).corrects_id == original
    second = await Event.get(natural_key="second")
    assert (await Event.get(natural_key="a1")).corrects_id == second.id
    assert (await Event.get(id=original)).natural_key == "orig"  # never changed


async def test_a_correction_of_another_persons_event_or_of_nothing_is_refused(db):
    await factories.people(2)
    await record_events([certified(0, "orig")], source_adapter="t")
    drafts = [
        EventDraft(type=EventType.RETRACTED, occurred_on=DAY, id_number=id_number(1), natural_key="x",
                   corrects_key="orig", payload={"reason": "r"}),
        EventDraft(type=EventType.RETRACTED, occurred_on=DAY, id_number=id_number(1), natural_key="y",
                   corrects_key="nothing", payload={"reason": "r"}),
        EventDraft(type=EventType.RETRACTED, occurred_on=DAY, id_number=id_number(1), natural_key="z",
                   corrects_id=12345, payload={"reason": "r"}),
    ]  # fmt: skip
    in_call = [
        certified(9, "refused"),  # nobody with that ID number
        EventDraft(type=EventType.RETRACTED, occurred_on=DAY, id_number=id_number(1), natural_key="w",
                   corrects_key="refused", payload={"reason": "r"}),
    ]  # fmt: skip
    result = await record_events([*drafts, *in_call], source_adapter="t", on_invalid="skip")
    assert [r.code for r in result.rejected] == [
        "CORRECTS_OTHER_PERSON", "UNKNOWN_CORRECTED_EVENT", "UNKNOWN_CORRECTED_EVENT", "UNKNOWN_PERSON",
        "UNKNOWN_CORRECTED_EVENT",
    ]  # fmt: skip
    assert result.accepted == []


def test_a_draft_must_be_well_formed():
    with pytest.raises(ValueError, match="exactly one"):
        EventDraft(type=EventType.DIED, occurred_on=DAY, natural_key="k")
    with pytest.raises(ValueError, match="natural_key"):
        EventDraft(type=EventType.DIED, occurred_on=DAY, person_id=1, natural_key="k" * 201)
    with pytest.raises(ValueError, match="correct"):
        EventDraft(type=EventType.RETRACTED, occurred_on=DAY, person_id=1, natural_key="k")
    with pytest.raises(ValueError, match="date"):
        EventDraft(type=EventType.DIED, occurred_on=dt.datetime(2024, 1, 1), person_id=1, natural_key="k")


async def test_r_tl_3_concurrent_imports_of_the_same_records_store_each_once(db):
    await factories.people(20)
    drafts = [certified(i, f"k{i}") for i in range(20)]
    results = await asyncio.gather(*(record_events(drafts, source_adapter="t") for _ in range(4)))
    assert sum(len(r.accepted) for r in results) == 20
    assert sum(r.duplicates for r in results) == 60
    assert await Event.all().count() == 20


async def test_many_drafts_go_in_bulk(db):
    await factories.people(3)
    drafts = [certified(i % 3, f"bulk{i}") for i in range(2_500)]  # several INSERT statements
    result = await record_events(drafts, source_adapter="t")
    assert len(result.accepted) == 2_500 and len(set(result.accepted)) == 2_500
    assert await Event.all().count() == 2_500
