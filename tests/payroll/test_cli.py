"""`casehub sweep` and `casehub payroll`: what an operator schedules and runs, with one-line errors."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import openpyxl

from casehub.domain import Role
from casehub.models import PayrollRun, SweepRun
from tests import factories
from tests.payroll.helpers import certify, month


def casehub(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CASEHUB_DATABASE_URL=database_url, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "casehub", *args], capture_output=True, text=True, env=env,
                          timeout=120)


async def test_sweep_then_close_from_the_command_line(db, tmp_path):
    village = (await factories.region_tree())["532922101001"]
    clerk = await factories.staff(Role.COUNTY_STAFF)
    person = await factories.recipient(village, start=month(2024, 1), amount_fen=18_000,
                                       name="=cmd|' /C calc'!A0")  # a hostile name: escaped in the XLSX
    await certify(person, dt.date(2024, 3, 5))  # withheld from April 2025 (R-SUS-1)
    await factories.recipient(village, start=month(2025, 4), amount_fen=20_000)  # new in April
    swept = casehub("sweep", "--month", "2025-04", "--as-of", "2025-04-30", "--out", str(tmp_path),
                    "--as", clerk.username, database_url=db)
    assert swept.returncode == 0, swept.stderr
    assert "swept 2025-04 as of 2025-04-30" in swept.stdout and "1 lines, 20000 fen planned" in swept.stdout
    sheet = openpyxl.load_workbook(tmp_path / "payroll-adjustments-2025-04.xlsx")["调整清单 Adjustments"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["NEW"][8] == 20_000
    assert rows["SUSPEND"][2] == "'=cmd|' /C calc'!A0"  # quote-prefixed: never a formula
    assert (await SweepRun.get(month=month(2025, 4))).started_by_id == clerk.id
    closed = casehub("payroll", "close", "--month", "2025-04", "--as", clerk.username, database_url=db)
    assert closed.returncode == 0, closed.stderr
    assert "payroll 2025-04 closed: 1 lines, 20000 fen" in closed.stdout
    assert (await PayrollRun.get(month=month(2025, 4))).status == "CLOSED"
    again = casehub("payroll", "close", "--month", "2025-04", "--as", clerk.username, database_url=db)
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
    assert "closed" in again.stderr and "Traceback" not in again.stderr


def test_a_bad_month_is_one_line(tmp_path):
    result = casehub("sweep", "--month", "2025-13", database_url=f"sqlite://{tmp_path / 'x.sqlite3'}")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "is not a month" in result.stderr
