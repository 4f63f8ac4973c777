"""Test databases: every `db` test runs on SQLite and again on PostgreSQL.

Each test session creates its own databases (a SQLite file in a temporary
folder, a uniquely named PostgreSQL database) through casehub's real
migrations, empties them after every test, and drops them at the end.

PostgreSQL comes from CASEHUB_TEST_POSTGRES_URL, an admin URL such as
postgres://postgres@127.0.0.1:5432/postgres. Without it, or when it cannot be
reached, the PostgreSQL half is skipped — unless CASEHUB_TEST_REQUIRE_POSTGRES=1
(set by CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import AsyncIterator

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection

from casehub import db as casehub_db

PG_ADMIN_URL = os.environ.get("CASEHUB_TEST_POSTGRES_URL", "")
REQUIRE_PG = os.environ.get("CASEHUB_TEST_REQUIRE_POSTGRES") == "1"


def _skip_or_fail(reason: str) -> None:
    if REQUIRE_PG:
        pytest.fail(f"PostgreSQL tests are required (CASEHUB_TEST_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(reason)


async def _admin_connection() -> asyncpg.Connection:
    if not PG_ADMIN_URL:
        _skip_or_fail("CASEHUB_TEST_POSTGRES_URL is not set")
    try:
        return await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    except (OSError, asyncpg.PostgresError) as exc:
        _skip_or_fail(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {exc}")
        raise


async def create_postgres_database() -> str:
    """A new, empty, uniquely named database; returns its URL."""
    name = f"casehub_test_{uuid.uuid4().hex[:12]}"
    admin = await _admin_connection()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


async def drop_postgres_database(url: str) -> None:
    admin = await _admin_connection()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def migrated_database(request, tmp_path_factory) -> AsyncIterator[str]:
    """A freshly migrated database per backend for the session (the template on SQLite)."""
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path_factory.mktemp('db') / 'template.sqlite3'}"
    else:
        url = await create_postgres_database()
    # tortoise caches insert SQL per connection *name* for the whole process, so
    # the SQLite dialect would leak into the PostgreSQL half: start clean.
    EXECUTOR_CACHE.clear()
    await casehub_db.init_db(url, global_fallback=True)
    await casehub_db.migrate()
    if url.startswith("sqlite"):
        await Tortoise.close_connections()
    try:
        yield url
    finally:
        await Tortoise.close_connections()
        if url.startswith("postgres"):
            await drop_postgres_database(url)


async def _end_abandoned_queries(connection) -> None:
    """Terminate any other session of the test database still inside a query once the test is over.

    Such a session holds its table locks, so the TRUNCATE below would wait for it forever. The one known
    cause (a query cancelled between asyncpg's prepare and execute, seen in the GraphQL fuzz test) is
    fixed in `casehub.db.SessionlessConnection` and tested in tests/test_db.py; this stays as the net
    that turns any other such leak into a warning naming the query instead of a hung run.
    """
    _, rows = await connection.execute_query(
        "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state = 'active'"
    )
    for row in rows:
        warnings.warn(f"a query was left running after the test, its session terminated: {row['query'][:200]}",
                      stacklevel=1)
        await connection.execute_query("SELECT pg_terminate_backend($1)", [row["pid"]])


def _table_names() -> list[str]:
    return [model._meta.db_table for model in Tortoise.apps.get_models_iterable()]


@pytest.fixture
async def db(migrated_database: str, tmp_path) -> AsyncIterator[str]:
    """A migrated, empty database with tortoise connected; yields its URL.

    SQLite: a copy of the migrated template per test. PostgreSQL: the session's
    database, truncated after each test (TRUNCATE is not blocked by the
    append-only row triggers, which refuse UPDATE and DELETE).
    """
    if migrated_database.startswith("postgres"):
        try:
            yield migrated_database
        finally:
            connection = get_connection("default")
            await _end_abandoned_queries(connection)
            quoted = ", ".join(f'"{t}"' for t in _table_names())
            await connection.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        return
    copy = tmp_path / "casehub.sqlite3"
    shutil.copyfile(migrated_database.removeprefix("sqlite://"), copy)
    url = f"sqlite://{copy}"
    await casehub_db.init_db(url, global_fallback=True)
    try:
        yield url
    finally:
        await Tortoise.close_connections()
