"""Small builders for test data: a region tree, staff with tokens, recipients."""

from __future__ import annotations

import datetime as dt
import itertools

from casehub.auth import mint_token
from casehub.config import Settings
from casehub.domain import RegionLevel, Role, Scheme, UnitKind
from casehub.idnumber import make_id_number
from casehub.models import EmployerUnit, Entitlement, Person, Region, Staff

SETTINGS = Settings(database_url="sqlite://:memory:")


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
) -> Person:
    seq = next(_sequence)
    person = await Person.create(
        # the order code has 3 digits: past 999 recipients, move the birth date on a day
        id_number=make_id_number("532922", born + dt.timedelta(days=seq // 1000), seq % 1000),
        name=name or f"人{seq}", village=village,
        phone=f"138{seq:08d}",
    )
    await Entitlement.create(
        person=person, scheme=scheme, start_month=start, monthly_amount_fen=amount_fen,
        region=village, unit=unit,
    )
    return person


async def staff(role: Role, *, region: Region | None = None, unit: EmployerUnit | None = None) -> Staff:
    return await Staff.create(
        username=f"{role.lower()}-{next(_sequence)}", name=role.title(), role=role, region=region, unit=unit
    )


def bearer(member: Staff) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SETTINGS, member)}"}
