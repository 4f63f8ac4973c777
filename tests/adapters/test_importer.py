"""Import batches: counts, row errors, resuming an interrupted batch, hooks, progress."""

from __future__ import annotations

import datetime as dt

import pytest

import casehub.adapters.importer as importer
import casehub.timeline as timeline
from casehub.adapters import hookimpl
from casehub.adapters.importer import import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.errors import CasehubError
from casehub.models import Event, ImportBatch
from tests import factories
from tests.factories import csv_bytes, id_number

HEADER = ["姓名", "身份证号码", "认证时间", "认证结果", "流水号"]


def app_file(count: int, bad_rows: tuple[int, ...] = ()) -> bytes:
    rows = [
        [
            f"受益人{i}",
            id_number(i),
            f"2024-03-{1 + i % 28:02d} 10:00:00",
            "通过" if i not in bad_rows else "??",
            f"S{i}",
        ]
        for i in range(count)
    ]
    return csv_bytes(HEADER, rows, encoding="gb18030")


class Boom(ConnectionError):
    """The database went away."""


def fail_on_call(real, n: int):
    """`real`, except that call number `n` raises Boom after doing its work."""
    calls = {"n": 0}

    async def wrapper(*args, **kwargs):
        calls["n"] += 1
        result = await real(*args, **kwargs)
        if calls["n"] == n:
            raise Boom("connection lost")
        return result

    return wrapper


async def test_bad_rows_are_rejected_and_reported_good_rows_recorded(db):
    await factories.people(6)
    pm = make_plugin_manager(load_entrypoints=False)
    batch = await import_source(pm, "app_results", app_file(6, bad_rows=(2, 4)), "a.csv")
    assert (batch.status, batch.accepted, batch.duplicates, batch.rejected) == ("DONE", 4, 0, 2)
    assert [(e["row"], e["field"], e["code"]) for e in batch.errors] == [
        (4, "认证结果", "INVALID_VALUE"), (6, "认证结果", "INVALID_VALUE"),
    ]  # fmt: skip
    assert batch.finished_at is not None


async def test_a_chunk_failing_midway_leaves_nothing_of_it(db, monkeypatch):
    """The failure strikes inside the second chunk's transaction, after its INSERT ran."""
    await factories.people(5)
    pm = make_plugin_manager(load_entrypoints=False)
    monkeypatch.setattr(timeline, "_insert", fail_on_call(timeline._insert, 2))
    with pytest.raises(Boom):
        await import_source(pm, "app_results", app_file(5), "a.csv", chunk_size=2, concurrency=1)
    assert await Event.all().count() == 2  # chunk 1 committed, chunk 2 rolled back whole
    [batch] = await ImportBatch.all()
    assert batch.status == "FAILED"


async def test_chunks_in_flight_together_are_each_all_or_nothing(db, monkeypatch):
    await factories.people(9)
    pm = make_plugin_manager(load_entrypoints=False)
    real = timeline._insert

    async def second_chunk_fails(conn, rows, *args):
        inserted = await real(conn, rows, *args)
        if any(row["natural_key"] == "app_results:serial:S3" for row in rows):
            raise Boom("connection lost")  # inside the chunk's transaction, after its INSERT
        return inserted

    monkeypatch.setattr(timeline, "_insert", second_chunk_fails)
    with pytest.raises(Boom):
        await import_source(pm, "app_results", app_file(9), "a.csv", chunk_size=3, concurrency=2)
    stored = set(await Event.all().values_list("natural_key", flat=True))
    chunks = [{f"app_results:serial:S{i}" for i in range(start, start + 3)} for start in (0, 3, 6)]
    assert stored in (chunks[0], chunks[0] | chunks[2])  # whole chunks only; the failed one not at all
    monkeypatch.setattr(timeline, "_insert", real)
    batch = await import_source(pm, "app_results", app_file(9), "a.csv", chunk_size=3, concurrency=2)
    assert (batch.status, batch.accepted, batch.duplicates) == ("DONE", 9, 0)


async def test_a_failed_batch_is_completed_by_a_re_run(db, monkeypatch):
    await factories.people(5)
    pm = make_plugin_manager(load_entrypoints=False)
    data = app_file(5, bad_rows=(4,))
    with monkeypatch.context() as m:
        m.setattr(importer, "record_events", fail_on_call(importer.record_events, 1))
        with pytest.raises(Boom):
            await import_source(pm, "app_results", data, "a.csv", chunk_size=2, concurrency=1)
    first = await ImportBatch.get()
    assert first.status == "FAILED" and await Event.all().count() == 2

    batch = await import_source(pm, "app_results", data, "a.csv", chunk_size=2)
    assert batch.id == first.id  # resumed, not a second batch
    assert (batch.status, batch.accepted, batch.duplicates, batch.rejected) == ("DONE", 4, 0, 1)
    assert await Event.filter(batch_id=batch.id).count() == 4 == await Event.all().count()


async def test_a_killed_import_left_running_is_resumed(db, monkeypatch):
    """A killed process cannot mark its batch: it stays RUNNING, and the next run picks it up."""
    await factories.people(6)
    pm = make_plugin_manager(load_entrypoints=False)
    data = app_file(6)

    async def killed(batch, exc):  # the process dies: nothing marks the batch
        return None

    with monkeypatch.context() as m:
        m.setattr(importer, "record_events", fail_on_call(importer.record_events, 2))
        m.setattr(importer, "_fail", killed)
        with pytest.raises(Boom):
            await import_source(pm, "app_results", data, "a.csv", chunk_size=2, concurrency=1)
    assert (await ImportBatch.get()).status == "RUNNING"
    batch = await import_source(pm, "app_results", data, "a.csv", chunk_size=2)
    assert (batch.status, batch.accepted, batch.duplicates) == ("DONE", 6, 0)
    assert await ImportBatch.all().count() == 1 and await Event.all().count() == 6


async def test_an_unreadable_file_is_a_failed_batch_with_the_reason(db):
    pm = make_plugin_manager(load_entrypoints=False)
    batch = await import_source(pm, "app_results", csv_bytes(["foo"], [["bar"]]), "x.csv")
    assert batch.status == "FAILED"
    [error] = batch.errors
    assert (error["row"], error["field"], error["code"]) == (None, "file", "MISSING_COLUMN")


async def test_after_batch_runs_before_done_and_again_after_a_failure(db):
    await factories.people(2)
    pm = make_plugin_manager(load_entrypoints=False)
    seen = []

    async def recompute(batch):
        seen.append((batch.id, (await ImportBatch.get(id=batch.id)).status))
        if len(seen) == 1:
            raise RuntimeError("status recompute failed")

    with pytest.raises(RuntimeError):
        await import_source(pm, "app_results", app_file(2), "a.csv", after_batch=recompute)
    batch = await import_source(pm, "app_results", app_file(2), "a.csv", after_batch=recompute)
    assert seen == [(batch.id, "RUNNING"), (batch.id, "RUNNING")]
    assert batch.status == "DONE" and batch.accepted == 2


async def test_events_recorded_hook_gets_the_batch_events_once_and_cannot_break_the_import(db):
    await factories.people(3)
    calls = []

    class Listener:
        @hookimpl
        def events_recorded(self, events, batch):
            calls.append(([e.natural_key for e in events], batch.status))

    class Failing:
        @hookimpl
        async def events_recorded(self, batch):
            raise RuntimeError("SMS gateway down")

    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(Listener(), name="listener")
    pm.register(Failing(), name="failing")
    batch = await import_source(pm, "app_results", app_file(3), "a.csv")
    assert batch.status == "DONE"
    assert calls == [(["app_results:serial:S0", "app_results:serial:S1", "app_results:serial:S2"], "DONE")]
    await import_source(pm, "app_results", app_file(3), "a.csv")  # nothing new: an empty notification
    assert calls[1] == ([], "DONE")


async def test_progress_staff_and_recorded_at(db):
    await factories.people(5)
    staff = await factories.staff(username="importer")
    pm = make_plugin_manager(load_entrypoints=False)
    steps = []
    before = dt.datetime.now(dt.UTC)
    batch = await import_source(
        pm, "app_results", app_file(5), "a.csv", staff="importer", progress=lambda d, t: steps.append((d, t)),
        chunk_size=2, concurrency=1,
    )  # fmt: skip
    assert steps == [(2, 5), (4, 5), (5, 5)]
    assert batch.staff_id == staff.id
    assert {e.staff_id for e in await Event.all()} == {staff.id}  # R-ACC-1
    assert all(e.recorded_at >= before for e in await Event.all())


async def test_unknown_adapter_or_staff_is_a_one_line_error(db):
    pm = make_plugin_manager(load_entrypoints=False)
    with pytest.raises(CasehubError, match=r"unknown adapter 'nope' \(available: app_results, death_records"):
        await import_source(pm, "nope", b"", "x.csv")
    with pytest.raises(CasehubError, match="no staff account 'ghost'"):
        await import_source(pm, "app_results", app_file(1), "x.csv", staff="ghost")
    assert await ImportBatch.all().count() == 0
