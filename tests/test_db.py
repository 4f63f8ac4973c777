"""The pooled PostgreSQL connection (casehub.db.SessionlessConnection): no reset round trip per query,
yet a query cut short between asyncpg's prepare and execute never leaves its table locked."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import pytest

from casehub.db import SessionlessConnection, tortoise_config
from tests.conftest import create_postgres_database, drop_postgres_database


def test_the_service_pools_sessionless_connections():
    config = tortoise_config("postgres://casehub@127.0.0.1:5432/casehub")
    assert config["connections"]["default"]["credentials"]["connection_class"] is SessionlessConnection


@pytest.mark.postgres
async def test_a_query_cancelled_between_prepare_and_execute_leaves_no_session_waiting():
    """graphql-core cancels a failed field's siblings; a cancellation landing after asyncpg's Parse/Describe/
    Flush and before its Bind/Execute/Sync left the server "active", waiting on the client and holding
    the table's lock (a TRUNCATE then waited forever). Cancellations at many moments of the exchange;
    after each, no session may be left active, and some must have hit that window."""
    url = await create_postgres_database()
    dsn = url.replace("postgres://", "postgresql://", 1)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1, connection_class=SessionlessConnection)
    monitor = await asyncpg.connect(dsn)
    full_resets = 0
    real_reset_query = SessionlessConnection.get_reset_query

    def counting_reset_query(self):
        nonlocal full_resets
        query = real_reset_query(self)
        full_resets += bool(query)
        return query

    SessionlessConnection.get_reset_query = counting_reset_query
    try:
        await monitor.execute("CREATE TABLE queried (id int)")
        loop = asyncio.get_running_loop()
        for attempt in range(300):

            async def query(attempt=attempt):
                async with pool.acquire() as connection:  # a new text each time: prepared anew
                    await connection.fetch(f"SELECT id FROM queried WHERE id < $1 /* {attempt} */", 5)

            task = asyncio.ensure_future(query())
            loop.call_later((attempt % 50) * 0.00003, task.cancel)
            with contextlib.suppress(asyncio.CancelledError):
                await task
            left = await monitor.fetch(
                "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state = 'active'"
            )
            assert not left, f"attempt {attempt} left a session active: {left[0]['query']}"
        assert full_resets > 0, "no cancellation fell between prepare and execute: the test proves nothing"
        await asyncio.wait_for(monitor.execute("TRUNCATE queried"), 5)
    finally:
        SessionlessConnection.get_reset_query = real_reset_query
        await monitor.close()
        await pool.close()
        await drop_postgres_database(url)
