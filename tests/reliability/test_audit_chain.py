"""Tamper evidence (tracker issue 8, part 1; docs/SECURITY.md): import batches are audited, every event
is sealed into the hash-chained audit log, and `casehub audit verify` names what was changed behind
casehub's back — even by a table owner who switched the append-only triggers off."""

from __future__ import annotations

import orjson
import pytest
from tortoise.transactions import in_transaction

import casehub.timeline as timeline
from casehub.adapters.importer import import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.audit import append_audit, chain_head, seal_bulk_insert, verify_chain, verify_events
from casehub.models import AuditEntry, Event
from tests import factories
from tests.factories import csv_bytes, id_number

from .helpers import as_table_owner, casehub

HEADER = ["姓名", "身份证号码", "认证时间", "认证结果", "流水号"]


def app_file(count: int, bad: tuple[int, ...] = ()) -> bytes:
    rows = [[f"受益人{i}", id_number(i), f"2024-03-{1 + i % 28:02d} 10:00:00", "??" if i in bad else "通过", f"S{i}"]
            for i in range(count)]  # fmt: skip
    return csv_bytes(HEADER, rows, encoding="gb18030")


async def imported(count: int = 6, **kwargs):
    await factories.people(count)
    clerk = await factories.staff()
    pm = make_plugin_manager(load_entrypoints=False)
    return await import_source(pm, "app_results", app_file(count, **kwargs), "app.csv", staff=clerk, chunk_size=2,
                               concurrency=1), clerk  # fmt: skip


async def test_an_import_batch_is_audited_when_it_starts_and_ends_with_counts_and_who(db):
    batch, clerk = await imported(6, bad=(2,))
    entries = await AuditEntry.filter(target_type="import_batch").order_by("id")
    assert [e.action for e in entries] == ["IMPORT_BATCH_STARTED", "IMPORT_BATCH_FINISHED"]
    assert all(e.actor_id == clerk.id and e.target_id == str(batch.id) for e in entries)
    assert entries[0].detail["sha256"] == batch.sha256 and entries[0].detail["filename"] == "app.csv"
    assert entries[1].detail == {"status": "DONE", "accepted": 5, "duplicates": 0, "rejected": 1,
                                 "errorCodes": ["INVALID_VALUE"]}  # fmt: skip
    seals = await AuditEntry.filter(action="RECORD_EVENTS").order_by("id")
    assert [s.detail["count"] for s in seals] == [2, 2, 1]  # one seal per chunk transaction: 5 valid rows
    assert {s.detail["batch"] for s in seals} == {batch.id} and all(s.actor_id == clerk.id for s in seals)
    assert await verify_chain() is None and await verify_events() is None


async def test_a_failed_and_resumed_batch_is_audited_too(db, monkeypatch):
    await factories.people(4)
    pm = make_plugin_manager(load_entrypoints=False)
    real = timeline._insert
    calls = {"n": 0}

    async def second_chunk_dies(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("connection lost")
        return await real(*args)

    monkeypatch.setattr(timeline, "_insert", second_chunk_dies)
    with pytest.raises(ConnectionError):
        await import_source(pm, "app_results", app_file(4), "app.csv", chunk_size=2, concurrency=1)
    monkeypatch.setattr(timeline, "_insert", real)
    batch = await import_source(pm, "app_results", app_file(4), "app.csv", chunk_size=2, concurrency=1)
    actions = await AuditEntry.filter(target_type="import_batch").order_by("id").values_list("action", flat=True)
    assert actions == ["IMPORT_BATCH_STARTED", "IMPORT_BATCH_FAILED", "IMPORT_BATCH_RESUMED", "IMPORT_BATCH_FINISHED"]
    assert batch.accepted == 4 and await Event.all().count() == 4
    assert await verify_events() is None  # the events of both runs are sealed, each exactly once


async def test_an_event_changed_behind_casehubs_back_is_found(db):
    await imported(6)
    target = await Event.get(natural_key="app_results:serial:S3")
    seal = next(s for s in await AuditEntry.filter(action="RECORD_EVENTS")
                if any(a <= target.id <= b for a, b in s.detail["ids"]))  # fmt: skip
    await as_table_owner(db, "event", f"UPDATE event SET occurred_on = '2024-01-01' WHERE id = {target.id}")
    problem = await verify_events()
    assert problem is not None and problem.entry_id == seal.id and "changed" in problem.reason
    assert await verify_chain() is None  # the audit log itself is intact: it is the events that lie


async def test_an_event_removed_behind_casehubs_back_is_named(db):
    await imported(6)
    target = await Event.get(natural_key="app_results:serial:S4")
    await as_table_owner(db, "event", f"DELETE FROM event WHERE id = {target.id}")
    problem = await verify_events()
    assert problem is not None and problem.event_id == target.id and "gone" in problem.reason


async def test_an_event_inserted_past_the_timeline_is_named(db):
    await imported(2)
    known = await Event.first()
    await Event.create(
        person_id=known.person_id, type=known.type, occurred_on=known.occurred_on, recorded_at=known.recorded_at,
        source_adapter="forged", natural_key="forged:1", payload={}, evidence=[],
    )  # an INSERT is what the triggers allow; only the seals can tell
    forged = await Event.get(natural_key="forged:1")
    problem = await verify_events()
    assert problem is not None and problem.event_id == forged.id and "sealed by no audit entry" in problem.reason


async def test_events_inserted_in_bulk_are_sealed_by_their_loader(db):
    """A bulk loader (the demo county) that inserts past the timeline seals what it inserted."""
    await imported(2)
    known = await Event.first()
    for i in range(3):
        await Event.create(person_id=known.person_id, type=known.type, occurred_on=known.occurred_on,
                           recorded_at=known.recorded_at, source_adapter="demo", natural_key=f"demo:{i}")  # fmt: skip
    assert (await verify_events()).event_id == known.id + 2
    ids = await Event.filter(source_adapter="demo").order_by("id").values_list("id", flat=True)
    async with in_transaction() as conn:
        seal = await seal_bulk_insert(ids[0], ids[-1], source="demo", actor_id=None, using=conn)
    assert seal.detail["count"] == 3 and await verify_events() is None and await verify_chain() is None


async def test_audit_verify_command_names_the_tampered_entry_and_exits_1(db):
    """The operator's command, in a subprocess: the row is changed as the table owner would."""
    for i in range(3):
        await append_audit("REVEAL_ID_NUMBER", "person", i, actor_id=None, detail={"why": f"visit {i}"})
    assert (ok := casehub(["audit", "verify"], db)).returncode == 0, ok.stderr
    assert "audit chain verified" in ok.stdout
    middle = (await AuditEntry.all().order_by("id"))[1]
    await as_table_owner(db, "audit_entry",
                         f"UPDATE audit_entry SET detail = '{{\"why\": \"nothing\"}}' WHERE id = {middle.id}")
    broken = casehub(["audit", "verify"], db)
    assert broken.returncode == 1
    assert f"audit entry {middle.id} (REVEAL_ID_NUMBER" in broken.stderr and "does not verify" in broken.stderr
    assert "Traceback" not in broken.stderr and len(broken.stderr.strip().splitlines()) == 1


async def test_audit_verify_command_names_a_tampered_event(db):
    await imported(4)
    target = await Event.get(natural_key="app_results:serial:S1")
    await as_table_owner(db, "event", f"UPDATE event SET payload = '{{}}' WHERE id = {target.id}")
    broken = casehub(["audit", "verify"], db)
    assert broken.returncode == 1 and "were changed after they were recorded" in broken.stderr, broken.stderr


async def test_audit_head_is_the_anchor_a_rewritten_chain_cannot_match(db):
    """`casehub audit head` prints the newest entry's id and hash; kept elsewhere, it exposes a chain
    rewritten from the start (which `verify` alone cannot: every link of a rewritten chain is consistent)."""
    for i in range(3):
        await append_audit("X", "t", i, actor_id=None, detail={"n": i})
    printed = casehub(["audit", "head"], db)
    assert printed.returncode == 0, printed.stderr
    anchor = orjson.loads(printed.stdout)
    head = await chain_head()
    assert anchor == {"id": head.id, "hash": head.hash, "at": anchor["at"], "entries": 3}
    await append_audit("X", "t", 3, actor_id=None)  # the chain grows: the anchored entry still matches
    again = orjson.loads(casehub(["audit", "head", "--entry", str(anchor["id"])], db).stdout)
    assert again["hash"] == anchor["hash"]
    # The owner rewrites the chain consistently from the genesis, with entry 1 changed: verify passes …
    entries = await AuditEntry.all().order_by("id")
    await as_table_owner(db, "audit_entry", "DELETE FROM audit_entry")
    for entry in entries:
        await append_audit(entry.action, entry.target_type, entry.target_id, actor_id=None,
                           detail={"n": 99} if entry.id == entries[0].id else entry.detail)  # fmt: skip
    assert await verify_chain() is None
    # … but the anchored entry's hash no longer matches what was copied out
    rewritten = await chain_head(await AuditEntry.all().order_by("id").offset(2).first().values_list("id", flat=True))
    assert rewritten.hash != anchor["hash"]
    missing = casehub(["audit", "head", "--entry", "999999"], db)
    assert missing.returncode == 1 and "no audit entry 999999" in missing.stderr
