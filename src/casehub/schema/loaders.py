"""DataLoaders: one set-based, scoped query per kind of object a page needs (no N+1).

Built per request for the viewer (`Context.build`), never at module level, so one request's
cache never serves another's and every nested field is scoped like the root fields: each
loader reads through `casehub.access`. `tests/api/test_query_count.py` holds the statement
count of a 100-recipient page to that of a 10-recipient page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader
from tortoise.connection import get_connection

from casehub import access
from casehub.auth import Viewer
from casehub.models import EmployerUnit, Region, Staff
from casehub.policy import Policy
from casehub.schema.entitlements.loaders import case_facts_loader, case_result_loader


def _by_id(load: Callable[[Sequence[Any]], Any], key: str = "id") -> DataLoader:
    async def batch(ids: Sequence[Any]) -> list[Any]:
        found = {getattr(row, key): row for row in await load(ids)}
        return [found.get(i) for i in ids]

    return DataLoader(batch)


def _grouped(load: Callable[[Sequence[Any]], Any], key: str) -> DataLoader:
    async def batch(ids: Sequence[Any]) -> list[list[Any]]:
        grouped: dict[Any, list[Any]] = defaultdict(list)
        for row in await load(ids):
            grouped[getattr(row, key)].append(row)
        return [grouped[i] for i in ids]

    return DataLoader(batch)


def _recent_events(viewer: Viewer) -> DataLoader:
    """Keys (person id, last): the last `last` recorded events of each person, oldest first."""

    async def batch(keys: Sequence[tuple[int, int]]) -> list[list[Any]]:
        by_last: dict[int, list[int]] = defaultdict(list)
        for person_id, last in keys:
            by_last[last].append(person_id)
        grouped: dict[tuple[int, int], list[Any]] = defaultdict(list)
        postgres = get_connection("default").capabilities.dialect == "postgres"
        for last, ids in by_last.items():
            if postgres:
                rows = await access.recent_events_postgres(viewer, ids, last)
            else:
                rows = await access.recent_events(viewer, ids, last).order_by("recorded_at", "id")
            for row in rows:
                grouped[(row.person_id, last)].append(row)
        return [grouped[k] for k in keys]

    return DataLoader(batch)


class Loaders:
    """Per-request loaders; with no viewer only the unscoped region loaders work."""

    def __init__(self, viewer: Viewer | None, policy: Policy) -> None:
        self.region = _by_id(lambda ids: Region.filter(id__in=ids))
        self.regions_by_parent = _grouped(lambda ids: Region.filter(parent_id__in=ids).order_by("code"), "parent_id")
        if viewer is None:
            return
        self.unit = _by_id(lambda ids: EmployerUnit.filter(id__in=ids))
        self.staff = _by_id(lambda ids: Staff.filter(id__in=ids))
        self.person = _by_id(lambda ids: access.persons(viewer).filter(id__in=ids))
        self.entitlement = _by_id(lambda ids: access.entitlements(viewer).filter(id__in=ids))
        self.event = _by_id(lambda ids: access.events(viewer).filter(id__in=ids))
        self.entitlements_by_person = _grouped(
            lambda ids: access.entitlements(viewer).filter(person_id__in=ids).order_by("id"), "person_id"
        )
        self.state_by_entitlement = _by_id(
            lambda ids: access.entitlement_states(viewer).filter(entitlement_id__in=ids), "entitlement_id"
        )
        self.events_by_person = _grouped(
            lambda ids: access.events(viewer).filter(person_id__in=ids).order_by("recorded_at", "id"), "person_id"
        )
        self.recent_events = _recent_events(viewer)
        self.corrections = _grouped(
            lambda ids: access.events(viewer).filter(corrects_id__in=ids).order_by("recorded_at", "id"), "corrects_id"
        )
        self.key_group_facts_by_person = _grouped(
            lambda ids: access.key_group_facts(viewer).filter(person_id__in=ids).order_by("since", "id"), "person_id"
        )
        self.case_facts = case_facts_loader()
        self.case_result = case_result_loader(self.case_facts, policy, with_payments=False)
        self.case_result_with_payments = case_result_loader(self.case_facts, policy, with_payments=True)

