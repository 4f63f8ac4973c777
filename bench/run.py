"""The whole benchmark in one command: `make bench` (or `.venv/bin/python -m bench.run`).

1. Data: a fresh database `casehub_bench` migrated by casehub and filled by `bench.datagen`
   (100,000 recipients, ~2,000,000 events; `--reuse-data` keeps one from an earlier run of the same
   seed).
2. Servers, each pinned to core 0 with `taskset`: casehub (`casehub serve`, CASEHUB_ENV=production,
   a county admin's bearer token), PostGraphile 4 (`bench/postgraphile`, `npm ci`), and the floor
   (`bench.floor`, raw asyncpg + orjson, same uvicorn set-up as casehub). The database backends
   serving them are pinned to core 0 as well; the load generator (`bench.load`) and this runner
   run on core 1.
3. Every query's answer from every server is normalised and compared with casehub's; any
   difference stops the run before timing.
4. SQL statements per operation, through a second instance of each server behind `bench.sqlcount`.
5. Timing: for each query, server and concurrency (1 and 16), a warm-up, then one bounded run
   (time and count); requests/s, p50/p95/p99 and CPU per operation of the server process and of
   its database backends.
6. `bench/bench_import.py` and `bench/bench_sweep.py`, when present, are run and their figures
   added (see docs/PERFORMANCE.md for the contract).
7. `bench/results/results.json`, `results.md` (the tables) and `chart.png`.

Loopback only; every loop bounded; the run stops by itself (about 10 minutes with fresh data).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg
import httpx
import orjson

from bench import datagen
from bench.compare import count_objects, differences, fetch_operation
from bench.queries import QUERIES, Features, Params, Server
from bench.sqlcount import CountingProxy

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VAR = ROOT / "var" / "bench"
PGL_DIR = BENCH / "postgraphile"
SECRET = "casehub-bench-secret-not-for-production-use-0123456789"
SERVER_CORE = 0
LOAD_CORE = 1
SERVERS = ("casehub", "postgraphile", "floor")
PORTS = {"casehub": 8101, "postgraphile": 8102, "floor": 8103}
COUNT_PORTS = {name: port + 10 for name, port in PORTS.items()}
PROXY_PORTS = {"casehub": 55401, "postgraphile": 55402, "floor": 55403}


@dataclass(frozen=True)
class Options:
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    database: str = "casehub_bench"
    seed: int = 7
    reuse_data: bool = False
    seconds: float = 4.0  # per round
    rounds: int = 3
    warmup: float = 2.0
    max_ops: int = 50_000
    concurrency: tuple[int, ...] = (1, 16)
    count_ops: int = 3
    servers: tuple[str, ...] = SERVERS  # casehub always; a subset for quick looks at one change
    queries: tuple[str, ...] = QUERIES
    other: bool = True  # run bench_import.py / bench_sweep.py too

    def url(self, database: str | None = None, port: int | None = None) -> str:
        return f"postgres://postgres@{self.pg_host}:{port or self.pg_port}/{database or self.database}"


class AnswersDiffer(Exception):
    """A server's data differs from casehub's: nothing is timed."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- data

async def prepare_data(opts: Options) -> datagen.Summary:
    VAR.mkdir(parents=True, exist_ok=True)
    saved = VAR / "summary.json"
    if opts.reuse_data and saved.exists():
        summary = datagen.Summary(**json.loads(saved.read_text()))
        conn = await asyncpg.connect(opts.url("postgres"))
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", opts.database)
        await conn.close()
        if exists and summary.seed == opts.seed:
            log(f"reusing database {opts.database} (seed {summary.seed})")
            return summary
    log(f"generating database {opts.database} (seed {opts.seed}) ...")
    summary = await datagen.generate(opts.url(), opts.url("postgres"), opts.database, seed=opts.seed, log=log)
    saved.write_text(json.dumps(asdict(summary)))
    return summary


async def admin_token(url: str) -> str:
    from casehub import db
    from casehub.auth import mint_token
    from casehub.config import Settings
    from casehub.models import Staff

    async with db.connected(url):
        staff = await Staff.get(username="admin")
        return mint_token(Settings(database_url=url, env="production", secret=SECRET), staff)


# ---------------------------------------------------------------- servers

@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    port: int

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)


def npm_ci() -> None:
    stamp = PGL_DIR / "node_modules" / ".package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= (PGL_DIR / "package-lock.json").stat().st_mtime:
        return
    log("npm ci in bench/postgraphile ...")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PGL_DIR, check=True)


def start(name: str, port: int, database_url: str) -> Process:
    env = dict(os.environ)
    if name == "casehub":
        env.update(CASEHUB_DATABASE_URL=database_url, CASEHUB_ENV="production", CASEHUB_SECRET=SECRET,
                   CASEHUB_HOST="127.0.0.1", CASEHUB_PORT=str(port))
        cmd = [str(Path(sys.executable).with_name("casehub")), "serve"]
    elif name == "postgraphile":
        env.update(DATABASE_URL=database_url, PORT=str(port), NODE_ENV="production")
        cmd = ["node", str(PGL_DIR / "server.js")]
    else:  # the floor: the same uvicorn set-up as `casehub serve` in production (log level info, no access log)
        env.update(FLOOR_DATABASE_URL=database_url)
        cmd = [sys.executable, "-m", "uvicorn", "bench.floor:app", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "info", "--no-access-log", "--no-proxy-headers"]
    VAR.mkdir(parents=True, exist_ok=True)
    out = open(VAR / f"{name}-{port}.log", "wb")  # noqa: SIM115 - the child owns it
    popen = subprocess.Popen(["taskset", "-c", str(SERVER_CORE), *cmd], cwd=ROOT, env=env, stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True)
    return Process(name, popen, port)


async def wait_ready(proc: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}: see var/bench/{proc.name}-*.log")
            try:
                if proc.name == "postgraphile":
                    r = await client.post(f"http://127.0.0.1:{proc.port}/graphql", json={"query": "{__typename}"})
                else:
                    r = await client.get(f"http://127.0.0.1:{proc.port}/healthz")
                if r.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{proc.name} did not start within {timeout} s")


# ---------------------------------------------------------------- CPU

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


class Backends:
    """The database backends connected to the benchmark database (not this runner's own)."""

    def __init__(self, conn: asyncpg.Connection, database: str) -> None:
        self.conn = conn
        self.database = database

    async def pids(self) -> list[int]:
        rows = await self.conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'", self.database,
        )
        return [r["pid"] for r in rows]

    async def pin(self, core: int) -> None:
        for pid in await self.pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.sched_setaffinity(pid, {core})

    async def keep_pinned(self, core: int, every: float = 0.05) -> None:
        """Pin, again and again, until cancelled: a backend opened mid-round (a pool that closed its idle
        connections between rounds grows back under load, as node-postgres's does after 10 s) joins
        the server's core at once instead of running free on the load generator's."""
        while True:
            await self.pin(core)
            await asyncio.sleep(every)

    async def cpu(self) -> dict[int, float]:
        return {pid: cpu_seconds(pid) for pid in await self.pids()}


# ---------------------------------------------------------------- measuring

def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    index = min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def load(server: Server, requests: list[tuple[str, bytes]], concurrency: int, seconds: float, max_ops: int) -> dict:
    job = {
        "host": "127.0.0.1", "port": int(server.base_url.rsplit(":", 1)[1]),
        "requests": [(path, body.decode()) for path, body in requests],
        "headers": server.headers, "concurrency": concurrency, "seconds": seconds, "max_ops": max_ops,
    }
    done = subprocess.run(
        ["taskset", "-c", str(LOAD_CORE), sys.executable, "-m", "bench.load"], input=orjson.dumps(job),
        capture_output=True, cwd=ROOT, check=True, timeout=seconds + 120,
    )
    return orjson.loads(done.stdout)


async def measure_round(server: Server, proc: Process, backends: Backends, requests: list[tuple[str, bytes]],
                        concurrency: int, opts: Options, warm: bool) -> dict:
    """One bounded run (after a warm-up the first time): raw counts, latencies and CPU seconds."""
    if warm:
        load(server, requests, concurrency, opts.warmup, opts.max_ops)  # caches, pools, prepared statements
    await backends.pin(SERVER_CORE)
    app_before = cpu_seconds(proc.popen.pid) + sum(cpu_seconds(c) for c in _children(proc.popen.pid))
    db_before = await backends.cpu()  # a backend born during the round counts from zero
    pinning = asyncio.create_task(backends.keep_pinned(SERVER_CORE))
    try:
        result = await asyncio.to_thread(load, server, requests, concurrency, opts.seconds, opts.max_ops)
    finally:
        pinning.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pinning
    app_after = cpu_seconds(proc.popen.pid) + sum(cpu_seconds(c) for c in _children(proc.popen.pid))
    db_after = await backends.cpu()
    result["app_cpu"] = app_after - app_before
    result["db_cpu"] = sum(t - db_before.get(pid, 0.0) for pid, t in db_after.items())
    return result


def summarise(rounds: list[dict], concurrency: int, requests_per_op: int) -> dict:
    """A cell from its rounds: the median round's throughput, percentiles and CPU over all rounds."""
    rates = sorted(r["ops"] / r["seconds"] for r in rounds if r["seconds"])
    ops = sum(r["ops"] for r in rounds)
    lat = sorted(x for r in rounds for x in r["latencies"])
    return {
        "concurrency": concurrency,
        "rounds": len(rounds),
        "ops": ops,
        "requests_per_op": requests_per_op,
        "seconds": round(sum(r["seconds"] for r in rounds), 3),
        "ops_per_s": statistics.median(rates) if rates else 0.0,
        "ops_per_s_rounds": [round(x, 2) for x in rates],
        "p50_ms": percentile(lat, 50) * 1000,
        "p95_ms": percentile(lat, 95) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "server_cpu_ms_per_op": sum(r["app_cpu"] for r in rounds) * 1000 / ops if ops else math.nan,
        "db_cpu_ms_per_op": sum(r["db_cpu"] for r in rounds) * 1000 / ops if ops else math.nan,
        "errors": sum(r["error_count"] for r in rounds),
        "load_generator_cores": rounds[0]["cpu_affinity"],
    }


def _children(pid: int) -> list[int]:
    """Direct children (taskset execs in place, so the server is the process itself; node has none)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


# ---------------------------------------------------------------- imports and sweep

# seconds each may take: the sweep's 1,000,000 entitlements take most of it generating data
OTHER_TIMEOUT = {"bench_import": 420, "bench_sweep": 3600}


def other_benchmarks(opts: Options) -> dict[str, object]:
    """Figures of bench/bench_import.py and bench/bench_sweep.py when those files exist.

    Each runs as its own process (both cores, its own scratch database) with `--admin-url`; its
    lines of the form `<label>: <seconds> s  <rate> rows/s` are read, and the line whose label
    starts with "raw floor" is the floor of the others. A module may instead offer
    `run(admin_url) -> list[dict]` (keys `metric`, `unit`, `casehub`, `floor`): that is preferred.
    """
    out: dict[str, object] = {}
    for name in ("bench_import", "bench_sweep"):
        path = BENCH / f"{name}.py"
        if not path.exists():
            out[name] = f"TODO: bench/{name}.py is not on this branch yet"
            continue
        log(f"running bench/{name}.py ...")
        try:
            module = importlib.import_module(f"bench.{name}")
            if hasattr(module, "run"):
                out[name] = module.run(opts.url("postgres"))
                continue
            done = subprocess.run(
                [sys.executable, str(path), "--admin-url", opts.url("postgres")], cwd=ROOT, capture_output=True,
                text=True, timeout=OTHER_TIMEOUT[name], check=True,
            )
            out[name] = _rates(done.stdout)
            log("  " + "\n  ".join(done.stdout.strip().splitlines()))
        except Exception as exc:  # report and carry on: the read figures stand on their own
            out[name] = f"failed: {type(exc).__name__}: {str(exc)[:300]}"
    return out


def _rates(text: str) -> list[dict] | str:
    """[{metric, unit, casehub, floor}] from `label: S s  R rows/s` lines (the "raw floor" line is the floor)."""
    rates = {}
    for line in text.splitlines():
        found = re.match(r"^(.+?):\s+[\d.]+ s\s+([\d,]+) rows/s", line.strip())
        if found:
            rates[found.group(1).strip()] = float(found.group(2).replace(",", ""))
    floor = next((v for k, v in rates.items() if k.startswith("raw floor")), None)
    if floor is None:
        return "no `raw floor` line in its output:\n" + text[-1500:]
    return [
        {"metric": label, "unit": "rows/s", "casehub": rate, "floor": floor}
        for label, rate in rates.items()
        if not label.startswith("raw floor")
    ]


# ---------------------------------------------------------------- report

def machine() -> dict[str, object]:
    cpu = ""
    with contextlib.suppress(OSError):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), "")
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "node": node,
            "server_core": SERVER_CORE, "load_core": LOAD_CORE}


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def table(results: dict) -> str:
    """The markdown tables of results.md (also pasted into docs/PERFORMANCE.md)."""
    lines = [
        "| query | clients | casehub ops/s | PostGraphile ops/s | floor ops/s | casehub/PostGraphile (ops/s) "
        "| casehub/floor (ops/s) | p50 ms (ch / pg / floor) | p95 ms (ch / pg / floor) | p99 ms (ch / pg / floor) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    timing = results["timing"]
    for q in QUERIES:
        for c in results["options"]["concurrency"]:
            cell = {s: timing[q][s][str(c)] for s in SERVERS}
            rps = {s: cell[s]["ops_per_s"] for s in SERVERS}

            def trio(key: str, cell: dict = cell) -> str:
                return " / ".join(f"{cell[s][key]:.1f}" for s in SERVERS)

            lines.append(
                f"| {q} | {c} | {rps['casehub']:.1f} | {rps['postgraphile']:.1f} | {rps['floor']:.1f} "
                f"| **{ratio(rps['casehub'], rps['postgraphile']):.2f}** "
                f"| **{ratio(rps['casehub'], rps['floor']):.2f}** "
                f"| {trio('p50_ms')} | {trio('p95_ms')} | {trio('p99_ms')} |"
            )
    lines += [
        "",
        "| query | SQL statements per operation: data + control (ch / pg / floor) | HTTP requests per operation "
        "| server CPU ms/op at 1 client (ch / pg / floor) | database CPU ms/op at 1 client (ch / pg / floor) "
        "| objects in the answer |",
        "|---|---|---|---|---|---|",
    ]
    for q in QUERIES:
        sql = results["statements"][q]
        one = {s: timing[q][s]["1"] for s in SERVERS}
        lines.append(
            f"| {q} | " + " / ".join(f"{sql[s]['data']} + {sql[s]['control']}" for s in SERVERS)
            + " | " + " / ".join(str(one[s]["requests_per_op"]) for s in SERVERS)
            + " | " + " / ".join(f"{one[s]['server_cpu_ms_per_op']:.2f}" for s in SERVERS)
            + " | " + " / ".join(f"{one[s]['db_cpu_ms_per_op']:.2f}" for s in SERVERS)
            + f" | {results['objects'][q]:,} |"
        )
    return "\n".join(lines)


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    concurrency = results["options"]["concurrency"]
    fig, axes = plt.subplots(1, len(concurrency), figsize=(6 * len(concurrency), 4.5), squeeze=False)
    colours = {"casehub": "#c0392b", "postgraphile": "#2471a3", "floor": "#7f8c8d"}
    width = 0.27
    for ax, c in zip(axes[0], concurrency, strict=True):
        for i, s in enumerate(SERVERS):
            values = [results["timing"][q][s][str(c)]["ops_per_s"] for q in QUERIES]
            bars = ax.bar([x + (i - 1) * width for x in range(len(QUERIES))], values, width, label=s, color=colours[s])
            ax.bar_label(bars, labels=[f"{v:.0f}" if v >= 10 else f"{v:.1f}" for v in values], fontsize=7)
        ax.set_yscale("log")
        ax.set_xticks(range(len(QUERIES)), QUERIES)
        ax.set_ylabel("operations / s (log scale)")
        ax.set_title(f"{c} client{'s' if c > 1 else ''}")
        ax.legend(fontsize=8)
    fig.suptitle(f"casehub read benchmark, {results['date']}: server+DB on core 0, load on core 1", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# ---------------------------------------------------------------- main

async def main_async(opts: Options) -> dict:
    started = time.perf_counter()
    summary = await prepare_data(opts)
    os.sched_setaffinity(0, {LOAD_CORE})  # from here on this runner keeps off the servers' core
    params = Params(summary.typical_id_number, summary.heavy_id_number, summary.township_code,
                    summary.township_first_person_id)
    features = Features.detect()
    log(f"casehub features: {features}")
    token = await admin_token(opts.url())
    npm_ci()
    servers = {
        "casehub": Server("casehub", f"http://127.0.0.1:{PORTS['casehub']}", {"Authorization": f"Bearer {token}"},
                          features),
        "postgraphile": Server("postgraphile", f"http://127.0.0.1:{PORTS['postgraphile']}", {}, features),
        "floor": Server("floor", f"http://127.0.0.1:{PORTS['floor']}", {}, features),
    }
    servers = {name: server for name, server in servers.items() if name in opts.servers}
    proxies = {name: CountingProxy(PROXY_PORTS[name], (opts.pg_host, opts.pg_port)) for name in servers}
    for proxy in proxies.values():
        await proxy.start()
    procs: dict[str, Process] = {}
    counting: dict[str, Process] = {}
    results: dict = {
        "date": dt.date.today().isoformat(), "machine": machine(), "options": asdict(opts),
        "data": asdict(summary), "features": asdict(features), "statements": {}, "timing": {}, "objects": {},
        "requests": {},
    }
    conn = await asyncpg.connect(opts.url())
    backends = Backends(conn, opts.database)
    try:
        for name in servers:
            procs[name] = start(name, PORTS[name], opts.url())
            counting[name] = start(name, COUNT_PORTS[name], opts.url(port=PROXY_PORTS[name]))
        for proc in [*procs.values(), *counting.values()]:
            await wait_ready(proc)
        log("servers up; comparing answers ...")
        operations: dict[str, dict[str, list[tuple[str, bytes]]]] = {}
        async with httpx.AsyncClient(timeout=120) as client:
            for q in opts.queries:
                operations[q] = {}
                answers = {}
                for name, server in servers.items():
                    operations[q][name], answers[name] = await fetch_operation(client, server, q, params)
                for name in set(servers) - {"casehub"}:
                    diff = differences(answers["casehub"], answers[name])
                    if diff:
                        raise AnswersDiffer(f"{q}: {name}'s answer differs from casehub's:\n  " + "\n  ".join(diff))
                results["objects"][q] = count_objects(answers["casehub"])
                results["requests"][q] = {n: len(ops) for n, ops in operations[q].items()}
                log(f"{q}: same data from every server ({results['objects'][q]:,} objects)")
            log("counting SQL statements through the proxies ...")
            for q in opts.queries:
                results["statements"][q] = {}
                for name, server in servers.items():
                    counted = Server(name, f"http://127.0.0.1:{COUNT_PORTS[name]}", server.headers, features)
                    await fetch_operation(client, counted, q, params)  # warm: pools, prepared statements
                    proxies[name].tally.reset()
                    for _ in range(opts.count_ops):
                        await fetch_operation(client, counted, q, params)
                    tally = proxies[name].tally.summary()
                    results["statements"][q][name] = {k: v / opts.count_ops for k, v in tally.items()}
                    results["statements"][q][name]["sample"] = sorted(set(proxies[name].tally.statements))[:12]
        for proc in counting.values():
            proc.stop()
        log("timing ...")
        for q in opts.queries:
            # rounds go round the servers, so a burst of load from elsewhere on the machine hits one
            # round of each rather than every round of one server
            rounds: dict[tuple[str, int], list[dict]] = {}
            for i in range(opts.rounds):
                for name, server in servers.items():
                    for c in opts.concurrency:
                        rounds.setdefault((name, c), []).append(
                            await measure_round(server, procs[name], backends, operations[q][name], c, opts, i == 0)
                        )
            results["timing"][q] = {}
            for name in servers:
                results["timing"][q][name] = {}
                for c in opts.concurrency:
                    cell = summarise(rounds[(name, c)], c, len(operations[q][name]))
                    results["timing"][q][name][str(c)] = cell
                    log(f"{q} {name:12} c={c:2}: {cell['ops_per_s']:8.1f} ops/s  p50 {cell['p50_ms']:8.2f} ms  "
                        f"p99 {cell['p99_ms']:8.2f} ms  cpu {cell['server_cpu_ms_per_op']:.2f}+"
                        f"{cell['db_cpu_ms_per_op']:.2f} ms/op  ({cell['ops']} ops, {cell['errors']} errors)")
    finally:
        await conn.close()
        for proc in [*procs.values(), *counting.values()]:
            proc.stop()
        for proxy in proxies.values():
            await proxy.stop()
    results["other"] = other_benchmarks(opts) if opts.other else {}
    results["seconds"] = round(time.perf_counter() - started)
    return results


def write(results: dict) -> None:
    """The committed results: only a full run (all servers, all queries) writes them."""
    if tuple(results["options"]["servers"]) != SERVERS or tuple(results["options"]["queries"]) != QUERIES:
        out = VAR / "partial-results.json"
        out.write_text(json.dumps(results, indent=1, default=str) + "\n")
        log(f"partial run: figures in {out.relative_to(ROOT)}, bench/results/ left as it was")
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    other = results.get("other", {})
    extra = []
    for name, value in other.items():
        if isinstance(value, list):
            extra.append(f"\n### {name}\n\n| metric | unit | casehub | floor | casehub/floor |\n|---|---|---|---|---|")
            extra += [
                f"| {r['metric']} | {r['unit']} | {r['casehub']:.1f} | {r['floor']:.1f} "
                f"| **{ratio(r['casehub'], r['floor']):.2f}** |"
                for r in value
            ]
        else:
            extra.append(f"\n### {name}\n\n{value}")
    (RESULTS / "results.md").write_text(
        f"# Read benchmark, {results['date']}\n\n"
        f"Machine: {results['machine']['cpu']}, {results['machine']['cores']} cores; servers and their database "
        f"backends pinned to core {SERVER_CORE}, load generator to core {LOAD_CORE}. Data: "
        f"{results['data']['persons']:,} recipients, {results['data']['events']:,} events "
        f"(seed {results['data']['seed']}). "
        f"Each cell: {results['options']['warmup']} s warm-up, then {results['options']['rounds']} rounds of at most "
        f"{results['options']['seconds']} s / {results['options']['max_ops']:,} operations, taken in turn with the "
        "other servers' rounds; ops/s is the median round, percentiles and CPU are over all rounds. "
        "Ratios above 1 mean casehub is faster.\n\n"
        + table(results) + "\n" + "\n".join(extra) + f"\n\nWhole run: {results['seconds']} s.\n"
    )
    chart(results, RESULTS / "chart.png")


def main() -> None:
    parser = argparse.ArgumentParser(description="casehub's read benchmark against PostGraphile and the floor")
    parser.add_argument("--reuse-data", action="store_true", help="keep casehub_bench from an earlier run of this seed")
    parser.add_argument("--seconds", type=float, default=Options.seconds, help="timed seconds per round")
    parser.add_argument("--rounds", type=int, default=Options.rounds, help="rounds per cell (median taken)")
    parser.add_argument("--warmup", type=float, default=Options.warmup)
    parser.add_argument("--seed", type=int, default=Options.seed)
    parser.add_argument("--pg", default="127.0.0.1:5432", help="PostgreSQL host:port (user postgres, trust auth)")
    parser.add_argument("--servers", default=",".join(SERVERS), help="a subset, e.g. casehub,floor")
    parser.add_argument("--queries", default=",".join(QUERIES), help="a subset, e.g. Q3,Q4")
    parser.add_argument("--skip-other", action="store_true", help="skip bench_import.py and bench_sweep.py")
    args = parser.parse_args()
    for tool in ("taskset", "node", "npm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed: see docs/PERFORMANCE.md")
    host, _, port = args.pg.partition(":")
    opts = Options(pg_host=host, pg_port=int(port or 5432), seed=args.seed, reuse_data=args.reuse_data,
                   seconds=args.seconds, warmup=args.warmup, rounds=args.rounds,
                   servers=tuple(s for s in SERVERS if s in args.servers.split(",") or s == "casehub"),
                   queries=tuple(q for q in QUERIES if q in args.queries.split(",")), other=not args.skip_other)
    try:
        results = asyncio.run(main_async(opts))
    except AnswersDiffer as exc:
        raise SystemExit(str(exc)) from None
    write(results)
    log(f"done in {results['seconds']} s")


if __name__ == "__main__":
    main()
