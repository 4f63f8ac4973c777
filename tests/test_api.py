"""The first GraphQL surface: recipients, regions, timeline, node, errors, health."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from casehub.app import create_app
from casehub.domain import EventType, Role
from casehub.models import Event, Person
from casehub.schema import build_schema
from tests import factories
from tests.factories import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def client(db):
    app = create_app(SETTINGS, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        admin = await factories.staff(Role.COUNTY_ADMIN)
        c.headers.update(factories.bearer(admin))
        yield c


async def gql(client: httpx.AsyncClient, query: str, **variables) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


async def seed_people(count: int) -> list[Person]:
    regions = await factories.region_tree()
    return [await factories.recipient(regions["532922101001"]) for _ in range(count)]


RECIPIENT = """
query ($idNumber: String!, $knownAt: DateTime) {
  recipient(idNumber: $idNumber) {
    id name idNumber birthDate sex
    village { code parent { code } }
    timeline(knownAt: $knownAt) { type occurredOn retractedBy corrects }
  }
}
"""


async def test_recipient_by_id_number_with_masked_id_and_timeline(client):
    (person,) = await seed_people(1)
    died = await Event.create(
        person=person, type=EventType.DIED, occurred_on=dt.date(2024, 1, 2),
        recorded_at=dt.datetime(2024, 1, 10, tzinfo=dt.UTC), source_adapter="test", natural_key="d1",
    )
    await Event.create(
        person=person, type=EventType.RETRACTED, occurred_on=dt.date(2024, 2, 1), corrects=died,
        recorded_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC), source_adapter="test", natural_key="r1",
        payload={"reason": "wrong person"},
    )
    body = await gql(client, RECIPIENT, idNumber=person.id_number)
    recipient = body["data"]["recipient"]
    assert recipient["idNumber"] == "532922********" + person.id_number[-4:]
    assert recipient["birthDate"] == person.birth_date.isoformat()
    assert recipient["village"]["parent"]["code"] == "532922101"
    assert [e["type"] for e in recipient["timeline"]] == ["DIED", "RETRACTED"]
    assert recipient["timeline"][0]["retractedBy"] is not None  # R-TL-1: retracted, still visible
    # R-TL-2: as known before the retraction, the death stood
    body = await gql(client, RECIPIENT, idNumber=person.id_number, knownAt="2024-01-15T00:00:00+00:00")
    timeline = body["data"]["recipient"]["timeline"]
    assert [e["type"] for e in timeline] == ["DIED"] and timeline[0]["retractedBy"] is None


async def test_invalid_id_number_is_a_clear_error(client):
    body = await gql(client, RECIPIENT, idNumber="532922195001010010")
    assert body["data"] == {"recipient": None}
    assert "check digit" in body["errors"][0]["message"]


async def test_recipients_connection_pages_through_everyone_once(client):
    people = await seed_people(5)
    query = """query ($after: String) { recipients(first: 2, after: $after) {
        totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }"""
    names, after = [], None
    while True:
        page = (await gql(client, query, after=after))["data"]["recipients"]
        assert page["totalCount"] == 5
        names += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert names == [p.name for p in people]


async def test_page_size_is_capped(client):
    body = await gql(client, "{ recipients(first: 1000) { totalCount } }")
    assert "between 1 and 100" in body["errors"][0]["message"]


async def test_node_resolves_global_ids(client):
    (person,) = await seed_people(1)
    rid = (await gql(client, RECIPIENT, idNumber=person.id_number))["data"]["recipient"]["id"]
    body = await gql(client, "query ($id: ID!) { node(id: $id) { ... on Recipient { name } } }", id=rid)
    assert body["data"]["node"]["name"] == person.name


async def test_regions_by_level(client):
    await seed_people(1)
    body = await gql(client, "{ regions(level: TOWNSHIP) { code name } }")
    assert body["data"]["regions"] == [
        {"code": "532922101", "name": "苍山西镇"}, {"code": "532922102", "name": "漾江镇"}
    ]


async def test_healthz_checks_the_database(client):
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}


def test_schema_graphql_is_up_to_date():
    exported = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert exported == build_schema().as_str() + "\n", "run `make schema` and commit schema.graphql"
