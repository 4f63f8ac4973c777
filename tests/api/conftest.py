"""A small county for the API tests: two townships, three villages, a unit, one staff account per role.

`world.gql(role, query, **variables)` posts as that role's staff member; recipients are made
with explicit ID numbers so tests (and docs/API.md's examples) can name them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from strawberry import relay
from tortoise.connection import get_connection

from casehub.app import create_app
from casehub.cases import refresh_states
from casehub.domain import DependantRole, EventType, Role, Scheme, UnitKind
from casehub.engine.months import add_months
from casehub.idnumber import make_id_number
from casehub.models import EmployerUnit, Entitlement, Event, PayrollRun, Person, Region, Staff
from casehub.payroll.runs import LineInput, close_run, record_lines
from casehub.payroll.sweep import sweep
from casehub.policy import default_policy
from casehub.schema.json_sql import Statement
from tests import factories
from tests.factories import SETTINGS

POLICY = default_policy()


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


@dataclass
class World:
    client: httpx.AsyncClient
    regions: dict[str, Region]
    units: dict[str, EmployerUnit]
    staff: dict[Role, Staff]
    sequence: int = 100
    people: dict[str, Person] = field(default_factory=dict)

    async def gql(self, role: Role | None, query: str, **variables) -> dict:
        headers = factories.bearer(self.staff[role]) if role is not None else {}
        response = await self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def ok(self, role: Role, query: str, **variables) -> dict:
        """Post and insist on no top-level errors; returns `data`."""
        body = await self.gql(role, query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def recipient(
        self,
        village: str = "532922101001",
        *,
        name: str | None = None,
        born: dt.date = dt.date(1950, 3, 15),
        scheme: Scheme = Scheme.RESIDENT_PENSION,
        start: dt.date = dt.date(2024, 1, 1),
        unit: str | None = None,
        dependant_role: DependantRole | None = None,
        phone: str | None = "13912345678",
    ) -> Person:
        self.sequence += 2
        person = await Person.create(
            id_number=make_id_number("532922", born, self.sequence), name=name or f"人{self.sequence}",
            village=self.regions[village], phone=phone,
        )
        await Entitlement.create(
            person=person, scheme=scheme, start_month=start, monthly_amount_fen=18_000,
            region=self.regions[village], unit=self.units.get(unit) if unit else None, dependant_role=dependant_role,
        )
        self.people[person.name] = person
        return person

    async def refresh(self, *people: Person, as_of: dt.date | None = None) -> None:
        await refresh_states([p.id for p in people], POLICY, as_of=as_of)


async def event(
    person: Person, type_: EventType, occurred_on: dt.date, *, recorded: dt.datetime | None = None,
    corrects: Event | None = None, key: str | None = None, **payload,
) -> Event:
    """An event written directly, with a chosen recording time (R-TL-2 tests)."""
    recorded = recorded or dt.datetime.combine(occurred_on, dt.time(9), dt.UTC)
    return await Event.create(
        person=person, type=type_, occurred_on=occurred_on, recorded_at=recorded, source_adapter="test",
        natural_key=key or f"test:{person.id}:{type_}:{occurred_on}:{recorded.isoformat()}", payload=payload,
        corrects=corrects,
    )


async def pay_month(world: World, month: dt.date, paid: dict[Person, int], *, close: bool = True) -> PayrollRun:
    """A payroll month on the ledger (R-PAY-4): what the finance office paid (`record_lines`), then the
    month swept and, unless `close=False`, closed by county staff; only closed months count as paid."""
    lines = [LineInput((await Entitlement.get(person_id=p.id)).id, month, amount) for p, amount in paid.items()]
    clerk = world.staff[Role.COUNTY_STAFF].id
    await record_lines(month, lines, staff_id=clerk)
    if close:
        await sweep(month, as_of=add_months(month, 1) - dt.timedelta(days=1), policy=POLICY)
        await close_run(month, staff_id=clerk)
    return await PayrollRun.get(month=month)


SCOPES = {  # where each role's staff member works
    Role.COUNTY_ADMIN: "532922", Role.COUNTY_STAFF: "532922", Role.TOWNSHIP_STAFF: "532922101",
    Role.VILLAGE_ASSISTANT: "532922101001", Role.UNIT_HANDLER: None, Role.INVESTIGATOR: "532922",
    Role.AUDITOR: "532922", Role.IMPORT_SERVICE: "532922",
}  # fmt: skip


async def build_world(client: httpx.AsyncClient) -> World:
    regions = await factories.region_tree()
    units = {"A1": await factories.unit(regions["532922101"], UnitKind.AGENCY, "A1")}
    staff = {
        role: await Staff.create(
            username=role.lower().replace("_", "-"), name=role.title().replace("_", " "), role=role,
            region=regions[code] if code else None, unit=None if code else units["A1"],
        )
        for role, code in SCOPES.items()
    }  # fmt: skip
    return World(client, regions, units, staff)


_METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement sent through tortoise's client, or as a `json_sql.Statement`, while the block runs."""
    conn = get_connection("default")
    seen: list[str] = []
    for name in _METHODS:
        original = getattr(conn, name)

        async def counting(sql, *args, _original=original, **kwargs):
            seen.append(sql)
            return await _original(sql, *args, **kwargs)

        setattr(conn, name, counting)
    rows = Statement.rows

    async def counting_rows(statement: Statement, **values):
        seen.append(statement.sql)
        return await rows(statement, **values)

    Statement.rows = counting_rows  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Statement.rows = rows  # type: ignore[method-assign]
        for name in _METHODS:
            delattr(conn, name)  # back to the class's method


@pytest.fixture
async def world(db) -> World:
    app = create_app(SETTINGS, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield await build_world(client)


ADMIN = Role.COUNTY_ADMIN
