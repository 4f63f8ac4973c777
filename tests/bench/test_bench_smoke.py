"""Keeps the benchmark harness from rotting: tiny data, every read query, casehub's answers against the floor's.

Not a benchmark (nothing is timed). The data generator and casehub run as child processes so this
test never touches the session's tortoise connection; the floor runs in-process. The PostGraphile
half is skipped when `bench/postgraphile/node_modules` is missing (`npm ci` there installs it).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace

import asyncpg
import httpx
import pytest

from bench import floor
from bench.compare import differences, fetch_operation
from bench.queries import QUERIES, Features, Params, Server
from casehub.auth import mint_token
from casehub.config import Settings

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("CASEHUB_TEST_POSTGRES_URL", "")
SECRET = "casehub-bench-smoke-secret-0123456789abcdef0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _wait(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"server exited with {process.returncode}"
            try:
                await client.post(url, json={"query": "{__typename}"})
                return
            except httpx.TransportError:
                await asyncio.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="module")
def tiny_database(tmp_path_factory) -> Iterator[tuple[str, Params]]:
    """A tiny benchmark database made by `bench.datagen` (in a child process); dropped afterwards."""
    if not PG_ADMIN_URL:
        if os.environ.get("CASEHUB_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail("CASEHUB_TEST_POSTGRES_URL is not set")
        pytest.skip("CASEHUB_TEST_POSTGRES_URL is not set")
    host = PG_ADMIN_URL.split("@", 1)[1].rsplit("/", 1)[0]
    name = f"casehub_bench_smoke_{uuid.uuid4().hex[:8]}"
    summary = tmp_path_factory.mktemp("bench") / "summary.json"
    subprocess.run(
        [sys.executable, "-m", "bench.datagen", "--tiny", "--host", host, "--name", name, "--summary", str(summary)],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )
    s = json.loads(summary.read_text())
    params = Params(s["typical_id_number"], s["heavy_id_number"], s["township_code"], s["township_first_person_id"])
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", params
    finally:

        async def drop() -> None:
            admin = await asyncpg.connect(PG_ADMIN_URL)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()

        asyncio.run(drop())


@pytest.fixture
async def casehub_server(tiny_database) -> AsyncIterator[Server]:
    """`casehub serve` in production mode on the tiny database, with the county admin's token."""
    url, _ = tiny_database
    port = _free_port()
    env = {**os.environ, "CASEHUB_DATABASE_URL": url, "CASEHUB_ENV": "production", "CASEHUB_SECRET": SECRET,
           "CASEHUB_HOST": "127.0.0.1", "CASEHUB_PORT": str(port)}  # fmt: skip
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("casehub")), "serve"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        await _wait(f"http://127.0.0.1:{port}/graphql", process)
        settings = Settings(database_url=url, env="production", secret=SECRET)
        token = mint_token(settings, SimpleNamespace(id=1))  # the generator's county admin is staff 1
        yield Server("casehub", f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}, Features.detect())
    finally:
        process.terminate()
        process.wait(10)


async def _answers(server: Server, params: Params, client: httpx.AsyncClient) -> dict[str, dict]:
    return {q: (await fetch_operation(client, server, q, params))[1] for q in QUERIES}


async def test_floor_and_casehub_give_the_same_data(tiny_database, casehub_server):
    url, params = tiny_database
    app = floor.create_app(url)
    app.state.pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            expected = await _answers(casehub_server, params, client)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, timeout=30) as client:
            found = await _answers(Server("floor", "http://floor", {}, casehub_server.features), params, client)
    finally:
        await app.state.pool.close()
    for q in QUERIES:
        assert differences(expected[q], found[q]) == [], q
    assert len(expected["Q2"]["recipient"]["timeline"]) == 50
    assert len(expected["Q3"]["recipients"]) == 100
    assert len(expected["Q4"]["recipients"]) == 1000  # in casehub's pages of at most 100


async def test_postgraphile_gives_the_same_data(tiny_database, casehub_server):
    pgl = ROOT / "bench" / "postgraphile"
    if not (pgl / "node_modules").exists() or shutil.which("node") is None:
        pytest.skip("PostGraphile is not installed: `npm ci` in bench/postgraphile")
    url, params = tiny_database
    port = _free_port()
    process = subprocess.Popen(
        ["node", str(pgl / "server.js")], env={**os.environ, "DATABASE_URL": url, "PORT": str(port)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        await _wait(f"http://127.0.0.1:{port}/graphql", process)
        async with httpx.AsyncClient(timeout=30) as client:
            expected = await _answers(casehub_server, params, client)
            found = await _answers(
                Server("postgraphile", f"http://127.0.0.1:{port}", {}, casehub_server.features), params, client
            )
    finally:
        process.terminate()
        process.wait(10)
    for q in QUERIES:
        assert differences(expected[q], found[q]) == [], q
