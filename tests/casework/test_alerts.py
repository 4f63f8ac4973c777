"""Investigators' alerts: findings reach subscribers over graphql-transport-ws, across server processes
on PostgreSQL (LISTEN/NOTIFY), in process on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json

import asyncpg
import pytest
import uvicorn
from tortoise.connection import get_connection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from casehub.app import create_app
from casehub.casework import alerts
from casehub.casework.vocabulary import FindingKind
from casehub.config import Settings
from casehub.domain import EventType, Role, Scheme
from casehub.models import Entitlement
from tests import factories
from tests.payroll.helpers import certify, month, record, sweep_and_close, sweep_month

SUBSCRIBE = "subscription { findings { kind case recipient amountFen months } }"


def finding(case_id: int, amount: int = 100) -> alerts.Finding:
    return alerts.Finding(FindingKind.OVERPAYMENT, case_id, 7, amount, ("2025-03",), alerts.now_iso())


async def next_finding(iterator, timeout: float = 5.0) -> alerts.Finding:
    return await asyncio.wait_for(anext(iterator), timeout)


@pytest.mark.postgres
async def test_two_hubs_on_postgres_both_receive_from_any_publisher(db):
    """Two server processes (a hub each, its own LISTEN connection) and two publishers: the ORM's
    connection (a sweep) and a separate client connection (another process)."""
    if not db.startswith("postgres"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    first, second = alerts.AlertHub(), alerts.AlertHub()
    await first.start(db)
    await second.start(db)
    try:
        a, b = first.subscribe(), second.subscribe()
        pending = [asyncio.ensure_future(next_finding(a)), asyncio.ensure_future(next_finding(b))]
        await asyncio.sleep(0.05)
        await alerts.publish([finding(1)], using=get_connection("default"))
        got = await asyncio.gather(*pending)
        assert [f.case_id for f in got] == [1, 1]
        other = await asyncpg.connect("postgresql://" + db.split("://", 1)[1])
        try:
            await other.execute("SELECT pg_notify($1, $2)", alerts.CHANNEL, finding(2, 250).to_json())
            await other.execute("SELECT pg_notify($1, $2)", alerts.CHANNEL, "not a finding")  # ignored
        finally:
            await other.close()
        got = [await next_finding(a), await next_finding(b)]
        assert [(f.case_id, f.amount_fen) for f in got] == [(2, 250), (2, 250)]
        await a.aclose()
        await b.aclose()
        assert first.subscribers == second.subscribers == 0
    finally:
        await first.stop()
        await second.stop()


async def test_a_slow_subscriber_loses_its_oldest_findings_only(db, monkeypatch):
    monkeypatch.setattr(alerts, "QUEUE_SIZE", 2)
    hub = alerts.AlertHub()
    stream = hub.subscribe()
    waiting = asyncio.ensure_future(next_finding(stream))
    await asyncio.sleep(0.01)  # subscribed
    hub.deliver(finding(1))
    assert (await waiting).case_id == 1
    for i in range(2, 6):  # nobody reading: the queue keeps the newest two
        hub.deliver(finding(i))
    assert [(await next_finding(stream)).case_id for _ in range(2)] == [4, 5]
    await stream.aclose()


@contextlib.asynccontextmanager
async def server(database_url: str):
    """A casehub server in this event loop (sharing the test's database connection)."""
    app = create_app(Settings(database_url=database_url), manage_database=False)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", ws="websockets")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    while not srv.started:
        await asyncio.sleep(0.01)
    port = srv.servers[0].sockets[0].getsockname()[1]
    try:
        yield app, f"ws://127.0.0.1:{port}/graphql"
    finally:
        srv.should_exit = True
        await task


async def subscriber(url: str, token_header: dict[str, str]):
    ws = await connect(url, subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init", "payload": token_header}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    return ws


async def test_findings_reach_websocket_subscribers_of_every_server(db):
    """A late death found by the sweep (R-PAY-4) and a duplicate receipt (R-DUP-1) reach investigators
    subscribed on two servers (on SQLite, two apps of one process)."""
    village = (await factories.region_tree())["532922101001"]
    clerk = await factories.staff(Role.COUNTY_STAFF)
    investigator = await factories.staff(Role.INVESTIGATOR)
    person = await factories.recipient(village, start=month(2024, 1), amount_fen=18_000)
    await certify(person, dt.date(2024, 12, 1))
    for m in (1, 2, 3):
        await sweep_and_close(month(2025, m), clerk)
    token = factories.bearer(investigator)
    async with server(db) as (app1, url1), server(db) as (app2, url2):
        ws1, ws2 = await subscriber(url1, token), await subscriber(url2, token)
        refused = await connect(url1, subprotocols=["graphql-transport-ws"])
        await refused.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer nonsense"}}))
        with pytest.raises(ConnectionClosed) as forbidden:
            await asyncio.wait_for(refused.recv(), 5)
        assert forbidden.value.rcvd.code == 4403
        for app in (app1, app2):
            while app.state.alerts.subscribers < 1:
                await asyncio.sleep(0.01)
        await record(person, EventType.DIED, dt.date(2025, 1, 10), dt.date(2025, 4, 2))
        twice = await factories.recipient(village, start=month(2024, 1), amount_fen=18_000)
        await Entitlement.create(person=twice, scheme=Scheme.AGENCY_PENSION, start_month=month(2024, 1),
                                 monthly_amount_fen=400_000, region=village)
        await certify(twice, dt.date(2024, 12, 1))
        await sweep_month(month(2025, 4))
        for ws in (ws1, ws2):
            received = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(2)]
            data = sorted((m["payload"]["data"]["findings"] for m in received), key=lambda f: f["kind"])
            assert [(f["kind"], f["amountFen"], f["months"]) for f in data] == [
                ("DUPLICATE_RECEIPT", 0, ["2024-01"]), ("OVERPAYMENT", 36_000, ["2025-02", "2025-03"]),
            ]
            await ws.close()
        # Without INVESTIGATE there is no subscription.
        ws3 = await subscriber(url1, factories.bearer(clerk))
        error = json.loads(await asyncio.wait_for(ws3.recv(), 5))
        assert error["type"] in ("error", "next") and "INVESTIGATE" in json.dumps(error)
        await ws3.close()
