"""The read benchmark keeps every backend of the benchmark database on the servers' core, including
one opened in the middle of a round (a pool growing back under load): `bench.run.Backends`."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import pytest

from bench.run import Backends
from tests.conftest import create_postgres_database, drop_postgres_database


@pytest.mark.postgres
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or os.geteuid() != 0, reason="pins PostgreSQL's processes")
async def test_a_backend_opened_mid_round_joins_the_servers_core():
    url = await create_postgres_database()
    dsn = url.replace("postgres://", "postgresql://", 1)
    name = url.rsplit("/", 1)[1]
    runner = await asyncpg.connect(dsn)
    early = await asyncpg.connect(dsn)
    late = None
    backends = Backends(runner, name)
    pinning = asyncio.create_task(backends.keep_pinned(0, every=0.01))
    try:
        await asyncio.sleep(0.05)
        late = await asyncpg.connect(dsn)  # opened while the round runs
        await asyncio.sleep(0.1)
        for connection in (early, late):
            pid = connection.get_server_pid()
            assert os.sched_getaffinity(pid) == {0}, pid
        assert runner.get_server_pid() not in await backends.pids()  # the runner's own is left alone
    finally:
        pinning.cancel()
        for connection in (early, late, runner):
            if connection is not None:
                await connection.close()
        await drop_postgres_database(url)
