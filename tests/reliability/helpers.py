"""Shared by the reliability tests: run the real `casehub` command, tamper past the triggers, fingerprint events."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Sequence

import orjson
from tortoise.connection import get_connection

from casehub.models import Event

CLI = [sys.executable, "-m", "casehub"]


def casehub(args: Sequence[str], database_url: str, *, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """`casehub ARGS` in a subprocess against `database_url`, as an operator would run it."""
    environ = {**os.environ, "CASEHUB_DATABASE_URL": database_url, "COLUMNS": "200", **env}
    return subprocess.run([*CLI, *args], env=environ, capture_output=True, text=True, timeout=timeout, check=False)


async def as_table_owner(database_url: str, table: str, statement: str) -> None:
    """Run `statement` with the append-only triggers of `table` out of the way — what only the
    table owner (or a superuser) can do, and what docs/SECURITY.md says the chain then reveals."""
    conn = get_connection("default")
    if database_url.startswith("postgres"):
        await conn.execute_script(
            f'ALTER TABLE "{table}" DISABLE TRIGGER "{table}_append_only"; {statement}; '
            f'ALTER TABLE "{table}" ENABLE TRIGGER "{table}_append_only"'
        )
    else:
        await conn.execute_script(
            f'DROP TRIGGER IF EXISTS "{table}_no_update"; DROP TRIGGER IF EXISTS "{table}_no_delete"; {statement}'
        )


async def event_fingerprint(up_to_id: int | None = None) -> tuple[int, str]:
    """(count, sha256) of the events (up to an id): equal fingerprints, unchanged events."""
    query = Event.all() if up_to_id is None else Event.filter(id__lte=up_to_id)
    rows = await query.order_by("id").values_list(
        "id", "person_id", "entitlement_id", "type", "occurred_on", "recorded_at", "source_adapter", "batch_id",
        "source_row", "staff_id", "payload", "evidence", "natural_key", "corrects_id",
    )
    digest = hashlib.sha256()
    for row in rows:
        digest.update(orjson.dumps([str(v) for v in row]))
    return len(rows), digest.hexdigest()
