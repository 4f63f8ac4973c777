"""DataLoaders: one set-based query per kind of object a page needs (no N+1)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from casehub.models import Entitlement, Event, Person, Region


async def _regions(ids: Sequence[int]) -> list[Region | None]:
    found = await Region.in_bulk(ids, "id")
    return [found.get(i) for i in ids]


async def _persons(ids: Sequence[int]) -> list[Person | None]:
    found = await Person.in_bulk(ids, "id")
    return [found.get(i) for i in ids]


async def _entitlements_by_person(person_ids: Sequence[int]) -> list[list[Entitlement]]:
    grouped: dict[int, list[Entitlement]] = defaultdict(list)
    for ent in await Entitlement.filter(person_id__in=person_ids).order_by("id"):
        grouped[ent.person_id].append(ent)
    return [grouped[i] for i in person_ids]


async def _events_by_person(person_ids: Sequence[int]) -> list[list[Event]]:
    grouped: dict[int, list[Event]] = defaultdict(list)
    for event in await Event.filter(person_id__in=person_ids).order_by("recorded_at", "id"):
        grouped[event.person_id].append(event)
    return [grouped[i] for i in person_ids]


class Loaders:
    def __init__(self) -> None:
        self.region = DataLoader(_regions)
        self.person = DataLoader(_persons)
        self.entitlements_by_person = DataLoader(_entitlements_by_person)
        self.events_by_person = DataLoader(_events_by_person)
