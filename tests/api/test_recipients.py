"""Reads: a recipient's page (masked identity, explanation, decisions, bitemporal timeline) and the
recipients connection (search, filters on the projection, ordering, keyset pages). Overpayments, which
come from the payroll ledger: test_overpayments.py."""

from __future__ import annotations

import datetime as dt

import pytest

from casehub.clock import today
from casehub.domain import Channel, EventType, KeyGroup, Role, Scheme
from casehub.models import KeyGroupFact
from tests.api.conftest import ADMIN, event, gid

PAGE = """
query ($n: String!, $asOf: Date, $knownAt: DateTime) {
  recipient(idNumber: $n) {
    id name idNumber phone age sex keyGroups
    village { code parent { code } }
    entitlements {
      scheme
      state { status nextDue asOf explanation { rule article policyVersion zh en eventIds } }
    }
    timeline(asOf: $asOf, knownAt: $knownAt) {
      type occurredOn naturalKey retracted retractedBy { type payload } corrects { type } amendedBy { payload }
    }
    assessment(asOf: $asOf, knownAt: $knownAt) {
      asOf knownAt diedOn keyGroups
      entitlements {
        scheme status causes nextDue overdueFrom isOverdue lastCertifiedOn
        explanation { rule article policyVersion zh en events { type occurredOn } }
        periods { status start end }
      }
    }
  }
}
"""


async def page(world, person, role: Role = ADMIN, **variables) -> dict:
    return (await world.ok(role, PAGE, n=person.id_number, **variables))["recipient"]


async def test_identity_is_masked_and_the_birth_date_is_not_shown(world):
    person = await world.recipient(born=dt.date(1940, 5, 6), phone="13912345678")
    recipient = await page(world, person)
    assert recipient["idNumber"] == "532922********" + person.id_number[-4:]
    assert recipient["phone"] == "139****5678"
    assert recipient["age"] == today().year - 1940 - (1 if (today().month, today().day) < (5, 6) else 0)
    assert recipient["keyGroups"] == ["VERY_OLD"]  # R-KEY-1: 80 or over
    assert recipient["village"] == {"code": "532922101001", "parent": {"code": "532922101"}}
    body = await world.gql(ADMIN, "query ($n: String!) { recipient(idNumber: $n) { birthDate } }", n=person.id_number)
    assert "Cannot query field 'birthDate'" in body["errors"][0]["message"]


async def test_invalid_id_number_is_a_clear_error(world):
    body = await world.gql(ADMIN, PAGE, n="532922195001010010")
    assert body["data"] == {"recipient": None} and "check digit" in body["errors"][0]["message"]


async def test_r_tl_1_a_retracted_event_stays_on_the_timeline_marked(world):
    person = await world.recipient()
    died = await event(person, EventType.DIED, dt.date(2024, 3, 2), recorded=dt.datetime(2024, 3, 10, tzinfo=dt.UTC))
    await event(person, EventType.RETRACTED, dt.date(2024, 4, 1), corrects=died, reason="wrong person",
                recorded=dt.datetime(2024, 4, 1, tzinfo=dt.UTC))  # fmt: skip
    timeline = (await page(world, person))["timeline"]
    assert [(e["type"], e["retracted"]) for e in timeline] == [("DIED", True), ("RETRACTED", False)]
    assert timeline[0]["retractedBy"] == {"type": "RETRACTED", "payload": {"reason": "wrong person"}}
    assert timeline[1]["corrects"] == {"type": "DIED"}


async def test_r_tl_2_as_known_at_a_moment_the_death_stood(world):
    """An investigator sees what the bureau knew when it paid: the retraction was not known yet."""
    person = await world.recipient()
    died = await event(person, EventType.DIED, dt.date(2024, 3, 2), recorded=dt.datetime(2024, 3, 10, tzinfo=dt.UTC))
    await event(person, EventType.RETRACTED, dt.date(2024, 4, 1), corrects=died, reason="wrong person",
                recorded=dt.datetime(2024, 4, 1, tzinfo=dt.UTC))  # fmt: skip
    known = await page(world, person, asOf="2024-03-20", knownAt="2024-03-15T12:00:00+08:00")
    assert [(e["type"], e["retracted"]) for e in known["timeline"]] == [("DIED", False)]
    assert known["assessment"]["diedOn"] == "2024-03-02"
    assert known["assessment"]["entitlements"][0]["status"] == "ENDED"
    assert known["assessment"]["knownAt"] == "2024-03-15T12:00:00+08:00"
    before = await page(world, person, knownAt="2024-03-01T00:00:00")  # no offset: county time
    assert before["timeline"] == [] and before["assessment"]["diedOn"] is None
    now = await page(world, person)
    assert now["assessment"]["diedOn"] is None and now["assessment"]["entitlements"][0]["status"] != "ENDED"


async def test_as_of_keeps_what_had_happened_by_that_day(world):
    person = await world.recipient()
    for day in (dt.date(2024, 2, 1), dt.date(2024, 8, 1)):
        await event(person, EventType.CERTIFIED, day, channel=Channel.APP_SELF.value)
    recipient = await page(world, person, asOf="2024-05-01")
    assert [e["occurredOn"] for e in recipient["timeline"]] == ["2024-02-01"]
    (ent,) = recipient["assessment"]["entitlements"]
    assert ent["lastCertifiedOn"] == "2024-02-01" and ent["nextDue"] == "2025-02-01"  # 12 months (yunnan-2023)


async def test_the_explanation_names_rule_article_policy_version_and_events(world):
    person = await world.recipient(start=dt.date(2024, 1, 1))
    certified = await event(person, EventType.CERTIFIED, dt.date(2024, 2, 1), channel=Channel.APP_SELF.value)
    await world.refresh(person)
    recipient = await page(world, person)
    (ent,) = recipient["assessment"]["entitlements"]
    assert ent["status"] == "SUSPENDED" and ent["causes"] == ["OVERDUE_CERTIFICATION"] and ent["isOverdue"]
    why = ent["explanation"]
    assert (why["rule"], why["article"], why["policyVersion"]) == ("R-SUS-1", "Art. 10", "yunnan-2023")
    assert why["events"] == [{"type": "CERTIFIED", "occurredOn": "2024-02-01"}]
    assert "2025-02-01" in why["zh"] and "suspended" in why["en"]
    state = recipient["entitlements"][0]["state"]
    assert state["status"] == "SUSPENDED" and state["asOf"] == today().isoformat()
    assert state["explanation"]["rule"] == "R-SUS-1"
    assert state["explanation"]["eventIds"] == [gid("TimelineEvent", certified.id)]


DECISIONS = """query ($n: String!, $from: Date, $to: Date, $knownAt: DateTime) { recipient(idNumber: $n) {
  entitlements { assessment(knownAt: $knownAt) {
    decisions(fromMonth: $from, toMonth: $to) { month action amountFen rateFen backPayMonths explanation { rule } }
    withheld { month outcome }
    overpayments { month paidFen dueFen amountFen knownSince explanation { rule en events { type } } }
  } } } }"""


async def test_r_pay_1_decisions_for_a_month_range(world):
    person = await world.recipient(start=dt.date(2024, 1, 1))
    await event(person, EventType.CERTIFIED, dt.date(2024, 2, 1), channel=Channel.APP_SELF.value)
    data = await world.ok(ADMIN, DECISIONS, n=person.id_number, **{"from": "2025-01-01", "to": "2025-04-01"})
    decisions = data["recipient"]["entitlements"][0]["assessment"]["decisions"]
    assert [(d["month"], d["action"]) for d in decisions] == [
        ("2025-01-01", "PAY"), ("2025-02-01", "PAY"), ("2025-03-01", "WITHHOLD"), ("2025-04-01", "WITHHOLD")
    ]  # R-SUS-1: due 2025-02-01, withheld from the month after
    assert decisions[2]["explanation"]["rule"] == "R-SUS-1" and decisions[2]["amountFen"] == 0
    default = await world.ok(ADMIN, DECISIONS, n=person.id_number)
    assert len(default["recipient"]["entitlements"][0]["assessment"]["decisions"]) == 12
    too_many = await world.gql(ADMIN, DECISIONS, n=person.id_number, **{"from": "2010-01-01", "to": "2025-01-01"})
    assert "at most 120 months" in too_many["errors"][0]["message"]


async def test_payloads_evidence_and_natural_keys_never_show_full_numbers(world):
    person = await world.recipient(phone="13812345678")
    await event(person, EventType.DIED, dt.date(2024, 3, 2), key=f"death_records:civil:{person.id_number}:2024-03-02",
                informant="13812345678", note=f"ID {person.id_number}")  # fmt: skip
    query = "query ($n: String!) { recipient(idNumber: $n) { timeline { naturalKey payload evidence } } }"
    (ev,) = (await world.ok(ADMIN, query, n=person.id_number))["recipient"]["timeline"]
    assert person.id_number not in str(ev) and "13812345678" not in str(ev)
    assert ev["naturalKey"] == f"death_records:civil:532922********{person.id_number[-4:]}:2024-03-02"
    assert ev["payload"]["informant"] == "138****5678"


async def test_timeline_last_n_and_its_cap(world):
    person = await world.recipient()
    for n in range(5):
        await event(person, EventType.CERTIFIED, dt.date(2024, 1 + n, 1), channel="APP_SELF")
    query = 'query ($n: String!, $last: Int) { recipient(idNumber: $n) { timeline(last: $last) { occurredOn } } }'
    data = await world.ok(ADMIN, query, n=person.id_number, last=2)
    assert [e["occurredOn"] for e in data["recipient"]["timeline"]] == ["2024-04-01", "2024-05-01"]
    body = await world.gql(ADMIN, query, n=person.id_number, last=101)
    assert "between 1 and 100" in body["errors"][0]["message"]


# --- the recipients connection -------------------------------------------------------------------

LIST = """query ($filter: RecipientFilterInput, $order: RecipientOrderInput, $first: Int!, $after: String) {
  recipients(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name } } } }"""


async def names(world, role: Role = ADMIN, **filter_) -> list[str]:
    data = await world.ok(role, LIST, filter=filter_, first=100)
    assert data["recipients"]["totalCount"] == len(data["recipients"]["edges"])
    return sorted(e["node"]["name"] for e in data["recipients"]["edges"])


async def test_search_by_name_full_id_number_or_its_last_four(world):
    a = await world.recipient(name="张三丰")
    await world.recipient(name="李四")
    assert await names(world, search="三") == ["张三丰"]
    assert await names(world, search=a.id_number) == ["张三丰"]
    assert await names(world, search=a.id_number[-4:]) == ["张三丰"]
    for guess in (a.id_number[-6:], a.id_number[6:14]):  # would uncover masked digits
        body = await world.gql(ADMIN, LIST, filter={"search": guess}, first=10)
        assert "last 4 characters" in body["errors"][0]["message"]
    bad = await world.gql(ADMIN, LIST, filter={"search": a.id_number[:-1] + "0"}, first=10)
    assert "check digit" in bad["errors"][0]["message"] or bad["data"]["recipients"]["totalCount"] == 0


async def test_filters_by_region_prefix_scheme_status_due_dates_and_key_groups(world):
    old = await world.recipient("532922101001", name="old", born=dt.date(1930, 1, 1), start=dt.date(2024, 1, 1))
    fresh = await world.recipient("532922101002", name="fresh", start=dt.date(2024, 1, 1))
    await event(fresh, EventType.CERTIFIED, today() - dt.timedelta(days=10), channel="APP_SELF")
    unit = await world.recipient("532922102001", name="unit", scheme=Scheme.AGENCY_PENSION, unit="A1")
    disabled = await world.recipient("532922102001", name="disabled")
    await KeyGroupFact.create(person=disabled, group=KeyGroup.SEVERELY_DISABLED, since=dt.date(2020, 1, 1),
                              source="残疾人证")  # fmt: skip
    await world.refresh(old, fresh, unit, disabled)

    assert await names(world, regionCode="532922101") == ["fresh", "old"]
    assert await names(world, regionCode="532922101002") == ["fresh"]
    assert await names(world, regionCode="532922") == ["disabled", "fresh", "old", "unit"]
    assert await names(world, schemes=["AGENCY_PENSION"]) == ["unit"]
    assert await names(world, statuses=["ACTIVE"]) == ["fresh"]
    assert await names(world, statuses=["SUSPENDED"], schemes=["RESIDENT_PENSION"]) == ["disabled", "old"]
    in_a_year = (today() + dt.timedelta(days=400)).isoformat()
    assert await names(world, dueBefore=in_a_year) == ["disabled", "fresh", "old", "unit"]
    assert await names(world, dueBefore=today().isoformat()) == ["disabled", "old", "unit"]  # overdue ones too
    assert await names(world, overdueSince="2025-01-02") == ["disabled", "old", "unit"]
    assert await names(world, overdueSince="2024-12-31") == []
    assert await names(world, keyGroups=["VERY_OLD"]) == ["old"]
    assert await names(world, keyGroups=["VERY_OLD", "SEVERELY_DISABLED"]) == ["disabled", "old"]
    assert await names(world, keyGroups=["CANNOT_SELF_CARE"]) == []
    # the same entitlement must match every entitlement condition
    assert await names(world, schemes=["AGENCY_PENSION"], statuses=["ACTIVE"]) == []
    assert await names(world, Role.TOWNSHIP_STAFF, statuses=["SUSPENDED"]) == ["old"]  # scope still applies
    bad = await world.gql(ADMIN, LIST, filter={"regionCode": "5329"}, first=10)
    assert "region code" in bad["errors"][0]["message"]


@pytest.mark.parametrize(
    "order", [None, {"field": "NAME"}, {"field": "NAME", "direction": "DESC"}, {"field": "NEXT_DUE"},
              {"field": "NEXT_DUE", "direction": "DESC"}, {"field": "ID", "direction": "DESC"}],
)  # fmt: skip
async def test_every_order_pages_through_everyone_once(world, order):
    people = [await world.recipient(name=f"人{n % 3}{n}", start=dt.date(2024, 1 + n % 4, 1)) for n in range(7)]
    await world.refresh(*people[:5])  # two recipients without a computed state: last in NEXT_DUE order
    seen, after = [], None
    while True:
        data = await world.ok(ADMIN, LIST, order=order, first=3, after=after)
        page_ = data["recipients"]
        assert page_["totalCount"] == 7
        seen += [e["node"]["name"] for e in page_["edges"]]
        if not page_["pageInfo"]["hasNextPage"]:
            break
        after = page_["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(p.name for p in people) and len(seen) == 7
    if order and order["field"] == "NAME":
        assert seen == sorted(seen, reverse=order.get("direction") == "DESC")


async def test_page_size_is_capped_and_cursors_belong_to_their_order(world):
    await world.recipient()
    await world.recipient()
    body = await world.gql(ADMIN, LIST, first=1000)
    assert "between 1 and 100" in body["errors"][0]["message"]
    cursor = (await world.ok(ADMIN, LIST, first=1))["recipients"]["pageInfo"]["endCursor"]
    body = await world.gql(ADMIN, LIST, first=1, after=cursor, order={"field": "NAME"})
    assert "not one this API issued" in body["errors"][0]["message"]
    body = await world.gql(ADMIN, LIST, first=1, after="garbage")
    assert "not one this API issued" in body["errors"][0]["message"]


async def test_node_resolves_every_kind_of_global_id(world):
    person = await world.recipient()
    one = "query ($n: String!) { recipient(idNumber: $n) { id } }"
    rid = (await world.ok(ADMIN, one, n=person.id_number))["recipient"]["id"]
    query = "query ($id: ID!) { node(id: $id) { __typename ... on Recipient { name } } }"
    assert (await world.ok(ADMIN, query, id=rid))["node"] == {"__typename": "Recipient", "name": person.name}
    assert (await world.ok(ADMIN, query, id="UmVjaXBpZW50OmFiYw=="))["node"] is None  # "Recipient:abc"
