"""GraphQL fuzzing (tracker issue 8, part 2): documents generated from the real schema
(`casehub.schema.build_schema()`, whatever it holds when this runs) are sent through the ASGI app with a
token of every role. Never a 500, never an internal error or a traceback in a response, every limit
holds (depth, tokens, aliases, page size), and no role ever receives a record outside its scope.

The world: two townships; the village assistant's village (532922101001) holds the "insiders", the
other villages and the other township hold "outsiders" with distinctive names, phone numbers and
event evidence. Generated strings and IDs are drawn partly from the real identifiers of both, so the
fuzzer asks for outsiders by ID number and by node id, not only for random text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry import relay

from casehub.app import create_app
from casehub.domain import EventType, Role, Scheme, UnitKind
from casehub.idnumber import mask_id_number
from casehub.models import Entitlement
from casehub.schema import LIMITS, build_schema
from casehub.schema.pagination import MAX_PAGE_SIZE
from casehub.timeline import EventDraft, record_events
from tests import factories
from tests.factories import SETTINGS

hypothesis_graphql = pytest.importorskip("hypothesis_graphql")
pytestmark = pytest.mark.fuzz

SCHEMA = build_schema().as_str()
GQL = graphql.build_schema(SCHEMA)
EXAMPLES = {"queries": 400, "mutations": 250}  # per backend; with the probes and limits ~3,000 documents a run
TRACE = re.compile(r"Traceback|File \"[^\"]+\", line \d+|\.py\", line|stacktrace", re.IGNORECASE)
INTERNAL = "Unexpected error."  # what MaskErrors shows instead of an internal error: a bug behind it

SCOPE = {  # which villages each role's staff member sees (the world's three villages)
    Role.COUNTY_ADMIN: {"v11", "v12", "v21", "unit"}, Role.COUNTY_STAFF: {"v11", "v12", "v21", "unit"},
    Role.INVESTIGATOR: {"v11", "v12", "v21", "unit"}, Role.AUDITOR: {"v11", "v12", "v21", "unit"},
    Role.TOWNSHIP_STAFF: {"v11", "v12"}, Role.VILLAGE_ASSISTANT: {"v11"}, Role.UNIT_HANDLER: {"unit"},
    Role.IMPORT_SERVICE: set(),  # may import, may read no case
}  # fmt: skip


@dataclass
class World:
    client: httpx.AsyncClient
    headers: dict[Role, dict[str, str]]
    forbidden: dict[Role, set[str]]
    strings: list[str]
    ids: list[str]
    probe_ids: list[str]  # every person's and entitlement's node id
    probe_strings: list[str]  # every person's ID number and name
    strategies: dict[str, st.SearchStrategy] = field(default_factory=dict)
    sent: int = 0


def string_node(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def scalar_strategies(strings: list[str], ids: list[str]) -> dict[str, st.SearchStrategy]:
    """Value nodes for every scalar: real identifiers of both sides mixed with junk."""
    text = st.text(max_size=24)
    day = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
    return {
        "String": st.one_of(st.sampled_from(strings), text).map(string_node),
        "ID": st.one_of(st.sampled_from(ids), text).map(string_node),
        "Date": st.one_of(day.map(dt.date.isoformat), text).map(string_node),
        "DateTime": st.one_of(st.datetimes(timezones=st.just(dt.UTC)).map(dt.datetime.isoformat), text).map(
            string_node
        ),
        "JSON": st.one_of(text.map(string_node), st.just(graphql.ObjectValueNode(fields=()))),
    }


async def seed_world(db_url: str) -> tuple[dict[str, list], dict[Role, object]]:
    regions = await factories.region_tree()
    agency = await factories.unit(regions["532922102"], UnitKind.AGENCY, "A9")
    groups: dict[str, list] = {"v11": [], "v12": [], "v21": [], "unit": []}
    for key, village, label in (("v11", "532922101001", "本村"), ("v12", "532922101002", "邻村"),
                                ("v21", "532922102001", "外镇")):  # fmt: skip
        for i in range(3):
            groups[key].append(await factories.recipient(regions[village], name=f"{label}受益人{key}{i}"))
    groups["unit"].append(await factories.recipient(regions["532922102001"], name="单位退休人员unit0",
                                                    scheme=Scheme.AGENCY_PENSION, unit=agency))  # fmt: skip
    drafts = [
        EventDraft(type=EventType.CERTIFIED, occurred_on=dt.date(2024, 3, 1), person_id=p.id,
                   payload={"channel": "WINDOW"}, evidence=(f"evidence-{p.name}",), natural_key=f"fuzz:{p.id}")
        for people in groups.values() for p in people
    ]  # fmt: skip
    await record_events(drafts, source_adapter="api")
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
    return groups, staff


def secrets_of(person) -> set[str]:
    """What would betray a person: name, ID number (full and masked), phone, node id, event evidence."""
    return {person.name, person.id_number, mask_id_number(person.id_number), person.phone or person.name,
            f"evidence-{person.name}", str(relay.GlobalID("Recipient", str(person.id)))}  # fmt: skip


@pytest.fixture
async def world(db):
    groups, staff = await seed_world(db)
    everyone = [p for people in groups.values() for p in people]
    masked = [mask_id_number(p.id_number) for p in everyone]
    forbidden = {}
    for role, visible in SCOPE.items():
        hidden = [p for key, people in groups.items() if key not in visible for p in people]
        seen = {mask_id_number(p.id_number) for key in visible for p in groups[key]}
        forbidden[role] = {s for p in hidden for s in secrets_of(p) if s not in seen or s not in masked}
    entitlement_ids = await Entitlement.all().values_list("id", flat=True)
    node_types = [t.name for t in GQL.get_possible_types(GQL.get_type("Node"))] if GQL.get_type("Node") else []
    ids = sorted({str(relay.GlobalID(t, str(pk))) for t in node_types for pk in range(1, 12)}
                 | {str(relay.GlobalID("Recipient", str(p.id))) for p in everyone}
                 | {str(relay.GlobalID("Entitlement", str(e))) for e in entitlement_ids})  # fmt: skip
    strings = sorted({p.id_number for p in everyone} | {p.name for p in everyone} | {
        "532922", "532922101", "532922101001", "532922102001", "2026-H2", "2024-03", "RESIDENT_PENSION", "A9",
        "核实情况需要完整号码", "0872-1234567"})  # fmt: skip
    app = create_app(SETTINGS, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        probe_ids = sorted({str(relay.GlobalID("Recipient", str(p.id))) for p in everyone}
                           | {str(relay.GlobalID("Entitlement", str(e))) for e in entitlement_ids})  # fmt: skip
        probe_strings = sorted({p.id_number for p in everyone} | {p.name for p in everyone})
        w = World(client, {role: factories.bearer(member) for role, member in staff.items()}, forbidden, strings, ids,
                  probe_ids, probe_strings)  # fmt: skip
        scalars = scalar_strategies(strings, ids)
        w.strategies["queries"] = hypothesis_graphql.queries(GQL, custom_scalars=scalars)
        if GQL.mutation_type is not None:
            w.strategies["mutations"] = hypothesis_graphql.mutations(GQL, custom_scalars=scalars)
        yield w


async def send(world: World, role: Role, document: str, variables: dict | None = None) -> dict:
    """Post one document as `role`; check what holds for every response; return the body."""
    world.sent += 1
    response = await world.client.post("/graphql", json={"query": document, "variables": variables or {}},
                                       headers=world.headers[role])  # fmt: skip
    text = response.text
    context = f"{role} sent:\n{document}\ngot {response.status_code}: {text[:2000]}"
    assert response.status_code in (200, 400), context  # never a 500
    assert not TRACE.search(text), context
    body = response.json()
    for error in body.get("errors") or []:
        assert error.get("message") != INTERNAL, context
    asked = document + json.dumps(variables or {}, ensure_ascii=False)  # an error may quote the question back
    leaked = sorted(s for s in world.forbidden[role] if s in text and s not in asked)
    assert not leaked, f"outside {role}'s scope: {leaked}\n{context}"
    return body


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                    print_blob=True)  # fmt: skip


@pytest.mark.parametrize("kind", ["queries", "mutations"])
async def test_generated_documents_as_every_role(world, kind):
    if kind not in world.strategies:
        pytest.skip("the schema has no mutations")

    @fuzz_settings(EXAMPLES[kind])
    @given(role=st.sampled_from(list(Role)), document=world.strategies[kind])
    async def fuzz(role, document):
        await send(world, role, document)

    await run_async_given(fuzz)
    assert world.sent >= EXAMPLES[kind]


async def run_async_given(test) -> None:
    """Run a hypothesis test whose body is async on the running loop: hypothesis drives the examples
    from a worker thread, each example's coroutine runs here (where tortoise's connections live)."""
    import asyncio

    loop = asyncio.get_running_loop()
    inner = test.hypothesis.inner_test

    def sync_inner(*args, **kwargs):
        return asyncio.run_coroutine_threadsafe(inner(*args, **kwargs), loop).result()

    test.hypothesis.inner_test = sync_inner
    await asyncio.to_thread(test)


# --- limits: documents just over each limit are refused with an error -------------------------------------------


def leaf_path(depth: int) -> str | None:
    """A selection `depth` object levels deep through fields without required arguments, if the schema has one."""

    def walk(type_: graphql.GraphQLObjectType, left: int, seen: int) -> str | None:
        if left == 0:
            return "__typename"
        for name, f in sorted(type_.fields.items()):
            if any(graphql.is_non_null_type(a.type) and a.default_value is graphql.Undefined
                   for a in f.args.values()):  # fmt: skip
                continue
            inner = graphql.get_named_type(f.type)
            if isinstance(inner, graphql.GraphQLObjectType) and (rest := walk(inner, left - 1, seen + 1)) is not None:
                return f"{name} {{ {rest} }}"
        return None

    return walk(GQL.query_type, depth, 0)


@pytest.mark.parametrize("role", [Role.COUNTY_ADMIN, Role.VILLAGE_ASSISTANT])
async def test_documents_over_each_limit_are_refused(world, role):
    too_deep = leaf_path(LIMITS["max_depth"] + 1)
    if too_deep is not None:  # a path that deep exists: one level over the limit is refused
        body = await send(world, role, f"{{ {too_deep} }}")
        assert body.get("data") is None and "exceeds maximum operation depth" in json.dumps(body["errors"])
    too_many_tokens = "{ " + " ".join(["__typename"] * (LIMITS["max_tokens"] + 1)) + " }"
    body = await send(world, role, too_many_tokens)
    assert body.get("data") is None and "token" in json.dumps(body["errors"]).lower()
    too_many_aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(LIMITS["max_aliases"] + 1)) + " }"
    body = await send(world, role, too_many_aliases)
    assert body.get("data") is None and "alias" in json.dumps(body["errors"]).lower()
    at_limit = "{ " + " ".join(f"a{i}: __typename" for i in range(LIMITS["max_aliases"])) + " }"
    assert (await send(world, role, at_limit))["data"]["a0"] == "Query"


def paged_root_fields() -> list[str]:
    """Root query fields taking `first`, whose other arguments are all optional."""
    out = []
    for name, f in sorted(GQL.query_type.fields.items()):
        if "first" in f.args and all(
            a == "first" or not graphql.is_non_null_type(arg.type) or arg.default_value is not graphql.Undefined
            for a, arg in f.args.items()
        ):
            out.append(name)
    return out


@pytest.mark.parametrize("role", [Role.COUNTY_ADMIN, Role.VILLAGE_ASSISTANT])
async def test_page_size_over_the_limit_is_refused_on_every_paged_field(world, role):
    fields = paged_root_fields()
    assert fields, "no paged root field: the page-size limit has nothing to hold"
    for name in fields:
        for first in (MAX_PAGE_SIZE + 1, 10_000, 0, -1):
            body = await send(world, role, f"{{ {name}(first: {first}) {{ __typename }} }}")
            assert body["data"] is None or body["data"].get(name) is None, (name, first, body)
            assert body["errors"], (name, first)
        body = await send(world, role, f"{{ {name}(first: {MAX_PAGE_SIZE}) {{ __typename }} }}")
        assert not body.get("errors") or role is not Role.COUNTY_ADMIN, body


async def test_every_role_asking_for_every_outsider_by_every_handle(world):
    """Beyond chance: each root field taking one ID or String argument is asked, by each scoped role, for
    every person's and entitlement's identifier, selecting all scalar fields two levels deep."""
    probes = 0
    for name, f in sorted(GQL.query_type.fields.items()):
        required = [a for a, arg in f.args.items() if graphql.is_non_null_type(arg.type)
                    and arg.default_value is graphql.Undefined]  # fmt: skip
        if len(required) != 1:
            continue
        arg_type = graphql.get_named_type(f.args[required[0]].type)
        if arg_type.name not in ("ID", "String"):
            continue
        selection = scalar_selection(f.type)
        values = world.probe_ids if arg_type.name == "ID" else world.probe_strings
        for role in (Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_STAFF, Role.UNIT_HANDLER, Role.IMPORT_SERVICE):
            for value in values:
                await send(world, role, f"query ($v: {arg_type.name}!) {{ {name}({required[0]}: $v) {selection} }}",
                           {"v": value})  # fmt: skip
                probes += 1
    assert probes > 0


def scalar_selection(type_: graphql.GraphQLOutputType, depth: int = 2) -> str:
    named = graphql.get_named_type(type_)
    if not isinstance(named, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType):
        return ""
    parts = ["__typename"]
    for name, f in sorted(named.fields.items()):
        if any(graphql.is_non_null_type(a.type) and a.default_value is graphql.Undefined for a in f.args.values()):
            continue
        inner = graphql.get_named_type(f.type)
        if isinstance(inner, graphql.GraphQLScalarType | graphql.GraphQLEnumType):
            parts.append(name)
        elif depth > 1:
            parts.append(f"{name} {scalar_selection(f.type, depth - 1)}")
    if isinstance(named, graphql.GraphQLInterfaceType):  # node(id): every implementation's scalars
        for impl in GQL.get_possible_types(named):
            parts.append(f"... on {impl.name} {scalar_selection(impl, depth)}")
    return "{ " + " ".join(parts) + " }"
