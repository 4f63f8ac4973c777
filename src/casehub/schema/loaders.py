"""DataLoaders: one set-based, scoped query per kind of object a page needs (no N+1)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import orjson
from strawberry.dataloader import DataLoader
from tortoise.connection import get_connection

from casehub import access
from casehub.auth import Viewer
from casehub.domain import EventType
from casehub.models import Region


class EventRow(NamedTuple):
    """An event as the timeline reads it: the model's attribute names, none of a model's cost.

    Building 20,000 tortoise model instances costs several times the query; these are read from
    asyncpg records in the column order of `_EVENT_COLUMNS`.
    """

    id: int
    person_id: int
    type: EventType
    occurred_on: dt.date
    recorded_at: dt.datetime
    source_adapter: str
    source_row: int | None
    payload: Any
    evidence: Any
    natural_key: str
    corrects_id: int | None


_EVENT_COLUMNS = (
    "id, person_id, type, occurred_on, recorded_at, source_adapter, source_row, payload, evidence, natural_key, "
    "corrects_id"
)
_ALL_EVENTS = (
    f"SELECT {_EVENT_COLUMNS} FROM event WHERE person_id = ANY($1::int[]) ORDER BY person_id, recorded_at, id"
)
# The last N per person, newest first inside the LATERAL (an index range scan on (person_id, recorded_at)
# that stops after N rows), then oldest first for the timeline.
_LAST_EVENTS = f"""
    SELECT e.* FROM unnest($1::int[]) AS p(id) CROSS JOIN LATERAL (
        SELECT {_EVENT_COLUMNS} FROM event
        WHERE person_id = p.id AND ($3::timestamptz IS NULL OR recorded_at <= $3)
        ORDER BY recorded_at DESC, id DESC LIMIT $2
    ) e ORDER BY e.person_id, e.recorded_at, e.id
"""


_EVENT_TYPES = {t.value: t for t in EventType}  # a dict lookup: EventType(value) costs microseconds


def _event_row(record: Any) -> EventRow:
    (id_, person_id, type_, occurred_on, recorded_at, source_adapter, source_row, payload, evidence, natural_key,
     corrects_id) = record
    return EventRow(
        id_, person_id, _EVENT_TYPES[type_], occurred_on, recorded_at, source_adapter, source_row,
        orjson.loads(payload), orjson.loads(evidence), natural_key, corrects_id,
    )


def _on_postgres() -> bool:
    return get_connection("default").capabilities.dialect == "postgres"


async def _raw_events(viewer: Viewer, person_ids: Sequence[int], last: int | None, known_at: dt.datetime | None
                      ) -> dict[int, list[EventRow]]:
    """Events of the persons the viewer may see, grouped by person, in recording order (PostgreSQL only)."""
    ids = await access.visible_person_ids(viewer, list(person_ids))
    if last is None:
        _, records = await get_connection("default").execute_query(_ALL_EVENTS, [ids])
    else:
        _, records = await get_connection("default").execute_query(_LAST_EVENTS, [ids, last, known_at])
    grouped: dict[int, list[EventRow]] = defaultdict(list)
    for record in records:
        row = _event_row(record)
        grouped[row.person_id].append(row)
    return grouped


def _events_loader(viewer: Viewer) -> DataLoader:
    """All events per person id."""

    async def batch(ids: Sequence[int]) -> list[list[Any]]:
        if _on_postgres():
            grouped = await _raw_events(viewer, ids, None, None)
        else:
            grouped = defaultdict(list)
            for row in await access.events(viewer).filter(person_id__in=ids).order_by("recorded_at", "id"):
                grouped[row.person_id].append(row)
        return [grouped.get(i, []) for i in ids]

    return DataLoader(batch)


def _last_events_loader(viewer: Viewer) -> DataLoader:
    """Keys (person id, last, known_at): the last `last` events recorded by `known_at` (PostgreSQL only).

    A retraction is recorded after what it retracts, so the retractions of these events are among
    them: `visible_timeline` marks them exactly as it would on the whole timeline.
    """

    async def batch(keys: Sequence[tuple[int, int, dt.datetime | None]]) -> list[list[EventRow]]:
        by_window: dict[tuple[int, dt.datetime | None], list[int]] = defaultdict(list)
        for person_id, last, known_at in keys:
            by_window[(last, known_at)].append(person_id)
        found: dict[tuple[int, int, dt.datetime | None], list[EventRow]] = {}
        for (last, known_at), ids in by_window.items():
            grouped = await _raw_events(viewer, ids, last, known_at)
            for i in ids:
                found[(i, last, known_at)] = grouped.get(i, [])
        return [found[k] for k in keys]

    return DataLoader(batch)


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
        self.sql_windows = _on_postgres()  # `timeline(last:)` reads only the last rows (a LATERAL join)
        if viewer is None:
            return
        self.person = _by_id(lambda ids: access.persons(viewer).filter(id__in=ids))
        self.entitlement = _by_id(lambda ids: access.entitlements(viewer).filter(id__in=ids))
        self.event = _by_id(lambda ids: access.events(viewer).filter(id__in=ids))
        self.entitlements_by_person = _grouped(
            lambda ids: access.entitlements(viewer).filter(person_id__in=ids).order_by("id"), "person_id"
        )
        self.events_by_person = _events_loader(viewer)
        self.last_events_by_person = _last_events_loader(viewer)
