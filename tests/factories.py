"""Small builders for test data, shared by every test folder: a region tree, employer units,
recipients with entitlements, staff with tokens; ID numbers and CSV files for import tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Iterable, Sequence

from casehub.auth import mint_token
from casehub.config import Settings
from casehub.domain import RegionLevel, Role, Scheme, UnitKind
from casehub.idnumber import make_id_number
from casehub.models import EmployerUnit, Entitlement, Person, Region, Staff

SETTINGS = Settings(database_url="sqlite://:memory:")


def id_number(seq: int, birth: dt.date = dt.date(1950, 3, 4)) -> str:
    """A valid Yangbi ID number; `seq` (0..999) tells people apart (`people` registers 0..count-1)."""
    return make_id_number("532922", birth, seq)


def bad_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


async def region_tree() -> dict[str, Region]:
    """County 532922, two townships, two villages in the first and one in the second."""
    county = await Region.create(code="532922", name="漾濞彝族自治县", level=RegionLevel.COUNTY)
    t1 = await Region.create(code="532922101", name="苍山西镇", level=RegionLevel.TOWNSHIP, parent=county)
    t2 = await Region.create(code="532922102", name="漾江镇", level=RegionLevel.TOWNSHIP, parent=county)
    v11 = await Region.create(code="532922101001", name="光明村", level=RegionLevel.VILLAGE, parent=t1)
    v12 = await Region.create(code="532922101002", name="花椒园村", level=RegionLevel.VILLAGE, parent=t1)
    v21 = await Region.create(code="532922102001", name="金牛村", level=RegionLevel.VILLAGE, parent=t2)
    return {r.code: r for r in (county, t1, t2, v11, v12, v21)}


async def unit(region: Region, kind: UnitKind = UnitKind.AGENCY, code: str = "U1") -> EmployerUnit:
    return await EmployerUnit.create(code=code, name=f"单位{code}", kind=kind, region=region)


_sequence = itertools.count(1)


async def recipient(
    village: Region,
    *,
    scheme: Scheme = Scheme.RESIDENT_PENSION,
    born: dt.date = dt.date(1950, 1, 1),
    start: dt.date = dt.date(2020, 1, 1),
    amount_fen: int = 18_000,
    unit: EmployerUnit | None = None,
    name: str | None = None,
    id_number: str | None = None,
) -> Person:
    """A recipient with one entitlement; a fresh ID number born on `born` unless `id_number` is given."""
    seq = next(_sequence)
    person = await Person.create(
        # the order code has 3 digits: past 999 recipients, move the birth date on a day
        id_number=id_number or make_id_number("532922", born + dt.timedelta(days=seq // 1000), seq % 1000),
        name=name or f"人{seq}", village=village,
        phone=f"138{seq:08d}",
    )
    await Entitlement.create(
        person=person, scheme=scheme, start_month=start, monthly_amount_fen=amount_fen,
        region=village, unit=unit,
    )
    return person


async def people(count: int) -> list[Person]:
    """Recipients 0..count-1 of a resident pension in 光明村, whose ID numbers are `id_number(seq)`
    (so import files can name them), called 受益人0, 受益人1, …"""
    village = (await region_tree())["532922101001"]
    return [await recipient(village, id_number=id_number(seq), name=f"受益人{seq}") for seq in range(count)]


async def staff(
    role: Role = Role.COUNTY_STAFF,
    *,
    username: str | None = None,
    region: Region | None = None,
    unit: EmployerUnit | None = None,
) -> Staff:
    return await Staff.create(
        username=username or f"{role.lower()}-{next(_sequence)}", name=role.title(), role=role, region=region,
        unit=unit,
    )


def bearer(member: Staff) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SETTINGS, member)}"}
