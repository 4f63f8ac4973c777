"""Database set-up: tortoise configuration, migrations, and the migrated-schema check.

One configuration serves the service, the CLI and the tests, so the schema a
test sees is the one `casehub migrate` builds.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.exceptions import DBConnectionError
from tortoise.migrations.executor import MigrationExecutor

from casehub.errors import ConfigError, NotMigratedError

APP = "casehub"
MIN_SQLITE = (3, 31)  # generated columns (migration 0008)

# What a database that went away (restarting, unreachable, shutting down) raises under tortoise.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError, asyncpg.PostgresConnectionError, asyncpg.ConnectionDoesNotExistError,
    asyncpg.exceptions.OperatorInterventionError, DBConnectionError,
)  # fmt: skip


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` comes from losing the database (it, or what it was raised from or during)."""
    return any(_caused_by(exc, kind) for kind in CONNECTION_ERRORS)


class SessionlessConnection(asyncpg.Connection):
    """A pooled connection handed back without asyncpg's reset statement, unless a query was cut short.

    asyncpg sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;` each time a
    connection goes back to the pool, and tortoise takes one from the pool for every query: a second
    round trip per query. casehub keeps no session state (no SET, LISTEN, cursors held across
    queries, or session advisory locks: the audit chain's lock is transaction-scoped), and asyncpg
    still ends any open transaction on release.

    One case needs the reset all the same: asyncpg prepares a statement with Parse, Describe and
    Flush, and sends Bind, Execute and Sync only once the description is back. A task cancelled in
    between (graphql-core cancels a field's sibling resolvers when one fails) leaves the server
    inside an unfinished implicit transaction, "active" and waiting on the client, holding the
    table's lock until the connection is next used: a migration or TRUNCATE would wait for it
    forever. Such a connection gets asyncpg's full reset, whose simple query ends that transaction.
    """

    async def _get_statement(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super()._get_statement(*args, **kwargs)
        except asyncio.CancelledError:
            self._statement_cut_short = True
            raise

    def get_reset_query(self) -> str:
        if self.__dict__.pop("_statement_cut_short", False):
            return super().get_reset_query()
        return ""


def _connection(database_url: str) -> str | dict[str, Any]:
    if not database_url.startswith(("postgres://", "postgresql://")):
        return database_url
    config = expand_db_url(database_url)
    config["credentials"]["connection_class"] = SessionlessConnection
    # asyncpg re-arms a timer on every release to close connections idle for 5 minutes: a few percent
    # of a small request. The pool is small (tortoise's default: at most 5), so idle ones are kept.
    config["credentials"]["max_inactive_connection_lifetime"] = 0
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            APP: {
                "models": ["casehub.models"],
                "migrations": "casehub.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(database_url: str, *, create_db: bool = False, global_fallback: bool = False) -> None:
    """Open the connections; a database that cannot be reached is a one-line ConfigError.

    With `create_db`, a PostgreSQL database that does not exist yet is created.
    """
    if database_url.startswith("sqlite") and sqlite3.sqlite_version_info < MIN_SQLITE:
        raise ConfigError(
            f"SQLite {'.'.join(map(str, MIN_SQLITE))} or newer is needed (generated columns); this Python's "
            f"sqlite3 module has {sqlite3.sqlite_version}: use PostgreSQL or a Python built with a newer SQLite"
        )
    try:
        await _open(database_url, global_fallback)
    except _MissingDatabase:
        if not create_db:
            raise ConfigError(
                f"database {_redact(database_url)} does not exist: run `casehub migrate` to create it"
            ) from None
        await _open(database_url, global_fallback, create=True)


async def _open(database_url: str, global_fallback: bool, create: bool = False) -> None:
    try:
        await Tortoise.init(
            config=tortoise_config(database_url), _create_db=create, _enable_global_fallback=global_fallback
        )
        await get_connection("default").execute_query("SELECT 1")
    except (OSError, ConnectionError) as exc:
        await Tortoise.close_connections()
        if _caused_by(exc, asyncpg.InvalidCatalogNameError):
            raise _MissingDatabase from exc
        raise ConfigError(f"cannot reach the database at {_redact(database_url)}: {exc}") from None
    except Exception as exc:
        if type(exc).__module__.startswith(("asyncpg", "sqlite3", "tortoise")):
            await Tortoise.close_connections()
            raise ConfigError(f"cannot open the database at {_redact(database_url)}: {exc}") from None
        raise


class _MissingDatabase(Exception):
    """The server is there but the database is not (yet)."""


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _redact(url: str) -> str:
    """Hide a password in a URL before it reaches a log or an error."""
    scheme, _, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        rest = f"{user}:***@{rest.split('@', 1)[1]}"
    return f"{scheme}://{rest}"


@contextlib.asynccontextmanager
async def connected(database_url: str, *, create_db: bool = False) -> AsyncIterator[None]:
    await init_db(database_url, create_db=create_db)
    try:
        yield
    finally:
        await Tortoise.close_connections()


def _executor() -> MigrationExecutor:
    return MigrationExecutor(get_connection("default"), tortoise_config("")["apps"])


async def pending_migrations() -> list[str]:
    """Names of the migrations not yet applied to the connected database."""
    steps = await _executor().plan(None)
    return [step.migration.name for step in steps if not step.backward]


async def migrate(progress: Callable[[str, str, str], object] | None = None) -> list[str]:
    """Apply every pending migration; returns the names applied."""
    pending = await pending_migrations()
    await _executor().migrate(None, progress=progress)
    return pending


async def ensure_migrated() -> None:
    """Refuse to work on a database whose schema is behind the code."""
    pending = await pending_migrations()
    if pending:
        raise NotMigratedError(
            f"the database is not migrated ({len(pending)} pending: {', '.join(pending)}); "
            "run `casehub migrate` first"
        )


# For tortoise's own CLI: `tortoise -c casehub.db.MAKEMIGRATIONS_CONFIG makemigrations`
# compares the models with the migrations on disk; it needs no real database.
MAKEMIGRATIONS_CONFIG = tortoise_config("sqlite://:memory:")
