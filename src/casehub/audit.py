"""Append to the hash-chained audit log (R-ACC-1; tamper evidence in docs/SECURITY.md).

Each entry's hash covers its content and the previous entry's hash, so a
changed or removed entry breaks the chain at that point. Appends are
serialised (an advisory lock on PostgreSQL; SQLite serialises writers itself)
so two concurrent writers never fork the chain.

Timeline events are sealed into the same chain: every transaction of
`casehub.timeline.record_events` appends one RECORD_EVENTS entry holding the
digest of the rows it inserted (`seal_events`), and `verify_events` checks every
event against those seals. `chain_head` gives the newest entry's hash, which a
deployment copies outside the database (`casehub audit head`): a table owner
can rewrite the whole chain, but not an anchor kept elsewhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from casehub.errors import CasehubError
from casehub.models import AuditEntry, Event

GENESIS = "0" * 64
_CHAIN_LOCK = 0x0CA5E_A0D1  # pg_advisory_xact_lock key for the audit chain


def entry_hash(prev_hash: str, at: dt.datetime, actor_id: int | None, action: str,
               target_type: str, target_id: str, detail: dict[str, Any]) -> str:
    body = orjson.dumps(
        [prev_hash, at.astimezone(dt.UTC).isoformat(), actor_id, action, target_type, target_id, detail],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(body).hexdigest()


async def append_audit(
    action: str,
    target_type: str,
    target_id: str | int,
    *,
    actor_id: int | None,
    detail: dict[str, Any] | None = None,
    using: BaseDBAsyncClient | None = None,
) -> AuditEntry:
    """Append one entry; joins the caller's transaction when `using` is given."""
    if using is None:
        async with in_transaction() as conn:
            return await append_audit(action, target_type, target_id, actor_id=actor_id, detail=detail, using=conn)
    if get_connection("default").capabilities.dialect == "postgres":
        await using.execute_query("SELECT pg_advisory_xact_lock($1)", [_CHAIN_LOCK])
    last = await AuditEntry.all().using_db(using).order_by("-id").first()
    prev_hash = last.hash if last else GENESIS
    at = dt.datetime.now(dt.UTC)
    detail = detail or {}
    digest = entry_hash(prev_hash, at, actor_id, action, target_type, str(target_id), detail)
    return await AuditEntry.create(
        at=at, actor_id=actor_id, action=action, target_type=target_type, target_id=str(target_id),
        detail=detail, prev_hash=prev_hash, hash=digest, using_db=using,
    )


async def verify_chain() -> AuditEntry | None:
    """Walk the chain in order; return the first entry that does not verify, or None."""
    prev_hash = GENESIS
    async for entry in AuditEntry.all().order_by("id"):
        expected = entry_hash(prev_hash, entry.at, entry.actor_id, entry.action,
                              entry.target_type, entry.target_id, entry.detail)
        if entry.prev_hash != prev_hash or entry.hash != expected:
            return entry
        prev_hash = entry.hash
    return None


# --- the timeline's seals ------------------------------------------------------------------------
# Events are too many to chain one by one without serialising every import (docs/SECURITY.md).
# Instead each `record_events` transaction appends one RECORD_EVENTS entry to this chain, in the
# same transaction as its rows: which events it inserted (id runs), how many, and the sha256 over
# the hashes of those rows in id order. Each row's hash covers every column, as the database
# returns it, so `verify_events` recomputes it the same way: on PostgreSQL in SQL (`sha256` of
# `json_build_array`), on SQLite in Python from the raw row.

EVENT_SEAL = "RECORD_EVENTS"
EVENT_COLUMNS = (
    "id", "person_id", "entitlement_id", "type", "occurred_on", "recorded_at", "source_adapter",
    "batch_id", "source_row", "staff_id", "payload", "evidence", "natural_key", "corrects_id",
)  # fmt: skip


def event_row_hash_sql() -> str:
    """PostgreSQL: the expression for one event row's hash (usable in RETURNING and in SELECT).

    Timestamps are rendered in UTC so that the session's TimeZone setting cannot change the text.
    """
    parts = ", ".join('"recorded_at" AT TIME ZONE \'UTC\'' if c == "recorded_at" else f'"{c}"' for c in EVENT_COLUMNS)
    return f"sha256(convert_to(json_build_array({parts})::text, 'UTF8'))"


def event_row_hash(row: Mapping[str, Any]) -> bytes:
    """SQLite: one event row's hash from its raw column values (what the driver returns)."""
    values = [v.isoformat() if isinstance(v, dt.date) else v for v in (row[c] for c in EVENT_COLUMNS)]
    return hashlib.sha256(orjson.dumps(values)).digest()


def seal_digest(row_hashes: Mapping[int, bytes]) -> str:
    return hashlib.sha256(b"".join(row_hashes[i] for i in sorted(row_hashes))).hexdigest()


def id_runs(ids: Iterable[int]) -> list[list[int]]:
    """Sorted ids as [first, last] runs of consecutive ids: [1, 2, 3, 7] → [[1, 3], [7, 7]]."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


async def seal_events(
    row_hashes: Mapping[int, bytes], *, source: str, batch_id: int | None, actor_id: int | None,
    using: BaseDBAsyncClient,
) -> AuditEntry:
    """Append the RECORD_EVENTS entry for the events one transaction inserted (`using` is that transaction)."""
    runs = id_runs(row_hashes)
    return await append_audit(
        EVENT_SEAL, "event", f"{runs[0][0]}-{runs[-1][1]}", actor_id=actor_id, using=using,
        detail={"source": source, "batch": batch_id, "count": len(row_hashes), "ids": runs,
                "sha256": seal_digest(row_hashes)},
    )


@dataclass(frozen=True, slots=True)
class EventProblem:
    """What `verify_events` found: the audit entry whose seal fails and/or the event concerned."""

    entry_id: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        return self.reason


async def _row_hashes(conn: BaseDBAsyncClient, first: int, last: int) -> dict[int, bytes]:
    if conn.capabilities.dialect == "postgres":
        sql = f'SELECT "id", {event_row_hash_sql()} AS "h" FROM "event" WHERE "id" BETWEEN $1 AND $2'
        return {r["id"]: bytes(r["h"]) for r in await conn.execute_query_dict(sql, [first, last])}
    columns = ", ".join(f'"{c}"' for c in EVENT_COLUMNS)
    sql = f'SELECT {columns} FROM "event" WHERE "id" BETWEEN ? AND ?'
    return {r["id"]: event_row_hash(r) for r in await conn.execute_query_dict(sql, [first, last])}


async def verify_events() -> EventProblem | None:
    """Check every event against the RECORD_EVENTS seals; the first problem found, or None.

    Finds an event changed after it was recorded (its seal's digest no longer matches), removed
    (its seal names an id that is gone) or inserted behind casehub's back (no seal covers it).
    Run `verify_chain` too: it is what proves the seals themselves unchanged.
    """
    conn = get_connection("default")
    covered: list[tuple[int, int, int]] = []  # (first, last, entry id)
    async for entry in AuditEntry.filter(action=EVENT_SEAL).order_by("id"):
        runs = [(int(a), int(b)) for a, b in entry.detail.get("ids", [])]
        if not runs:
            return EventProblem(entry.id, None, f"audit entry {entry.id} seals no events")
        wanted = {i for a, b in runs for i in range(a, b + 1)}
        found = await _row_hashes(conn, runs[0][0], runs[-1][1])
        hashes = {i: h for i, h in found.items() if i in wanted}
        if missing := sorted(wanted - hashes.keys()):
            return EventProblem(entry.id, missing[0], f"event {missing[0]} sealed by audit entry {entry.id} is gone")
        if seal_digest(hashes) != entry.detail.get("sha256") or len(hashes) != entry.detail.get("count"):
            return EventProblem(
                entry.id, None,
                f"events {entry.target_id} sealed by audit entry {entry.id} were changed after they were recorded",
            )
        covered.extend((a, b, entry.id) for a, b in runs)
    covered.sort()
    for (_, last, first_entry), (start, _, second_entry) in itertools.pairwise(covered):
        if start <= last:
            return EventProblem(second_entry, start, f"event {start} is sealed twice (audit entries "
                                                      f"{first_entry} and {second_entry})")
    sealed = sum(b - a + 1 for a, b, _ in covered)
    if await Event.all().count() == sealed:
        return None
    runs_iter = iter(covered)
    run = next(runs_iter, None)
    async for (event_id,) in _event_ids():
        while run is not None and run[1] < event_id:
            run = next(runs_iter, None)
        if run is None or event_id < run[0]:
            return EventProblem(None, event_id, f"event {event_id} is sealed by no audit entry: "
                                                "it was not recorded through casehub")
    return EventProblem(None, None, "the events do not match their seals")  # pragma: no cover - counted above


async def _event_ids(page: int = 50_000) -> AsyncIterator[tuple[int]]:
    last = 0
    while True:
        ids = await Event.filter(id__gt=last).order_by("id").limit(page).values_list("id", flat=True)
        for i in ids:
            yield (i,)
        if len(ids) < page:
            return
        last = ids[-1]


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The newest audit entry: what a deployment anchors outside the database (docs/SECURITY.md)."""

    id: int | None
    hash: str
    at: dt.datetime | None
    entries: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "hash": self.hash, "at": self.at.astimezone(dt.UTC).isoformat() if self.at else None,
                "entries": self.entries}


async def chain_head(entry_id: int | None = None) -> ChainHead:
    """The newest entry (or entry `entry_id`), its hash and the number of entries up to it."""
    query = AuditEntry.all() if entry_id is None else AuditEntry.filter(id__lte=entry_id)
    last = await query.order_by("-id").first()
    if last is None or (entry_id is not None and last.id != entry_id):
        if entry_id is not None:
            raise CasehubError(f"there is no audit entry {entry_id}")
        return ChainHead(None, GENESIS, None, 0)
    return ChainHead(last.id, last.hash, last.at, await query.count())
