"""Import batches: one file, one adapter → events on the timeline, with counts and row errors.

`import_source` reads and validates the whole file first (no database work),
then records the valid rows' drafts through `casehub.timeline.record_events` in
chunks, each chunk in its own transaction (on PostgreSQL two chunks are in
flight at once), and finally stores the batch's counts and per-row errors on
its `ImportBatch` (queryable afterwards).

Guarantee — a batch interrupted midway (database lost, process killed, an
exception) leaves no half-written chunk: every chunk is committed whole or not
at all, though which chunks made it before the failure is not fixed. The batch
stays RUNNING (killed) or is marked FAILED (an exception reached us), and
importing the same file again with the same adapter *resumes* that batch:
natural keys make the chunks already committed duplicates at the database
level, the rest is recorded under the same batch, and the final counts
are computed from the database (events the batch holds), so they are right
however many runs it took (a run started while another is still going joins
its batch the same way). Importing a file that already has a DONE batch
creates a new batch that records nothing new and counts every row as a
duplicate (R-TL-3).

Counts: `accepted` and `duplicates` count events (one per row for the built-in
adapters); `rejected` counts rows, each with one or more entries in `errors`.

Audit: every batch appends IMPORT_BATCH_STARTED (or IMPORT_BATCH_RESUMED) when
it opens and IMPORT_BATCH_FINISHED (with its status and counts) or
IMPORT_BATCH_FAILED when it ends, naming the staff member, in the same
transaction as the batch's change; each chunk's events are sealed by
`record_events` (docs/SECURITY.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import aclosing
from dataclasses import replace
from inspect import isawaitable
from typing import Any

from tortoise.transactions import in_transaction

from casehub.adapters.base import Adapter, ErrorCode, RowError, SourceError, SourceRecord
from casehub.adapters.plugins import PluginManager, await_me_maybe
from casehub.audit import append_audit
from casehub.errors import CasehubError, ValidationError
from casehub.models import Event, ImportBatch, Staff
from casehub.timeline import EventDraft, RecordResult, record_events

log = logging.getLogger(__name__)

RUNNING, DONE, FAILED = "RUNNING", "DONE", "FAILED"
CHUNK_SIZE = 5_000  # drafts per transaction
CONCURRENCY = 2  # chunks in flight at once

Progress = Callable[[int, int], object]  # (rows recorded so far, rows to record)
AfterBatch = Callable[[ImportBatch], Awaitable[object] | object]


async def import_source(
    manager: PluginManager,
    adapter_name: str | Adapter,
    data: bytes,
    filename: str,
    staff: Staff | int | str | None = None,
    progress: Progress | None = None,
    *,
    after_batch: AfterBatch | None = None,
    chunk_size: int = CHUNK_SIZE,
    concurrency: int = CONCURRENCY,
) -> ImportBatch:
    """Import `data` (the bytes of `filename`) with an adapter; returns the finished batch.

    `staff` (a Staff, its id or username) is recorded on the batch and, unless a
    draft names someone else, on each event (R-ACC-1). `after_batch(batch)` is
    awaited once every row is recorded and before the batch is marked DONE — the
    call site for recomputing statuses; if it raises, the batch is FAILED and a
    re-run calls it again. A file the adapter cannot read at all gives a FAILED
    batch with the reason in `errors`; other failures raise after marking the
    batch FAILED.
    """
    adapter = manager.get_adapter(adapter_name) if isinstance(adapter_name, str) else adapter_name
    staff_id = await _staff_id(staff)
    batch = await _open_batch(adapter.name, filename, hashlib.sha256(data).hexdigest(), staff_id)
    try:
        errors, drafts, origin = await _read(adapter, data, filename)
    except SourceError as exc:
        batch.errors = [RowError(exc.row, "file", exc.code, exc.message).as_dict()]
        await _finish(batch, FAILED, accepted=0, duplicates=0, rejected=0, actor_id=staff_id)
        return batch
    except Exception as exc:
        await _fail(batch, exc)
        raise
    try:
        await _save_errors(batch, errors)
        recorded = done = 0
        chunks = [drafts[start : start + chunk_size] for start in range(0, len(drafts), chunk_size)]
        async with aclosing(_record_chunks(chunks, adapter.name, batch.pk, staff_id, concurrency)) as results:
            async for chunk, result in results:
                errors.extend(
                    origin[id(r.draft)].error(_CANONICAL.get(r.field, r.field), r.code, r.message)
                    for r in result.rejected
                )
                recorded += len(chunk) - len(result.rejected)
                done += len(chunk)
                if progress is not None:
                    progress(done, len(drafts))
        batch.errors = [e.as_dict() for e in sorted(errors, key=_error_order)]
        accepted = await Event.filter(batch_id=batch.pk).count()
        if after_batch is not None:
            await await_me_maybe(after_batch(batch))
        await _finish(
            batch, DONE, accepted=accepted, duplicates=recorded - accepted, rejected=_rows(errors), actor_id=staff_id
        )
    except Exception as exc:
        await _fail(batch, exc)
        raise
    await _notify(manager, batch)
    return batch


_CANONICAL = {"idNumber": "id_number", "personId": "person_id"}  # record_events' field names → records'


async def _record_chunks(
    chunks: list[list[EventDraft]], adapter: str, batch_id: int, staff_id: int | None, concurrency: int
) -> AsyncIterator[tuple[list[EventDraft], RecordResult]]:
    """Record each chunk in its own transaction and yield it with its result as it finishes.

    On PostgreSQL up to `concurrency` chunks are in flight, so that one chunk's
    Python work overlaps another's database work; `record_events` inserts in
    natural-key order, so chunks sharing a key wait for each other instead of
    deadlocking. SQLite has one writer: one chunk at a time. After a failure no
    further chunk starts; those in flight are left to finish (or fail) whole.
    """

    async def record(chunk: list[EventDraft]) -> RecordResult:
        return await record_events(chunk, source_adapter=adapter, batch=batch_id, staff=staff_id, on_invalid="skip")

    if concurrency <= 1 or Event._meta.db.capabilities.dialect != "postgres":
        for chunk in chunks:
            yield chunk, await record(chunk)
        return
    slots = asyncio.Semaphore(concurrency)
    stop = asyncio.Event()

    async def guarded(chunk: list[EventDraft]) -> tuple[list[EventDraft], RecordResult | None]:
        async with slots:
            if stop.is_set():
                return chunk, None
            try:
                return chunk, await record(chunk)
            except BaseException:
                stop.set()
                raise

    tasks = [asyncio.create_task(guarded(chunk)) for chunk in chunks]
    try:
        for finished in asyncio.as_completed(tasks):
            chunk, result = await finished
            if result is not None:
                yield chunk, result
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _read(
    adapter: Adapter, data: bytes, filename: str
) -> tuple[list[RowError], list[EventDraft], dict[int, SourceRecord]]:
    """Parse and validate every row: (row errors, drafts of the valid rows, id(draft) → its record)."""
    errors: list[RowError] = []
    drafts: list[EventDraft] = []
    origin: dict[int, SourceRecord] = {}
    validate, to_drafts = adapter.validate, adapter.to_drafts
    for item in await _items(await await_me_maybe(adapter.parse(data, filename))):
        if isinstance(item, RowError):
            errors.append(item)
            continue
        try:
            problems = validate(item)
            if isawaitable(problems):
                problems = await problems
            if not problems:
                made = to_drafts(item)
                for draft in await made if isawaitable(made) else made:
                    draft = _with_row(draft, item)
                    drafts.append(draft)
                    origin[id(draft)] = item
        except ValidationError as exc:
            problems = [item.error(exc.field, exc.code, exc.message)]
        errors.extend(problems)
    return errors, drafts, origin


async def _items(parsed: Any) -> Iterable[SourceRecord | RowError]:
    if hasattr(parsed, "__aiter__"):
        return [item async for item in parsed]
    return parsed


def _with_row(draft: EventDraft, record: SourceRecord) -> EventDraft:
    return draft if draft.source_row is not None else replace(draft, source_row=record.row)


def _rows(errors: list[RowError]) -> int:
    """Rejected rows: distinct (sheet, row) among the errors."""
    return len({(e.sheet, e.row) for e in errors if e.row is not None})


def _error_order(e: RowError) -> tuple[str, int]:
    return (e.sheet or "", e.row if e.row is not None else -1)


async def _staff_id(staff: Staff | int | str | None) -> int | None:
    if staff is None or isinstance(staff, int):
        return staff
    if isinstance(staff, Staff):
        return staff.pk
    found = await Staff.get_or_none(username=staff)
    if found is None:
        raise CasehubError(f"no staff account {staff!r}")
    return found.pk


async def _open_batch(adapter: str, filename: str, sha256: str, staff_id: int | None) -> ImportBatch:
    """The unfinished batch of this very file to resume, or a new one."""
    batch = (
        await ImportBatch.filter(adapter=adapter, sha256=sha256, status__in=[RUNNING, FAILED]).order_by("-id").first()
    )
    detail = {"adapter": adapter, "filename": filename[-255:], "sha256": sha256}
    if batch is None:
        async with in_transaction() as conn:
            batch = await ImportBatch.create(
                adapter=adapter, filename=filename[-255:], sha256=sha256, status=RUNNING, staff_id=staff_id,
                using_db=conn,
            )
            await append_audit("IMPORT_BATCH_STARTED", "import_batch", batch.pk, actor_id=staff_id, detail=detail,
                               using=conn)
        return batch
    log.info("resuming import batch %s of %s (%s)", batch.pk, filename, batch.status)
    detail["previousStatus"] = batch.status
    batch.status = RUNNING
    batch.finished_at = None
    async with in_transaction() as conn:
        await batch.save(update_fields=["status", "finished_at"], using_db=conn)
        await append_audit("IMPORT_BATCH_RESUMED", "import_batch", batch.pk, actor_id=staff_id, detail=detail,
                           using=conn)
    return batch


async def _save_errors(batch: ImportBatch, errors: list[RowError]) -> None:
    """Row errors found while reading, visible on the batch while it runs."""
    batch.errors = [e.as_dict() for e in errors]
    batch.rejected = _rows(errors)
    await batch.save(update_fields=["errors", "rejected"])


async def _finish(
    batch: ImportBatch, status: str, *, accepted: int, duplicates: int, rejected: int, actor_id: int | None
) -> None:
    batch.status = status
    batch.accepted, batch.duplicates, batch.rejected = accepted, duplicates, rejected
    batch.finished_at = dt.datetime.now(dt.UTC)
    codes = sorted({str(e.get("code")) for e in batch.errors or []})
    async with in_transaction() as conn:
        await batch.save(
            update_fields=["status", "accepted", "duplicates", "rejected", "errors", "finished_at"], using_db=conn
        )
        await append_audit(
            "IMPORT_BATCH_FINISHED", "import_batch", batch.pk, actor_id=actor_id, using=conn,
            detail={"status": status, "accepted": accepted, "duplicates": duplicates, "rejected": rejected,
                    "errorCodes": codes},
        )  # fmt: skip


async def _fail(batch: ImportBatch, exc: BaseException) -> None:
    """Mark the batch FAILED (audited under the batch's staff member) if the database still answers;
    otherwise it stays RUNNING."""
    try:
        async with in_transaction() as conn:
            await ImportBatch.filter(pk=batch.pk).using_db(conn).update(
                status=FAILED, finished_at=dt.datetime.now(dt.UTC)
            )
            await append_audit(
                "IMPORT_BATCH_FAILED", "import_batch", batch.pk, actor_id=batch.staff_id, using=conn,
                detail={"error": type(exc).__name__},
            )
        batch.status = FAILED
    except Exception as lost:
        log.warning("import batch %s: could not be marked FAILED (%s); it stays RUNNING", batch.pk, lost)
    log.error("import batch %s failed: %s: %s", batch.pk, type(exc).__name__, exc)


async def _notify(manager: PluginManager, batch: ImportBatch) -> None:
    """events_recorded(events, batch) once per finished batch, if any plugin listens."""
    if not manager.hook.events_recorded.get_hookimpls():
        return
    events = await Event.filter(batch_id=batch.pk).order_by("id")
    await manager.notify_events_recorded(events=events, batch=batch)


__all__ = ["CHUNK_SIZE", "DONE", "FAILED", "RUNNING", "ErrorCode", "import_source"]
