"""Append to the hash-chained audit log (R-ACC-1; tamper evidence in docs/SECURITY.md).

Each entry's hash covers its content and the previous entry's hash, so a
changed or removed entry breaks the chain at that point. Appends are
serialised (an advisory lock on PostgreSQL; SQLite serialises writers itself)
so two concurrent writers never fork the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from casehub.models import AuditEntry

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
