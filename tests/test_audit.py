"""The hash-chained audit log: appends chain, verification finds the first broken entry."""

from __future__ import annotations

import asyncio

from tortoise.connection import get_connection

from casehub.audit import GENESIS, append_audit, verify_chain
from casehub.models import AuditEntry


async def test_entries_chain_and_verify(db):
    first = await append_audit("RECORD_EVENT", "Event", 1, actor_id=None, detail={"type": "DIED"})
    second = await append_audit("REVEAL_ID_NUMBER", "Person", 7, actor_id=None, detail={"why": "home visit"})
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    assert await verify_chain() is None


async def test_concurrent_appends_never_fork_the_chain(db):
    await asyncio.gather(*(append_audit("X", "T", i, actor_id=None) for i in range(20)))
    entries = await AuditEntry.all().order_by("id")
    assert len({e.prev_hash for e in entries}) == 20
    assert await verify_chain() is None


async def test_a_tampered_entry_is_named(db):
    for i in range(3):
        await append_audit("RECORD_EVENT", "Event", i, actor_id=None, detail={"n": i})
    middle = (await AuditEntry.all().order_by("id"))[1]
    conn = get_connection("default")
    placeholder = "$1" if db.startswith("postgres") else "?"
    await conn.execute_query(
        f"UPDATE audit_entry SET detail = '{{\"n\": 99}}' WHERE id = {placeholder}", [middle.id]
    )
    broken = await verify_chain()
    assert broken is not None and broken.id == middle.id
