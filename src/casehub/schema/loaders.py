"""DataLoaders: one set-based, scoped query per kind of object a page needs (no N+1)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from casehub import access
from casehub.auth import Viewer
from casehub.models import Region


def _by_id(load: Callable[[Sequence[int]], Any]) -> DataLoader:
    async def batch(ids: Sequence[int]) -> list[Any]:
        found = {row.id: row for row in await load(ids)}
        return [found.get(i) for i in ids]

    return DataLoader(batch)


def _grouped(load: Callable[[Sequence[int]], Any], key: str) -> DataLoader:
    async def batch(ids: Sequence[int]) -> list[list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in await load(ids):
            grouped[getattr(row, key)].append(row)
        return [grouped[i] for i in ids]

    return DataLoader(batch)


class Loaders:
    """Per-request loaders; with no viewer only the unscoped region loader works."""

    def __init__(self, viewer: Viewer | None) -> None:
        self.region = _by_id(lambda ids: Region.filter(id__in=ids))
        if viewer is None:
            return
        self.person = _by_id(lambda ids: access.persons(viewer).filter(id__in=ids))
        self.entitlement = _by_id(lambda ids: access.entitlements(viewer).filter(id__in=ids))
        self.event = _by_id(lambda ids: access.events(viewer).filter(id__in=ids))
        self.entitlements_by_person = _grouped(
            lambda ids: access.entitlements(viewer).filter(person_id__in=ids).order_by("id"), "person_id"
        )
        self.events_by_person = _grouped(
            lambda ids: access.events(viewer).filter(person_id__in=ids).order_by("recorded_at", "id"),
            "person_id",
        )
