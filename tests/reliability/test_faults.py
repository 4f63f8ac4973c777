"""Faults (tracker issue 8, part 4): PostgreSQL restarted under a running service and import, and an import
killed with SIGKILL. The service recovers without being restarted itself, `/healthz` says 503 while the
database is away, and every import ends — at once or by running it again — with every event recorded
exactly once and sealed (counted and compared, then `casehub audit verify`).

The restarts happen on a throwaway PostgreSQL cluster of the installed version (`pg_createcluster`,
one per test process, on a free loopback port), never on the `main` cluster that the rest of the suite
and other work use; it is started again in a `finally`, and dropped at the end. Everything casehub runs
here runs as the real commands (`casehub serve`, `casehub import`) in their own processes, on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import jwt
import orjson
import pytest

from casehub.auth import ALGORITHM, AUDIENCE, ISSUER
from casehub.config import DEV_SECRET

from .helpers import CLI, casehub
from .seed import app_results_csv, id_numbers

pytestmark = pytest.mark.faults

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# One cluster per test process: two test runs on one machine (another session's `make test`) must not
# stop each other's database. Clusters left by runs that died are dropped when the next run starts.
CLUSTER, PORT = f"casehub_faults_{os.getpid()}", free_port()
VERSIONS = sorted(os.listdir("/etc/postgresql"), key=lambda v: int(v)) if Path("/etc/postgresql").is_dir() else []
REQUIRE = os.environ.get("CASEHUB_TEST_REQUIRE_POSTGRES") == "1"


def pg_ctl(*args: str, attempts: int = 1) -> None:
    for attempt in range(attempts):
        done = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", VERSIONS[-1], CLUSTER, *args],
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        if done.returncode == 0:
            return
        time.sleep(1 + attempt)  # e.g. the old postmaster still releasing the port
    raise AssertionError(f"pg_ctlcluster {' '.join(args)} failed: {done.stdout}{done.stderr}")


def start_postgres() -> None:
    """Start the cluster and wait until it accepts connections (retried: a start right after a stop can fail)."""
    pg_ctl("start", attempts=5)
    for _ in range(60):
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(PORT)], check=False).returncode == 0:
            return
        time.sleep(0.5)
    raise AssertionError("the PostgreSQL cluster did not come back")


def _drop_cluster(name: str = CLUSTER) -> None:
    log = Path(f"/var/log/postgresql/postgresql-{VERSIONS[-1]}-{name}.log")
    if log.exists():  # kept for a post-mortem: pg_dropcluster removes it
        shutil.copyfile(log, Path(tempfile.gettempdir()) / "casehub_faults-last-run.log")
    subprocess.run(["pg_dropcluster", "--stop", VERSIONS[-1], name], capture_output=True, timeout=120, check=False)
    shutil.rmtree(f"/var/lib/postgresql/{VERSIONS[-1]}/{name}", ignore_errors=True)  # never reuse old data


def _drop_orphans() -> None:
    """Clusters of earlier runs whose test process is gone."""
    for config in Path(f"/etc/postgresql/{VERSIONS[-1]}").glob("casehub_faults_*"):
        pid = config.name.rsplit("_", 1)[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            _drop_cluster(config.name)


@pytest.fixture(scope="module")
def cluster():
    """A PostgreSQL cluster of our own, on port 54329, trusting loopback: the one these tests restart."""
    if not VERSIONS or shutil.which("pg_createcluster") is None:
        if REQUIRE:
            pytest.fail("the fault tests need PostgreSQL's pg_createcluster (postgresql-common)")
        pytest.skip("PostgreSQL's pg_createcluster is not installed")
    _drop_orphans()
    create = ["pg_createcluster", VERSIONS[-1], CLUSTER, "-p", str(PORT), "--start-conf", "manual", "--",
              "--auth-local=trust", "--auth-host=trust"]  # fmt: skip
    subprocess.run(create, check=True, capture_output=True, timeout=120)
    try:
        start_postgres()
        yield f"postgres://postgres@127.0.0.1:{PORT}"
    finally:
        _drop_cluster()


def seed(url: str, recipients: int) -> dict[str, int]:
    done = subprocess.run([sys.executable, "-m", "tests.reliability.seed", url, str(recipients)],
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return orjson.loads(done.stdout)


def token(staff_id: int) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(staff_id), "aud": AUDIENCE, "iss": ISSUER, "iat": now, "exp": now + dt.timedelta(hours=1)}
    return {"Authorization": f"Bearer {jwt.encode(claims, DEV_SECRET, ALGORITHM)}"}


def start(args: list[str], url: str) -> subprocess.Popen:
    env = {**os.environ, "CASEHUB_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def count_events(url: str) -> int | None:
    """Events in the database, or None while it cannot be reached (asked outside casehub)."""
    try:
        if url.startswith("sqlite"):
            with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite://"), timeout=5)) as conn:
                return conn.execute("SELECT count(*) FROM event").fetchone()[0]
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1), timeout=2)
        try:
            return await conn.fetchval("SELECT count(*) FROM event")
        finally:
            await conn.close()
    except (TimeoutError, OSError, asyncpg.PostgresError, sqlite3.OperationalError):
        return None


async def wait_for_events(url: str, process: subprocess.Popen, at_least: int = 1, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (n := await count_events(url)) is not None and n >= at_least:
            return n
        assert process.poll() is None, f"the import ended before recording anything: {process.communicate()}"
        await asyncio.sleep(0.02)
    raise AssertionError("no event was recorded in time")


async def assert_imported_exactly_once(url: str, rows: int) -> None:
    """Every row recorded, none twice, all under one batch that is DONE; the seals verify."""
    expected = {f"app_results:serial:S{i:07d}" for i in range(rows)}
    if url.startswith("sqlite"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite://"))) as conn:
            keys = [k for (k,) in conn.execute("SELECT natural_key FROM event")]
            batches = conn.execute("SELECT status, accepted FROM import_batch").fetchall()
    else:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            keys = [r["natural_key"] for r in await conn.fetch("SELECT natural_key FROM event")]
            batches = [tuple(r) for r in await conn.fetch("SELECT status, accepted FROM import_batch")]
        finally:
            await conn.close()
    assert len(keys) == rows and set(keys) == expected  # none lost, none doubled
    assert batches == [("DONE", rows)]
    verified = casehub(["audit", "verify"], url)
    assert verified.returncode == 0, verified.stderr


def run_import(url: str, path: Path) -> subprocess.CompletedProcess:
    return casehub(["import", "app_results", str(path), "--staff", "clerk"], url, timeout=300)


async def test_postgres_restart_under_requests_and_an_import(cluster, tmp_path):
    url = f"{cluster}/casehub_restart_{uuid.uuid4().hex[:8]}"
    rows = 34_000  # more persons than PostgreSQL's 32,767 query arguments: the status refresh must slice them
    staff = seed(url, rows)
    export = tmp_path / "app.csv"
    export.write_bytes(app_results_csv(rows))
    port = free_port()
    server = start(["serve", "--port", str(port)], url)
    outcomes: list[tuple[float, int, bool]] = []  # (time sent, HTTP status, data served)
    try:
        async with (httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
                    contextlib.AsyncExitStack() as stack):  # fmt: skip
            await wait_healthy(client, server)
            headers = token(staff["admin"])
            ask = {"query": "{ __typename }"}  # authenticated: every request reads the staff account

            async def one() -> tuple[int, bool, str]:
                sent = time.monotonic()
                response = await client.post("/graphql", json=ask, headers=headers)
                body = response.text
                assert "Traceback" not in body and 'File "' not in body
                served = response.status_code == 200 and '"data":{"__typename":"Query"}' in body.replace(" ", "")
                outcomes.append((sent, response.status_code, served))
                return response.status_code, served, body

            stop = asyncio.Event()

            async def keep_asking() -> None:
                while not stop.is_set():
                    with contextlib.suppress(httpx.TransportError):
                        await one()
                    await asyncio.sleep(0.01)

            clients = [asyncio.create_task(keep_asking()) for _ in range(4)]
            stack.callback(lambda: [task.cancel() for task in clients])
            importer = start(["import", "app_results", str(export), "--staff", "clerk"], url)
            await wait_for_events(url, importer)  # the first chunk is in: restart while the rest goes in
            down_at = time.monotonic()
            try:
                pg_ctl("stop", "-m", "fast")
                health = await client.get("/healthz")
                assert health.status_code == 503 and health.json()["database"] == "unreachable"
                status, served, body = await one()
                assert not served and status in (200, 503), body  # refused cleanly, never a 500
            finally:
                start_postgres()  # always: whatever happened while it was down
            up_at = time.monotonic()
            status, served, body = await one()  # the very first request after the restart
            assert served, (status, body)
            assert (await client.get("/healthz")).status_code == 200
            await asyncio.sleep(0.5)
            stop.set()
            await asyncio.gather(*clients)
            assert server.poll() is None  # the service was never restarted
        after = [o for o in outcomes if o[0] > up_at]
        assert after and all(served for _, _, served in after), after[:5]  # every request sent after the restart
        assert all(status != 500 for _, status, _ in outcomes), [o for o in outcomes if o[1] == 500][:3]
        assert any(status == 503 for sent, status, _ in outcomes if down_at <= sent <= up_at)

        first = importer.wait(timeout=300)
        _, stderr = importer.communicate()
        if first != 0:  # it lost the database mid-way: one line says so (after the driver's own log lines) …
            last = stderr.strip().splitlines()[-1]
            assert last.startswith(("error: lost the database mid-import", "error: the import stopped")), stderr
            assert "run the same import again to resume it" in stderr, stderr
            # … and running it again resumes the batch
            again = run_import(url, export)
            assert again.returncode == 0, again.stdout + again.stderr
        await assert_imported_exactly_once(url, rows)
        # and running it once more records nothing new
        once_more = run_import(url, export)
        assert once_more.returncode == 0 and f"0 recorded, {rows} already known" in once_more.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


async def wait_healthy(client: httpx.AsyncClient, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()
        with contextlib.suppress(httpx.TransportError):
            if (await client.get("/healthz")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise AssertionError("casehub serve did not come up")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_an_import_killed_after_its_first_chunk_resumes_to_the_same_result(cluster, tmp_path, backend):
    name = f"casehub_killed_{uuid.uuid4().hex[:8]}"
    url = f"sqlite://{tmp_path / 'killed.sqlite3'}" if backend == "sqlite" else f"{cluster}/{name}"
    rows = 12_000  # three chunks of 5,000 rows
    seed(url, rows)
    export = tmp_path / "app.csv"
    export.write_bytes(app_results_csv(rows))
    importer = start(["import", "app_results", str(export), "--staff", "clerk"], url)
    try:
        committed = await wait_for_events(url, importer)
        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=30)
    finally:
        if importer.poll() is None:
            importer.kill()
        importer.communicate()
    assert importer.returncode == -signal.SIGKILL
    left = await count_events(url)
    assert committed <= left < rows, left  # killed midway: some chunks in, not all
    assert left % 5_000 == 0  # whole chunks only
    again = run_import(url, export)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{rows} recorded" in again.stdout.replace(",", "") or "recorded" in again.stdout
    await assert_imported_exactly_once(url, rows)
    assert len(id_numbers(rows)) == rows
