"""Command bodies for `casehub import ADAPTER FILE` and `casehub adapters` (registered by casehub.cli).

They only wire the pieces together — settings, database, plugin manager,
importer — and print; every expected failure is a `CasehubError`, which the
CLI prints as one line.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from casehub import db
from casehub.adapters.importer import DONE, import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.cases import refresh_states
from casehub.config import Settings
from casehub.errors import CasehubError
from casehub.models import Event, ImportBatch
from casehub.policy import load_policy

console = Console()
MAX_ERRORS_SHOWN = 20


def import_file(
    adapter: Annotated[str, typer.Argument(help="adapter name (see `casehub adapters`)")],
    path: Annotated[Path, typer.Argument(help="the file to import", exists=True, dir_okay=False, readable=True)],
    staff: Annotated[str | None, typer.Option(help="username of the staff member importing it")] = None,
) -> None:
    """Import FILE with ADAPTER; re-running an interrupted import resumes it, a finished one records nothing twice."""
    settings = Settings.from_env()
    manager = make_plugin_manager(disabled=settings.disabled_plugins)
    for name, reason in manager.broken.items():
        console.print(f"[yellow]warning:[/] plugin {name!r} is broken and was not loaded: {reason}")
    manager.get_adapter(adapter)  # an unknown adapter fails before the database is opened
    data = path.read_bytes()

    policy = load_policy(settings.policy_dir)

    async def go() -> ImportBatch:
        async with db.connected(settings.database_url):
            await db.ensure_migrated()
            with Progress(
                TextColumn(f"importing {path.name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=console, transient=True,
            ) as bar:  # fmt: skip
                task = bar.add_task("rows", total=None)
                return await import_source(
                    manager, adapter, data, path.name, staff=staff,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                    after_batch=lambda batch: refresh_batch_in_chunks(batch, policy),
                )  # fmt: skip

    try:
        batch = asyncio.run(go())
    except Exception as exc:
        if not db.connection_lost(exc):
            raise
        raise CasehubError(
            f"lost the database mid-import ({type(exc).__name__}: {exc}); every chunk is kept whole or not at all: "
            "run the same import again to resume it"
        ) from None
    print_batch(batch)
    if batch.status != DONE:
        raise CasehubError(f"import batch {batch.id} {batch.status}: {_first_message(batch)}")


REFRESH_CHUNK = 2_000  # persons per status refresh: PostgreSQL takes at most 32,767 query arguments


async def refresh_batch_in_chunks(batch: ImportBatch, policy) -> int:
    """`casehub.cases.refresh_batch`, a slice of persons at a time, so that a batch touching more than
    32,767 persons does not exceed PostgreSQL's limit on query arguments (the import would fail at the end)."""
    person_ids = sorted(set(await Event.filter(batch_id=batch.id).distinct().values_list("person_id", flat=True)))
    written = 0
    for start in range(0, len(person_ids), REFRESH_CHUNK):
        written += await refresh_states(person_ids[start : start + REFRESH_CHUNK], policy)
    return written


def print_batch(batch: ImportBatch) -> None:
    console.print(
        f"batch {batch.id} ({batch.adapter}, {batch.filename}): {batch.status} — "
        f"{batch.accepted} recorded, {batch.duplicates} already known, {batch.rejected} row(s) rejected"
    )
    if not batch.errors:
        return
    table = Table("row", "column", "code", "reason", title="rejected rows", title_justify="left")
    for error in batch.errors[:MAX_ERRORS_SHOWN]:
        row = str(error.get("row") or "")
        if error.get("sheet"):
            row = f"{error['sheet']}!{row}"
        table.add_row(row, str(error.get("field") or ""), error["code"], error["message"])
    console.print(table)
    if len(batch.errors) > MAX_ERRORS_SHOWN:
        console.print(f"… and {len(batch.errors) - MAX_ERRORS_SHOWN} more (all are stored on batch {batch.id})")


def _first_message(batch: ImportBatch) -> str:
    return batch.errors[0]["message"] if batch.errors else "see the log"


def list_adapters() -> None:
    """List the import adapters, the plugin providing each, and any broken plugin."""
    manager = make_plugin_manager(disabled=Settings.from_env().disabled_plugins)
    table = Table("adapter", "formats", "plugin", "description")
    for name, cls in sorted(manager.adapters().items()):
        table.add_row(name, ", ".join(cls.formats), manager.adapter_plugin(name), cls.description)
    console.print(table)
    for name, reason in sorted(manager.broken.items()):
        console.print(f"[red]broken plugin[/] {name}: {reason}")
