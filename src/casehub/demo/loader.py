"""Insert a built `County` in one transaction, fast, on SQLite and PostgreSQL alike.

One code path for both: tortoise's own INSERT statement for each model (with the
primary key, which the generator assigned) run through the connection's
`execute_many` in batches. Values are converted here the way the model fields
would: enums to their values, JSON to text, datetimes to UTC. PostgreSQL's
sequences are then moved past the ids written, so later inserts do not collide.

Closed payroll months are inserted open and closed once their lines are in: the
database refuses lines in a closed month (migrations/0006_payroll_frozen_guards.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from collections.abc import Callable, Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields import DatetimeField, JSONField
from tortoise.models import Model

from casehub import models
from casehub.demo.rows import County
from casehub.payroll.vocabulary import RunStatus

BATCH = 10_000


def _converter(field: Any) -> Callable[[Any], Any] | None:
    """How a column's Python value becomes the driver's, or None when it is already right."""
    if isinstance(field, JSONField):
        return lambda value: field.to_db_value(value, None)
    if isinstance(field, DatetimeField):
        return lambda value: None if value is None else value.astimezone(dt.UTC)
    if getattr(field, "enum_type", None) is not None:
        return lambda value: None if value is None else value.value
    return None


async def insert_county(
    conn: BaseDBAsyncClient, county: County, advance: Callable[[int], object] | None = None
) -> None:
    """Insert every row; `advance(n)` after each batch. Runs inside the caller's transaction."""
    for model_name, rows in county.tables():
        if model_name == "PayrollRun":
            rows = [dataclasses.replace(r, status=RunStatus.OPEN, closed_at=None, closed_by_id=None) for r in rows]
        await _insert(conn, getattr(models, model_name), rows, advance)
    for run in county.payroll_runs:
        if run.status is RunStatus.CLOSED:
            await models.PayrollRun.filter(id=run.id).using_db(conn).update(
                status=run.status, closed_at=run.closed_at, closed_by_id=run.closed_by_id
            )
    if conn.capabilities.dialect == "postgres":
        for model_name, _ in county.tables():
            table = getattr(models, model_name)._meta.db_table
            await conn.execute_query(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
            )


async def _insert(
    conn: BaseDBAsyncClient, model: type[Model], rows: Sequence[Any], advance: Callable[[int], object] | None
) -> None:
    executor = conn.executor_class(model=model, db=conn)
    columns = executor.regular_columns_all  # every column, the primary key included
    fields = model._meta.fields_map
    getter = operator.attrgetter(*columns)
    conversions = [(i, f) for i, c in enumerate(columns) if (f := _converter(fields.get(c))) is not None]
    for start in range(0, len(rows), BATCH):
        values = []
        for row in rows[start : start + BATCH]:
            value = list(getter(row))
            for i, convert in conversions:
                value[i] = convert(value[i])
            values.append(value)
        await conn.execute_many(executor.insert_query_all, values)
        if advance is not None:
            advance(len(values))
