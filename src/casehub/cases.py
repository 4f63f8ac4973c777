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

from tortoise.transactions import in_transaction

from casehub.clock import SHANGHAI, today
from casehub.domain import DependantRole, EventType, KeyGroup, Scheme
from casehub.engine import evaluate
from casehub.engine.facts import CaseFacts, EntitlementFacts, EventFacts, PersonFacts
from casehub.engine.results import CaseResult
from casehub.models import Entitlement, EntitlementState, Event, ImportBatch, KeyGroupFact, Person
from casehub.policy import Policy

__all__ = ["SHANGHAI", "evaluate_persons", "load_cases", "refresh_all_states", "refresh_states", "state_rows", "today"]


async def load_cases(person_ids: Sequence[int], *, on: dt.date | None = None) -> dict[int, CaseFacts]:
    """Facts for each person, in four queries whatever the number of persons.

    `on` is the day whose recorded key groups (R-KEY-1) are given (default: today).
    """
    ids = list(person_ids)
    persons = await Person.filter(id__in=ids).values("id", "birth_date")
    key_groups = await _recorded_key_groups(ids, on or today())
    entitlements: dict[int, list[EntitlementFacts]] = defaultdict(list)
    for row in await Entitlement.filter(person_id__in=ids).order_by("id").values(
        "id", "person_id", "scheme", "start_month", "monthly_amount_fen", "dependant_role"
    ):
        entitlements[row["person_id"]].append(
            EntitlementFacts(
                id=row["id"],
                scheme=Scheme(row["scheme"]),
                start_month=row["start_month"],
                monthly_amount_fen=row["monthly_amount_fen"],
                dependant_role=DependantRole(row["dependant_role"]) if row["dependant_role"] else None,
            )
        )
    events: dict[int, list[EventFacts]] = defaultdict(list)
    for row in await Event.filter(person_id__in=ids).values(
        "id", "person_id", "type", "occurred_on", "recorded_at", "payload", "corrects_id", "entitlement_id"
    ):
        events[row["person_id"]].append(
            EventFacts(
                id=row["id"],
                type=EventType(row["type"]),
                occurred_on=row["occurred_on"],
                recorded_at=row["recorded_at"],
                payload=row["payload"] or {},
                corrects=row["corrects_id"],
                entitlement_id=row["entitlement_id"],
            )
        )
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


async def _recorded_key_groups(ids: list[int], on: dt.date) -> dict[int, frozenset[KeyGroup]]:
    """The ledger's recorded facts that hold on `on` (VERY_OLD is computed by the engine, not recorded)."""
    groups: dict[int, set[KeyGroup]] = defaultdict(set)
    for row in await KeyGroupFact.holding_on(on).filter(person_id__in=ids).values("person_id", "group"):
        groups[row["person_id"]].add(KeyGroup(row["group"]))
    return {pid: frozenset(g) for pid, g in groups.items()}


async def evaluate_persons(
    person_ids: Sequence[int], policy: Policy, *, as_of: dt.date, known_at: dt.datetime | None = None
) -> dict[int, CaseResult]:
    cases = await load_cases(person_ids, on=as_of)
    return {pid: evaluate(case, policy, as_of=as_of, known_at=known_at) for pid, case in cases.items()}


def state_rows(results: Iterable[CaseResult], computed_at: dt.datetime) -> list[EntitlementState]:
    return [
        EntitlementState(
            entitlement_id=ent.entitlement_id,
            person_id=result.person_id,
            status=ent.status,
            causes=",".join(ent.causes),
            last_certified_on=ent.last_certified_on,
            next_due=ent.next_due,
            overdue_from=ent.overdue_from,
            remind_on=ent.remind_on,
            as_of=result.as_of,
            computed_at=computed_at,
            explanation=ent.explanation.as_dict(),
        )
        for result in results
        for ent in result.entitlements
    ]


async def refresh_states(person_ids: Sequence[int], policy: Policy, *, as_of: dt.date | None = None) -> int:
    """Recompute and store the projection for these persons; returns the rows written."""
    if not person_ids:
        return 0
    results = await evaluate_persons(person_ids, policy, as_of=as_of or today())
    rows = state_rows(results.values(), dt.datetime.now(dt.UTC))
    async with in_transaction() as conn:
        await EntitlementState.filter(person_id__in=list(person_ids)).using_db(conn).delete()
        await EntitlementState.bulk_create(rows, batch_size=1000, using_db=conn)
    return len(rows)


async def refresh_all_states(
    policy: Policy, *, as_of: dt.date | None = None, batch_size: int = 2_000, progress=None
) -> int:
    """Rebuild the projection for every person, a batch of persons at a time."""
    ids = await Person.all().order_by("id").values_list("id", flat=True)
    written = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        written += await refresh_states(chunk, policy, as_of=as_of)
        if progress is not None:
            progress(len(chunk))
    return written


async def refresh_batch(batch: ImportBatch, policy: Policy) -> int:
    """After an import: recompute the status of everyone the batch recorded events for."""
    person_ids = await Event.filter(batch_id=batch.id).distinct().values_list("person_id", flat=True)
    return await refresh_states(sorted(set(person_ids)), policy)
