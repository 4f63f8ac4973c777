"""casehub's CPU per read operation as a served process: uvicorn's HTTP parser and event loop included.

Starts casehub under uvicorn (`--http h11|httptools`, `--loop asyncio|uvloop`; `casehub serve` takes
uvicorn's defaults, which pick httptools and uvloop when they are installed), drives each query
with `bench.load` (one client, back to back) and reads the server's CPU (user + system, from
/proc) and its database backends' CPU over a fixed number of operations. CPU per operation, not
requests per second, so other work on the machine moves the figures much less. `--server floor`
serves `bench.floor` the same way, for the ratio.

    .venv/bin/python -m bench.serve_cpu --database casehub_bench_perf --summary var/perf/summary.json \\
        --http h11 --loop asyncio
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import orjson

from bench.compare import fetch_operation
from bench.queries import QUERIES, Features, Params, Server
from bench.run import Backends, Process, cpu_seconds, wait_ready

SECRET = "casehub-bench-secret-not-for-production-use-0123456789"
OPS = {"Q1": 3000, "Q2": 2000, "Q3": 300, "Q4": 20}


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from casehub.app import create_app
    from casehub.config import Settings

    settings = Settings(database_url=args.url, env="production", secret=SECRET)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=args.port, log_level="info", proxy_headers=False,
                http=args.http, loop=args.loop)


def run_load(port: int, requests: list[tuple[str, bytes]], headers: dict[str, str], ops: int) -> dict:
    job = {"host": "127.0.0.1", "port": port, "requests": [(p, b.decode()) for p, b in requests],
           "headers": headers, "concurrency": 1, "seconds": 600, "max_ops": ops}
    done = subprocess.run([sys.executable, "-m", "bench.load"], input=orjson.dumps(job), capture_output=True,
                          check=True, timeout=700)
    return orjson.loads(done.stdout)


async def measure(args: argparse.Namespace) -> None:
    from casehub import db
    from casehub.auth import mint_token
    from casehub.config import Settings
    from casehub.models import Staff

    async with db.connected(args.url):
        token = mint_token(Settings(database_url=args.url, env="production", secret=SECRET),
                           await Staff.get(username="admin"))
    summary = json.loads(Path(args.summary).read_text())
    params = Params(summary["typical_id_number"], summary["heavy_id_number"], summary["township_code"],
                    summary["township_first_person_id"])
    headers = {"Authorization": f"Bearer {token}"} if args.server == "casehub" else {}
    server = Server(args.server, f"http://127.0.0.1:{args.port}", headers, Features.detect())
    env = dict(os.environ)
    if args.server == "casehub":
        cmd = [sys.executable, "-m", "bench.serve_cpu", "--serve", "--url", args.url, "--port", str(args.port),
               "--http", args.http, "--loop", args.loop]
    else:  # the floor, under the same uvicorn set-up
        env["FLOOR_DATABASE_URL"] = args.url
        cmd = [sys.executable, "-m", "uvicorn", "bench.floor:app", "--host", "127.0.0.1", "--port", str(args.port),
               "--log-level", "info", "--no-proxy-headers", "--http", args.http, "--loop", args.loop]
    popen = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                             env=env)
    proc = Process(args.server, popen, args.port)
    conn = await asyncpg.connect(args.url)
    backends = Backends(conn, args.database)
    try:
        await wait_ready(proc)
        async with httpx.AsyncClient(timeout=120) as client:
            operations = {q: (await fetch_operation(client, server, q, params))[0] for q in args.queries.split(",")}
        for q, requests in operations.items():
            n = max(1, int(OPS[q] * args.scale))
            run_load(args.port, requests, headers, max(1, n // 5))  # warm-up
            app_before, db_before = cpu_seconds(popen.pid), await backends.cpu()
            result = run_load(args.port, requests, headers, n)
            app_after, db_after = cpu_seconds(popen.pid), await backends.cpu()
            ops = result["ops"]
            db_cpu = sum(t - db_before.get(pid, 0.0) for pid, t in db_after.items())
            print(f"{q}: server {(app_after - app_before) * 1000 / ops:7.3f} ms CPU/op, database "
                  f"{db_cpu * 1000 / ops:6.3f} ms CPU/op ({ops} operations, {result['error_count']} errors; "
                  f"{args.server}, http={args.http} loop={args.loop})", flush=True)
    finally:
        await conn.close()
        os.killpg(popen.pid, signal.SIGTERM)
        popen.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="127.0.0.1:5432")
    parser.add_argument("--database", default="casehub_bench")
    parser.add_argument("--summary", default="var/bench/summary.json")
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument("--server", choices=("casehub", "floor"), default="casehub")
    parser.add_argument("--http", choices=("h11", "httptools"), default="h11")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    args.url = f"postgres://postgres@{args.pg}/{args.database}"
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
