"""`casehub import ADAPTER FILE` and `casehub adapters`, run as a newcomer would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parents[1] / "data"
def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CASEHUB_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "casehub", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_import_command_prints_the_batch_and_its_rejected_rows(tmp_path):
    assert run(["migrate"], tmp_path).returncode == 0
    done = run(["import", "app_results", str(DATA / "app_results_gb18030.csv")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "DONE — 0 recorded, 0 already known, 6 row(s) rejected" in done.stdout
    assert "INVALID_CHECK_DIGIT" in done.stdout and "UNKNOWN_PERSON" in done.stdout
    unknown = run(["import", "nope", str(DATA / "app_results_gb18030.csv")], tmp_path)
    assert unknown.returncode == 1 and "unknown adapter 'nope'" in unknown.stderr


def test_adapters_command_lists_adapters_and_their_plugins(tmp_path):
    listed = run(["adapters"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    for name in ("app_results", "judicial", "paper_forms", "death_records"):
        assert name in listed.stdout
