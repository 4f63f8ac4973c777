"""Limits: query depth, tokens and aliases, page and list caps, production lock-down, masked internal errors."""

from __future__ import annotations

import logging

import httpx
import pytest

from casehub.app import create_app
from casehub.auth import mint_token
from casehub.config import Settings
from casehub.schema import LIMITS
from casehub.schema.recipients import filters
from tests import factories
from tests.api.conftest import ADMIN, gid

PRODUCTION = Settings(database_url="sqlite://:memory:", env="production", secret="a-production-secret-of-32-chars!")
INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_query_depth_is_limited(world):
    deep = "{ recipients { edges { node { village { " + "parent { " * 8 + "code" + " }" * 8 + " } } } } }"
    body = await world.gql(ADMIN, deep)
    assert body["data"] is None and "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert LIMITS["max_depth"] == 10


async def test_aliases_and_tokens_are_limited(world):
    aliases = "{ " + " ".join(f"a{n}: viewer {{ role }}" for n in range(LIMITS["max_aliases"] + 1)) + " }"
    body = await world.gql(ADMIN, aliases)
    assert body["data"] is None and "aliases found" in body["errors"][0]["message"]
    tokens = "{ viewer { " + "role " * LIMITS["max_tokens"] + "} }"
    body = await world.gql(ADMIN, tokens)
    assert body["data"] is None and "more than 2000 tokens" in body["errors"][0]["message"]


async def test_list_inputs_are_capped(world):
    person = await world.recipient()
    many = ["ACTIVE"] * 101
    body = await world.gql(ADMIN, "query ($f: RecipientFilterInput) { recipients(filter: $f) { totalCount } }",
                           f={"statuses": many})  # fmt: skip
    assert "at most 100 items" in body["errors"][0]["message"]
    mutation = """mutation ($input: RecordDeathInput!) { recordDeath(input: $input) { errors { field code } } }"""
    data = await world.ok(ADMIN, mutation, input={"recipientId": gid("Recipient", person.id), "diedOn": "2024-01-02",
                                                  "evidence": ["x"] * 21})  # fmt: skip
    assert data["recordDeath"]["errors"] == [{"field": "evidence", "code": "TOO_MANY"}]


async def test_an_internal_error_is_masked_and_logged(world, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("connection string postgres://secret@db/casehub")

    monkeypatch.setattr(filters, "filtered", broken)
    with caplog.at_level(logging.ERROR):
        response = await world.client.post(
            "/graphql", json={"query": "{ recipients { totalCount } }"}, headers=factories.bearer(world.staff[ADMIN])
        )
    assert response.status_code == 200
    text = response.text
    assert response.json()["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert "extensions" not in response.json()["errors"][0]
    assert any("postgres://secret" in r.getMessage() or r.exc_info for r in caplog.records)


@pytest.fixture
async def production(world):
    app = create_app(PRODUCTION, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def test_production_turns_off_introspection_and_graphiql(world, production):
    client = production
    headers = {"Authorization": f"Bearer {mint_token(PRODUCTION, world.staff[ADMIN])}"}
    body = (await client.post("/graphql", json={"query": INTROSPECTION}, headers=headers)).json()
    assert body.get("data") is None and "introspection has been disabled" in body["errors"][0]["message"]
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code != 200 or "graphiql" not in page.text.lower()
    assert (await client.get("/static/graphiql/graphiql.min.js")).status_code == 404
    ok = (await client.post("/graphql", json={"query": "{ viewer { role } }"}, headers=headers)).json()
    assert ok["data"] == {"viewer": {"role": "COUNTY_ADMIN"}}


async def test_development_allows_introspection(world):
    body = await world.gql(ADMIN, INTROSPECTION)
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_nul_characters_are_refused_before_anything_runs(db):
    """PostgreSQL cannot store U+0000: a literal or a variable carrying it is a clear error, not a masked one."""
    from casehub.domain import Role

    admin = factories.bearer(await factories.staff(Role.COUNTY_ADMIN))
    app = create_app(factories.SETTINGS, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for body in (
            {"query": '{ recipients(filter: {search: "\\u0000"}) { totalCount } }'},
            {"query": "query ($s: String) { recipients(filter: {search: $s}) { totalCount } }",
             "variables": {"s": "a\x00b"}},
        ):
            answer = (await client.post("/graphql", json=body, headers=admin)).json()
            assert answer["errors"][0]["message"] == "text may not contain the control character U+0000"


async def test_a_value_no_column_can_hold_is_a_clear_error_not_a_masked_one(db):
    """Found by the fuzzer: an 18-digit village code reached a filter on a 12-character column."""
    from casehub.domain import Role

    await factories.region_tree()
    admin = factories.bearer(await factories.staff(Role.COUNTY_ADMIN))
    app = create_app(factories.SETTINGS, manage_database=False)
    query = """mutation { createPublicNotice(input: {period: "2026-H2", postedOn: "2026-09-28", tipoffPhone: "0872-1",
        villageCode: "532922195001013651"}) { errors { message } } }"""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = (await client.post("/graphql", json={"query": query}, headers=admin)).json()
    assert "18 > 12" in answer["errors"][0]["message"]


async def test_malformed_requests_get_the_protocols_answers(world):
    """casehub's own `execute` (schema/__init__.py) and JSON decoding (app.py) answer what strawberry's
    would: a body that is not JSON, a batch (not enabled), variables that are not an object, a request
    with no query, an unknown operation name or a mutation over GET is a 400; a document that does not
    parse is an error in the body."""
    headers = factories.bearer(world.staff[ADMIN])
    post = world.client.post
    json_headers = {**headers, "Content-Type": "application/json"}
    not_json = await post("/graphql", content=b'{"query": "{ viewer', headers=json_headers)
    assert not_json.status_code == 400 and "Unable to parse request body as JSON" in not_json.text
    batch = await post("/graphql", json=[{"query": "{ viewer { role } }"}], headers=headers)
    assert batch.status_code == 400 and "Batching is not enabled" in batch.text
    bad_variables = await post("/graphql", json={"query": "{ viewer { role } }", "variables": [1]}, headers=headers)
    assert bad_variables.status_code == 400 and "`variables` must be an object" in bad_variables.text
    no_query = await post("/graphql", json={"variables": {}}, headers=headers)
    assert no_query.status_code == 400 and "No GraphQL query found" in no_query.text
    unknown = await post("/graphql", json={"query": "query A { viewer { role } }", "operationName": "B"},
                         headers=headers)  # fmt: skip
    assert unknown.status_code == 400 and 'Unknown operation named "B"' in unknown.text
    mutation = "mutation ($i: RecordCertificationInput!) { recordCertification(input: $i) { __typename } }"
    over_get = await world.client.get("/graphql", params={"query": mutation}, headers=headers)
    assert over_get.status_code == 400 and "mutations are not allowed when using GET" in over_get.text
    read_over_get = await world.client.get("/graphql", params={"query": "{ viewer { role } }"}, headers=headers)
    assert read_over_get.json() == {"data": {"viewer": {"role": "COUNTY_ADMIN"}}}
    broken = (await post("/graphql", json={"query": "{ viewer { role }"}, headers=headers)).json()
    assert broken["data"] is None and "Syntax Error" in broken["errors"][0]["message"]
    two = (await post("/graphql", json={"query": "query A { viewer { role } } query B { viewer { username } }"},
                      headers=headers)).json()  # fmt: skip
    assert two.get("data") is None and "operation name" in two["errors"][0]["message"].lower()
