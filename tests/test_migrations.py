"""Migrations: no drift from the models, the same schema on both databases, start-up refusals."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from tortoise import Tortoise
from tortoise.connection import get_connection
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.transactions import in_transaction

from casehub import db as casehub_db
from casehub.domain import EventType
from casehub.models import EntitlementState, Event, Person
from casehub.timeline import EventDraft, record_events
from tests import factories
from tests.conftest import create_postgres_database, drop_postgres_database


async def test_models_and_migrations_do_not_drift(db):
    """`makemigrations` would write nothing: every model change has its migration."""
    config = casehub_db.tortoise_config(db)
    writers = await MigrationAutodetector(Tortoise.apps, config["apps"]).changes()
    assert not writers, (
        "models changed without a migration: run "
        "`tortoise -c casehub.db.MAKEMIGRATIONS_CONFIG makemigrations --name ...`"
    )


async def _columns(url: str) -> dict[str, set[str]]:
    conn = get_connection("default")
    if url.startswith("postgres"):
        _, rows = await conn.execute_query(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        )
        pairs = [(r["table_name"], r["column_name"]) for r in rows]
    else:
        _, tables = await conn.execute_query("SELECT name FROM sqlite_master WHERE type = 'table'")
        pairs = []
        for t in tables:
            _, cols = await conn.execute_query(f'PRAGMA table_xinfo("{t["name"]}")')  # generated columns too
            pairs += [(t["name"], c["name"]) for c in cols]
    schema: dict[str, set[str]] = {}
    for table, column in pairs:
        if table != "sqlite_sequence":
            schema.setdefault(table, set()).add(column)
    return schema


_seen: dict[str, dict[str, set[str]]] = {}


async def test_same_tables_and_columns_on_sqlite_and_postgres(db):
    """Runs once per backend; the second run compares with the first."""
    backend = "postgres" if db.startswith("postgres") else "sqlite"
    _seen[backend] = await _columns(db)
    assert "event" in _seen[backend] and "natural_key" in _seen[backend]["event"]
    if len(_seen) == 2:
        assert _seen["sqlite"] == _seen["postgres"]


INDEXED_QUERIES = {
    # `retracted`, `retractedBy` and `amendedBy` load corrections by `corrects_id IN (...)`
    "idx_event_correct_916a60": lambda: Event.filter(corrects_id__in=[1, 2, 3]).order_by("recorded_at", "id"),
    # a village assistant's recipients in list order (access.persons)
    "idx_person_village_fb0ba9": lambda: Person.filter(village_id=7).order_by("id").limit(21),
    # a person's projection rows, replaced after every write to their timeline (cases.refresh_states)
    "idx_entitlement_person__4430d2": lambda: EntitlementState.filter(person_id__in=[1, 2]),
}


@pytest.mark.parametrize("index", INDEXED_QUERIES)
async def test_scoped_and_per_person_reads_are_served_by_an_index(db, index):
    """An index lookup, not a scan of the whole table (the planner may choose either on a small table, so
    sequential scans are priced out on PostgreSQL to see that the index can serve the query)."""
    query = INDEXED_QUERIES[index]().sql(params_inline=True)
    conn = get_connection("default")
    if db.startswith("postgres"):
        async with in_transaction() as tx:
            await tx.execute_script("SET LOCAL enable_seqscan = off")
            _, rows = await tx.execute_query(f"EXPLAIN {query}")
        plan = "\n".join(row["QUERY PLAN"] for row in rows)
    else:
        _, rows = await conn.execute_query(f"EXPLAIN QUERY PLAN {query}")
        plan = "\n".join(row["detail"] for row in rows)
    assert index in plan, plan


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casehub", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    import os

    env = dict(os.environ)
    env["CASEHUB_DATABASE_URL"] = f"sqlite://{tmp_path / 'cli.sqlite3'}"
    return env


def test_serve_refuses_an_unmigrated_database_in_one_line(cli_env):
    result = run_cli("serve", env=cli_env)
    assert result.returncode == 1
    assert "not migrated" in result.stderr and "casehub migrate" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bad_database_url_is_one_line(cli_env):
    cli_env["CASEHUB_DATABASE_URL"] = "mysql://root@localhost/x"
    result = run_cli("migrate", env=cli_env)
    assert result.returncode == 1
    assert "CASEHUB_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_postgres_is_one_line(cli_env):
    cli_env["CASEHUB_DATABASE_URL"] = "postgres://postgres@127.0.0.1:1/nowhere"
    result = run_cli("migrate", env=cli_env)
    assert result.returncode == 1 and "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


async def test_an_sqlite_without_generated_columns_is_refused_in_one_line(tmp_path, monkeypatch):
    """Migration 0008 adds a generated column (SQLite 3.31+); an older SQLite is named, not a syntax error."""
    from casehub.errors import ConfigError

    monkeypatch.setattr(casehub_db.sqlite3, "sqlite_version_info", (3, 22, 0))
    monkeypatch.setattr(casehub_db.sqlite3, "sqlite_version", "3.22.0")
    with pytest.raises(ConfigError, match=r"SQLite 3\.31 or newer is needed .* has 3\.22\.0"):
        await casehub_db.init_db(f"sqlite://{tmp_path / 'old.sqlite3'}")


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh_url(request, tmp_path):
    """A database URL whose database does not exist yet (the CLI must create it)."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'fresh.sqlite3'}"
        return
    url = await create_postgres_database()
    await drop_postgres_database(url)  # only the unique name is wanted
    yield url
    await drop_postgres_database(url)


def test_migrate_creates_the_database_and_is_idempotent(fresh_url, cli_env):
    cli_env["CASEHUB_DATABASE_URL"] = fresh_url
    first = run_cli("migrate", env=cli_env)
    assert first.returncode == 0, first.stderr
    again = run_cli("migrate", env=cli_env)
    assert again.returncode == 0 and "0 migration(s) applied" in again.stdout


async def test_events_holding_a_run_of_eleven_digits_are_flagged(db):
    """`event.holds_digit_run` (migration 0008) is what PostgreSQL's JSON path reads instead of matching
    every event's text: true exactly when payload, evidence or natural key holds 11 digits in a row."""
    person = await factories.recipient((await factories.region_tree())["532922101001"])
    cases = {
        "plain": ({"channel": "APP"}, ("photo-1",), "k:plain"),
        "payload": ({"note": "call 13800138000"}, (), "k:payload"),
        "evidence": ({}, ("form 53292219450101001X",), "k:evidence"),
        "key": ({}, (), "k:53292219450101001X"),
        "ten digits": ({"n": "1234567890"}, ("123-4567-8901",), "k:0123456789"),
    }
    drafts = [
        EventDraft(type=EventType.CERTIFIED, occurred_on=dt.date(2024, 3, 1), person_id=person.id,
                   payload=payload, evidence=evidence, natural_key=key)
        for payload, evidence, key in cases.values()
    ]  # fmt: skip
    await record_events(drafts, source_adapter="api")
    _, rows = await get_connection("default").execute_query(
        "SELECT natural_key, holds_digit_run FROM event WHERE person_id = " + str(person.id)
    )
    flags = {row["natural_key"]: bool(row["holds_digit_run"]) for row in rows}
    assert flags == {"k:plain": False, "k:payload": True, "k:evidence": True, "k:53292219450101001X": True,
                     "k:0123456789": False}  # fmt: skip
