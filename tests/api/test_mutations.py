"""Writes: every event mutation records through the timeline, refreshes the projection, validates against
RULES.md with typed field errors, is idempotent, and is audited; identity reveals are audited."""

from __future__ import annotations

import datetime as dt

from casehub.clock import today
from casehub.domain import DependantRole, EventType, Role, Scheme
from casehub.engine import EntitlementStatus
from casehub.models import AuditEntry, EntitlementState, Event
from tests.api.conftest import ADMIN, event, gid

FIELDS = "errors { field code message } duplicate clientMutationId event { id type occurredOn payload evidence " \
         "sourceAdapter recordedBy { role } corrects { id } } recipient { entitlements { state { status nextDue } } }"


def mutation(name: str) -> str:
    input_type = name[0].upper() + name[1:] + "Input"
    return f"mutation ($input: {input_type}!) {{ {name}(input: $input) {{ {FIELDS} }} }}"


CERTIFY = mutation("recordCertification")
DEATH = mutation("recordDeath")
CUSTODY = mutation("recordCustodyStarted")
CUSTODY_END = mutation("recordCustodyEnded")
SENTENCE = mutation("recordSentence")
SENTENCE_END = mutation("recordSentenceEnded")
DEPENDANT = mutation("recordDependantChange")
RETRACT = mutation("retractEvent")
AMEND = mutation("amendEvent")


def days_ago(n: int) -> str:
    return (today() - dt.timedelta(days=n)).isoformat()


async def run(world, query: str, role: Role = ADMIN, **input_) -> dict:
    data = await world.ok(role, query, input=input_)
    return next(iter(data.values()))


def codes(payload: dict) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def test_an_app_certification_is_recorded_refreshed_audited_and_idempotent(world):
    person = await world.recipient(start=dt.date(2024, 1, 1))
    await world.refresh(person)
    assert (await EntitlementState.get(person_id=person.id)).status is EntitlementStatus.SUSPENDED
    rid = gid("Recipient", person.id)
    done = await run(world, CERTIFY, Role.VILLAGE_ASSISTANT, recipientId=rid, channel="APP_SELF",
                     certifiedOn=days_ago(1), evidence=["serial:A1"], clientMutationId="phone-42")  # fmt: skip
    assert done["errors"] == [] and done["duplicate"] is False and done["clientMutationId"] == "phone-42"
    assert done["event"]["type"] == "CERTIFIED" and done["event"]["payload"] == {"channel": "APP_SELF"}
    assert done["event"]["sourceAdapter"] == "api" and done["event"]["recordedBy"] == {"role": "VILLAGE_ASSISTANT"}
    # the projection follows the write (R-SUS-2: certified, the suspension ends)
    assert done["recipient"]["entitlements"][0]["state"]["status"] == "ACTIVE"
    entry = await AuditEntry.filter(action="RECORD_CERTIFICATION").order_by("-id").first()
    assert entry.actor_id == world.staff[Role.VILLAGE_ASSISTANT].id and entry.target_id == str(person.id)
    assert entry.detail["outcome"] == "RECORDED" and entry.detail["clientMutationId"] == "phone-42"

    again = await run(world, CERTIFY, Role.VILLAGE_ASSISTANT, recipientId=rid, channel="APP_SELF",
                      certifiedOn=days_ago(1), evidence=["serial:A1"], clientMutationId="phone-42")  # fmt: skip
    assert again["errors"] == [] and again["duplicate"] is True and again["event"]["id"] == done["event"]["id"]
    assert await Event.filter(person_id=person.id).count() == 1
    assert (await AuditEntry.filter(action="RECORD_CERTIFICATION").order_by("-id").first()).detail["outcome"] == \
        "DUPLICATE"
    # the same fact without a client id is one event too (natural key: who, channel, day)
    once = await run(world, CERTIFY, Role.COUNTY_STAFF, recipientId=rid, channel="WINDOW", certifiedOn=days_ago(2))
    twice = await run(world, CERTIFY, Role.COUNTY_STAFF, recipientId=rid, channel="WINDOW", certifiedOn=days_ago(2))
    assert twice["duplicate"] and twice["event"]["id"] == once["event"]["id"]
    # a client id reused for another write is refused, not silently mapped
    clash = await run(world, DEATH, Role.VILLAGE_ASSISTANT, recipientId=rid, diedOn=days_ago(1),
                      clientMutationId="phone-42")  # fmt: skip
    assert codes(clash) == [("clientMutationId", "IDEMPOTENCY_CONFLICT")]


async def test_dates_are_checked_against_today_birth_and_death(world):
    person = await world.recipient(born=dt.date(1950, 3, 15))
    rid = gid("Recipient", person.id)
    future = (today() + dt.timedelta(days=1)).isoformat()
    assert codes(await run(world, CERTIFY, recipientId=rid, channel="APP_SELF", certifiedOn=future)) == [
        ("certifiedOn", "DATE_IN_FUTURE")
    ]
    assert codes(await run(world, DEATH, recipientId=rid, diedOn="1950-03-14")) == [("diedOn", "BEFORE_BIRTH")]
    assert (await run(world, DEATH, recipientId=rid, diedOn="2024-05-01"))["errors"] == []
    late = await run(world, CERTIFY, recipientId=rid, channel="APP_SELF", certifiedOn="2024-06-01")
    assert codes(late) == [("certifiedOn", "RECIPIENT_DIED")]
    other = await run(world, DEATH, recipientId=rid, diedOn="2024-05-02")
    assert codes(other) == [("diedOn", "ALREADY_DEAD")] and "amend" in other["errors"][0]["message"]
    assert await Event.filter(person_id=person.id).count() == 1
    assert (await EntitlementState.get(person_id=person.id)).status is EntitlementStatus.ENDED  # R-DTH-5


async def test_unknown_or_foreign_ids_and_schemes_not_held(world):
    person = await world.recipient()
    bogus = await run(world, DEATH, recipientId=gid("Region", 1), diedOn="2024-05-01")
    assert codes(bogus) == [("recipientId", "NOT_FOUND")]
    held = await run(world, CERTIFY, recipientId=gid("Recipient", person.id), channel="WINDOW",
                     certifiedOn="2024-05-01", scheme="AGENCY_PENSION")  # fmt: skip
    assert codes(held) == [("scheme", "NO_ENTITLEMENT")]
    many = await run(world, DEATH, recipientId=gid("Recipient", person.id), diedOn="2024-05-01",
                     evidence=[f"photo:{n}" for n in range(21)])  # fmt: skip
    assert codes(many) == [("evidence", "TOO_MANY")]


PAPER = {
    "formNumber": "F-2025-001",
    "signatures": [{"role": "VILLAGE_GROUP_LEADER", "name": "王组长"}, {"role": "VILLAGE_ASSISTANT", "name": "李协办"},
                   {"role": "VILLAGE_DIRECTOR", "name": "赵主任"}],
    "evidence": [{"kind": "PHOTO", "reference": "IMG_0012.jpg"}],
}  # fmt: skip


async def test_r_pap_paper_certification_needs_its_form_signatures_and_evidence(world):
    person = await world.recipient()
    rid = gid("Recipient", person.id)
    bare = await run(world, CERTIFY, recipientId=rid, channel="ONSITE_PAPER", certifiedOn=days_ago(3))
    assert codes(bare) == [("scheme", "REQUIRED"), ("paperForm", "REQUIRED")]
    lacking = await run(world, CERTIFY, recipientId=rid, channel="ONSITE_PAPER", certifiedOn=days_ago(3),
                        scheme="RESIDENT_PENSION",
                        paperForm={"formNumber": "F-1", "signatures": PAPER["signatures"][:1]})  # fmt: skip
    assert codes(lacking) == [  # R-PAP-6: one error per missing item, naming it
        ("paperForm.signatures", "MISSING_SIGNATURE"), ("paperForm.signatures", "MISSING_SIGNATURE"),
        ("paperForm.evidence", "MISSING_EVIDENCE"),
    ]  # fmt: skip
    assert "VILLAGE_ASSISTANT" in lacking["errors"][0]["message"]
    assert await Event.filter(person_id=person.id).count() == 0

    done = await run(world, CERTIFY, recipientId=rid, channel="ONSITE_PAPER", certifiedOn=days_ago(3),
                     scheme="RESIDENT_PENSION", paperForm=PAPER)  # fmt: skip
    assert done["errors"] == []
    payload = done["event"]["payload"]
    assert payload["channel"] == "ONSITE_PAPER" and payload["form_number"] == "F-2025-001"
    assert payload["signatures"]["VILLAGE_DIRECTOR"] == ["赵主任"] and payload["policy_version"] == "yunnan-2023"
    assert done["event"]["evidence"] == ["form:F-2025-001", "photo:IMG_0012.jpg"]
    # the natural key is the paper-forms adapter's: the same form imported later is recorded once (R-TL-3)
    assert (await Event.get(person_id=person.id)).natural_key == "paper_forms:RESIDENT_PENSION:F-2025-001"
    other = await world.recipient()
    reused = await run(world, CERTIFY, recipientId=gid("Recipient", other.id), channel="ONSITE_PAPER",
                       certifiedOn=days_ago(3), scheme="RESIDENT_PENSION", paperForm=PAPER)  # fmt: skip
    assert codes(reused) == [("paperForm.formNumber", "IDEMPOTENCY_CONFLICT")]
    wrong = await run(world, CERTIFY, recipientId=rid, channel="APP_SELF", certifiedOn=days_ago(2), paperForm=PAPER)
    assert codes(wrong) == [("paperForm", "INVALID")]


async def test_r_jud_custody_and_sentence_with_their_ends(world):
    person = await world.recipient(start=dt.date(2024, 1, 1))
    rid = gid("Recipient", person.id)
    await event(person, EventType.CERTIFIED, today() - dt.timedelta(days=60), channel="APP_SELF")
    no_case = await run(world, CUSTODY_END, recipientId=rid, outcome="WITHDRAWN", caseRef="X", endedOn=days_ago(1))
    assert codes(no_case) == [("caseRef", "NO_OPEN_CASE")]
    started = await run(world, CUSTODY, recipientId=rid, measure="ARREST", caseRef="(2025)滇2922刑初1号",
                        startedOn=days_ago(40))  # fmt: skip
    assert started["errors"] == [] and started["event"]["payload"]["measure"] == "ARREST"
    assert started["recipient"]["entitlements"][0]["state"]["status"] == "SUSPENDED"  # R-JUD-1
    early = await run(world, CUSTODY_END, recipientId=rid, outcome="WITHDRAWN", caseRef="(2025)滇2922刑初1号",
                      endedOn=days_ago(41))  # fmt: skip
    assert codes(early) == [("endedOn", "ENDS_BEFORE_START")]
    ended = await run(world, CUSTODY_END, recipientId=rid, outcome="WITHDRAWN", caseRef="(2025)滇2922刑初1号",
                      endedOn=days_ago(5))  # fmt: skip
    assert ended["errors"] == [] and ended["recipient"]["entitlements"][0]["state"]["status"] == "ACTIVE"
    twice = await run(world, CUSTODY_END, recipientId=rid, outcome="ACQUITTED", caseRef="(2025)滇2922刑初1号",
                      endedOn=days_ago(4))  # fmt: skip
    assert codes(twice) == [("caseRef", "ALREADY_ENDED")]

    prisoner = await world.recipient(start=dt.date(2024, 1, 1))
    pid = gid("Recipient", prisoner.id)
    sentenced = await run(world, SENTENCE, recipientId=pid, penalty="FIXED_TERM", caseRef="S1",
                          sentencedOn=days_ago(40))  # fmt: skip
    assert sentenced["event"]["payload"] == {"penalty": "FIXED_TERM", "suspended": False, "outside_prison": False,
                                             "case_ref": "S1"}  # fmt: skip
    assert sentenced["recipient"]["entitlements"][0]["state"]["status"] == "SUSPENDED"  # R-JUD-1
    released = await run(world, SENTENCE_END, recipientId=pid, caseRef="S1", endedOn=days_ago(1))
    assert released["errors"] == [] and released["event"]["type"] == "SENTENCE_ENDED"
    missing = await run(world, SENTENCE_END, recipientId=pid, caseRef="S2", endedOn=days_ago(1))
    assert codes(missing) == [("caseRef", "NO_OPEN_CASE")]


async def test_r_wid_1_a_dependant_change_stops_the_benefit_when_it_applies(world):
    child = await world.recipient(scheme=Scheme.WORK_INJURY_LONG_TERM, dependant_role=DependantRole.CHILD,
                                  born=dt.date(2010, 1, 1))  # fmt: skip
    spouse = await world.recipient(scheme=Scheme.WORK_INJURY_LONG_TERM, dependant_role=DependantRole.SPOUSE)
    pensioner = await world.recipient()
    not_for_child = await run(world, DEPENDANT, recipientId=gid("Recipient", child.id), change="REMARRIED",
                              occurredOn=days_ago(30))  # fmt: skip
    assert codes(not_for_child) == [("change", "CHANGE_NOT_APPLICABLE")]
    not_dependant = await run(world, DEPENDANT, recipientId=gid("Recipient", pensioner.id), change="EMPLOYED",
                              occurredOn=days_ago(30))  # fmt: skip
    assert codes(not_dependant) == [("recipientId", "NOT_A_DEPENDANT")]
    remarried = await run(world, DEPENDANT, recipientId=gid("Recipient", spouse.id), change="REMARRIED",
                          occurredOn="2024-03-10")  # fmt: skip
    assert remarried["errors"] == [] and remarried["recipient"]["entitlements"][0]["state"]["status"] == "STOPPED"
    assert (await Event.get(person_id=spouse.id)).entitlement_id is not None


async def test_r_tl_1_retraction_and_amendment_of_a_death(world):
    person = await world.recipient(start=dt.date(2024, 1, 1))
    rid = gid("Recipient", person.id)
    died = await run(world, DEATH, recipientId=rid, diedOn="2024-05-01")
    death_id = died["event"]["id"]

    amended = await run(world, AMEND, eventId=death_id, reason="the certificate says 3 May",
                        changes={"occurredOn": "2024-05-03"})  # fmt: skip
    assert amended["errors"] == [] and amended["event"]["corrects"] == {"id": death_id}
    assert amended["event"]["payload"] == {"reason": "the certificate says 3 May", "occurred_on": "2024-05-03"}
    case = await world.ok(ADMIN, "query ($id: ID!) { node(id: $id) { ... on Recipient { assessment { diedOn } } } }",
                          id=rid)  # fmt: skip
    assert case["node"]["assessment"]["diedOn"] == "2024-05-03"
    assert codes(await run(world, AMEND, eventId=death_id, reason="x", changes={"channel": "APP_SELF"})) == [
        ("changes.channel", "FIELD_NOT_APPLICABLE")
    ]
    assert codes(await run(world, AMEND, eventId=death_id, reason="nothing", changes={})) == [
        ("changes", "NOTHING_TO_AMEND")
    ]
    assert codes(await run(world, AMEND, eventId=amended["event"]["id"], reason="x",
                           changes={"occurredOn": "2024-05-04"})) == [("eventId", "NOT_AMENDABLE")]  # fmt: skip

    retracted = await run(world, RETRACT, eventId=death_id, reason="wrong person: same name in the next village")
    assert retracted["errors"] == [] and retracted["recipient"]["entitlements"][0]["state"]["status"] != "ENDED"
    again = await run(world, RETRACT, eventId=death_id, reason="wrong person: same name in the next village")
    assert again["duplicate"] and again["event"]["id"] == retracted["event"]["id"]
    other = await run(world, RETRACT, eventId=death_id, reason="another try", clientMutationId="r-2")
    assert codes(other) == [("eventId", "ALREADY_RETRACTED")]
    assert codes(await run(world, AMEND, eventId=death_id, reason="x", changes={"occurredOn": "2024-05-05"})) == [
        ("eventId", "ALREADY_RETRACTED")
    ]
    # a retraction can be retracted: the death stands again (R-TL-1)
    undone = await run(world, RETRACT, eventId=retracted["event"]["id"], reason="the first report was right")
    assert undone["errors"] == [] and undone["recipient"]["entitlements"][0]["state"]["status"] == "ENDED"
    # and the death can then be retracted once more, under a new natural key
    redo = await run(world, RETRACT, eventId=death_id, reason="wrong person after all")
    assert redo["errors"] == [] and redo["duplicate"] is False
    assert await Event.filter(person_id=person.id, type=EventType.RETRACTED).count() == 3
    blank = await run(world, RETRACT, eventId=death_id, reason=" ")  # input is checked before any replay
    assert codes(blank) == [("reason", "REQUIRED"), ("eventId", "ALREADY_RETRACTED")]
    actions = set(await AuditEntry.all().values_list("action", flat=True))
    assert {"RECORD_DEATH", "AMEND_EVENT", "RETRACT_EVENT"} <= actions


REVEAL = """mutation ($input: RevealIdentityInput!) { revealIdentity(input: $input) {
  errors { field code } recipient { name idNumber } identity { idNumber phone birthDate } } }"""


async def test_reveal_identity_is_explicit_and_audited_with_who_what_and_why(world):
    person = await world.recipient(phone="13912345678", born=dt.date(1950, 3, 15))
    rid = gid("Recipient", person.id)
    shown = (await world.ok(Role.TOWNSHIP_STAFF, REVEAL, input={"recipientId": rid, "reason": "上门核实身份"}))
    payload = shown["revealIdentity"]
    assert payload["errors"] == [] and payload["identity"] == {
        "idNumber": person.id_number, "phone": "13912345678", "birthDate": "1950-03-15"}
    assert "*" in payload["recipient"]["idNumber"]  # the recipient itself stays masked
    entry = await AuditEntry.filter(action="REVEAL_IDENTITY").order_by("-id").first()
    assert entry.actor_id == world.staff[Role.TOWNSHIP_STAFF].id  # who
    assert entry.target_type == "person" and entry.target_id == str(person.id)  # what
    assert entry.detail["reason"] == "上门核实身份" and entry.detail["fields"] == ["idNumber", "phone", "birthDate"]
    short = (await world.ok(Role.TOWNSHIP_STAFF, REVEAL, input={"recipientId": rid, "reason": "x"}))["revealIdentity"]
    assert short["errors"] == [{"field": "reason", "code": "REQUIRED"}] and short["identity"] is None
    far = await world.recipient("532922102001")
    outside = await world.ok(Role.TOWNSHIP_STAFF, REVEAL, input={"recipientId": gid("Recipient", far.id),
                                                                 "reason": "just curious"})  # fmt: skip
    assert outside["revealIdentity"]["errors"] == [{"field": "recipientId", "code": "NOT_FOUND"}]
    refused = await world.gql(Role.VILLAGE_ASSISTANT, REVEAL, input={"recipientId": rid, "reason": "上门核实身份"})
    assert "lacks permission REVEAL_PII" in refused["errors"][0]["message"]
