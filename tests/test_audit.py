"""The hash-chained audit log: appends chain, verification finds the first broken entry."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from tortoise.connection import get_connection
from tortoise.exceptions import OperationalError

from casehub.audit import GENESIS, append_audit, verify_chain
from casehub.domain import EventType
from casehub.models import AuditEntry, Event
from tests import factories


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


async def test_the_database_refuses_to_change_audit_entries_and_events(db):
    entry = await append_audit("RECORD_EVENT", "Event", 1, actor_id=None)
    conn = get_connection("default")
    for statement in ("UPDATE audit_entry SET action = 'X'", "DELETE FROM audit_entry"):
        with pytest.raises(OperationalError, match="append-only"):
            await conn.execute_script(statement)
    person = await factories.recipient((await factories.region_tree())["532922101001"])
    await Event.create(
        person=person, type=EventType.DIED, occurred_on=dt.date(2024, 1, 2), natural_key="k",
        recorded_at=dt.datetime(2024, 1, 3, tzinfo=dt.UTC), source_adapter="test",
    )
    for statement in ("UPDATE event SET occurred_on = '2020-01-01'", "DELETE FROM event"):
        with pytest.raises(OperationalError, match="append-only"):
            await conn.execute_script(statement)
    assert (await AuditEntry.get(id=entry.id)).action == "RECORD_EVENT"
    assert (await Event.get(natural_key="k")).occurred_on == dt.date(2024, 1, 2)


async def test_a_tampered_entry_is_named(db):
    """Even past the triggers (an owner who disables them), verification finds the change."""
    for i in range(3):
        await append_audit("RECORD_EVENT", "Event", i, actor_id=None, detail={"n": i})
    middle = (await AuditEntry.all().order_by("id"))[1]
    conn = get_connection("default")
    update = f"UPDATE audit_entry SET detail = '{{\"n\": 99}}' WHERE id = {middle.id}"
    if db.startswith("postgres"):
        await conn.execute_script(
            f'ALTER TABLE audit_entry DISABLE TRIGGER "audit_entry_append_only"; {update}; '
            'ALTER TABLE audit_entry ENABLE TRIGGER "audit_entry_append_only"'
        )
    else:
        await conn.execute_script(f'DROP TRIGGER "audit_entry_no_update"; {update}')
    broken = await verify_chain()
    assert broken is not None and broken.id == middle.id
