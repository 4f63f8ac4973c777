"""Payroll runs and payment lines: what was paid, for which entitlement-month (R-PAY-1..4).

One run per payroll month. The sweep plans an OPEN run's lines from the engine's
decisions; `close_run` freezes the month once the finance office has paid it: from
then on the run and its lines never change (refused here with `PAYROLL_CLOSED`,
and by the database's triggers). Evidence that arrives later is settled in a later
month: an ADJUSTMENT line when too little was paid, a recovery case when too much.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from casehub.audit import append_audit
from casehub.bulk import BIGINT, DATE, INT, TEXT, insert_rows, is_postgres
from casehub.casework.vocabulary import CaseworkErrorCode as Code
from casehub.errors import ValidationError
from casehub.models import Entitlement, PaymentLine, PayrollRun, SweepRun
from casehub.payroll.plan import PaidLine
from casehub.payroll.vocabulary import LineKind, LineSource, RunStatus, SweepStatus

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PayrollClosedError(ValidationError):
    """A CLOSED payroll month never changes."""

    def __init__(self, month: dt.date, what: str = "changed") -> None:
        super().__init__("month", Code.PAYROLL_CLOSED, f"payroll month {month:%Y-%m} is closed and cannot be {what}")


def parse_month(text: str, *, field: str = "month") -> dt.date:
    """`YYYY-MM` → the first day of that month."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValidationError(field, Code.INVALID, f"{text!r} is not a month: write YYYY-MM, e.g. 2025-03")
    return dt.date(int(match[1]), int(match[2]), 1)


def check_month(day: dt.date, *, field: str = "month") -> dt.date:
    if day.day != 1:
        raise ValidationError(field, Code.INVALID, f"{day} is not the first day of a month")
    return day


async def open_run(month: dt.date, *, using: BaseDBAsyncClient | None = None) -> PayrollRun:
    """The run for `month`, opened if there is none; no month may open behind a closed one."""
    check_month(month)
    run = await PayrollRun.filter(month=month).using_db(using).first()
    if run is not None:
        return run
    if await PayrollRun.filter(month__gt=month, status=RunStatus.CLOSED).using_db(using).exists():
        raise ValidationError(
            "month", Code.PAYROLL_ORDER, f"a later payroll month is closed: {month:%Y-%m} cannot be opened now"
        )
    return await PayrollRun.create(month=month, status=RunStatus.OPEN, using_db=using)


async def close_run(month: dt.date, *, staff_id: int | None) -> PayrollRun:
    """Freeze `month`: earlier months must be closed and the month swept first. Audited."""
    check_month(month)
    async with in_transaction() as conn:
        run = await PayrollRun.filter(month=month).using_db(conn).select_for_update().first()
        if run is None:
            raise ValidationError("month", Code.NOT_FOUND, f"there is no payroll run for {month:%Y-%m}")
        if run.status is RunStatus.CLOSED:
            raise PayrollClosedError(month, "closed again")
        earlier = await PayrollRun.filter(month__lt=month, status=RunStatus.OPEN).using_db(conn).first()
        if earlier is not None:
            raise ValidationError(
                "month", Code.PAYROLL_ORDER, f"close {earlier.month:%Y-%m} first: payroll months close in order"
            )
        if not await SweepRun.filter(month=month, status=SweepStatus.DONE).using_db(conn).exists():
            raise ValidationError(
                "month", Code.NOT_SWEPT, f"run `casehub sweep --month {month:%Y-%m}` before closing the month"
            )
        lines = PaymentLine.filter(run_id=run.id).using_db(conn)
        count = await lines.count()
        total = await lines.annotate(t=Sum("amount_fen")).first().values_list("t", flat=True)
        run.status = RunStatus.CLOSED
        run.closed_at = dt.datetime.now(dt.UTC)
        run.closed_by_id = staff_id
        run.line_count = count
        run.total_fen = int(total or 0)
        await run.save(using_db=conn)
        await append_audit(
            "CLOSE_PAYROLL", "payroll_run", run.id, actor_id=staff_id, using=conn,
            detail={"month": f"{month:%Y-%m}", "lines": count, "totalFen": run.total_fen},
        )
    return run


class LineInput(NamedTuple):
    entitlement_id: int
    benefit_month: dt.date
    amount_fen: int
    kind: LineKind = LineKind.NORMAL
    note: str = ""


LINE_COLUMNS = (
    ("run_id", INT),
    ("entitlement_id", INT),
    ("person_id", INT),
    ("benefit_month", DATE),
    ("amount_fen", BIGINT),
    ("kind", TEXT),
    ("source", TEXT),
    ("note", TEXT),
)


async def record_lines(month: dt.date, lines: Iterable[LineInput], *, staff_id: int | None) -> int:
    """Record payments the finance office made (history, or corrections) in an OPEN month. Audited."""
    lines = list(lines)
    async with in_transaction() as conn:
        run = await open_run(month, using=conn)
        run = await PayrollRun.filter(id=run.id).using_db(conn).select_for_update().first()
        if run.status is RunStatus.CLOSED:
            raise PayrollClosedError(month)
        persons = dict(
            await Entitlement.filter(id__in={ln.entitlement_id for ln in lines}).using_db(conn).values_list(
                "id", "person_id"
            )
        )
        rows = []
        for i, ln in enumerate(lines):
            if ln.entitlement_id not in persons:
                raise ValidationError(f"lines[{i}].entitlementId", Code.NOT_FOUND, "no such entitlement")
            check_month(ln.benefit_month, field=f"lines[{i}].benefitMonth")
            rows.append(
                (run.id, ln.entitlement_id, persons[ln.entitlement_id], ln.benefit_month, ln.amount_fen,
                 LineKind(ln.kind).value, LineSource.IMPORT.value, ln.note)
            )
        await insert_rows(conn, PaymentLine, LINE_COLUMNS, rows)
        await append_audit(
            "RECORD_PAYMENT_LINES", "payroll_run", run.id, actor_id=staff_id, using=conn,
            detail={"month": f"{month:%Y-%m}", "lines": len(rows), "totalFen": sum(r[4] for r in rows)},
        )
    return len(rows)


async def lines_for_persons(person_ids: Sequence[int]) -> dict[int, list[PaidLine]]:
    """Every payment line of these persons, with its run's month, status and closing time, in one
    query: the sweep's and the GraphQL API's payment history (`plan.payments_made`)."""
    ids = list(person_ids)
    if not ids:
        return {}
    conn = get_connection("default")
    if is_postgres(conn):
        _, rows = await conn.execute_query(
            "SELECT l.person_id, l.entitlement_id, l.benefit_month, l.amount_fen, l.kind, r.month, r.status, "
            "l.source, l.note, r.closed_at FROM payment_line l JOIN payroll_run r ON r.id = l.run_id "
            "WHERE l.person_id = ANY($1::int[])",
            [ids],
        )
    else:
        rows = await PaymentLine.filter(person_id__in=ids).values_list(
            "person_id", "entitlement_id", "benefit_month", "amount_fen", "kind", "run__month", "run__status", "source",
            "note", "run__closed_at",
        )
    out: dict[int, list[PaidLine]] = defaultdict(list)
    closed = RunStatus.CLOSED.value
    for pid, eid, month, amount, kind, run_month, status, source, note, closed_at in rows:
        out[pid].append(
            PaidLine(eid, month, amount, str(kind), run_month, status == closed, str(source), note, closed_at)
        )
    return out
