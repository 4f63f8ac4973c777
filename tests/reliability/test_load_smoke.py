"""Load smoke (tracker issue 8, part 5): bench/load_test.py's run, short — 10 clients for 5 seconds of mixed
reads and writes against `casehub serve` on loopback, PostgreSQL — with zero errors and no lost write.
The full run (50 clients, 60 s) is `bench/load_test.py`; its figures are in docs/PERFORMANCE.md."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import create_postgres_database, drop_postgres_database

pytestmark = pytest.mark.load

SPEC = importlib.util.spec_from_file_location("load_test", Path(__file__).parents[2] / "bench" / "load_test.py")
load_test = sys.modules.setdefault("load_test", importlib.util.module_from_spec(SPEC))
SPEC.loader.exec_module(load_test)


async def test_ten_clients_for_five_seconds_without_an_error_or_a_lost_write():
    url = await create_postgres_database()
    server = None
    try:
        staff = load_test.seed_database(url, 500)
        people = await load_test.people_of(url)
        server = load_test.Server(url)
        await server.wait()
        stats, took = await load_test.run_load(server.url, url, staff, people, clients=10, seconds=5)
        assert stats.errors == []
        assert await load_test.lost_writes(url, stats) == []
        summary = stats.summary(took)
        assert summary["writes_confirmed"] > 0 and summary["requests"] > 100, summary
        assert server.process.poll() is None
    finally:
        if server is not None:
            server.stop()
        await drop_postgres_database(url)
