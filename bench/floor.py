"""The floor: what the four read queries cost with no GraphQL and no ORM at all.

A bare Starlette app, one route per query, hand-written SQL on a raw asyncpg pool, rows turned into
the benchmark's canonical response shape (the shape casehub's GraphQL answers have once global ids
are decoded) and serialised with orjson; jsonb columns are passed through as `orjson.Fragment`
without being parsed. It must return exactly the data casehub returns: `bench.compare` checks that
before anything is timed. It has no authentication and no scoping: it is a lower bound, not a server.

Run: `uvicorn bench.floor:app` with FLOOR_DATABASE_URL set.
"""

from __future__ import annotations

import contextlib
import os
from collections import defaultdict
from collections.abc import AsyncIterator

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

POOL_SIZE = 10  # PostGraphile's default pool size; tortoise's asyncpg pool is smaller

PERSON = "SELECT id, name, sex, id_number, phone FROM person WHERE id_number = $1"
LAST_EVENTS = """
    SELECT * FROM (
        SELECT id, type, occurred_on, recorded_at, payload::text AS payload, corrects_id
        FROM event WHERE person_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT $2
    ) last ORDER BY recorded_at, id
"""
# village by village, merged (as casehub reads a region's page since stop 14): one range of the
# (village_id, id) index each, where one join walks person_pkey until the page is full
PAGE_IN_REGION = """
    SELECT p.* FROM region v CROSS JOIN LATERAL (
        SELECT id, name, id_number FROM person WHERE village_id = v.id AND id > $2 ORDER BY id LIMIT $3
    ) p WHERE starts_with(v.code, $1) ORDER BY p.id LIMIT $3
"""
ENTITLEMENTS = """
    SELECT e.id, e.person_id, e.scheme, e.start_month, e.monthly_amount_fen, s.status
    FROM entitlement e LEFT JOIN entitlement_state s ON s.entitlement_id = e.id
    WHERE e.person_id = ANY($1::int[]) ORDER BY e.id
"""
LAST_EVENTS_OF_MANY = """
    SELECT pid AS person_id, e.* FROM unnest($1::int[]) AS pid CROSS JOIN LATERAL (
        SELECT * FROM (
            SELECT id, type, occurred_on, recorded_at, payload::text AS payload, corrects_id
            FROM event WHERE person_id = pid ORDER BY recorded_at DESC, id DESC LIMIT $2
        ) last ORDER BY recorded_at, id
    ) e
"""
PAGE = "SELECT id, name, sex FROM person WHERE id > $1 ORDER BY id LIMIT $2"
ALL_EVENTS = """
    SELECT person_id, id, type, occurred_on, recorded_at, source_adapter, payload::text AS payload
    FROM event WHERE person_id = ANY($1::int[]) ORDER BY person_id, recorded_at, id
"""


def mask_id_number(number: str) -> str:
    return number[:6] + "*" * 8 + number[14:]


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


def _event(row: asyncpg.Record) -> dict:
    return {
        "id": row["id"],
        "type": row["type"],
        "occurredOn": row["occurred_on"],
        "recordedAt": row["recorded_at"],
        "payload": orjson.Fragment(row["payload"]),
        "corrects": row["corrects_id"],
    }


def _json(data: dict) -> Response:
    return Response(orjson.dumps({"data": data}), media_type="application/json")


async def q1(request: Request) -> Response:
    """One recipient's scalars."""
    args = orjson.loads(await request.body())
    row = await request.app.state.pool.fetchrow(PERSON, args["idNumber"])
    recipient = None
    if row:
        recipient = {
            "id": row["id"], "name": row["name"], "sex": row["sex"],
            "idNumber": mask_id_number(row["id_number"]), "phone": mask_phone(row["phone"]),
        }
    return _json({"recipient": recipient})


async def q2(request: Request) -> Response:
    """One recipient's last `last` events, oldest first."""
    args = orjson.loads(await request.body())
    async with request.app.state.pool.acquire() as conn:
        person = await conn.fetchrow("SELECT id, name FROM person WHERE id_number = $1", args["idNumber"])
        if person is None:
            return _json({"recipient": None})
        events = await conn.fetch(LAST_EVENTS, person["id"], args["last"])
    return _json({"recipient": {"id": person["id"], "name": person["name"], "timeline": [_event(e) for e in events]}})


async def q3(request: Request) -> Response:
    """A page of recipients in a region, each with entitlements (and status) and last events."""
    args = orjson.loads(await request.body())
    async with request.app.state.pool.acquire() as conn:
        persons = await conn.fetch(PAGE_IN_REGION, args["regionCode"], args.get("afterId") or 0, args["first"])
        ids = [p["id"] for p in persons]
        entitlements = defaultdict(list)
        for e in await conn.fetch(ENTITLEMENTS, ids):
            entitlements[e["person_id"]].append({
                "id": e["id"], "scheme": e["scheme"], "startMonth": e["start_month"],
                "monthlyAmountFen": e["monthly_amount_fen"], "status": e["status"],
            })
        events = defaultdict(list)
        for e in await conn.fetch(LAST_EVENTS_OF_MANY, ids, args["last"]):
            events[e["person_id"]].append(_event(e))
    return _json({"recipients": [
        {
            "id": p["id"], "name": p["name"], "idNumber": mask_id_number(p["id_number"]),
            "entitlements": entitlements[p["id"]], "timeline": events[p["id"]],
        }
        for p in persons
    ]})


async def q4(request: Request) -> Response:
    """An export page: recipients in id order, each with every event."""
    args = orjson.loads(await request.body())
    async with request.app.state.pool.acquire() as conn:
        persons = await conn.fetch(PAGE, args.get("afterId") or 0, args["first"])
        events = defaultdict(list)
        for e in await conn.fetch(ALL_EVENTS, [p["id"] for p in persons]):
            events[e["person_id"]].append({
                "id": e["id"], "type": e["type"], "occurredOn": e["occurred_on"], "recordedAt": e["recorded_at"],
                "sourceAdapter": e["source_adapter"], "payload": orjson.Fragment(e["payload"]),
            })
    return _json({"recipients": [
        {"id": p["id"], "name": p["name"], "sex": p["sex"], "timeline": events[p["id"]]}
        for p in persons
    ]})


async def healthz(request: Request) -> Response:
    await request.app.state.pool.fetchval("SELECT 1")
    return Response(b'{"status":"ok"}', media_type="application/json")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """No reset round trip when a connection goes back to the pool: the floor keeps no session state."""


def create_app(database_url: str | None = None) -> Starlette:
    url = database_url or os.environ["FLOOR_DATABASE_URL"]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE, reset=_keep_session)
        try:
            yield
        finally:
            await app.state.pool.close()

    routes = [Route(f"/{name}", fn, methods=["POST"]) for name, fn in (("q1", q1), ("q2", q2), ("q3", q3), ("q4", q4))]
    return Starlette(routes=[*routes, Route("/healthz", healthz)], lifespan=lifespan)


def __getattr__(name: str) -> Starlette:
    """`uvicorn bench.floor:app` builds the app from FLOOR_DATABASE_URL on first access."""
    if name == "app":
        return create_app()
    raise AttributeError(name)
