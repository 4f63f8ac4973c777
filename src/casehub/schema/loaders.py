"""DataLoaders: one set-based, scoped query per kind of object a page needs (no N+1).

Built per request for the viewer (`Context.build`), never at module level, so one request's
cache never serves another's and every nested field is scoped like the root fields: each
loader reads through `casehub.access`. `tests/api/test_query_count.py` holds the statement
count of a 100-recipient page to that of a 10-recipient page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cached_property
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


def _timelines(viewer: Viewer, recent: bool) -> DataLoader:
    """Each person's timeline as TimelineEvents, in recording order (known at no particular moment).

    Keys: person ids, or with `recent` (person id, last) for the last `last` recorded events. On
    PostgreSQL the events are read as plain rows (`access.timeline_rows_postgres`); on SQLite as
    models, the last N by a correlated count.
    """
    from casehub.schema.timeline.types import TimelineEvent

    async def batch(keys: Sequence[Any]) -> list[list[TimelineEvent]]:
        by_last: dict[int | None, list[int]] = defaultdict(list)
        for key in keys:
            person_id, last = key if recent else (key, None)
            by_last[last].append(person_id)
        grouped: dict[Any, list[TimelineEvent]] = defaultdict(list)
        for last, ids in by_last.items():
            if postgres():
                events = [TimelineEvent.from_row(r) for r in await access.timeline_rows_postgres(viewer, ids, last)]
            else:
                query = (
                    access.events(viewer).filter(person_id__in=ids)
                    if last is None
                    else (access.recent_events(viewer, ids, last))
                )
                events = [TimelineEvent.from_model(r) for r in await query.order_by("recorded_at", "id")]
            for event in events:
                grouped[(event.person_id, last) if recent else event.person_id].append(event)
        return [grouped[k] for k in keys]

    return DataLoader(batch)


def _timelines_json(viewer: Viewer) -> DataLoader:
    """Keys (person id, last, selection key): the timeline as PostgreSQL writes it, or None (`json_sql.py`)."""
    from casehub.schema import json_sql

    async def batch(keys: Sequence[tuple[int, int | None, Any]]) -> list[Any]:
        groups: dict[tuple[int | None, Any], list[int]] = defaultdict(list)
        for person_id, last, key in keys:
            groups[(last, key)].append(person_id)
        found: dict[tuple[int, int | None, Any], Any] = {}
        for (last, key), ids in groups.items():
            visible = await access.visible_person_ids(viewer, ids)
            for person_id, answer in (await json_sql.timelines(visible, last, key)).items():
                found[(person_id, last, key)] = answer
        return [found.get(k) for k in keys]

    return DataLoader(batch)


def postgres() -> bool:
    """Whether the default connection is PostgreSQL (plain-row reads and SQL-written JSON are PostgreSQL's)."""
    return get_connection("default").capabilities.dialect == "postgres"


MISSING: Any = object()


def loaded(loader: DataLoader, key: Any) -> Any:
    """What `loader` has already loaded for `key` in this request, or MISSING.

    Lets a field answer at once when a list resolver has loaded the whole page (graphql-core
    runs every awaited field as a task: two hundred of them for a page of a hundred).
    """
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return MISSING
    return future.result()


class Loaders:
    """Per-request loaders, each made on first use (a small query needs two or three of the eighteen);
    with no viewer only the unscoped region loaders exist."""

    def __init__(self, viewer: Viewer | None, policy: Policy) -> None:
        self._viewer = viewer
        self.policy = policy
        self.json_keys: dict[int, tuple[Any, Any]] = {}  # id(field node) -> (node, its json_sql key), this request

    def _scope(self) -> Viewer:
        """The viewer every case loader is scoped to; a request without one has no case loaders."""
        if self._viewer is None:
            raise AttributeError("case loaders need a viewer: this request has none")
        return self._viewer

    @cached_property
    def region(self) -> DataLoader:
        return _by_id(lambda ids: Region.filter(id__in=ids))

    @cached_property
    def regions_by_parent(self) -> DataLoader:
        return _grouped(lambda ids: Region.filter(parent_id__in=ids).order_by("code"), "parent_id")

    @cached_property
    def unit(self) -> DataLoader:
        self._scope()
        return _by_id(lambda ids: EmployerUnit.filter(id__in=ids))

    @cached_property
    def staff(self) -> DataLoader:
        self._scope()
        return _by_id(lambda ids: Staff.filter(id__in=ids))

    @cached_property
    def person(self) -> DataLoader:
        viewer = self._scope()
        return _by_id(lambda ids: access.persons(viewer).filter(id__in=ids))

    @cached_property
    def entitlement(self) -> DataLoader:
        viewer = self._scope()
        return _by_id(lambda ids: access.entitlements(viewer).filter(id__in=ids))

    @cached_property
    def event(self) -> DataLoader:
        viewer = self._scope()
        return _by_id(lambda ids: access.events(viewer).filter(id__in=ids))

    @cached_property
    def entitlements_by_person(self) -> DataLoader:
        viewer = self._scope()
        return _grouped(lambda ids: access.entitlements(viewer).filter(person_id__in=ids).order_by("id"), "person_id")

    @cached_property
    def state_by_entitlement(self) -> DataLoader:
        viewer = self._scope()
        return _by_id(lambda ids: access.entitlement_states(viewer).filter(entitlement_id__in=ids), "entitlement_id")

    @cached_property
    def events_by_person(self) -> DataLoader:
        viewer = self._scope()
        return _grouped(
            lambda ids: access.events(viewer).filter(person_id__in=ids).order_by("recorded_at", "id"), "person_id"
        )

    @cached_property
    def timeline(self) -> DataLoader:
        return _timelines(self._scope(), recent=False)

    @cached_property
    def recent_timeline(self) -> DataLoader:
        return _timelines(self._scope(), recent=True)

    @cached_property
    def timeline_json(self) -> DataLoader:
        return _timelines_json(self._scope())

    @cached_property
    def corrections(self) -> DataLoader:
        viewer = self._scope()
        return _grouped(
            lambda ids: access.events(viewer).filter(corrects_id__in=ids).order_by("recorded_at", "id"), "corrects_id"
        )

    @cached_property
    def key_group_facts_by_person(self) -> DataLoader:
        viewer = self._scope()
        return _grouped(
            lambda ids: access.key_group_facts(viewer).filter(person_id__in=ids).order_by("since", "id"), "person_id"
        )

    @cached_property
    def case_facts(self) -> DataLoader:
        self._scope()
        return case_facts_loader()

    @cached_property
    def case_result(self) -> DataLoader:
        return case_result_loader(self.case_facts, self.policy, with_payments=False)

    @cached_property
    def case_result_with_payments(self) -> DataLoader:
        return case_result_loader(self.case_facts, self.policy, with_payments=True)
