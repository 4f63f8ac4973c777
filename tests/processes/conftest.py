"""A small county for the process tests: three townships of three villages, staff at every level."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import httpx
import pytest

from casehub.app import create_app
from casehub.auth import Viewer, viewer_for_staff
from casehub.domain import RegionLevel, Role, Scheme, UnitKind
from casehub.engine.results import EntitlementStatus
from casehub.idnumber import make_id_number
from casehub.models import EmployerUnit, Entitlement, EntitlementState, Person, Region, Staff
from casehub.policy import default_policy
from tests import factories
from tests.factories import SETTINGS

POLICY = default_policy()
TOWNSHIPS = ("532922101", "532922102", "532922201")


@dataclass
class County:
    regions: dict[str, Region]
    staff: dict[str, Staff] = field(default_factory=dict)
    units: dict[str, EmployerUnit] = field(default_factory=dict)

    def village(self, township: int, village: int) -> Region:
        return self.regions[f"{TOWNSHIPS[township]}{village:03d}"]

    sequence: int = 0

    async def viewer(self, name: str) -> Viewer:
        return await viewer_for_staff(self.staff[name].id)

    async def recipient(
        self, village: Region, *, scheme: Scheme = Scheme.RESIDENT_PENSION, born: dt.date = dt.date(1950, 1, 1),
        unit: EmployerUnit | None = None, name: str | None = None, phone: str | None = "13800000000",
    ) -> Person:
        """A recipient with one entitlement (from 2020-01); ID numbers are unique within the test."""
        self.sequence += 1
        person = await Person.create(
            id_number=make_id_number("532922", born, self.sequence), name=name or f"人{self.sequence}",
            village=village, phone=phone,
        )
        await Entitlement.create(
            person=person, scheme=scheme, start_month=dt.date(2020, 1, 1), monthly_amount_fen=18_000,
            region=village, unit=unit,
        )
        return person


@pytest.fixture
async def county(db) -> County:
    root = await Region.create(code="532922", name="漾濞彝族自治县", level=RegionLevel.COUNTY)
    regions = {root.code: root}
    for t, code in enumerate(TOWNSHIPS):
        township = await Region.create(code=code, name=f"乡镇{t + 1}", level=RegionLevel.TOWNSHIP, parent=root)
        regions[code] = township
        for v in range(1, 4):
            village = await Region.create(
                code=f"{code}{v:03d}", name=f"村{t + 1}-{v}", level=RegionLevel.VILLAGE, parent=township
            )
            regions[village.code] = village
    c = County(regions)
    c.units["A1"] = await factories.unit(regions[TOWNSHIPS[0]], UnitKind.AGENCY, "A1")
    c.units["A2"] = await factories.unit(regions[TOWNSHIPS[1]], UnitKind.AGENCY, "A2")
    c.units["E1"] = await factories.unit(regions[TOWNSHIPS[0]], UnitKind.ENTERPRISE, "E1")
    c.staff["admin"] = await factories.staff(Role.COUNTY_ADMIN, region=root)
    c.staff["county"] = await factories.staff(Role.COUNTY_STAFF, region=root)
    c.staff["investigator"] = await factories.staff(Role.INVESTIGATOR)
    c.staff["township"] = await factories.staff(Role.TOWNSHIP_STAFF, region=regions[TOWNSHIPS[0]])
    c.staff["village"] = await factories.staff(Role.VILLAGE_ASSISTANT, region=c.village(0, 1))
    c.staff["unit"] = await factories.staff(Role.UNIT_HANDLER, unit=c.units["A1"])
    c.staff["auditor"] = await factories.staff(Role.AUDITOR)
    c.staff["import"] = await factories.staff(Role.IMPORT_SERVICE)
    return c




async def set_state(
    person: Person, *, status: EntitlementStatus = EntitlementStatus.ACTIVE, next_due: dt.date | None = None,
    last_certified_on: dt.date | None = None, as_of: dt.date = dt.date(2026, 6, 1),
) -> None:
    """Write the projection row by hand, as `cases.refresh_states` would."""
    for ent in await Entitlement.filter(person_id=person.id):
        await EntitlementState.create(
            entitlement_id=ent.id, person_id=person.id, status=status, next_due=next_due,
            last_certified_on=last_certified_on, as_of=as_of, computed_at=dt.datetime.now(dt.UTC),
        )


@pytest.fixture
async def api(county):
    """An HTTP client on the app and a `gql(staff_name, query, **variables)` helper."""
    app = create_app(SETTINGS, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:

        async def gql(who: str, query: str, **variables) -> dict:
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=factories.bearer(county.staff[who])
            )
            assert response.status_code == 200, response.text
            return response.json()

        yield gql
