"""From the database to the rules engine and back: load cases, evaluate, store the projection.

The one bridge between the ORM and the pure engine: the API, the adapters'
post-import refresh and the sweep all load facts and keep `EntitlementState`
current through these functions, in set-based queries (a few per batch of
persons, never a few per person).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

import orjson
from tortoise.connection import get_connection
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from casehub.bulk import DATE, INT, JSONB, TEXT, TIMESTAMPTZ, insert_rows
from casehub.clock import SHANGHAI, today
from casehub.domain import DependantRole, EventType, KeyGroup, Scheme
from casehub.engine import effective_events, evaluate
from casehub.engine.facts import CaseFacts, EntitlementFacts, EventFacts, PersonFacts
from casehub.engine.results import CaseResult
from casehub.models import Entitlement, EntitlementState, Event, ImportBatch, KeyGroupFact, Person
from casehub.policy import Policy

_EVENT_COLUMNS = ("id", "person_id", "type", "occurred_on", "recorded_at", "payload", "corrects_id", "entitlement_id")
_EVENT_TYPES = {t.value: t for t in EventType}
_SCHEMES = {s.value: s for s in Scheme}

__all__ = [
    "SHANGHAI", "STATE_COLUMNS", "evaluate_persons", "load_cases", "refresh_all_states", "refresh_states",
    "standing_events", "state_values", "today",
]  # fmt: skip


async def load_cases(person_ids: Sequence[int], *, on: dt.date | None = None) -> dict[int, CaseFacts]:
    """Facts for each person, in four queries whatever the number of persons.

    `on` is the day whose recorded key groups (R-KEY-1) are given (default: today).
    """
    ids = list(person_ids)
    persons = await Person.filter(id__in=ids).values("id", "birth_date")
    key_groups = await _recorded_key_groups(ids, on or today())
    entitlements: dict[int, list[EntitlementFacts]] = defaultdict(list)
    # values_list, not values: tuples skip a dict per row, which matters at sweep volume (docs/PERFORMANCE.md)
    for eid, pid, scheme, start_month, amount, role in await Entitlement.filter(person_id__in=ids).order_by(
        "id"
    ).values_list("id", "person_id", "scheme", "start_month", "monthly_amount_fen", "dependant_role"):
        entitlements[pid].append(
            EntitlementFacts(
                id=eid,
                scheme=_SCHEMES[scheme],
                start_month=start_month,
                monthly_amount_fen=amount,
                dependant_role=DependantRole(role) if role else None,
            )
        )
    events: dict[int, list[EventFacts]] = defaultdict(list)
    for row in await _event_rows(ids):
        events[row[1]].append(_facts(row))
    return {
        p["id"]: CaseFacts(
            person=PersonFacts(
                id=p["id"], birth_date=p["birth_date"], key_groups=key_groups.get(p["id"], frozenset())
            ),
            entitlements=tuple(entitlements[p["id"]]),
            events=tuple(events[p["id"]]),
        )
        for p in persons
    }


def _facts(row: tuple) -> EventFacts:
    """One event row in `_EVENT_COLUMNS` order as the engine's EventFacts."""
    eid, _person_id, type_, occurred_on, recorded_at, payload, corrects, entitlement_id = row
    return EventFacts(eid, _EVENT_TYPES[type_], occurred_on, recorded_at, payload or {}, corrects, entitlement_id)


async def standing_events(events: QuerySet[Event]) -> list[tuple[int, EventFacts]]:
    """The events `events` selects as the rules engine reads the timeline (R-TL-1): (person id, event) pairs.

    The same resolution as every status and payment decision (`engine.effective_events`): an event
    withdrawn by a retraction that stands is left out (a retracted retraction withdraws nothing, so
    its target stands again), and standing amendments replace its date and payload keys (a
    certification's channel, say). Dates are not cut: filter the events' (amended) dates after.
    Two queries: the events, then every correction of their persons (so chains of any depth resolve).
    """
    rows = await events.values_list(*_EVENT_COLUMNS)
    if not rows:
        return []
    corrections = await _event_rows(sorted({row[1] for row in rows}), corrections_only=True)
    selected = {row[0] for row in rows}
    person_of = {row[0]: row[1] for row in rows}
    facts = [_facts(row) for row in rows] + [_facts(row) for row in corrections if row[0] not in selected]
    return [(person_of[e.id], e) for e in effective_events(facts, known_at=None, as_of=dt.date.max)]


async def _event_rows(ids: list[int], *, corrections_only: bool = False) -> list[tuple]:
    """The events of these persons (only their corrections, if so asked) as tuples in `_EVENT_COLUMNS` order.

    On PostgreSQL one raw query: asyncpg decodes dates and times itself and orjson
    the payload, about three times faster than the ORM's per-field conversion, which
    is most of a sweep's loading time (docs/PERFORMANCE.md); the persons go as one
    array parameter, however many. Elsewhere the ORM.
    """
    conn = get_connection("default")
    if conn.capabilities.dialect != "postgres":
        events = Event.filter(person_id__in=ids)
        if corrections_only:
            events = events.filter(corrects_id__isnull=False)
        return await events.values_list(*_EVENT_COLUMNS)
    _, rows = await conn.execute_query(
        "SELECT id, person_id, type, occurred_on, recorded_at, payload::text, corrects_id, entitlement_id "
        "FROM event WHERE person_id = ANY($1::int[])" + (" AND corrects_id IS NOT NULL" if corrections_only else ""),
        [ids],
    )
    loads = orjson.loads
    return [(r[0], r[1], r[2], r[3], r[4], loads(r[5]), r[6], r[7]) for r in rows]


async def _recorded_key_groups(ids: list[int], on: dt.date) -> dict[int, frozenset[KeyGroup]]:
    """The ledger's recorded facts that hold on `on` (VERY_OLD is computed by the engine, not recorded)."""
    groups: dict[int, set[KeyGroup]] = defaultdict(set)
    for row in await KeyGroupFact.holding_on(on).filter(person_id__in=ids).values("person_id", "group"):
        groups[row["person_id"]].add(KeyGroup(row["group"]))
    return {pid: frozenset(g) for pid, g in groups.items()}


async def evaluate_persons(
    person_ids: Sequence[int], policy: Policy, *, as_of: dt.date, known_at: dt.datetime | None = None
) -> dict[int, CaseResult]:
    """Their statuses as of `as_of`, without the money (`evaluate(months=False)`): what the
    projection holds. The month decisions of a long case are most of the engine's work."""
    cases = await load_cases(person_ids, on=as_of)
    return {pid: evaluate(case, policy, as_of=as_of, known_at=known_at, months=False) for pid, case in cases.items()}


# The projection's columns and their types (`casehub.bulk`), in the order `state_values` gives them.
STATE_COLUMNS = (
    ("entitlement_id", INT), ("person_id", INT), ("status", TEXT), ("causes", TEXT), ("last_certified_on", DATE),
    ("next_due", DATE), ("overdue_from", DATE), ("remind_on", DATE), ("as_of", DATE),
    ("computed_at", TIMESTAMPTZ), ("explanation", JSONB),
)  # fmt: skip


def state_values(results: Iterable[CaseResult], computed_at: dt.datetime) -> list[tuple]:
    """The projection's rows as plain tuples (`STATE_COLUMNS`), written in bulk (`casehub.bulk`)
    without a model object per entitlement."""
    return [
        (
            ent.entitlement_id, result.person_id, ent.status, ",".join(ent.causes), ent.last_certified_on,
            ent.next_due, ent.overdue_from, ent.remind_on, result.as_of, computed_at, ent.explanation.as_dict(),
        )
        for result in results
        for ent in result.entitlements
    ]


REFRESH_CHUNK = 2_000  # persons per round: PostgreSQL takes at most 32,767 query arguments


async def refresh_states(
    person_ids: Sequence[int], policy: Policy, *, as_of: dt.date | None = None, progress=None
) -> int:
    """Recompute and store the projection for these persons, a slice at a time; returns the rows written."""
    ids = list(person_ids)
    day = as_of or today()
    written = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start : start + REFRESH_CHUNK]
        results = await evaluate_persons(chunk, policy, as_of=day)
        rows = state_values(results.values(), dt.datetime.now(dt.UTC))
        async with in_transaction() as conn:
            await EntitlementState.filter(person_id__in=chunk).using_db(conn).delete()
            written += await insert_rows(conn, EntitlementState, STATE_COLUMNS, rows)
        if progress is not None:
            progress(len(chunk))
    return written


async def refresh_all_states(policy: Policy, *, as_of: dt.date | None = None, progress=None) -> int:
    """Rebuild the projection for every person (after the demo load; the sweep does it monthly)."""
    ids = await Person.all().order_by("id").values_list("id", flat=True)
    return await refresh_states(ids, policy, as_of=as_of, progress=progress)


async def refresh_batch(batch: ImportBatch, policy: Policy) -> int:
    """After an import: recompute the status of everyone the batch recorded events for."""
    person_ids = await Event.filter(batch_id=batch.id).distinct().values_list("person_id", flat=True)
    return await refresh_states(sorted(set(person_ids)), policy)
