"""The load generator: C clients on keep-alive HTTP/1.1 connections, each running one operation after another.

A minimal hand-written HTTP/1.1 client on asyncio streams (no client library's per-request
overhead, so one core can outrun the servers under test). An operation is a fixed list of POSTs
(see `bench.queries`); its latency is from the first request's write to the last answer's last
byte. Every run is bounded twice: at most `max_ops` operations and at most `seconds` seconds,
then it stops by itself. Loopback addresses only.

Run as a child process pinned to its own core by `bench.run`: it reads one JSON job on stdin and
prints one JSON result on stdout.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import sys
import time
from dataclasses import dataclass

import orjson


@dataclass
class Job:
    host: str
    port: int
    requests: list[tuple[str, bytes]]  # (path, body) of one operation
    headers: dict[str, str]
    concurrency: int
    seconds: float
    max_ops: int


def _check_loopback(host: str) -> None:
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"refusing to load {host}: the benchmark only targets loopback addresses")


def _wire(job: Job) -> list[bytes]:
    extra = "".join(f"{k}: {v}\r\n" for k, v in job.headers.items())
    return [
        (
            f"POST {path} HTTP/1.1\r\nHost: {job.host}:{job.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n"
        ).encode()
        + body
        for path, body in job.requests
    ]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """(status, body bytes) of one response; handles Content-Length and chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if length is not None:
        await reader.readexactly(length)
        return status, length
    if not chunked:
        raise RuntimeError("response with neither Content-Length nor chunked encoding")
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        total += size
        if size == 0:
            return status, total


async def _client(job: Job, wire: list[bytes], deadline: float, budget: list[int], out: list[float],
                  errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection(job.host, job.port)
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            start = time.perf_counter()
            for request in wire:
                writer.write(request)
                status, _ = await _read_response(reader)
                if status != 200:
                    errors.append(f"HTTP {status}")
            out.append(time.perf_counter() - start)
    finally:
        writer.close()


async def run(job: Job) -> dict:
    _check_loopback(job.host)
    wire = _wire(job)
    latencies: list[float] = []
    errors: list[str] = []
    budget = [job.max_ops]
    start = time.perf_counter()
    deadline = start + job.seconds
    await asyncio.gather(*(_client(job, wire, deadline, budget, latencies, errors) for _ in range(job.concurrency)))
    elapsed = time.perf_counter() - start
    return {"ops": len(latencies), "seconds": elapsed, "latencies": latencies, "errors": errors[:5],
            "error_count": len(errors)}


def main() -> None:
    raw = orjson.loads(sys.stdin.buffer.read())
    raw["requests"] = [(path, body.encode()) for path, body in raw["requests"]]
    job = Job(**raw)
    result = asyncio.run(run(job))
    result["cpu_affinity"] = sorted(os.sched_getaffinity(0))
    sys.stdout.buffer.write(orjson.dumps(result))


if __name__ == "__main__":
    main()
