"""`access.person_scope_sql` and `unit_scope_sql` (the scopes a plan applies in SQL) agree with
`access.persons` and `access.entitlements` (the scopes everything else applies) for every role,
including regional roles without a region and a unit handler without a unit."""

from __future__ import annotations

import datetime as dt

import pytest
from tortoise.connection import get_connection

from casehub import access
from casehub.auth import viewer_for_staff
from casehub.domain import Role, Scheme
from casehub.models import Entitlement, Staff


async def scoped_in_sql(staff_id: int, role: Role) -> tuple[set[int], set[int]]:
    sql = (
        "SELECT p.id, en.id FROM staff s CROSS JOIN person p LEFT JOIN entitlement en ON en.person_id = p.id "
        f"AND ({access.unit_scope_sql(role)}::int IS NULL OR en.unit_id = {access.unit_scope_sql(role)}::int) "
        f"WHERE s.id = $1 AND {access.person_scope_sql(role)}"
    )
    _, rows = await get_connection("default").execute_query(sql, [staff_id])
    return {row[0] for row in rows}, {row[1] for row in rows if row[1] is not None}


@pytest.fixture
async def county(world):
    """Recipients in every village, of the unit and not, one with entitlements of two units' kinds."""
    for village in ("532922101001", "532922101002", "532922102001"):
        await world.recipient(village)
        await world.recipient(village, unit="A1", scheme=Scheme.AGENCY_PENSION)
    both = await world.recipient("532922102001", unit="A1", scheme=Scheme.AGENCY_PENSION)
    await Entitlement.create(
        person=both, scheme=Scheme.RESIDENT_PENSION, start_month=dt.date(2024, 1, 1),
        monthly_amount_fen=15_000, region=world.regions["532922102001"],
    )  # fmt: skip
    extra = [
        await Staff.create(username="no-region-t", name="无区镇", role=Role.TOWNSHIP_STAFF),
        await Staff.create(username="no-region-v", name="无区村", role=Role.VILLAGE_ASSISTANT),
        await Staff.create(username="no-unit", name="无单位", role=Role.UNIT_HANDLER),
    ]
    return [*world.staff.values(), *extra]


async def test_sql_scopes_are_the_orm_scopes(county, migrated_database):
    if not migrated_database.startswith("postgres"):
        pytest.skip("plans, and so the SQL scopes, are PostgreSQL's")
    seen_something = set()
    for member in county:
        viewer = await viewer_for_staff(member.id)
        persons, entitlements = await scoped_in_sql(member.id, member.role)
        orm_persons = set(await access.persons(viewer).values_list("id", flat=True))
        orm_entitlements = set(await access.entitlements(viewer).values_list("id", flat=True))
        assert persons == orm_persons, member.username
        assert entitlements == orm_entitlements, member.username
        if persons:
            seen_something.add(member.role)
    # every reading role saw someone (the comparison is not vacuous), the region-less ones nobody
    assert {Role.TOWNSHIP_STAFF, Role.VILLAGE_ASSISTANT, Role.UNIT_HANDLER, Role.COUNTY_ADMIN} <= seen_something
