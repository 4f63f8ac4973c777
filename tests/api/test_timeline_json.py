"""Timelines written by PostgreSQL (`schema/timeline/json_sql.py`) answer exactly as the ordinary path does.

The same documents are asked twice over HTTP: as they are (on PostgreSQL the page's timelines come
out of SQL where the selection allows) and with that path switched off. The answers must be the
same JSON, keys in the same order; only whitespace may differ. Masking must hold either way.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from casehub.domain import EventType, Role
from casehub.schema.timeline import json_sql
from tests import factories
from tests.api.conftest import ADMIN, event

DOCUMENTS = [
    "{ recipients(first: 10) { edges { node { name timeline { id type occurredOn recordedAt sourceAdapter "
    "sourceRow payload evidence naturalKey __typename } } } } }",
    "{ recipients(first: 10) { edges { node { t: timeline(last: 2) { key: id kind: type corrects { id } "
    "payload } } } } }",
    "query($n: Int!) { recipients(first: 10) { edges { node { timeline(last: $n) { id recordedAt corrects { id } "
    "} } } } }",
    "query($id: String!) { recipient(idNumber: $id) { timeline(last: 3) { id type payload naturalKey corrects { id } "
    "} } }",
    "query($id: String!) { recipient(idNumber: $id) { timeline { id occurredOn recordedAt evidence } } }",
    # not for SQL (an argument other than last, a fragment, a field it does not write): the ordinary path
    "{ recipients(first: 10) { edges { node { timeline(asOf: \"2025-03-01\") { id payload } } } } }",
    "{ recipients(first: 10) { edges { node { timeline { ...E } } } } } fragment E on TimelineEvent { id type }",
    "{ recipients(first: 10) { edges { node { timeline { id retracted } } } } }",
]


async def answer(world, document: str, **variables) -> tuple[list, bytes]:
    headers = factories.bearer(world.staff[ADMIN])
    response = await world.client.post("/graphql", json={"query": document, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body = json.loads(response.content, object_pairs_hook=list)  # keys in order
    assert "errors" not in dict(body), body
    return body, response.content


@pytest.fixture
async def timelines(world):
    plain = await world.recipient(name="甲")
    numbers = await world.recipient(name="乙")
    day = dt.date(2025, 1, 10)
    first = await event(plain, EventType.CERTIFIED, day, channel="APP_SELF")
    await event(
        plain, EventType.CERTIFIED, day + dt.timedelta(days=30),
        recorded=dt.datetime(2025, 2, 9, 8, 1, 2, 345_600, tzinfo=dt.UTC), channel="WINDOW",
    )  # fmt: skip
    await event(plain, EventType.RETRACTED, day + dt.timedelta(days=40), corrects=first, reason="recorded twice")
    # a number in the payload and the natural key: this person's timelines go the ordinary way, masked
    await event(
        numbers, EventType.CERTIFIED, day, key=f"form:{numbers.id_number}", channel="ONSITE_PAPER",
        informant="13812345678",
    )  # fmt: skip
    return plain, numbers


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_same_answer_as_the_ordinary_path(world, timelines, monkeypatch, document):
    plain, _ = timelines
    variables = {"n": 2, "id": plain.id_number} if "$" in document else {}
    written, _ = await answer(world, document, **variables)
    monkeypatch.setattr(json_sql, "key_of_nodes", lambda nodes: None)
    monkeypatch.setattr(json_sql, "key_of_selection", lambda fields: None)
    ordinary, _ = await answer(world, document, **variables)
    assert written == ordinary


async def test_numbers_stay_masked_and_sql_writes_the_rest(world, timelines, migrated_database):
    _, numbers = timelines
    _, raw = await answer(world, DOCUMENTS[0])
    assert numbers.id_number.encode() not in raw and b"13812345678" not in raw
    assert b"138****5678" in raw and numbers.id_number[:6].encode() + b"********" in raw
    if migrated_database.startswith("postgres"):
        assert b"}, \n {" in raw  # PostgreSQL's spelling of a list: the SQL path answered for 甲


async def test_a_village_assistant_sees_only_their_village_in_sql_too(world, timelines):
    other = await world.recipient(village="532922102001", name="丙")
    await event(other, EventType.CERTIFIED, dt.date(2025, 1, 5), channel="APP_SELF")
    headers = factories.bearer(world.staff[Role.VILLAGE_ASSISTANT])
    response = await world.client.post("/graphql", json={"query": DOCUMENTS[0]}, headers=headers)
    names = [e["node"]["name"] for e in response.json()["data"]["recipients"]["edges"]]
    assert "丙" not in names and "甲" in names
