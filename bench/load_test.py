"""Load: N concurrent clients against `casehub serve` on loopback, mixed reads and writes, for S seconds.

    .venv/bin/python bench/load_test.py [--clients 50] [--seconds 60] [--recipients 5000]
                                        [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Creates its own PostgreSQL database (dropped at the end), fills it with a small county
(tests/reliability/seed.py: two townships, RECIPIENTS recipients with a resident pension), starts
`casehub serve` on a free loopback port and runs the clients. Each client loops until the time is up:
70 % reads as three roles (county admin, county staff, a village assistant: the recipient list with
entitlements, one recipient by ID number, a node, the regions) and 30 % writes (a certification at the
window, `recordCertification`, each with its own clientMutationId and day). Every response is checked:
an HTTP status other than 200, a GraphQL error or a payload error counts as an error. At the end every
write the API confirmed is looked up in the database: a confirmed write that is not there is lost.
Exits 1 on any error or lost write. Only loopback is ever contacted; the run is bounded by --seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import jwt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casehub.auth import ALGORITHM, AUDIENCE, ISSUER  # noqa: E402
from casehub.config import DEV_SECRET  # noqa: E402
from tests.reliability.seed import id_numbers  # noqa: E402

LIST = "{ recipients(first: 20) { totalCount edges { node { id name entitlements { scheme } } } } }"
ONE = "query ($n: String!) { recipient(idNumber: $n) { id name } }"
NODE = "query ($id: ID!) { node(id: $id) { ... on Recipient { name } } }"
REGIONS = "{ regions { code name } }"
WRITE = """mutation ($input: RecordCertificationInput!) {
  recordCertification(input: $input) { errors { field code message } event { id naturalKey } }
}"""


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)  # clientMutationId → event id confirmed by the API

    def summary(self, seconds: float) -> dict[str, object]:
        total = sum(len(v) for v in self.latencies.values())
        out: dict[str, object] = {
            "requests": total, "per_second": total / seconds, "errors": len(self.errors),
            "writes_confirmed": len(self.written),
        }  # fmt: skip
        for kind, values in sorted(self.latencies.items()):
            values = sorted(values)
            out[kind] = {"n": len(values), "p50_ms": 1000 * statistics.median(values),
                         "p95_ms": 1000 * values[int(0.95 * (len(values) - 1))],
                         "p99_ms": 1000 * values[int(0.99 * (len(values) - 1))],
                         "max_ms": 1000 * values[-1]}  # fmt: skip
        return out


def bearer(staff_id: int) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(staff_id), "aud": AUDIENCE, "iss": ISSUER, "iat": now, "exp": now + dt.timedelta(hours=2)}
    return {"Authorization": f"Bearer {jwt.encode(claims, DEV_SECRET, ALGORITHM)}"}


async def client_loop(number: int, client: httpx.AsyncClient, deadline: float, staff: dict[str, int],
                      people: list[tuple[int, str, str]], stats: Stats, seed: int) -> None:  # fmt: skip
    """One client: requests back to back until `deadline`; `people` are (pk, global id, ID number)."""
    rng = random.Random(seed)
    readers = [bearer(staff["admin"]), bearer(staff["clerk"]), bearer(staff["assistant"])]
    writer = bearer(staff["clerk"])
    n = 0
    while time.monotonic() < deadline:
        n += 1
        roll = rng.random()
        _, global_id, number_id = rng.choice(people)
        if roll < 0.30:
            mutation_id = f"load-{seed}-{number}-{n}"
            day = dt.date(2025, 12, 31) - dt.timedelta(days=n % 600)
            payload = {"query": WRITE, "variables": {"input": {
                "recipientId": global_id, "channel": "WINDOW", "certifiedOn": day.isoformat(),
                "evidence": [f"load:{mutation_id}"], "clientMutationId": mutation_id}}}  # fmt: skip
            kind, headers = "write", writer
        else:
            kind, headers = rng.choice([("list", LIST), ("one", ONE), ("node", NODE), ("regions", REGIONS)]), None
            kind, query = kind
            variables = {"n": number_id} if kind == "one" else {"id": global_id} if kind == "node" else {}
            payload = {"query": query, "variables": variables}
            headers = rng.choice(readers)
        started = time.perf_counter()
        try:
            response = await client.post("/graphql", json=payload, headers=headers)
        except httpx.HTTPError as exc:
            stats.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            continue
        stats.latencies[kind].append(time.perf_counter() - started)
        if response.status_code != 200:
            stats.errors.append(f"{kind}: HTTP {response.status_code}: {response.text[:200]}")
            continue
        body = response.json()
        if body.get("errors"):
            stats.errors.append(f"{kind}: {body['errors'][0].get('message')}")
            continue
        if kind == "write":
            result = body["data"]["recordCertification"]
            if result["errors"] or result["event"] is None:
                stats.errors.append(f"write: {result['errors']}")
            else:
                stats.written[payload["variables"]["input"]["clientMutationId"]] = result["event"]["id"]


async def lost_writes(url: str, stats: Stats) -> list[str]:
    """Confirmed writes whose event is not in the database (looked up by their evidence)."""
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetch("SELECT evidence FROM event WHERE source_adapter <> 'app_results'")
    finally:
        await conn.close()
    stored = {e for (evidence,) in rows for e in __import__("json").loads(evidence) if str(e).startswith("load:")}
    return [m for m in stats.written if f"load:{m}" not in stored]


async def run_load(base_url: str, database_url: str, staff: dict[str, int], people: list[tuple[int, str, str]],
                   clients: int, seconds: float) -> tuple[Stats, float]:  # fmt: skip
    stats = Stats()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(client_loop(i, client, deadline, staff, people, stats, seed=1000 + i)
                               for i in range(clients)))  # fmt: skip
        took = time.monotonic() - started
    return stats, took


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`casehub serve` on a free loopback port, for the duration of a `with` block."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        env = {**os.environ, "CASEHUB_DATABASE_URL": database_url}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "casehub", "serve", "--port", str(self.port)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"

    async def wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"casehub serve exited: {self.process.communicate()[1][-2000:]}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("casehub serve did not come up")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def seed_database(url: str, recipients: int) -> dict[str, int]:
    done = subprocess.run([sys.executable, "-m", "tests.reliability.seed", url, str(recipients)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=True)  # fmt: skip
    return __import__("orjson").loads(done.stdout)


async def people_of(url: str) -> list[tuple[int, str, str]]:
    from strawberry import relay

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetch("SELECT id, id_number FROM person ORDER BY id")
    finally:
        await conn.close()
    return [(r["id"], str(relay.GlobalID("Recipient", str(r["id"]))), r["id_number"]) for r in rows]


async def main(clients: int, seconds: float, recipients: int, admin_url: str) -> int:
    name = f"casehub_load_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    server = None
    try:
        staff = seed_database(url, recipients)
        people = await people_of(url)
        assert len(people) == recipients == len(id_numbers(recipients))
        server = Server(url)
        await server.wait()
        print(f"{clients} clients for {seconds:.0f} s against {server.url} "
              f"({recipients:,} recipients, database {name})")
        stats, took = await run_load(server.url, url, staff, people, clients, seconds)
        lost = await lost_writes(url, stats)
        summary = stats.summary(took)
        print(f"requests {summary['requests']:,} in {took:.1f} s = {summary['per_second']:.0f}/s; "
              f"errors {summary['errors']}; writes confirmed {summary['writes_confirmed']:,}, lost {len(lost)}")
        for kind in ("list", "one", "node", "regions", "write"):
            if kind in summary:
                s = summary[kind]
                print(f"  {kind:8} n={s['n']:6,}  p50 {s['p50_ms']:6.1f} ms  p95 {s['p95_ms']:6.1f} ms  "
                      f"p99 {s['p99_ms']:6.1f} ms  max {s['max_ms']:7.1f} ms")
        for error in stats.errors[:10]:
            print(f"  error: {error}")
        return 0 if not stats.errors and not lost else 1
    finally:
        if server is not None:
            server.stop()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--recipients", type=int, default=5_000)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("CASEHUB_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.clients, args.seconds, args.recipients, args.admin_url)))
