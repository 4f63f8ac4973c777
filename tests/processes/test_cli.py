"""The operators' commands: reports, notices, spot checks, visits, remind (run as the real `casehub`)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import openpyxl

from casehub.models import DeathReport
from casehub.processes import notices
from tests.processes.conftest import POLICY


def casehub(url: str, *args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CASEHUB_DATABASE_URL=url, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "casehub", *args], capture_output=True, text=True, env=env,
                          timeout=120, cwd=cwd)


async def test_operators_commands(db, county, tmp_path):
    village = county.village(0, 1)
    await county.recipient(village, born=dt.date(1940, 1, 1), name="高龄甲")
    for t in range(2):
        for v in (1, 2):
            await county.recipient(county.village(t, v))
    await DeathReport.create(
        scheme="RESIDENT_PENSION", reporter="VILLAGE", body_key=f"VILLAGE:{village.code}", region=village,
        month=dt.date(2026, 9, 1), due_on=dt.date(2026, 10, 3), received_on=dt.date(2026, 10, 9), days_late=6,
        rule="R-DTH-1", policy_version="yunnan-2023", submissions=1,
        first_recorded_at=dt.datetime.now(dt.UTC), last_recorded_at=dt.datetime.now(dt.UTC),
    )
    await notices.create_notice(await county.viewer("village"), village_code=village.code, period="2026-H2",
                                posted_on=dt.date(2026, 9, 28), tipoff_phone="12333", policy=POLICY,
                                today=dt.date(2026, 10, 1))

    compliance = casehub(db, "reports", "compliance", "--month", "2026-09", "--as-of", "2026-10-10")
    assert compliance.returncode == 0, compliance.stderr
    assert "LATE" in compliance.stdout and "0 on time, 1 late, 14 missing, 0 not due" in compliance.stdout

    status = casehub(db, "notices", "status", "--period", "2026-H2", "--township", "532922101",
                     "--as-of", "2026-10-09")
    assert status.returncode == 0 and "5/7" in status.stdout and status.stdout.count("MISSING") == 2
    roster = casehub(db, "notices", "roster", "--village", village.code, "--period", "2026-H2", cwd=tmp_path)
    assert roster.returncode == 0, roster.stderr
    sheet = openpyxl.load_workbook(tmp_path / f"notice-{village.code}-2026-H2.xlsx").active
    assert sheet["A1"].value.startswith("村1-1")

    drawn = casehub(db, "spotcheck", "draw", "--period", "2026-H1", "--seed", "7", "--as",
                    county.staff["county"].username)
    assert drawn.returncode == 0, drawn.stderr
    assert "seed '7'" in drawn.stdout
    assert casehub(db, "spotcheck", "verify", "--period", "2026-H1").stdout.startswith("spot check 2026-H1 verified")

    schedule = casehub(db, "visits", "schedule", "--township", "532922101", "--as-of", "2026-06-01")
    assert schedule.returncode == 0 and "高龄甲" in schedule.stdout and "VERY_OLD" in schedule.stdout

    remind = casehub(db, "remind", "--as-of", "2026-06-01")
    assert remind.returncode == 1 and "set CASEHUB_REMINDER_OUTBOX to a folder" in remind.stderr
    assert "Traceback" not in remind.stderr
