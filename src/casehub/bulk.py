"""Set-based writes for the sweep: many rows in one statement.

On PostgreSQL one `INSERT ... SELECT FROM unnest($1::type[], ...)` per table and
batch (arrays bound as parameters: no SQL built from values, no per-row round
trip); elsewhere the ORM's `bulk_create`, which is plenty for a SQLite county.
Callers pass plain tuples in the order of `columns`; JSON values are given as
Python objects and serialised here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

# column type names as PostgreSQL array element types
INT, BIGINT, DATE, TIMESTAMPTZ, TEXT, JSONB, BOOL = "int4", "int8", "date", "timestamptz", "text", "jsonb", "bool"


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "postgres"


async def insert_rows(
    conn: BaseDBAsyncClient,
    model: type[Model],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
) -> int:
    """Insert `rows` (tuples in `columns` order) into `model`'s table; returns the count."""
    if not rows:
        return 0
    if not is_postgres(conn):
        names = [name for name, _ in columns]  # column names: FK columns as `<field>_id`
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        await model.bulk_create(objects, batch_size=1000, using_db=conn)
        return len(objects)
    arrays = []
    selects = []
    for i, (_, type_) in enumerate(columns):
        values = [row[i] for row in rows]
        if type_ == JSONB:
            arrays.append([orjson.dumps(v).decode() for v in values])
            selects.append(f"${i + 1}::text[]")
        else:
            arrays.append(values)
            selects.append(f"${i + 1}::{type_}[]")
    casts = ", ".join(
        f"u.c{i}::jsonb" if type_ == JSONB else f"u.c{i}" for i, (_, type_) in enumerate(columns)
    )
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    table = model._meta.db_table
    sql = (
        f'INSERT INTO "{table}" ({", ".join(chr(34) + n + chr(34) for n, _ in columns)}) '
        f"SELECT {casts} FROM unnest({', '.join(selects)}) AS u({aliases})"
    )
    await conn.execute_query(sql, arrays)
    return len(rows)
