"""The data model's own guarantees: derived ID facts, region prefix rule, append-only events."""

from __future__ import annotations

import datetime as dt

import pytest

from casehub.domain import EventType, RegionLevel, Scheme
from casehub.errors import ValidationError
from casehub.idnumber import make_id_number
from casehub.models import Entitlement, Event, Person, Region
from casehub.models.events import AppendOnlyError
from casehub.models.regions import check_region_code

NUMBER = make_id_number("532922", dt.date(1950, 3, 4), 123)


async def make_person() -> Person:
    county = await Region.create(code="532922", name="漾濞彝族自治县", level=RegionLevel.COUNTY)
    township = await Region.create(code="532922101", name="苍山西镇", level=RegionLevel.TOWNSHIP, parent=county)
    village = await Region.create(code="532922101001", name="光明村", level=RegionLevel.VILLAGE, parent=township)
    return await Person.create(id_number=NUMBER, name="李四", village=village)


async def test_person_birth_date_and_sex_come_from_id_number(db):
    person = await make_person()
    fetched = await Person.get(id=person.id)
    assert (fetched.birth_date, fetched.sex) == (dt.date(1950, 3, 4), "M")


async def test_person_with_bad_check_digit_is_refused(db):
    with pytest.raises(ValidationError, match="check digit"):
        await Person.create(id_number=NUMBER[:-1] + "0", name="王五", village_id=1)
    assert await Person.all().count() == 0


def test_region_prefix_rule():
    check_region_code("532922101001", RegionLevel.VILLAGE, "532922101")
    with pytest.raises(ValidationError, match="does not start with"):
        check_region_code("532922102001", RegionLevel.VILLAGE, "532922101")
    with pytest.raises(ValidationError, match="must be 9 digits"):
        check_region_code("53292210", RegionLevel.TOWNSHIP, "532922")


async def test_r_tl_1_events_are_append_only(db):
    person = await make_person()
    await Entitlement.create(
        person=person, scheme=Scheme.RESIDENT_PENSION, start_month=dt.date(2020, 1, 1),
        monthly_amount_fen=18_000, region_id=person.village_id,
    )
    event = await Event.create(
        person=person, type=EventType.DIED, occurred_on=dt.date(2024, 1, 2),
        recorded_at=dt.datetime(2024, 1, 3, tzinfo=dt.UTC), source_adapter="test", natural_key="k1",
    )
    event.occurred_on = dt.date(2024, 1, 5)
    with pytest.raises(AppendOnlyError):
        await event.save()
    with pytest.raises(AppendOnlyError):
        await event.delete()
    with pytest.raises(AppendOnlyError):
        await Event.filter(id=event.id).update(occurred_on=dt.date(2024, 1, 5))
    with pytest.raises(AppendOnlyError):
        await Event.filter(id=event.id).delete()
    assert (await Event.get(id=event.id)).occurred_on == dt.date(2024, 1, 2)
