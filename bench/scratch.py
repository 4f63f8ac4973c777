"""A scratch PostgreSQL database for one benchmark: created, migrated by casehub itself, dropped at the end."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg
from tortoise import Tortoise

from casehub import db


@contextlib.asynccontextmanager
async def scratch_database(admin_url: str, prefix: str, *, keep: bool = False) -> AsyncIterator[str]:
    """Yield the URL of a fresh database named `prefix_<random>`, with casehub's ORM connected to it."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    try:
        await db.init_db(url)
        await db.migrate()
        yield url
    finally:
        await Tortoise.close_connections()
        if keep:
            print(f"kept database {url}")
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
