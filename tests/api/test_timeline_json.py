"""Answers written by PostgreSQL (`schema/json_sql.py`) are exactly the ordinary path's.

The same documents are asked twice over HTTP: as they are (on PostgreSQL a page's recipients, or
their timelines, come out of SQL where the selection allows) and with that path switched off. The answers must be the
same JSON, keys in the same order; only whitespace may differ. Masking must hold either way.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tortoise.connection import get_connection

from casehub.domain import EventType, Role, Scheme
from casehub.engine.months import age_on
from casehub.models import Entitlement
from casehub.schema import json_sql
from casehub.schema.plans import Plans
from casehub.schema.recipients import types as recipient_types
from tests import factories
from tests.api.conftest import ADMIN, event, statements

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
    # whole recipients: scalars, masked numbers, entitlements with their state, timelines
    "{ recipients(first: 10) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { __typename id "
    "name sex idNumber phone entitlements { __typename id scheme startMonth monthlyAmountFen dependantRole "
    "state { status } } timeline(last: 2) { id type payload corrects { id } } } } } }",
    "{ recipients(first: 10) { edges { node { n: name e: entitlements { i: id s: state { st: status } } "
    "all: timeline { id } t: timeline(last: 1) { recordedAt } } } } }",
    "{ recipients(first: 10) { edges { node { age village { __typename id code name level } place: village { name } "
    "entitlements { state { status lastCertifiedOn nextDue overdueFrom remindOn asOf } } } } } }",
    # not for SQL whole (a field it does not write): the ordinary path, timelines still by SQL
    "{ recipients(first: 10) { edges { node { name keyGroups timeline { id } } } } }",
    '{ recipients(first: 10) { edges { node { age(asOf: "2030-02-28") timeline { id } } } } }',
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
    await world.refresh(plain, numbers)  # states with their dates
    return plain, numbers


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_same_answer_as_the_ordinary_path(world, timelines, monkeypatch, document):
    plain, _ = timelines
    variables = {"n": 2, "id": plain.id_number} if "$" in document else {}
    written, _ = await answer(world, document, **variables)
    monkeypatch.setattr(json_sql, "key_of_nodes", lambda nodes: None)
    monkeypatch.setattr(json_sql, "key_of_selection", lambda fields: None)
    switch_off_whole_recipients(monkeypatch)
    ordinary, _ = await answer(world, document, **variables)
    assert written == ordinary


def switch_off_whole_recipients(monkeypatch) -> None:
    monkeypatch.setattr(Plans, "find", lambda self, *request: None)
    monkeypatch.setattr(json_sql, "recipient_key", lambda fields, last_of: None)
    monkeypatch.setattr(recipient_types, "_RECIPIENT_KEYS", {})  # keys remembered per document field


SINGLE = [
    "query($id: String!) { recipient(idNumber: $id) { id name sex idNumber phone } }",
    "query($id: String!) { recipient(idNumber: $id) { __typename id n: name phone timeline(last: 2) { id type "
    "payload corrects { id } } entitlements { id scheme startMonth monthlyAmountFen state { status } } } }",
    "query($id: String!, $n: Int!) { recipient(idNumber: $id) { name timeline(last: $n) { id recordedAt } } }",
    "query($id: String!) { recipient(idNumber: $id) { ...R } } fragment R on Recipient { name idNumber }",
    "query($id: String!) { recipient(idNumber: $id) { name age village { id code name level } entitlements { scheme "
    "state { status nextDue overdueFrom lastCertifiedOn } } } }",
]


@pytest.mark.parametrize("document", SINGLE)
@pytest.mark.parametrize("who", ["plain", "numbers", "nobody"])
async def test_a_single_recipient_in_one_statement_is_the_ordinary_answer(world, timelines, monkeypatch, document,
                                                                         who, migrated_database):  # fmt: skip
    """`recipient(idNumber:)` written whole by PostgreSQL for a county-wide viewer — by a plan (the account and
    the answer in one statement, `schema/plans.py`) or by the resolver after the account read — is the ordinary
    path's answer, for a plain person, a person whose events hold numbers (the ordinary path masks them) and a
    number nobody has."""
    plain, numbers = timelines
    number = {"plain": plain.id_number, "numbers": numbers.id_number, "nobody": "11010519491231002X"}[who]
    variables = {"id": number, "n": 1} if "$n" in document else {"id": number}
    written_whole = migrated_database.startswith("postgres") and "fragment" not in document and who != "numbers"
    with statements() as by_plan:
        written, raw = await answer(world, document, **variables)
    if written_whole:
        assert len(by_plan) == (2 if "$n" in document else 1)  # a variable in the selection: no plan
    assert numbers.id_number.encode() not in raw and b"13812345678" not in raw
    monkeypatch.setattr(Plans, "find", lambda self, *request: None)
    with statements() as by_resolver:
        resolved, _ = await answer(world, document, **variables)
    if written_whole:
        assert len(by_resolver) == 2  # the account, then the person and the answer
    switch_off_whole_recipients(monkeypatch)
    ordinary, _ = await answer(world, document, **variables)
    assert written == resolved == ordinary


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_STAFF])
async def test_scoped_viewers_get_the_same_answer(world, timelines, monkeypatch, role):
    """A unit handler sees only their unit's entitlements of a recipient, in SQL as in the ordinary path."""
    agency = await world.recipient(unit="A1", scheme=Scheme.AGENCY_PENSION, name="丁", phone="12345")
    await Entitlement.create(
        person=agency, scheme=Scheme.RESIDENT_PENSION, start_month=dt.date(2024, 1, 1), monthly_amount_fen=15_000,
        region=world.regions["532922101001"],
    )  # fmt: skip
    await world.recipient(name="戊", phone=None)
    document = DOCUMENTS[-3]
    headers = factories.bearer(world.staff[role])

    async def ask() -> list:
        response = await world.client.post("/graphql", json={"query": document}, headers=headers)
        body = json.loads(response.content, object_pairs_hook=list)
        assert "errors" not in dict(body), body
        return body

    written = await ask()
    monkeypatch.setattr(json_sql, "key_of_selection", lambda fields: None)
    switch_off_whole_recipients(monkeypatch)
    assert written == await ask()


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


async def test_villages_and_state_dates_are_written_by_sql(world, timelines, monkeypatch, migrated_database):
    """The page of DOCUMENTS with `age`, `village` and the state's dates comes whole out of PostgreSQL."""
    written = []
    whole = json_sql.recipients

    async def spy(*arguments):
        written.append(await whole(*arguments))
        return written[-1]

    monkeypatch.setattr(json_sql, "recipients", spy)
    body, _ = await answer(world, next(d for d in DOCUMENTS if "nextDue" in d))
    nodes = [dict(dict(edge)["node"]) for edge in dict(dict(dict(body)["data"])["recipients"])["edges"]]
    assert {dict(node["village"])["code"] for node in nodes} == {"532922101001"}
    assert any(dict(dict(e)["state"])["nextDue"] for node in nodes for e in node["entitlements"])
    if migrated_database.startswith("postgres"):
        assert written and len(written[0]) == len(nodes)  # no event text selected: every person


async def test_age_in_sql_is_age_on(db, migrated_database):
    """`RECIPIENT_FIELDS["age"]` against `age_on` for birthdays around the turn of the year and on
    29 February, on days before, on and after them, in leap and common years."""
    if not migrated_database.startswith("postgres"):
        pytest.skip("SQL-written answers are PostgreSQL's")
    births = [dt.date(1952, 2, 29), dt.date(1950, 1, 1), dt.date(1950, 12, 31), dt.date(1960, 3, 1),
              dt.date(1948, 2, 28)]  # fmt: skip
    days = [dt.date(year, month, day) for year in (2024, 2025, 2028) for month, day in
            ((1, 1), (2, 27), (2, 28), (3, 1), (12, 30), (12, 31))] + [dt.date(2024, 2, 29), dt.date(2028, 2, 29)]
    expression = json_sql.RECIPIENT_FIELDS["age"].replace(":today", "$1").replace("p.birth_date", "$2::date")
    connection = get_connection("default")
    for birth in births:
        for day in days:
            _, rows = await connection.execute_query(f"SELECT {expression}", [day, birth])
            assert rows[0][0] == age_on(birth, day), (birth, day)
