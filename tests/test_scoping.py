"""Who sees what: scoping holds for root fields, node(id) and nested fields (access.py)."""

from __future__ import annotations

import datetime as dt

import httpx
import jwt
import pytest

from casehub.app import create_app
from casehub.auth import ALGORITHM, AUDIENCE, ISSUER
from casehub.domain import Role, Scheme, UnitKind
from tests import factories
from tests.factories import SETTINGS

LIST = "{ recipients(first: 100) { totalCount edges { node { id name } } } }"
ONE = "query ($n: String!) { recipient(idNumber: $n) { name } }"
NODE = "query ($id: ID!) { node(id: $id) { ... on Recipient { name } } }"


@pytest.fixture
async def world(db):
    regions = await factories.region_tree()
    agency = await factories.unit(regions["532922101"], UnitKind.AGENCY, "A1")
    people = {
        "v11": await factories.recipient(regions["532922101001"], name="v11"),
        "v12": await factories.recipient(regions["532922101002"], name="v12"),
        "v21": await factories.recipient(regions["532922102001"], name="v21"),
        "unit": await factories.recipient(
            regions["532922102001"], name="unit", scheme=Scheme.AGENCY_PENSION, unit=agency
        ),
    }
    staff = {
        Role.COUNTY_ADMIN: await factories.staff(Role.COUNTY_ADMIN, region=regions["532922"]),
        Role.COUNTY_STAFF: await factories.staff(Role.COUNTY_STAFF, region=regions["532922"]),
        Role.TOWNSHIP_STAFF: await factories.staff(Role.TOWNSHIP_STAFF, region=regions["532922101"]),
        Role.VILLAGE_ASSISTANT: await factories.staff(Role.VILLAGE_ASSISTANT, region=regions["532922101001"]),
        Role.UNIT_HANDLER: await factories.staff(Role.UNIT_HANDLER, unit=agency),
        Role.INVESTIGATOR: await factories.staff(Role.INVESTIGATOR),
        Role.AUDITOR: await factories.staff(Role.AUDITOR),
        Role.IMPORT_SERVICE: await factories.staff(Role.IMPORT_SERVICE),
    }
    app = create_app(SETTINGS, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client, people, staff


VISIBLE = {
    Role.COUNTY_ADMIN: {"v11", "v12", "v21", "unit"},
    Role.COUNTY_STAFF: {"v11", "v12", "v21", "unit"},
    Role.TOWNSHIP_STAFF: {"v11", "v12"},
    Role.VILLAGE_ASSISTANT: {"v11"},
    Role.UNIT_HANDLER: {"unit"},
    Role.INVESTIGATOR: {"v11", "v12", "v21", "unit"},
    Role.AUDITOR: {"v11", "v12", "v21", "unit"},
    Role.IMPORT_SERVICE: None,  # may import, may not read cases
}


async def ask(client, headers, query, **variables):
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return response.json()


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_against_every_root_field(world, role):
    client, people, staff = world
    headers = factories.bearer(staff[role])
    admin = factories.bearer(staff[Role.COUNTY_ADMIN])
    expected = VISIBLE[role]

    listed = await ask(client, headers, LIST)
    if expected is None:
        assert listed["data"] is None and "lacks permission" in listed["errors"][0]["message"]
    else:
        assert {e["node"]["name"] for e in listed["data"]["recipients"]["edges"]} == expected
        assert listed["data"]["recipients"]["totalCount"] == len(expected)

    for name, person in people.items():
        one = await ask(client, headers, ONE, n=person.id_number)
        global_id = (await ask(client, admin, LIST))["data"]["recipients"]["edges"]
        gid = next(e["node"]["id"] for e in global_id if e["node"]["name"] == name)
        node = await ask(client, headers, NODE, id=gid)
        if expected is None:
            assert one["data"]["recipient"] is None and node["data"]["node"] is None
            assert "lacks permission" in one["errors"][0]["message"]
        elif name in expected:
            assert one["data"]["recipient"]["name"] == name
            assert node["data"]["node"]["name"] == name
        else:
            assert one["data"]["recipient"] is None
            assert node["data"]["node"] is None

    regions = await ask(client, headers, "{ regions { code } }")
    assert len(regions["data"]["regions"]) == 6  # the region list is public within the service


async def test_unit_handler_sees_only_their_units_entitlements(world):
    client, _, staff = world
    query = "{ recipients { edges { node { entitlements { scheme } } } } }"
    body = await ask(client, factories.bearer(staff[Role.UNIT_HANDLER]), query)
    assert body["data"]["recipients"]["edges"] == [{"node": {"entitlements": [{"scheme": "AGENCY_PENSION"}]}}]


async def test_no_token_expired_tampered_and_foreign_tokens_are_refused(world):
    client, _, staff = world
    admin = staff[Role.COUNTY_ADMIN]
    assert "authentication required" in (await ask(client, {}, LIST))["errors"][0]["message"]
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(admin.id), "aud": AUDIENCE, "iss": ISSUER, "iat": now}
    expired = jwt.encode({**claims, "exp": now - dt.timedelta(minutes=1)}, SETTINGS.secret, ALGORITHM)
    foreign = jwt.encode({**claims, "aud": "other", "exp": now + dt.timedelta(hours=1)}, SETTINGS.secret, ALGORITHM)
    forged = jwt.encode({**claims, "exp": now + dt.timedelta(hours=1)}, "not-the-secret-but-long-enough-for-hs256", ALGORITHM)
    cases = [(expired, "expired"), (foreign, "not valid"), (forged, "not valid"), ("junk", "not valid")]
    for token, message in cases:
        body = await ask(client, {"Authorization": f"Bearer {token}"}, LIST)
        assert message in body["errors"][0]["message"]
        assert body["data"] is None


async def test_deactivated_staff_token_stops_working_at_once(world):
    client, _, staff = world
    member = staff[Role.COUNTY_STAFF]
    headers = factories.bearer(member)
    assert (await ask(client, headers, LIST))["data"] is not None
    member.active = False
    await member.save()
    assert "no active staff" in (await ask(client, headers, LIST))["errors"][0]["message"]
