"""Import throughput: a 100,000-row app-results export into a fresh PostgreSQL database.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Creates its own database (and drops it at the end), registers the recipients
with COPY and gives each a resident pension (not timed), writes a GB18030 CSV export with Chinese headings like
the provincial system's, and times `import_source` end to end: decoding,
parsing, validation (ID check digits, dates, results), person resolution and
the idempotent INSERT … ON CONFLICT DO NOTHING, in chunked transactions. Next to
it, the raw floor: asyncpg `copy_records_to_table` of the same event rows into
a copy of the event table, with no parsing, validation or conflict handling.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import json
import os
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench.scratch, when run as a script

from bench.scratch import scratch_database
from casehub.adapters.importer import import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.cases import refresh_batch
from casehub.idnumber import make_id_number
from casehub.policy import default_policy

HEADER = ["序号", "姓名", "身份证号码", "认证时间", "认证结果", "认证渠道", "流水号"]
TARGET = 20_000  # rows/s


def people(count: int) -> list[str]:
    """`count` distinct valid Yangbi ID numbers."""
    numbers = []
    birth = dt.date(1930, 1, 1)
    while len(numbers) < count:
        numbers.extend(make_id_number("532922", birth, seq) for seq in range(1000))
        birth += dt.timedelta(days=1)
    return numbers[:count]


def export(numbers: list[str]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    start = dt.datetime(2024, 3, 1, 8, 0, 0)
    for i, number in enumerate(numbers):
        stamp = start + dt.timedelta(seconds=17 * i)
        writer.writerow([i + 1, f"受益人{i}", number, f"{stamp:%Y-%m-%d %H:%M:%S}",
                         "通过" if i % 20 else "未通过", "云南人社12333", f"YN12333-{i:08d}"])  # fmt: skip
    return out.getvalue().encode("gb18030")


async def setup(url: str, numbers: list[str]) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        county = await conn.fetchval(
            "INSERT INTO region (code, name, level) VALUES ('532922', '漾濞彝族自治县', 'COUNTY') RETURNING id"
        )
        now = dt.datetime.now(dt.UTC)
        records = [
            (n, f"受益人{i}", dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14])), "M" if int(n[16]) % 2 else "F",
             county, now)
            for i, n in enumerate(numbers)
        ]  # fmt: skip
        await conn.copy_records_to_table(
            "person", records=records, columns=["id_number", "name", "birth_date", "sex", "village_id", "created_at"]
        )
        # a resident pension each, from the year they turned 60 (2011 at the earliest), so the status
        # recompute after the batch has every recipient's entitlement to derive again
        await conn.execute(
            """INSERT INTO entitlement (scheme, start_month, monthly_amount_fen, created_at, person_id, region_id)
               SELECT 'RESIDENT_PENSION', make_date(greatest(extract(year FROM birth_date)::int + 60, 2011), 1, 1),
                      20000, $1, id, village_id FROM person""",
            now,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def raw_floor(url: str, numbers: list[str]) -> float:
    """Seconds to COPY the same event rows into a copy of the event table."""
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("CREATE TABLE event_floor (LIKE event INCLUDING ALL)")
        ids = dict(await conn.fetch("SELECT id_number, id FROM person"))
        now = dt.datetime.now(dt.UTC)
        payload = json.dumps({"channel": "APP_SELF", "app": "云南人社12333"}, ensure_ascii=False)
        rows = [
            (ids[n], "CERTIFIED", dt.date(2024, 3, 1), now, "app_results", None, i + 2, None, payload,
             json.dumps([f"serial:YN12333-{i:08d}"]), f"app_results:serial:YN12333-{i:08d}", None)
            for i, n in enumerate(numbers)
        ]  # fmt: skip
        columns = ["person_id", "type", "occurred_on", "recorded_at", "source_adapter", "batch_id", "source_row",
                   "staff_id", "payload", "evidence", "natural_key", "entitlement_id"]  # fmt: skip
        start = time.perf_counter()
        await conn.copy_records_to_table("event_floor", records=rows, columns=columns)
        return time.perf_counter() - start
    finally:
        await conn.close()


async def main(rows: int, admin_url: str) -> None:
    async with scratch_database(admin_url, "casehub_bench") as url:
        numbers = people(rows)
        await setup(url, numbers)
        data = export(numbers)
        print(f"{rows:,} rows, {len(data) / 1e6:.1f} MB GB18030 CSV, database {url.rsplit('/', 1)[1]}")

        pm = make_plugin_manager(load_entrypoints=False)
        start = time.perf_counter()
        batch = await import_source(pm, "app_results", data, "bench.csv")
        took = time.perf_counter() - start
        assert (batch.status, batch.accepted, batch.rejected) == ("DONE", rows, 0), batch
        rate = rows / took
        verdict = "ok" if rate >= TARGET else f"below the {TARGET:,} rows/s target"
        print(f"import_source (parse + validate + record): {took:6.2f} s  {rate:9,.0f} rows/s  ({verdict})")

        start = time.perf_counter()
        refreshed = await refresh_batch(batch, default_policy())
        took_refresh = time.perf_counter() - start
        print(f"status recompute after the batch:          {took_refresh:6.2f} s  ({refreshed:,} entitlements)")
        print(f"import + status recompute, end to end:     {took + took_refresh:6.2f} s  "
              f"{rows / (took + took_refresh):9,.0f} rows/s")

        start = time.perf_counter()
        again = await import_source(pm, "app_results", data, "bench.csv")
        took_again = time.perf_counter() - start
        assert (again.accepted, again.duplicates) == (0, rows)
        print(f"same file again (all duplicates):          {took_again:6.2f} s  {rows / took_again:9,.0f} rows/s")

        floor = await raw_floor(url, numbers)
        print(f"raw floor, asyncpg copy_records_to_table:  {floor:6.2f} s  {rows / floor:9,.0f} rows/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("CASEHUB_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.admin_url))
