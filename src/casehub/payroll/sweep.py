"""The monthly sweep: `casehub sweep --month YYYY-MM` (R-SUS-1, R-PAY-1..4, R-DUP-1).

For every person, in batches (a fixed number of queries per batch, never per person):

1. load the facts (`casehub.cases.load_cases`) and the payment lines on record;
2. evaluate with the engine, giving it the payments of CLOSED months so that its
   overpayments are money actually paid (R-PAY-4: `plan.payments_made`, the same
   definition the GraphQL API's overpayments use);
3. refresh the `EntitlementState` projection and record each status change
   (suspensions, resumptions, stops, ends) as a `StatusChange`;
4. plan the month's payment lines (`casehub.payroll.plan`) into the OPEN run —
   the month's payments, back pay, arrears for closed months — replacing what an
   earlier sweep of the same month planned.

Then, once: open or extend recovery cases with the exact months, amounts and
proving events (R-PAY-4), open duplicate-receipt cases (R-DUP-1), write the finance
office's adjustment list (XLSX), alert the investigators, and audit the run.

**Idempotent**: run it again for the same month and nothing new is recorded unless
something changed; the lines and the report come out the same. Only the latest month on
record is swept again: an earlier one is refused (PAYROLL_ORDER). A run that fails
half-way leaves whole batches behind (each batch is one transaction) and is repaired
by running it again.

**In processing** (`casehub.payroll.processing`): an overdue recipient whose
certification has been received but not yet applied is not suspended: the month is
paid, listed as HELD, and no suspension is recorded.

With `workers > 1` (PostgreSQL) the batches are shared among worker processes,
each with its own connection; the parent only hands out batches and gathers what
they found.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import multiprocessing
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.models import Model
from tortoise.transactions import in_transaction

from casehub.audit import append_audit
from casehub.bulk import DATE, INT, JSONB, TEXT, insert_rows, is_postgres
from casehub.cases import SHANGHAI, STATE_COLUMNS, load_cases, state_values, today
from casehub.casework import alerts, duplicates, recovery
from casehub.casework.vocabulary import CaseworkErrorCode as Code
from casehub.casework.vocabulary import FindingKind
from casehub.engine import EntitlementStatus
from casehub.engine.months import add_months, month_index, month_start
from casehub.errors import ValidationError
from casehub.models import (
    DecisionOverride,
    DuplicateReceipt,
    EntitlementState,
    PaymentLine,
    PayrollRun,
    Person,
    RecoveryItem,
    StatusChange,
    SweepRun,
)
from casehub.payroll import processing
from casehub.payroll.plan import (
    AdjustmentRow,
    Duplicate,
    MonthContext,
    Overpaid,
    Override,
    PaidLine,
    PlannedLine,
    settle_person,
)
from casehub.payroll.runs import LINE_COLUMNS, lines_for_persons, open_run
from casehub.payroll.vocabulary import AdjustmentKind, LineSource, RunStatus, SweepStatus
from casehub.policy import Policy, default_policy, load_policy

BATCH_SIZE = 2000

CHANGE_COLUMNS = (
    ("sweep_id", INT), ("entitlement_id", INT), ("person_id", INT), ("month", DATE), ("as_of", DATE),
    ("from_status", TEXT), ("to_status", TEXT), ("causes", TEXT), ("explanation", JSONB),
)


@dataclass(frozen=True, slots=True)
class BatchJob:
    """One batch of persons and what the plan needs for them. Picklable."""

    person_ids: tuple[int, ...]
    ctx: MonthContext
    sweep_id: int
    run_id: int
    overrides: dict[tuple[int, dt.date], Override]
    in_processing: frozenset[int]
    computed_at: dt.datetime


@dataclass(slots=True)
class BatchOutcome:
    persons: int = 0
    entitlements: int = 0
    changes: Counter[str] = field(default_factory=Counter)  # by the new status
    held: int = 0
    lines: int = 0
    lines_fen: int = 0
    overpaid: list[Overpaid] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    rows: list[AdjustmentRow] = field(default_factory=list)

    def add(self, other: BatchOutcome) -> None:
        self.persons += other.persons
        self.entitlements += other.entitlements
        self.changes.update(other.changes)
        self.held += other.held
        self.lines += other.lines
        self.lines_fen += other.lines_fen
        self.overpaid.extend(other.overpaid)
        self.duplicates.extend(other.duplicates)
        self.rows.extend(other.rows)


@dataclass(frozen=True, slots=True)
class SweepSummary:
    sweep_id: int
    month: dt.date
    as_of: dt.date
    run_status: RunStatus
    persons: int
    entitlements: int
    status_changes: dict[str, int]
    held: int
    lines: int
    lines_fen: int
    overpaid_months: int
    recovery_cases_opened: int
    recovery_changes: int
    duplicates_opened: int
    report_path: str | None
    seconds: float


async def process_batch(job: BatchJob, policy: Policy) -> BatchOutcome:
    """Evaluate, plan and write one batch of persons in one transaction."""
    ctx = job.ctx
    out = BatchOutcome()
    cases = await load_cases(job.person_ids, on=ctx.as_of)
    lines = await lines_for_persons(job.person_ids)
    entitlement_ids = [e.id for c in cases.values() for e in c.entitlements]
    previous = await _previous_states(entitlement_ids)
    pairs = policy.version_at(ctx.as_of).duplicate_pairs
    results = []
    held: set[int] = set()
    planned = []
    for pid, case in cases.items():
        overrides = job.overrides
        if overrides:
            mine = {e.id for e in case.entitlements}
            overrides = {k: v for k, v in overrides.items() if k[0] in mine}
        result, plan = settle_person(case, lines.get(pid, []), ctx, policy, overrides=overrides,
                                     in_processing=pid in job.in_processing, duplicate_pairs=pairs)
        results.append(result)
        held |= plan.held
        planned.extend(plan.lines)
        out.overpaid.extend(plan.overpaid)
        out.duplicates.extend(plan.duplicates)
        out.rows.extend(plan.rows)
    out.persons = len(cases)
    out.entitlements = len(entitlement_ids)
    out.held = len(held)
    out.lines = len(planned)
    out.lines_fen = sum(p.amount_fen for p in planned)

    # A held entitlement keeps its previous projection: no suspension shows or is recorded.
    keep = {eid for eid in held if eid in previous}
    states = [row for row in state_values(results, job.computed_at) if row[0] not in keep]
    # Rows whose content is unchanged only get the new evaluation day and time (an in-place
    # update of unindexed columns); the others are replaced. A second sweep rewrites nothing.
    unchanged = [row[0] for row in states if (old := previous.get(row[0])) and old.content == _content(row)]
    same = set(unchanged)
    rewritten = [row for row in states if row[0] not in same]
    changes = []
    for eid, pid, status, causes, *_, explanation in states:
        before = previous[eid].status if eid in previous else None
        if eid in held or before == status.value or (before is None and status is EntitlementStatus.ACTIVE):
            continue
        changes.append((job.sweep_id, eid, pid, ctx.month, ctx.as_of, before, status.value, causes, explanation))
        out.changes[status.value] += 1
    async with in_transaction() as conn:
        await _touch_states(conn, unchanged, ctx.as_of, job.computed_at)
        await _delete_in(conn, EntitlementState, "entitlement_id", [row[0] for row in rewritten])
        await insert_rows(conn, EntitlementState, STATE_COLUMNS, rewritten)
        await insert_rows(conn, StatusChange, CHANGE_COLUMNS, changes)
        if ctx.run_open:
            await _replace_lines(conn, job, lines, planned)
    return out


class _Stored(NamedTuple):
    status: str
    content: tuple  # `_content` of the stored row


# What a projection row says, without when it was computed: `state_values` order minus as_of, computed_at.
_CONTENT_COLUMNS = ("status", "causes", "last_certified_on", "next_due", "overdue_from", "remind_on", "explanation")


def _content(row: tuple) -> tuple:
    _eid, _pid, status, causes, certified, due, overdue, remind, _as_of, _at, explanation = row
    return (str(status), causes, certified, due, overdue, remind, explanation)


async def _previous_states(entitlement_ids: list[int]) -> dict[int, _Stored]:
    conn = get_connection("default")
    if is_postgres(conn):
        _, rows = await conn.execute_query(
            f"SELECT entitlement_id, {', '.join(_CONTENT_COLUMNS)} FROM entitlement_state "
            "WHERE entitlement_id = ANY($1::int[])",
            [entitlement_ids],
        )
        rows = [tuple(r) for r in rows]
    else:
        rows = await EntitlementState.filter(entitlement_id__in=entitlement_ids).values_list(
            "entitlement_id", *_CONTENT_COLUMNS
        )
    out = {}
    for eid, status, *rest, explanation in rows:
        if isinstance(explanation, str | bytes):
            explanation = orjson.loads(explanation)
        out[eid] = _Stored(str(status), (str(status), *rest, explanation))
    return out


async def _touch_states(conn: BaseDBAsyncClient, entitlement_ids: list[int], as_of: dt.date, at: dt.datetime) -> None:
    if not entitlement_ids:
        return
    if is_postgres(conn):
        await conn.execute_query(
            "UPDATE entitlement_state SET as_of = $1, computed_at = $2 WHERE entitlement_id = ANY($3::int[])",
            [as_of, at, entitlement_ids],
        )
    else:
        await EntitlementState.filter(entitlement_id__in=entitlement_ids).using_db(conn).update(
            as_of=as_of, computed_at=at
        )


async def _delete_in(conn: BaseDBAsyncClient, model: type[Model], column: str, values: list[int]) -> None:
    if not values:
        return
    if is_postgres(conn):  # one array parameter instead of an IN list of thousands (docs/PERFORMANCE.md)
        await conn.execute_query(f'DELETE FROM "{model._meta.db_table}" WHERE "{column}" = ANY($1::int[])', [values])
    else:
        await model.filter(**{f"{column}__in": values}).using_db(conn).delete()


async def _replace_lines(
    conn: BaseDBAsyncClient, job: BatchJob, lines: dict[int, list[PaidLine]], planned: list[PlannedLine]
) -> None:
    """Make the open month's SWEEP lines of this batch equal to `planned`, touching only what differs
    (a second sweep of a month rewrites nothing)."""
    month = job.ctx.month
    sweep_source = LineSource.SWEEP.value
    existing = {
        (ln.entitlement_id, ln.benefit_month, ln.kind): (ln.amount_fen, ln.note)
        for person_lines in lines.values()
        for ln in person_lines
        if ln.run_month == month and ln.source == sweep_source
    }
    wanted = {(p.entitlement_id, p.benefit_month, p.kind.value): (p.amount_fen, p.note, p.person_id) for p in planned}
    stale = [key for key, value in existing.items() if wanted.get(key, (None, None))[:2] != value]
    fresh = [
        (job.run_id, key[0], person_id, key[1], amount, key[2], sweep_source, note)
        for key, (amount, note, person_id) in wanted.items()
        if existing.get(key) != (amount, note)
    ]
    if stale:
        if is_postgres(conn):
            await conn.execute_query(
                "DELETE FROM payment_line WHERE run_id = $1 AND source = $2 AND (entitlement_id, benefit_month, kind) "
                "IN (SELECT * FROM unnest($3::int[], $4::date[], $5::text[]))",
                [job.run_id, sweep_source, [k[0] for k in stale], [k[1] for k in stale], [k[2] for k in stale]],
            )
        else:
            for eid, benefit_month, kind in stale:
                await PaymentLine.filter(
                    run_id=job.run_id, source=sweep_source, entitlement_id=eid, benefit_month=benefit_month, kind=kind
                ).using_db(conn).delete()
    await insert_rows(conn, PaymentLine, LINE_COLUMNS, fresh)


# --- worker processes ---------------------------------------------------------------------

_worker: dict[str, object] = {}


def _init_worker(database_url: str, policy_dir: str | None) -> None:
    from casehub import db

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(db.init_db(database_url, global_fallback=True))  # tasks run in later contexts
    _worker["loop"] = loop
    _worker["policy"] = load_policy(policy_dir) if policy_dir else default_policy()


def _run_in_worker(job: BatchJob) -> BatchOutcome:
    loop: asyncio.AbstractEventLoop = _worker["loop"]  # type: ignore[assignment]
    return loop.run_until_complete(process_batch(job, _worker["policy"]))  # type: ignore[arg-type]


# --- the sweep ------------------------------------------------------------------------------


def default_as_of(month: dt.date, *, on: dt.date | None = None) -> dt.date:
    """Today for the current month, the month's last day for a past month."""
    on = on or today()
    if month_index(month) == month_index(on):
        return on
    if month_index(month) > month_index(on):
        raise ValidationError("month", Code.INVALID, f"{month:%Y-%m} has not begun: sweep a month once it has")
    return add_months(month, 1) - dt.timedelta(days=1)


async def _person_ids() -> list[int]:
    conn = get_connection("default")
    if is_postgres(conn):
        _, rows = await conn.execute_query("SELECT id FROM person ORDER BY id")
        return [r[0] for r in rows]
    return list(await Person.all().order_by("id").values_list("id", flat=True))


async def _overrides(month: dt.date) -> dict[tuple[int, dt.date], Override]:
    """Approved manual decisions up to `month`; the latest of an entitlement-month wins."""
    found: dict[tuple[int, dt.date], Override] = {}
    for oid, eid, m, action, amount in await DecisionOverride.filter(month__lte=month).order_by("id").values_list(
        "id", "entitlement_id", "month", "action", "amount_fen"
    ):
        found[(eid, m)] = Override(oid, action, amount)
    return found


async def sweep(
    month: dt.date,
    *,
    as_of: dt.date | None = None,
    now: dt.datetime | None = None,
    policy: Policy | None = None,
    policy_dir: str | None = None,
    workers: int = 1,
    database_url: str | None = None,
    batch_size: int = BATCH_SIZE,
    report_dir: Path | None = None,
    staff_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepSummary:
    """Sweep `month` as of `as_of` (see the module docstring). `now` is when "in processing" is judged."""
    started = time.perf_counter()
    if month.day != 1:
        raise ValidationError("month", Code.INVALID, f"{month} is not the first day of a month")
    as_of = as_of or default_as_of(month)
    if month_index(as_of) != month_index(month):
        raise ValidationError("asOf", Code.INVALID, f"as_of {as_of} is not in {month:%Y-%m}")
    if now is None:
        end_of_day = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), SHANGHAI)
        now = min(dt.datetime.now(dt.UTC), end_of_day)
    latest = await PayrollRun.filter(month__gt=month).order_by("-month").first()
    if latest is not None:
        # Judged as of its own last day, an earlier month would set the status projection back and
        # take the overpayments found since (later months, later payments) for fallen away.
        raise ValidationError(
            "month", Code.PAYROLL_ORDER,
            f"{latest.month:%Y-%m} has been swept since {month:%Y-%m}: sweep {latest.month:%Y-%m} to find what is new",
        )
    if policy is None:
        policy = load_policy(policy_dir) if policy_dir else default_policy()
    if workers > 1 and not (database_url or "").startswith("postgres"):
        workers = 1  # SQLite has one writer: worker processes would only wait for each other

    run = await open_run(month)
    record = await SweepRun.create(
        month=month, as_of=as_of, status=SweepStatus.RUNNING, started_by_id=staff_id, workers=workers
    )
    try:
        summary = await _sweep(
            record, run, month, as_of, now, policy, policy_dir, workers, database_url, batch_size, report_dir,
            staff_id, progress, started,
        )
    except BaseException as exc:
        record.status = SweepStatus.FAILED
        record.error = f"{type(exc).__name__}: {exc}"[:2000]
        record.finished_at = dt.datetime.now(dt.UTC)
        await record.save()
        raise
    return summary


async def _sweep(
    record: SweepRun, run: PayrollRun, month: dt.date, as_of: dt.date, now: dt.datetime, policy: Policy,
    policy_dir: str | None, workers: int, database_url: str | None, batch_size: int, report_dir: Path | None,
    staff_id: int | None, progress: Callable[[int, int], None] | None, started: float,
) -> SweepSummary:
    epoch = await PayrollRun.all().order_by("month").first().values_list("month", flat=True)
    ctx = MonthContext(
        month=month, as_of=as_of, run_open=run.status is RunStatus.OPEN, epoch=epoch,
        previous_run=await PayrollRun.exists(month=month_start(month_index(month) - 1)),
    )
    overrides = await _overrides(month)
    held_persons = await processing.in_processing(now, policy)
    overrides_by_person: dict[int, dict[tuple[int, dt.date], Override]] = defaultdict(dict)
    if overrides:
        owners = dict(
            await DecisionOverride.filter(id__in=[o.id for o in overrides.values()]).values_list("id", "person_id")
        )
        for key, ov in overrides.items():
            overrides_by_person[owners[ov.id]][key] = ov
    ids = await _person_ids()
    computed_at = dt.datetime.now(dt.UTC)

    def job(chunk: Sequence[int]) -> BatchJob:
        mine = {k: v for pid in chunk if pid in overrides_by_person for k, v in overrides_by_person[pid].items()}
        return BatchJob(
            tuple(chunk), ctx, record.id, run.id, mine,
            frozenset(pid for pid in chunk if pid in held_persons), computed_at,
        )

    chunks = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
    total = BatchOutcome()
    if workers <= 1:
        for n, chunk in enumerate(chunks, 1):
            total.add(await process_batch(job(chunk), policy))
            if progress:
                progress(n, len(chunks))
    else:
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
            initargs=(database_url, policy_dir),
        ) as pool:
            futures = [loop.run_in_executor(pool, _run_in_worker, job(chunk)) for chunk in chunks]
            for n, future in enumerate(asyncio.as_completed(futures), 1):
                total.add(await future)
                if progress:
                    progress(n, len(chunks))

    recovered = await recovery.record_overpayments(total.overpaid, month=month, sweep_id=record.id)
    opened_duplicates = await duplicates.record_duplicates(total.duplicates, month=month, sweep_id=record.id)
    rows = total.rows + await _found_rows(month)
    report_path = None
    if report_dir is not None:
        from casehub.payroll.report import write_adjustment_list

        report_path = report_dir / f"payroll-adjustments-{month:%Y-%m}.xlsx"
        await write_adjustment_list(report_path, rows, month=month, as_of=as_of, sweep_id=record.id,
                                    run_status=run.status)
        record.report_path = str(report_path)
        record.report_sha256 = hashlib.sha256(report_path.read_bytes()).hexdigest()

    summary = SweepSummary(
        sweep_id=record.id, month=month, as_of=as_of, run_status=run.status, persons=total.persons,
        entitlements=total.entitlements, status_changes=dict(sorted(total.changes.items())), held=total.held,
        lines=total.lines, lines_fen=total.lines_fen, overpaid_months=len(total.overpaid),
        recovery_cases_opened=sum(1 for c in recovered if c.opened), recovery_changes=len(recovered),
        duplicates_opened=len(opened_duplicates), report_path=str(report_path) if report_path else None,
        seconds=round(time.perf_counter() - started, 3),
    )
    counts = {
        "persons": summary.persons, "entitlements": summary.entitlements, "statusChanges": summary.status_changes,
        "held": summary.held, "lines": summary.lines, "linesFen": summary.lines_fen,
        "overpaidMonths": summary.overpaid_months, "recoveryCasesOpened": summary.recovery_cases_opened,
        "recoveryChanges": summary.recovery_changes, "duplicatesOpened": summary.duplicates_opened,
        "runStatus": run.status.value, "seconds": summary.seconds,
    }
    async with in_transaction() as conn:
        record.status = SweepStatus.DONE
        record.finished_at = dt.datetime.now(dt.UTC)
        record.counts = counts
        await record.save(using_db=conn)
        await append_audit(
            "SWEEP", "sweep_run", record.id, actor_id=staff_id, using=conn,
            detail={"month": f"{month:%Y-%m}", "asOf": as_of.isoformat(), **counts,
                    "report": record.report_path, "reportSha256": record.report_sha256},
        )
    found_at = alerts.now_iso()
    findings = [
        alerts.Finding(FindingKind.OVERPAYMENT, c.case_id, c.person_id, c.amount_fen,
                       tuple(f"{m:%Y-%m}" for m in c.months), found_at)
        for c in recovered if c.amount_fen > 0
    ] + [
        alerts.Finding(FindingKind.DUPLICATE_RECEIPT, d.id, d.person_id, 0, (f"{d.overlap_from:%Y-%m}",), found_at)
        for d in opened_duplicates
    ]
    await alerts.publish(findings, using=get_connection("default"))
    return summary


async def _found_rows(month: dt.date) -> list[AdjustmentRow]:
    """The recovery and duplicate-receipt rows of the month (everything found in `month`, so a rerun lists them too)."""
    rows = [
        AdjustmentRow(AdjustmentKind.RECOVER, pid, eid, "", (b,), amount, paid, rule,
                      (explanation or {}).get("explanationZh", ""))
        for pid, eid, b, amount, paid, rule, explanation in await RecoveryItem.filter(found_month=month)
        .order_by("id")
        .values_list("case__person_id", "entitlement_id", "benefit_month", "amount_fen", "paid_fen", "rule",
                     "explanation")
    ]
    rows += [
        AdjustmentRow(AdjustmentKind.DUPLICATE, pid, first, "", (overlap,), 0, 0, "R-DUP-1",
                      f"同时领取城乡居民养老保险（待遇{first}）和职工养老保险（待遇{second}）")
        for pid, first, second, overlap in await DuplicateReceipt.filter(detected_month=month)
        .order_by("id")
        .values_list("person_id", "first_entitlement_id", "second_entitlement_id", "overlap_from")
    ]
    return rows
