"""A small county in a fresh database, for the tests that run casehub in other processes.

    python -m tests.reliability.seed DATABASE_URL RECIPIENTS   → prints {"admin": id, "assistant": id, ...}

Runs in its own process (tortoise's connection state is per process, and the test process keeps its
own). Two townships, one village each; recipients alternate between the villages, each with a resident
pension. `id_numbers(n)` and `app_results_csv` give the matching ID numbers and an app-results export.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import sys

import orjson

VILLAGES = ("532922101001", "532922102001")


def id_numbers(count: int) -> list[str]:
    from casehub.idnumber import make_id_number

    numbers: list[str] = []
    birth = dt.date(1935, 1, 1)
    while len(numbers) < count:
        numbers.extend(make_id_number("532922", birth, seq) for seq in range(1, 1000))
        birth += dt.timedelta(days=1)
    return numbers[:count]


def app_results_csv(count: int, serial_prefix: str = "S") -> bytes:
    """An app-results export certifying each of the first `count` recipients once."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号码", "认证时间", "认证结果", "流水号"])
    start = dt.datetime(2024, 3, 1, 8, 0, 0)
    for i, number in enumerate(id_numbers(count)):
        stamp = start + dt.timedelta(seconds=7 * i)
        writer.writerow([f"受益人{i}", number, f"{stamp:%Y-%m-%d %H:%M:%S}", "通过", f"{serial_prefix}{i:07d}"])
    return out.getvalue().encode("utf-8")


async def seed(url: str, recipients: int) -> dict[str, int]:
    from tortoise import Tortoise

    from casehub import db
    from casehub.domain import RegionLevel, Role, Scheme
    from casehub.models import Entitlement, Person, Region, Staff

    await db.init_db(url, create_db=True)
    try:
        await db.migrate()
        county = await Region.create(code="532922", name="漾濞彝族自治县", level=RegionLevel.COUNTY)
        villages = []
        names = (("苍山西镇", "光明村"), ("漾江镇", "金牛村"))
        for code, (township_name, village_name) in zip(VILLAGES, names, strict=True):
            township = await Region.create(code=code[:9], name=township_name, level=RegionLevel.TOWNSHIP,
                                           parent=county)
            villages.append(await Region.create(code=code, name=village_name, level=RegionLevel.VILLAGE,
                                                parent=township))
        numbers = id_numbers(recipients)
        await Person.bulk_create(
            [Person(id_number=n, name=f"受益人{i}", village=villages[i % 2], sex="M" if int(n[16]) % 2 else "F",
                    birth_date=dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))) for i, n in enumerate(numbers)],
            batch_size=2000,
        )
        persons = await Person.all().order_by("id").values_list("id", "village_id")
        await Entitlement.bulk_create(
            [Entitlement(person_id=p, scheme=Scheme.RESIDENT_PENSION, start_month=dt.date(2020, 1, 1),
                         monthly_amount_fen=18_000, region_id=v) for p, v in persons],
            batch_size=2000,
        )
        staff = {
            "admin": await Staff.create(username="admin", name="管理员", role=Role.COUNTY_ADMIN, region=county),
            "clerk": await Staff.create(username="clerk", name="张会计", role=Role.COUNTY_STAFF, region=county),
            "assistant": await Staff.create(username="assistant", name="王协办", role=Role.VILLAGE_ASSISTANT,
                                            region=villages[0]),
        }
        return {name: member.id for name, member in staff.items()}
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    sys.stdout.write(orjson.dumps(asyncio.run(seed(sys.argv[1], int(sys.argv[2])))).decode() + "\n")
