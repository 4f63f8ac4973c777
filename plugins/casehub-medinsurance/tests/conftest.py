"""A throwaway casehub database (SQLite, through casehub's own migrations) for the plugin's tests."""

from __future__ import annotations

import pytest
from tortoise import Tortoise

from casehub import db


@pytest.fixture
async def casehub_db(tmp_path):
    await db.init_db(f"sqlite://{tmp_path / 'casehub.sqlite3'}", global_fallback=True)
    await db.migrate()
    try:
        yield
    finally:
        await Tortoise.close_connections()
