"""Alerts for investigators: new overpayment and duplicate-receipt findings, as they are found.

`publish` sends findings; an `AlertHub` per server process fans them out to that
process's GraphQL subscriptions (graphql-transport-ws). On PostgreSQL findings go
through `NOTIFY casehub_findings` and every hub LISTENs on its own asyncpg
connection, so a sweep run from the CLI, or on any server process, reaches the
subscribers of every process. On SQLite (one process) publishing hands findings
to the hubs of the current process directly.

A slow subscriber never holds others up: each has a bounded queue and loses its
oldest findings first when it falls behind (the findings stay in the database).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import weakref
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass

import asyncpg
import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from casehub.bulk import is_postgres
from casehub.casework.vocabulary import FindingKind

CHANNEL = "casehub_findings"
QUEUE_SIZE = 1000
log = logging.getLogger("casehub.alerts")
_LOCAL_HUBS: weakref.WeakSet[AlertHub] = weakref.WeakSet()


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FindingKind
    case_id: int  # RecoveryCase or DuplicateReceipt id
    person_id: int
    amount_fen: int  # overpaid amount added (0 for duplicate receipt)
    months: tuple[str, ...]  # YYYY-MM
    found_at: str  # ISO timestamp

    def to_json(self) -> str:
        return orjson.dumps(asdict(self)).decode()

    @classmethod
    def from_json(cls, text: str) -> Finding:
        data = orjson.loads(text)
        return cls(
            kind=FindingKind(data["kind"]), case_id=data["case_id"], person_id=data["person_id"],
            amount_fen=data["amount_fen"], months=tuple(data["months"]), found_at=data["found_at"],
        )


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class AlertHub:
    """One process's fan-out to its subscribers; `start` connects it to the findings channel."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Finding]] = set()
        self._listener: asyncpg.Connection | None = None

    async def start(self, database_url: str) -> None:
        if database_url.startswith("postgres"):
            dsn = "postgresql://" + database_url.split("://", 1)[1]
            self._listener = await asyncpg.connect(dsn)
            await self._listener.add_listener(CHANNEL, self._on_notify)
        else:
            _LOCAL_HUBS.add(self)

    async def stop(self) -> None:
        _LOCAL_HUBS.discard(self)
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(CHANNEL, self._on_notify)
            await self._listener.close()
            self._listener = None

    def _on_notify(self, connection: object, pid: int, channel: str, payload: str) -> None:
        try:
            finding = Finding.from_json(payload)
        except (ValueError, KeyError) as exc:  # a foreign NOTIFY on our channel: ignore it
            log.warning("ignoring a malformed finding on %s: %s", channel, exc)
            return
        self.deliver(finding)

    def deliver(self, finding: Finding) -> None:
        for queue in list(self._queues):
            if queue.full():
                queue.get_nowait()  # drop the oldest for this slow subscriber
            queue.put_nowait(finding)

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    async def subscribe(self) -> AsyncIterator[Finding]:
        queue: asyncio.Queue[Finding] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._queues.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.discard(queue)


async def publish(findings: Sequence[Finding], *, using: BaseDBAsyncClient) -> None:
    """Send findings to every subscriber (call after the transaction that recorded them commits)."""
    if not findings:
        return
    if is_postgres(using):
        for finding in findings:
            await using.execute_query("SELECT pg_notify($1, $2)", [CHANNEL, finding.to_json()])
        return
    for hub in list(_LOCAL_HUBS):
        for finding in findings:
            hub.deliver(finding)
