from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from casehub.domain import EventType, Role
from casehub.models import Event, Person, RecoveryCase, Staff
from tests import factories
from tests.payroll.helpers import certify, month, record, sweep_and_close, sweep_month


@dataclass
class Overpaid:
    person: Person
    death: Event
    case: RecoveryCase
    clerk: Staff
    clerk2: Staff
    investigator: Staff
    investigator2: Staff
    assistant: Staff


@pytest.fixture
async def overpaid(db) -> Overpaid:
    """A recipient who died on 10 January 2025, reported on 2 April: February and March overpaid
    (2 × 180 yuan), found by the April sweep (R-DTH-5, R-PAY-4)."""
    regions = await factories.region_tree()
    village = regions["532922101001"]
    clerk = await factories.staff(Role.COUNTY_STAFF)
    person = await factories.recipient(village, start=month(2024, 1), amount_fen=18_000, name="张三")
    await certify(person, dt.date(2024, 12, 1))
    for m in (1, 2, 3):
        await sweep_and_close(month(2025, m), clerk)
    death = await record(person, EventType.DIED, dt.date(2025, 1, 10), dt.date(2025, 4, 2))
    await sweep_month(month(2025, 4))
    return Overpaid(
        person, death, await RecoveryCase.get(person_id=person.id), clerk, await factories.staff(Role.COUNTY_STAFF),
        await factories.staff(Role.INVESTIGATOR), await factories.staff(Role.INVESTIGATOR),
        await factories.staff(Role.VILLAGE_ASSISTANT, region=village),
    )
