"""Plans (`schema/plans.py`): a `recipient(idNumber:)` operation answered by one statement, exactly as
execution answers it — and everything a plan cannot answer exactly handed to execution unchanged."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from casehub.domain import Role, Scheme
from casehub.models import Entitlement
from casehub.schema import build_schema, plans
from casehub.schema.plans import Plans, recipient_plan
from tests import factories
from tests.api.conftest import ADMIN, statements

LOOKUP = "query Look($n: String!) { recipient(idNumber: $n) { id name sex idNumber phone } }"
ALIASED = "query($n: String!) { who: recipient(idNumber: $n) { __typename n: name entitlements { scheme } } }"
TWO_OPERATIONS = LOOKUP + " query Other { viewer { username } }"


@pytest.fixture(autouse=True)
def no_remembered_roles(monkeypatch):
    """Staff ids repeat from one test's database to the next: each test starts with no role remembered."""
    monkeypatch.setattr(plans, "remembered_roles", {})


def plan_of(document: str, operation_name: str | None = None):
    return recipient_plan(build_schema().documents.parse(document), operation_name)


@pytest.mark.parametrize(
    "document",
    [
        LOOKUP,
        ALIASED,
        '{ recipient(idNumber: "11010519491231002X") { id timeline(last: 5) { id type payload corrects { id } } } }',
        "query($n: String!) { recipient(idNumber: $n) { timeline { id recordedAt } "
        "entitlements { state { status } } } }",
    ],
)
def test_a_recipient_lookup_written_whole_by_sql_has_a_plan(document):
    plan = plan_of(document)
    assert plan is not None
    assert plan.response_key == ("who" if "who:" in document else "recipient")
    assert (plan.variable, plan.id_number) == ((None, "11010519491231002X") if '"' in document else ("n", None))


@pytest.mark.parametrize(
    "document",
    [
        "mutation { recordCertification(input: {}) { clientMutationId } }",
        'query($n: String!) { recipient(idNumber: $n) { id } viewer { username } }',  # two root fields
        'query($n: String!) { recipient(idNumber: $n) @include(if: true) { id } }',  # a directive
        'query($n: String!) @cached { recipient(idNumber: $n) { id } }',
        'query($n: String!) { recipient(idNumber: $n) { id keyGroups } }',  # a field SQL does not write
        'query($n: String!) { recipient(idNumber: $n) { ...R } } fragment R on Recipient { id }',
        'query($n: String!, $k: Int!) { recipient(idNumber: $n) { timeline(last: $k) { id } } }',  # a variable below
        'query($n: String! = "11010519491231002X") { recipient(idNumber: $n) { id } }',  # a default
        '{ recipient(idNumber: "11010519491231002X") { timeline(asOf: "2025-01-01") { id } } }',
        "{ viewer { username } }",
    ],
)
def test_anything_else_has_none(document):
    assert plan_of(document) is None


def test_a_plan_is_made_per_operation():
    assert plan_of(TWO_OPERATIONS, "Look") is not None
    assert plan_of(TWO_OPERATIONS, "Other") is None
    assert plan_of(TWO_OPERATIONS) is None  # which one is ambiguous: execution says so


def test_documents_that_fail_validation_or_carry_nul_have_no_plan():
    plans = Plans(build_schema().documents, maxsize=8)
    assert plans.find("query($n: String!) { recipient(idNumber: $n) { nope } }", None, {"n": "x"}) is None
    assert plans.find("{ recipient(idNumber: ", None, None) is None
    assert plans.find(LOOKUP, None, {"n": "1", "other": "a\x00b"}) is None
    assert plans.find(LOOKUP, ["Look"], {"n": "1"}) is None  # an operation name that is no name
    assert plans.find(LOOKUP, None, {"n": "1"}) is not None


async def ask(world, role: Role | None, document: str, variables: dict | None, operation_name: str | None = None):
    """The raw answer (keys in order) and the SQL statements it took."""
    headers = factories.bearer(world.staff[role]) if role is not None else {}
    body = {"query": document, "variables": variables, "operationName": operation_name}
    with statements() as seen:
        response = await world.client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return json.loads(response.content, object_pairs_hook=list), seen


async def without_plans(monkeypatch, world, *request):
    with monkeypatch.context() as patched:
        patched.setattr(Plans, "find", lambda self, *args: None)
        answer, _ = await ask(world, *request)
    return answer


@pytest.mark.parametrize("document", [LOOKUP, ALIASED, TWO_OPERATIONS])
@pytest.mark.parametrize("role", [ADMIN, Role.COUNTY_STAFF, Role.INVESTIGATOR, Role.AUDITOR])
async def test_county_wide_readers_get_executions_answer_in_one_statement(world, monkeypatch, document, role,
                                                                          migrated_database):  # fmt: skip
    person = await world.recipient(name="甲")
    for turn, number in enumerate((person.id_number, "11010519491231002X", person.id_number)):  # someone, nobody
        request = (role, document, {"n": number}, "Look" if document is TWO_OPERATIONS else None)
        planned, seen = await ask(world, *request)
        assert "errors" not in dict(planned), planned
        assert planned == await without_plans(monkeypatch, world, *request)
        if migrated_database.startswith("postgres"):
            # the account and the answer together, once the process knows the account's role
            assert len(seen) == (2 if turn == 0 else 1) and all("FROM staff s" in sql for sql in seen)


async def test_a_number_written_in_the_document(world, monkeypatch, migrated_database):
    person = await world.recipient(name="乙")
    document = f'{{ recipient(idNumber: " {person.id_number}") {{ name idNumber }} }}'  # spaces are stripped
    for _ in range(2):
        planned, seen = await ask(world, ADMIN, document, None)
    assert dict(dict(planned)["data"])["recipient"][0] == ("name", "乙")
    assert planned == await without_plans(monkeypatch, world, ADMIN, document, None)
    assert len(seen) == (1 if migrated_database.startswith("postgres") else 2)


@pytest.mark.parametrize("role", [Role.TOWNSHIP_STAFF, Role.VILLAGE_ASSISTANT, Role.UNIT_HANDLER])
async def test_scoped_viewers_get_executions_answer_in_one_statement(world, monkeypatch, role, migrated_database):
    """Inside their scope the recipient, outside it nobody; a unit handler sees only the unit's entitlements."""
    inside = await world.recipient(name="丙", unit="A1", scheme=Scheme.AGENCY_PENSION)
    await Entitlement.create(
        person=inside, scheme=Scheme.RESIDENT_PENSION, start_month=dt.date(2024, 1, 1), monthly_amount_fen=15_000,
        region=world.regions["532922101001"],
    )  # fmt: skip
    outside = await world.recipient(village="532922102001", name="丁")
    await ask(world, role, ALIASED, {"n": inside.id_number})  # the process learns the account's role
    for person, visible in ((inside, True), (outside, False)):
        request = (role, ALIASED, {"n": person.id_number})
        planned, seen = await ask(world, *request)
        assert (dict(dict(planned)["data"])["who"] is not None) == visible
        assert planned == await without_plans(monkeypatch, world, *request)
        if migrated_database.startswith("postgres"):
            assert len(seen) == 1
        else:
            assert sum("FROM staff s" in sql for sql in seen) == 1  # the account is read once either way


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (ADMIN, Role.VILLAGE_ASSISTANT),  # county-wide to a village's: the answer must now be scoped
        (Role.VILLAGE_ASSISTANT, Role.COUNTY_STAFF),
        (Role.TOWNSHIP_STAFF, Role.UNIT_HANDLER),
        (Role.COUNTY_STAFF, Role.IMPORT_SERVICE),  # to a role that may not read cases at all
    ],
)
async def test_a_changed_role_takes_effect_at_once(world, monkeypatch, before, after, migrated_database):
    """The process remembers the role it last read; the statement reads it again and answers only under it."""
    outside = await world.recipient(village="532922102001", name="戊")
    member = world.staff[before]
    request = (before, LOOKUP, {"n": outside.id_number})
    await ask(world, *request)
    member.role = after
    if after in (Role.VILLAGE_ASSISTANT, Role.UNIT_HANDLER):
        member.region = world.regions["532922101001"] if after is Role.VILLAGE_ASSISTANT else None
    await member.save()
    planned, seen = await ask(world, *request)
    assert planned == await without_plans(monkeypatch, world, *request)
    data = dict(planned).get("data")
    if after is Role.IMPORT_SERVICE:
        assert "READ_CASES" in dict(planned)["errors"][0][0][1]
    elif after is Role.COUNTY_STAFF:
        assert dict(data)["recipient"] is not None
    else:
        assert dict(data)["recipient"] is None  # outside the new scope
    if migrated_database.startswith("postgres") and after is not Role.IMPORT_SERVICE:
        assert len(seen) == 2  # the remembered role's statement, then the new role's
        planned, seen = await ask(world, *request)
        assert len(seen) == 1 and planned == await without_plans(monkeypatch, world, *request)


async def test_a_reader_without_read_cases_gets_executions_error(world, monkeypatch):
    planned, _ = await ask(world, Role.IMPORT_SERVICE, LOOKUP, {"n": "11010519491231002X"})
    assert "READ_CASES" in dict(planned)["errors"][0][0][1]
    assert planned == await without_plans(monkeypatch, world, Role.IMPORT_SERVICE, LOOKUP, {"n": "11010519491231002X"})


@pytest.mark.parametrize(
    "variables",
    [
        {"n": "110105194912310021"},  # a wrong check digit
        {"n": "not a number"},
        {"n": 110105194912310021},  # not a string
        {"n": None},
        {},
        None,
    ],
)
async def test_bad_variables_get_executions_errors(world, monkeypatch, variables):
    planned, _ = await ask(world, ADMIN, LOOKUP, variables)
    assert "errors" in dict(planned)
    assert planned == await without_plans(monkeypatch, world, ADMIN, LOOKUP, variables)


async def test_no_token_a_bad_token_and_a_deactivated_account_get_executions_errors(world, monkeypatch):
    variables = {"n": "11010519491231002X"}
    planned, seen = await ask(world, None, LOOKUP, variables)
    assert planned == await without_plans(monkeypatch, world, None, LOOKUP, variables) and not seen
    body = {"query": LOOKUP, "variables": variables}
    bad = await world.client.post("/graphql", json=body, headers={"Authorization": "Bearer nonsense"})
    assert "not valid" in bad.json()["errors"][0]["message"]
    member = world.staff[Role.COUNTY_STAFF]
    assert "errors" not in dict((await ask(world, Role.COUNTY_STAFF, LOOKUP, variables))[0])
    member.active = False
    await member.save()
    planned, _ = await ask(world, Role.COUNTY_STAFF, LOOKUP, variables)
    assert "no active staff account" in dict(planned)["errors"][0][0][1]
    assert planned == await without_plans(monkeypatch, world, Role.COUNTY_STAFF, LOOKUP, variables)
