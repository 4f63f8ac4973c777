"""casehub's CPU per read operation, measured in-process: steadier than requests/s on a shared machine.

The four queries of `bench.queries`, sent to the ASGI app itself (no socket, no uvicorn): each
operation's requests run one after another, and the process's CPU time (`time.process_time`,
user + system of this process only, so the database's work and other processes' load are not
counted) is divided by the operations; the CPU of the database backends serving the benchmark
database is read from /proc alongside (10 ms ticks: use enough operations). Rounds are
interleaved across queries and the median is reported.

`--instructions` counts instructions instead (valgrind's callgrind: the same count whatever else
the machine is doing, the robust measure on a shared machine). `--check FILE` writes (first time)
or compares (later) every answer, byte for byte or else as the same JSON with keys in the same
order, so a change that alters an answer is caught before its figures mean anything. `--profile Q`
prints a cProfile of that query. `--server floor` measures `bench.floor`'s app the same way.

    .venv/bin/python -m bench.cpu --database casehub_bench_perf --summary var/perf/summary.json

The database comes from `bench.datagen` (`--summary` writes the ids the queries need).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import ctypes
import gc
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from bench.queries import QUERIES, Features, Params, Server
from bench.run import Backends

SECRET = "casehub-bench-secret-not-for-production-use-0123456789"
DEFAULT_OPS = {"Q1": 400, "Q2": 200, "Q3": 20, "Q4": 2}
VAR = Path(__file__).resolve().parent.parent / "var" / "bench"
_CALLGRIND_C = """
#include <valgrind/callgrind.h>
void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void cg_zero(void) { CALLGRIND_ZERO_STATS; }
void cg_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""


class Callgrind:
    """Callgrind's client requests (zero the counts, dump them) through a tiny helper library."""

    def __init__(self) -> None:
        VAR.mkdir(parents=True, exist_ok=True)
        source, library = VAR / "cg_helper.c", VAR / "cg_helper.so"
        if not library.exists():
            source.write_text(_CALLGRIND_C)
            subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", str(library), str(source)], check=True)
        self.lib = ctypes.CDLL(str(library))
        self.lib.cg_dump.argtypes = [ctypes.c_char_p]
        self.dumps = 0

    def start(self) -> None:
        self.lib.cg_start()

    def measure_start(self) -> None:
        self.lib.cg_zero()

    def measure_end(self, name: str) -> int:
        """Instructions since `measure_start`, read back from the dump callgrind writes."""
        self.lib.cg_dump(name.encode())
        self.dumps += 1
        dump = Path(f"{os.environ['CASEHUB_CALLGRIND_OUT']}.{self.dumps}")
        for line in dump.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
        raise RuntimeError(f"no totals in {dump}")


def under_callgrind(argv: list[str]) -> None:
    """Run this module again under callgrind, instrumented only between its client requests."""
    VAR.mkdir(parents=True, exist_ok=True)
    out = VAR / f"callgrind.{os.getpid()}"
    env = dict(os.environ, CASEHUB_CALLGRIND_OUT=str(out))
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
           sys.executable, "-m", "bench.cpu", *argv]
    done = subprocess.run(cmd, env=env, stderr=subprocess.PIPE, text=True)
    for dump in VAR.glob(f"callgrind.{os.getpid()}*"):
        dump.unlink()
    if done.returncode:  # the run's own error (an unmigrated database, say), without valgrind's "==pid==" lines
        print("\n".join(line for line in done.stderr.splitlines() if not line.startswith("==")), file=sys.stderr)
    raise SystemExit(done.returncode)


class App:
    """The casehub ASGI app driven directly: one POST at a time, the whole response body collected."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.headers = [
            (b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
        ]  # fmt: skip

    async def post(self, path: str, body: bytes) -> bytes:
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": [*self.headers, (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        sent = False
        chunks: list[bytes] = []
        status = 0

        async def receive() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {b''.join(chunks)[:500]!r}")
        return b"".join(chunks)


async def operation_requests(client: App, server: Server, query: str, params: Params) -> list[tuple[str, bytes]]:
    """The operation's requests, following casehub's cursors for Q4 (as `bench.compare` does)."""
    path, body = server.first_request(query, params)
    requests: list[tuple[str, bytes]] = []
    while body is not None:
        answer = orjson.loads(await client.post(path, body))
        if answer.get("errors"):
            raise RuntimeError(f"{query}: {answer['errors']}")
        requests.append((path, body))
        body = server.next_request(query, body, answer, len(requests))
    return requests


async def run(args: argparse.Namespace) -> None:
    from casehub.app import create_app
    from casehub.auth import mint_token
    from casehub.config import Settings
    from casehub.models import Staff

    url = f"postgres://postgres@{args.pg}/{args.database}"
    settings = Settings(database_url=url, env="production", secret=SECRET)
    summary = json.loads(Path(args.summary).read_text())
    params = Params(summary["typical_id_number"], summary["heavy_id_number"], summary["township_code"],
                    summary["township_first_person_id"])
    server = Server(args.server, "http://127.0.0.1:8000", {}, Features.detect())
    if args.server == "floor":
        from bench.floor import create_app as create_floor

        app = create_floor(url)
    else:
        app = create_app(settings)
    async with app.router.lifespan_context(app):
        token = mint_token(settings, await Staff.get(username="admin")) if args.server == "casehub" else "-"
        client = App(app, token)
        queries = [q for q in QUERIES if q in args.queries.split(",")]
        ops = {q: await operation_requests(client, server, q, params) for q in queries}
        answers = {q: [await client.post(p, b) for p, b in ops[q]] for q in queries}
        if args.check:
            check(Path(args.check), answers)
        if args.profile:
            await profile(client, ops[args.profile], args)
            return
        grind = Callgrind() if args.instructions else None
        if grind:
            grind.start()
        for q in queries:  # warm-up: caches, prepared statements, pools
            for _ in range(max(1, DEFAULT_OPS[q] // 10)):
                for p, b in ops[q]:
                    await client.post(p, b)
        if grind:
            for q in queries:
                n = max(1, int(DEFAULT_OPS[q] * args.scale) // 10)
                gc.collect()  # each query starts from the same heap, whatever ran before it
                grind.measure_start()
                for _ in range(n):
                    for p, b in ops[q]:
                        await client.post(p, b)
                print(f"{q}: {grind.measure_end(q) / n / 1e6:9.3f} M instructions/op ({n} operations)", flush=True)
            return
        per_op: dict[str, list[float]] = {q: [] for q in queries}
        db_per_op: dict[str, list[float]] = {q: [] for q in queries}
        backends = Backends(await asyncpg.connect(url), args.database)
        for _ in range(args.rounds):
            for q in queries:
                n = max(1, int(DEFAULT_OPS[q] * args.scale))
                db_before = await backends.cpu()
                start = time.process_time()
                for _ in range(n):
                    for p, b in ops[q]:
                        await client.post(p, b)
                per_op[q].append((time.process_time() - start) * 1000 / n)
                db_after = await backends.cpu()
                db_per_op[q].append(sum(t - db_before.get(pid, 0.0) for pid, t in db_after.items()) * 1000 / n)
        await backends.conn.close()
        for q in queries:
            rounds = " ".join(f"{x:.3f}" for x in per_op[q])
            print(f"{q}: {statistics.median(per_op[q]):9.3f} ms CPU/op (median of {args.rounds}; rounds {rounds}); "
                  f"database {statistics.median(db_per_op[q]):.3f} ms CPU/op")


def check(path: Path, answers: dict[str, list[bytes]]) -> None:
    """Every answer byte for byte against the first run's (written when `path` does not exist yet)."""
    current = {q: [a.decode() for a in pages] for q, pages in answers.items()}
    if not path.exists():
        path.write_text(json.dumps(current))
        print(f"answers written to {path}")
        return
    expected = json.loads(path.read_text())
    whitespace = []
    for q, pages in current.items():
        if q not in expected or expected[q] == pages:
            continue
        if [_ordered(p) for p in expected[q]] != [_ordered(p) for p in pages]:
            raise SystemExit(f"{q}: the answer differs from {path}")
        whitespace.append(q)
    if whitespace:
        print(f"answers the same JSON as {path}, keys in the same order (whitespace differs: {whitespace})")
    else:
        print(f"answers identical to {path}")


def _ordered(text: str) -> Any:
    """A JSON text as nested lists of (key, value) pairs: equal only with the same keys in the same order."""
    return json.loads(text, object_pairs_hook=list)


async def profile(client: App, requests: list[tuple[str, bytes]], args: argparse.Namespace) -> None:
    n = max(1, int(DEFAULT_OPS[args.profile] * args.scale))
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(n):
        for p, b in requests:
            await client.post(p, b)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats(args.sort).print_stats(args.lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="127.0.0.1:5432")
    parser.add_argument("--database", default="casehub_bench")
    parser.add_argument("--summary", default="var/bench/summary.json", help="the ids the queries need (bench.datagen)")
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument("--server", choices=("casehub", "floor"), default="casehub", help="floor: bench.floor's app")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the operations per round")
    parser.add_argument("--check", help="answers file: written the first time, compared byte for byte after")
    parser.add_argument("--instructions", action="store_true", help="count instructions under callgrind instead")
    parser.add_argument("--profile", choices=QUERIES, help="print a cProfile of this query instead of timing")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    if args.instructions and "CASEHUB_CALLGRIND_OUT" not in os.environ:
        under_callgrind(sys.argv[1:])
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
