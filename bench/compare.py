"""Run one operation on a server, normalise its answer, and compare answers across servers.

Used by `bench.run` before any timing (a server whose data differs is not timed) and by the smoke
test. `fetch_operation` also returns the exact request bodies, so the load generator replays the
same requests (Q4's pages on casehub, with the cursors casehub returned).
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from bench.queries import Params, Server


async def fetch_operation(
    client: httpx.AsyncClient, server: Server, query: str, params: Params
) -> tuple[list[tuple[str, bytes]], dict]:
    """([(path, body), ...] of the operation, its canonical answer)."""
    path, body = server.first_request(query, params)
    requests = []
    pages = []
    while body is not None:
        response = await client.post(
            server.base_url + path, content=body, headers={"content-type": "application/json", **server.headers}
        )
        response.raise_for_status()
        answer = orjson.loads(response.content)
        requests.append((path, body))
        pages.append(answer)
        if answer.get("errors"):
            break
        body = server.next_request(query, body, answer, len(pages))
    return requests, server.normalise(query, pages)


def differences(expected: Any, actual: Any, path: str = "$", limit: int = 5) -> list[str]:
    """Where two canonical answers differ (at most `limit` places)."""
    found: list[str] = []

    def walk(a: Any, b: Any, at: str) -> None:
        if len(found) >= limit:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                if key not in a or key not in b:
                    found.append(f"{at}.{key}: only in {'expected' if key in a else 'actual'}")
                else:
                    walk(a[key], b[key], f"{at}.{key}")
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                found.append(f"{at}: {len(a)} items expected, {len(b)} found")
            for i, (x, y) in enumerate(zip(a, b, strict=False)):
                walk(x, y, f"{at}[{i}]")
        elif a != b:
            found.append(f"{at}: expected {a!r}, found {b!r}")

    walk(expected, actual, path)
    return found


def count_objects(answer: Any) -> int:
    """Objects in an answer (dicts, the JSON payloads excluded): Q4 should hold about 20,000."""
    if isinstance(answer, dict):
        return 1 + sum(count_objects(v) for k, v in answer.items() if k != "payload")
    if isinstance(answer, list):
        return sum(count_objects(v) for v in answer)
    return 0
