"""Who sees what, and who may write what: every role against every root field and every mutation.

Scoping is decided in one place (`casehub.access`) and must hold for root fields, `node(id)`,
nested fields and writes alike: a village assistant neither sees nor records for another village.
`test_every_root_field_is_covered` fails when a root field appears without a line here (or, for
the supervision processes' fields, in tests/processes).
"""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from casehub import access
from casehub.auth import ALGORITHM, AUDIENCE, ISSUER, PERMISSIONS, Permission, viewer_for_staff
from casehub.domain import DependantRole, EventType, Role, Scheme
from casehub.models import AuditEntry, Entitlement, Event
from casehub.schema import build_schema
from tests.api.conftest import ADMIN, event, gid
from tests.factories import SETTINGS

LIST = "{ recipients(first: 100) { totalCount edges { node { id name } } } }"
ONE = "query ($n: String!) { recipient(idNumber: $n) { name } }"
NODE = """query ($id: ID!) { node(id: $id) { __typename
  ... on Recipient { name } ... on Entitlement { scheme } ... on TimelineEvent { type } ... on Region { code } } }"""
NESTED = """{ recipients { edges { node { name entitlements { scheme } timeline { type }
  assessment { entitlements { scheme } } } } } }"""
DASHBOARD = '{ dashboard(regionCode: "532922") { total { recipients } breakdown { region { code } recipients } } }'
VIEWER = "{ viewer { username role permissions } }"
REGIONS = '{ regions { code } region(code: "532922101") { name } }'

VISIBLE = {
    Role.COUNTY_ADMIN: {"v11", "v12", "v21", "unit"},
    Role.COUNTY_STAFF: {"v11", "v12", "v21", "unit"},
    Role.TOWNSHIP_STAFF: {"v11", "v12"},
    Role.VILLAGE_ASSISTANT: {"v11"},
    Role.UNIT_HANDLER: {"unit"},
    Role.INVESTIGATOR: {"v11", "v12", "v21", "unit"},
    Role.AUDITOR: {"v11", "v12", "v21", "unit"},
    Role.IMPORT_SERVICE: set(),  # may import, may not read cases
}

# Root fields covered here, and the supervision processes' root fields covered in tests/processes.
COVERED = {"node", "viewer", "recipient", "recipients", "regions", "region", "dashboard"}
COVERED_MUTATIONS = {
    "recordCertification", "recordDeath", "recordCustodyStarted", "recordCustodyEnded", "recordSentence",
    "recordSentenceEnded", "recordDependantChange", "retractEvent", "amendEvent", "revealIdentity",
}  # fmt: skip
PROCESS_FIELDS = {
    "deathReportCompliance", "stopEventLatency", "publicNotices", "publicNoticeRoster", "tipOffs", "spotCheck",
    "verifySpotCheck", "keyGroupLedger", "homeVisitSchedule", "dueSoon", "investigationReferrals",
}  # fmt: skip
PROCESS_MUTATIONS = {
    "submitDeathReport", "createPublicNotice", "recordPublicNoticeRemoval", "recordTipOff", "closeTipOff",
    "referTipOff", "drawSpotCheck", "recordSpotCheckFinding", "recordKeyGroupFact", "endKeyGroupFact",
    "recordHomeVisit", "recordReminder",
}  # fmt: skip

# Payroll and casework (issue 6 part B): the role matrix is in tests/casework/test_api.py.
MONEY_FIELDS = {
    "payrollRun", "payrollRuns", "sweepRuns", "recoveryCases", "duplicateReceipts", "investigations",
    "approvalRequests",
}  # fmt: skip
MONEY_MUTATIONS = {
    "closePayrollMonth", "recordRepayment", "requestRecoveryWaiver", "requestInstalmentPlan",
    "requestDecisionOverride", "approveRequest", "rejectRequest", "openInvestigation", "transitionInvestigation",
    "linkToInvestigation", "recordAccountability", "requestReopenInvestigation", "resolveDuplicateReceipt",
}  # fmt: skip


def test_every_root_field_is_covered():
    schema = build_schema()
    queries = set(schema._schema.query_type.fields)
    mutations = set(schema._schema.mutation_type.fields)
    assert queries - COVERED - PROCESS_FIELDS - MONEY_FIELDS == set(), "add the new root field to the role matrix"
    assert mutations - COVERED_MUTATIONS - PROCESS_MUTATIONS - MONEY_MUTATIONS == set(), (
        "add the new mutation to the role matrix"
    )


@pytest.fixture
async def scoped(world):
    people = {
        "v11": await world.recipient("532922101001", name="v11"),
        "v12": await world.recipient("532922101002", name="v12"),
        "v21": await world.recipient("532922102001", name="v21"),
        "unit": await world.recipient(
            "532922102001", name="unit", scheme=Scheme.WORK_INJURY_LONG_TERM, unit="A1",
            dependant_role=DependantRole.SPOUSE,
        ),
    }  # fmt: skip
    events = {name: await event(p, EventType.CERTIFIED, dt.date(2024, 6, 1), channel="WINDOW")
              for name, p in people.items()}  # fmt: skip
    await world.refresh(*people.values())
    return world, people, events


def refused(body: dict, permission: str) -> bool:
    """A top-level permission error and no data for the field."""
    data = body.get("data") or {}
    return all(v is None for v in data.values()) and f"lacks permission {permission}" in body["errors"][0]["message"]


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_against_every_root_field(scoped, role):
    world, people, events = scoped
    expected = VISIBLE[role]
    can_read = Permission.READ_CASES in PERMISSIONS[role]

    listed = await world.gql(role, LIST)
    if not can_read:
        assert refused(listed, "READ_CASES")
    else:
        assert {e["node"]["name"] for e in listed["data"]["recipients"]["edges"]} == expected
        assert listed["data"]["recipients"]["totalCount"] == len(expected)

    for name, person in people.items():
        one = await world.gql(role, ONE, n=person.id_number)
        entitlement = await Entitlement.get(person_id=person.id)
        ids = [gid("Recipient", person.id), gid("Entitlement", entitlement.id), gid("TimelineEvent", events[name].id)]
        nodes = [await world.gql(role, NODE, id=i) for i in ids]
        if not can_read:
            assert refused(one, "READ_CASES") and all(n["data"]["node"] is None for n in nodes)
        elif name in expected:
            assert one["data"]["recipient"]["name"] == name
            assert [n["data"]["node"]["__typename"] for n in nodes] == ["Recipient", "Entitlement", "TimelineEvent"]
        else:
            assert one["data"]["recipient"] is None
            assert all(n["data"]["node"] is None for n in nodes), name

    nested = await world.gql(role, NESTED)
    dashboard = await world.gql(role, DASHBOARD)
    if can_read:
        for edge in nested["data"]["recipients"]["edges"]:
            assert len(edge["node"]["timeline"]) == 1 and len(edge["node"]["assessment"]["entitlements"]) == 1
        total = dashboard["data"]["dashboard"]["total"]["recipients"]
        assert total == len(expected)
        assert sum(r["recipients"] for r in dashboard["data"]["dashboard"]["breakdown"]) == total
    else:
        assert refused(nested, "READ_CASES") and refused(dashboard, "READ_CASES")

    # the region list is public within the service; `viewer` says who is asking
    regions = await world.ok(role, REGIONS)
    assert len(regions["regions"]) == 6 and regions["region"]["name"] == "苍山西镇"
    me = (await world.ok(role, VIEWER))["viewer"]
    assert me["role"] == role.value and set(me["permissions"]) == {p.value for p in PERMISSIONS[role]}
    region_node = await world.gql(role, NODE, id=gid("Region", world.regions["532922"].id))
    assert (region_node["data"]["node"] is not None) == can_read


async def test_unit_handler_sees_only_their_units_entitlements(scoped):
    world, people, _ = scoped
    await Entitlement.create(
        person=people["unit"], scheme=Scheme.RESIDENT_PENSION, start_month=dt.date(2024, 1, 1),
        monthly_amount_fen=10_000, region=world.regions["532922102001"],
    )
    await world.refresh(people["unit"])
    query = """{ recipients { edges { node {
        entitlements { scheme state { status } } assessment { entitlements { scheme } } } } } }"""
    body = await world.ok(Role.UNIT_HANDLER, query)
    node = body["recipients"]["edges"][0]["node"]
    assert [e["scheme"] for e in node["entitlements"]] == ["WORK_INJURY_LONG_TERM"]
    assert [e["scheme"] for e in node["assessment"]["entitlements"]] == ["WORK_INJURY_LONG_TERM"]
    dashboard = await world.ok(Role.UNIT_HANDLER, DASHBOARD)
    assert dashboard["dashboard"]["total"]["recipients"] == 1


async def test_a_unit_handler_without_a_unit_sees_nothing(scoped):
    """Not every row of no unit: `unit_id = None` in a filter means IS NULL (found by tests/api/test_access_sql.py)."""
    world, people, _ = scoped
    member = world.staff[Role.UNIT_HANDLER]
    member.unit = None
    await member.save()
    assert (await world.ok(Role.UNIT_HANDLER, LIST))["recipients"]["totalCount"] == 0
    for person in people.values():
        assert (await world.ok(Role.UNIT_HANDLER, ONE, n=person.id_number))["recipient"] is None
    assert (await world.ok(Role.UNIT_HANDLER, DASHBOARD))["dashboard"]["total"]["recipients"] == 0
    viewer = await viewer_for_staff(member.id)
    assert not await access.entitlement_states(viewer).count()
    assert not await access.death_reports(viewer).count()


# --- writes ----------------------------------------------------------------------------------------

MUTATIONS = {  # name: (permission, input builder for a person and their event)
    "recordCertification": (Permission.RECORD_EVENTS, lambda p, e: {
        "recipientId": p, "channel": "APP_SELF", "certifiedOn": "2025-01-02"}),
    "recordDeath": (Permission.RECORD_EVENTS, lambda p, e: {"recipientId": p, "diedOn": "2025-01-02"}),
    "recordCustodyStarted": (Permission.RECORD_EVENTS, lambda p, e: {
        "recipientId": p, "measure": "ARREST", "caseRef": "C1", "startedOn": "2025-01-02"}),
    "recordCustodyEnded": (Permission.RECORD_EVENTS, lambda p, e: {
        "recipientId": p, "outcome": "WITHDRAWN", "caseRef": "C1", "endedOn": "2025-01-03"}),
    "recordSentence": (Permission.RECORD_EVENTS, lambda p, e: {
        "recipientId": p, "penalty": "FIXED_TERM", "caseRef": "C2", "sentencedOn": "2025-01-02"}),
    "recordSentenceEnded": (Permission.RECORD_EVENTS, lambda p, e: {
        "recipientId": p, "caseRef": "C2", "endedOn": "2025-01-03"}),
    "recordDependantChange": (Permission.RECORD_EVENTS, lambda p, e: {
        "recipientId": p, "change": "REMARRIED", "occurredOn": "2025-01-02"}),
    "amendEvent": (Permission.CORRECT_EVENTS, lambda p, e: {
        "eventId": e, "reason": "date misread", "changes": {"occurredOn": "2024-06-02"}}),
    "retractEvent": (Permission.CORRECT_EVENTS, lambda p, e: {"eventId": e, "reason": "entered for the wrong person"}),
    "revealIdentity": (Permission.REVEAL_PII, lambda p, e: {"recipientId": p, "reason": "核实身份 for a visit"}),
}  # fmt: skip
INPUT_TYPE = {name: name[0].upper() + name[1:] + "Input" for name in MUTATIONS}


def mutation(name: str) -> str:
    return f"mutation ($input: {INPUT_TYPE[name]}!) {{ {name}(input: $input) {{ errors {{ field code message }} }} }}"


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_against_every_mutation(scoped, role):
    """In scope: accepted or refused for a domain reason; out of scope: NOT_FOUND; without permission: refused."""
    world, people, events = scoped
    for name, (permission, build) in MUTATIONS.items():
        for who, person in people.items():
            variables = build(gid("Recipient", person.id), gid("TimelineEvent", events[who].id))
            body = await world.gql(role, mutation(name), input=variables)
            if permission not in PERMISSIONS[role]:
                assert refused(body, permission.value), (name, body)
                continue
            errors = body["data"][name]["errors"]
            codes = {e["code"] for e in errors}
            if who in VISIBLE[role]:
                assert "NOT_FOUND" not in codes, (name, who, errors)
                # domain refusals that show the checks ran: only a dependant's benefit stops on remarriage
                if name == "recordDependantChange" and who != "unit":
                    assert codes == {"NOT_A_DEPENDANT"}
                else:
                    assert errors == [], (name, who, errors)
            else:
                assert codes == {"NOT_FOUND"}, (name, who, errors)
                assert errors[0]["field"] in ("recipientId", "eventId")


async def test_a_village_assistant_cannot_record_for_another_village_and_it_is_audited(scoped):
    world, people, _ = scoped
    before = await Event.filter(person_id=people["v12"].id).count()
    body = await world.ok(Role.VILLAGE_ASSISTANT, mutation("recordDeath"), input={
        "recipientId": gid("Recipient", people["v12"].id), "diedOn": "2025-01-02"})  # fmt: skip
    assert body["recordDeath"]["errors"][0]["code"] == "NOT_FOUND"
    assert await Event.filter(person_id=people["v12"].id).count() == before
    entry = await AuditEntry.filter(action="RECORD_DEATH").order_by("-id").first()
    assert entry.actor_id == world.staff[Role.VILLAGE_ASSISTANT].id and entry.detail["outcome"] == "REJECTED"


async def test_no_token_expired_tampered_and_foreign_tokens_are_refused(scoped):
    world, _, _ = scoped
    admin = world.staff[ADMIN]
    assert "authentication required" in (await world.gql(None, LIST))["errors"][0]["message"]
    assert "authentication required" in (await world.gql(None, REGIONS))["errors"][0]["message"]
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(admin.id), "aud": AUDIENCE, "iss": ISSUER, "iat": now}
    expired = jwt.encode({**claims, "exp": now - dt.timedelta(minutes=1)}, SETTINGS.secret, ALGORITHM)
    foreign = jwt.encode({**claims, "aud": "other", "exp": now + dt.timedelta(hours=1)}, SETTINGS.secret, ALGORITHM)
    forged = jwt.encode({**claims, "exp": now + dt.timedelta(hours=1)}, "not-the-secret-but-long-enough-for-hs256",
                        ALGORITHM)  # fmt: skip
    for token, message in [(expired, "expired"), (foreign, "not valid"), (forged, "not valid"), ("junk", "not valid")]:
        response = await world.client.post("/graphql", json={"query": LIST},
                                           headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        body = response.json()
        assert message in body["errors"][0]["message"] and body["data"] is None


async def test_deactivated_staff_token_stops_working_at_once(scoped):
    world, _, _ = scoped
    member = world.staff[Role.COUNTY_STAFF]
    assert (await world.gql(Role.COUNTY_STAFF, LIST))["data"] is not None
    member.active = False
    await member.save()
    assert "no active staff" in (await world.gql(Role.COUNTY_STAFF, LIST))["errors"][0]["message"]
