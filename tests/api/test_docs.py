"""Every GraphQL example in docs/API.md runs, in order, against a seeded database, without an error."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from casehub.cases import refresh_states
from casehub.domain import Channel, EventType, Role, Scheme
from casehub.models import Entitlement, Person
from casehub.policy import default_policy
from tests.api.conftest import event, pay_month

DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"
EXAMPLE = re.compile(r"```graphql\n(?P<query>.*?)```(?:\s*```json\n(?P<variables>.*?)```)?", re.DOTALL)
ROLE = re.compile(r"^# as: (?P<role>[A-Z_]+)\s*$", re.MULTILINE)


def examples() -> list[tuple[str, str, dict]]:
    found = []
    for match in EXAMPLE.finditer(DOC.read_text(encoding="utf-8")):
        query = match["query"]
        role = ROLE.search(query)
        assert role, f"an example in docs/API.md names no role (`# as: ROLE`):\n{query}"
        variables = json.loads(match["variables"]) if match["variables"] else {}
        found.append((role["role"], query, variables))
    return found


def no_payload_errors(value, path="data") -> None:
    """Mutation payloads report refused input in `errors` lists: every one must be empty."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "errors":
                assert item == [], f"{path}.errors: {item}"
            else:
                no_payload_errors(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            no_payload_errors(item, f"{path}[{n}]")


async def seed(world) -> None:
    """The two recipients the examples name (ids 1 and 2, in the order created)."""
    village = world.regions["532922101001"]
    wang = await Person.create(id_number="532922194003150110", name="王秀英", village=village, phone="13908721234")
    li = await Person.create(id_number="532922195807020244", name="李国华", village=village, phone="13987650001")
    for person, start in ((wang, dt.date(2021, 11, 1)), (li, dt.date(2024, 1, 1))):
        await Entitlement.create(person=person, scheme=Scheme.RESIDENT_PENSION, start_month=start,
                                 monthly_amount_fen=15_300, region=village)  # fmt: skip
    await event(wang, EventType.CERTIFIED, dt.date(2024, 5, 10), channel=Channel.APP_SELF.value)
    await event(wang, EventType.DIED, dt.date(2025, 3, 2), recorded=dt.datetime(2025, 6, 20, 3, tzinfo=dt.UTC))
    await event(li, EventType.CERTIFIED, dt.date(2024, 6, 1), channel=Channel.ONSITE_PAPER.value)
    for month in (dt.date(2025, 4, 1), dt.date(2025, 5, 1)):  # paid before the death was known (R-PAY-4)
        await pay_month(world, month, {wang: 15_300})
    await refresh_states([wang.id, li.id], default_policy())


def test_the_docs_have_the_examples_front_ends_need():
    queries = " ".join(query for _, query, _ in examples())
    for needed in ("dueBefore", "dashboard", "assessment", "recordCertification", "knownAt", "revealIdentity"):
        assert needed in queries, needed


async def test_every_docs_example_runs_without_errors(world):
    await seed(world)
    for role, query, variables in examples():
        body = await world.gql(Role(role), query, **variables)
        assert "errors" not in body, (query, body["errors"])
        no_payload_errors(body["data"])
        assert all(v is not None for v in body["data"].values()), (query, body["data"])


@pytest.mark.parametrize("role", ["VILLAGE_ASSISTANT", "TOWNSHIP_STAFF", "INVESTIGATOR"])
def test_examples_are_run_as_real_roles(role):
    assert role in {r for r, _, _ in examples()}
