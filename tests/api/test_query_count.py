"""No N+1: a page of recipients with everything a list shows costs the same number of SQL statements
whatever its size (DataLoaders and set-based queries), counted at the database client."""

from __future__ import annotations

import datetime as dt

from casehub.domain import Channel, EventType, KeyGroup, Role
from casehub.models import Event, KeyGroupFact
from tests.api.conftest import ADMIN, statements

PAGE = """
query ($first: Int!, $filter: RecipientFilterInput, $order: RecipientOrderInput) {
  recipients(first: $first, filter: $filter, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id name idNumber phone age keyGroups
      village { code name parent { name } }
      entitlements {
        scheme unit { name }
        state { status nextDue overdueFrom explanation { rule article policyVersion zh } }
      }
      timeline(last: 10) { type occurredOn recordedAt retracted retractedBy { id } recordedBy { name } payload }
    } }
  }
}
"""
async def seed(world, count: int) -> None:
    """`count` recipients, each with 12 events (a retraction among them), a state, some key-group facts."""
    people = [await world.recipient("532922101001" if i % 2 else "532922101002", unit="A1" if i % 5 == 0 else None)
              for i in range(count)]  # fmt: skip
    rows = []
    for p in people:
        for n in range(11):
            day = dt.date(2024, 1, 1) + dt.timedelta(days=30 * n)
            rows.append(Event(
                person_id=p.id, type=EventType.CERTIFIED, occurred_on=day, source_adapter="test",
                recorded_at=dt.datetime.combine(day, dt.time(9), dt.UTC), natural_key=f"c:{p.id}:{n}",
                payload={"channel": Channel.APP_SELF.value}, staff_id=world.staff[Role.VILLAGE_ASSISTANT].id,
            ))  # fmt: skip
    await Event.bulk_create(rows)
    retract = []
    for p in people:
        target = await Event.get(natural_key=f"c:{p.id}:10")
        retract.append(Event(
            person_id=p.id, type=EventType.RETRACTED, occurred_on=dt.date(2024, 12, 1), source_adapter="test",
            recorded_at=dt.datetime(2024, 12, 1, 9, tzinfo=dt.UTC), natural_key=f"r:{p.id}", corrects_id=target.id,
            payload={"reason": "entered twice"},
        ))  # fmt: skip
    await Event.bulk_create(retract)
    await KeyGroupFact.bulk_create([
        KeyGroupFact(person_id=p.id, group=KeyGroup.SEVERELY_DISABLED, since=dt.date(2020, 1, 1), source="残疾人证")
        for p in people[::3]
    ])  # fmt: skip
    await world.refresh(*people)


async def count_page(world, first: int, **variables) -> tuple[int, dict]:
    with statements() as seen:
        data = await world.ok(ADMIN, PAGE, first=first, **variables)
    return len(seen), data


async def test_a_page_of_100_costs_the_same_statements_as_a_page_of_10(world):
    await seed(world, 100)
    small, data_small = await count_page(world, 10)
    large, data_large = await count_page(world, 100)
    assert len(data_small["recipients"]["edges"]) == 10 and len(data_large["recipients"]["edges"]) == 100
    node = data_large["recipients"]["edges"][0]["node"]
    assert len(node["timeline"]) == 10 and node["timeline"][-1]["type"] == "RETRACTED"
    assert node["timeline"][-2]["retracted"] is True and node["entitlements"][0]["state"]["status"]
    assert small == large, (small, large)
    # auth, count, page, villages, townships, entitlements, units, states, key groups, last events, corrections, staff
    assert large <= 12, large


async def test_filtered_and_ordered_pages_do_not_grow_either(world):
    await seed(world, 40)
    variables = {"filter": {"regionCode": "532922101", "statuses": ["ACTIVE", "SUSPENDED"], "schemes":
                            ["RESIDENT_PENSION"], "keyGroups": ["SEVERELY_DISABLED", "VERY_OLD"]},
                 "order": {"field": "NEXT_DUE"}}  # fmt: skip
    small, _ = await count_page(world, 5, **variables)
    large, data = await count_page(world, 13, **variables)
    assert data["recipients"]["totalCount"] == 14  # every third recipient holds a fact
    assert small == large


async def test_a_recipient_page_with_assessment_is_a_fixed_number_of_statements(world):
    await seed(world, 3)
    query = """query ($first: Int!) { recipients(first: $first) { edges { node {
        assessment { status: entitlements { status nextDue explanation { rule events { type } }
                     decisions { month action } overpayments { month } } }
        entitlements { assessment(asOf: "2025-01-01") { status } }
    } } } }"""
    with statements() as one:
        await world.ok(ADMIN, query, first=1)
    with statements() as three:
        await world.ok(ADMIN, query, first=3)
    assert len(one) == len(three)
