"""Small builders for adapter tests: a Yangbi village, recipients with entitlements, sample files."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from casehub.domain import RegionLevel, Role, Scheme
from casehub.idnumber import make_id_number
from casehub.models import Entitlement, Person, Region, Staff


def id_number(seq: int, birth: dt.date = dt.date(1950, 3, 4)) -> str:
    """A valid Yangbi ID number; `seq` (0..999) tells people apart."""
    return make_id_number("532922", birth, seq)


def bad_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


async def make_village() -> Region:
    county = await Region.create(code="532922", name="漾濞彝族自治县", level=RegionLevel.COUNTY)
    township = await Region.create(code="532922101", name="苍山西镇", level=RegionLevel.TOWNSHIP, parent=county)
    return await Region.create(code="532922101001", name="光明村", level=RegionLevel.VILLAGE, parent=township)


async def make_person(
    village: Region, seq: int, *, name: str = "李四", schemes: Iterable[Scheme] = (Scheme.RESIDENT_PENSION,)
) -> Person:
    person = await Person.create(id_number=id_number(seq), name=name, village=village)
    for scheme in schemes:
        await Entitlement.create(
            person=person, scheme=scheme, start_month=dt.date(2020, 1, 1), monthly_amount_fen=18_000, region=village
        )
    return person


async def make_people(count: int, *, schemes: Iterable[Scheme] = (Scheme.RESIDENT_PENSION,)) -> list[Person]:
    village = await make_village()
    return [await make_person(village, seq, name=f"受益人{seq}", schemes=schemes) for seq in range(count)]


async def make_staff(username: str = "clerk") -> Staff:
    return await Staff.create(username=username, name="张会计", role=Role.COUNTY_STAFF)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
