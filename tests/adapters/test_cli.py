"""The command bodies the lead registers as `casehub import ADAPTER FILE` and `casehub adapters`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parents[1] / "data"
RUN = """
import sys, typer
from casehub.adapters.cli import import_file, list_adapters
from casehub.errors import CasehubError
app = typer.Typer()
app.command("import")(import_file)
app.command("adapters")(list_adapters)
@app.command("migrate")
def migrate():
    import asyncio
    from casehub import db
    from casehub.config import Settings
    async def go():
        async with db.connected(Settings.from_env().database_url, create_db=True):
            await db.migrate()
    asyncio.run(go())
try:
    app()
except CasehubError as exc:
    print(f"error: {exc}")
    sys.exit(1)
"""


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CASEHUB_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-c", RUN, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_import_command_prints_the_batch_and_its_rejected_rows(tmp_path):
    assert run(["migrate"], tmp_path).returncode == 0
    done = run(["import", "app_results", str(DATA / "app_results_gb18030.csv")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "DONE — 0 recorded, 0 already known, 6 row(s) rejected" in done.stdout
    assert "INVALID_CHECK_DIGIT" in done.stdout and "UNKNOWN_PERSON" in done.stdout
    unknown = run(["import", "nope", str(DATA / "app_results_gb18030.csv")], tmp_path)
    assert unknown.returncode == 1 and "unknown adapter 'nope'" in unknown.stdout


def test_adapters_command_lists_adapters_and_their_plugins(tmp_path):
    listed = run(["adapters"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    for name in ("app_results", "judicial", "paper_forms", "death_records"):
        assert name in listed.stdout
