"""The `casehub` command: migrate, demo, serve and the operators' scheduled jobs.

Every expected failure (`CasehubError`) is printed as one line on stderr with
exit code 1 — never a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from casehub import db
from casehub.config import Settings
from casehub.errors import CasehubError

app = typer.Typer(
    help="casehub: benefit-eligibility case management.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)
console = Console()

T = TypeVar("T")


def fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def command(func: Callable[..., T]) -> Callable[..., T]:
    """Register `func` as a subcommand whose CasehubErrors become one-line messages."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except CasehubError as exc:
            fail(str(exc))
            raise  # unreachable: fail() exits

    return app.command()(wrapper)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@command
def migrate() -> None:
    """Create or update the database schema (CASEHUB_DATABASE_URL)."""
    settings = Settings.from_env()

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            console.print(f"  applied {app_label}.{name}")

    async def go() -> list[str]:
        async with db.connected(settings.database_url, create_db=True):
            return await db.migrate(progress)

    applied = run(go())
    console.print(f"database is up to date ({len(applied)} migration(s) applied)")


@command
def demo(
    recipients: Annotated[int, typer.Option(help="how many recipients to generate")] = 20_000,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same county")] = 2021,
) -> None:
    """Fill an empty database with the synthetic Yangbi demo county."""
    from casehub.cases import refresh_all_states
    from casehub.demo import load_demo
    from casehub.policy import load_policy

    settings = Settings.from_env()

    async def go() -> bool:
        async with db.connected(settings.database_url):
            await db.ensure_migrated()
            if not await load_demo(recipients=recipients, seed=seed, console=console):
                return False
            with console.status("computing every entitlement's status"):
                rows = await refresh_all_states(load_policy(settings.policy_dir))
            console.print(f"status computed for {rows:,} entitlements")
            return True

    if not run(go()):
        console.print("the database already holds data; demo county not loaded")


@command
def serve(
    host: Annotated[str | None, typer.Option(help="address to bind (CASEHUB_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (CASEHUB_PORT)")] = None,
) -> None:
    """Serve the GraphQL API (and GraphiQL outside production) with uvicorn."""
    import uvicorn

    from casehub.app import create_app

    settings = Settings.from_env()

    async def check() -> str | None:
        async with db.connected(settings.database_url):
            await db.ensure_migrated()
            return None if settings.production else await _development_token(settings)

    token = run(check())
    address = f"http://{host or settings.host}:{port or settings.port}/graphql"
    if token:
        console.print(f"GraphiQL: {address}\nheaders for the demo county admin (development only):")
        console.print(f'{{"Authorization": "Bearer {token}"}}', highlight=False, soft_wrap=True)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        proxy_headers=False,
    )


@command
def token(
    username: Annotated[str, typer.Argument(help="the staff account the token speaks for")],
    hours: Annotated[int, typer.Option(help="how long the token is valid")] = 12,
) -> None:
    """Mint a bearer token for local use: `Authorization: Bearer <token>`."""
    import datetime as dt

    from casehub.auth import mint_token
    from casehub.errors import ValidationError
    from casehub.models import Staff

    settings = Settings.from_env()

    async def go() -> str:
        async with db.connected(settings.database_url):
            await db.ensure_migrated()
            staff = await Staff.get_or_none(username=username, active=True)
            if staff is None:
                raise ValidationError("username", "UNKNOWN_STAFF", f"no active staff account {username!r}")
            return mint_token(settings, staff, ttl=dt.timedelta(hours=hours))

    sys.stdout.write(run(go()) + "\n")


audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain; name the first entry that does not verify."""
    from casehub.audit import verify_chain

    settings = Settings.from_env()

    async def go():
        async with db.connected(settings.database_url):
            await db.ensure_migrated()
            return await verify_chain()

    try:
        broken = run(go())
    except CasehubError as exc:
        fail(str(exc))
    if broken is not None:
        fail(f"audit entry {broken.id} ({broken.action} at {broken.at.isoformat()}) does not verify")
    console.print("audit chain verified")


@command
def schema() -> None:
    """Print the GraphQL schema (SDL); `make schema` writes it to schema.graphql."""
    from casehub.schema import build_schema

    sys.stdout.write(build_schema().as_str() + "\n")


async def _development_token(settings: Settings) -> str | None:
    """A token for the demo county's `admin`, so GraphiQL is usable at once outside production."""
    from casehub.auth import mint_token
    from casehub.models import Staff

    admin = await Staff.get_or_none(username="admin", active=True)
    return mint_token(settings, admin) if admin else None


def main() -> None:  # pragma: no cover - console entry for `python -m casehub`
    sys.exit(app())
