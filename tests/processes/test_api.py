"""The processes' GraphQL surface: payloads with typed field errors, permissions, scoping, node(id)."""

from __future__ import annotations

import base64
import datetime as dt
import io

import openpyxl

from casehub.clock import today
from casehub.domain import EventType
from casehub.models import Event, SpotCheck
from tests.processes.conftest import set_state

SUBMIT = """
mutation ($input: SubmitDeathReportInput!) {
  submitDeathReport(input: $input) {
    errors { field code message }
    recorded alreadyRecorded
    report { id month status daysLate submissions entries { row name idNumber diedOn event } }
  }
}"""
COMPLIANCE = """
query ($from: String!, $asOf: Date) {
  deathReportCompliance(fromMonth: $from, asOf: $asOf) {
    rows { month reporter bodyCode status daysLate deaths report }
    bodies { bodyCode scheme onTime late missing }
  }
}"""
NODE = "query ($id: ID!) { node(id: $id) { __typename ... on DeathReport { month } ... on PublicNotice { period } } }"


def last_month() -> str:
    first = today().replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


async def test_death_report_mutation_compliance_query_and_node(county, api):
    person = await county.recipient(county.village(0, 1), name="张三")
    month = last_month()
    died = f"{month}-01"
    row = {"idNumber": person.id_number, "diedOn": died, "evidence": ["photo:1"]}
    base = {"scheme": "RESIDENT_PENSION", "reporter": "VILLAGE", "bodyCode": county.village(0, 1).code, "month": month}
    body = await api("village", SUBMIT, input={**base, "deaths": [row]})
    payload = body["data"]["submitDeathReport"]
    assert payload["errors"] == [] and payload["recorded"] == 1
    report = payload["report"]
    assert report["entries"][0]["name"] == "张三" and "*" in report["entries"][0]["idNumber"]
    assert (await Event.get(person_id=person.id)).type is EventType.DIED

    again = (await api("village", SUBMIT, input={**base, "deaths": [row]}))["data"]["submitDeathReport"]
    assert (again["recorded"], again["alreadyRecorded"], again["report"]["submissions"]) == (0, 1, 2)

    bad = await api("village", SUBMIT, input={**base, "bodyCode": county.village(0, 2).code, "deaths": []})
    assert bad["data"]["submitDeathReport"]["errors"] == [
        {"field": "bodyCode", "code": "OUT_OF_SCOPE", "message": "村1-2 (532922101002) is outside your scope"}
    ]
    rows = await api("village", SUBMIT, input={**base, "deaths": [{"idNumber": "123", "diedOn": died}]})
    assert rows["data"]["submitDeathReport"]["errors"][0]["code"] == "INVALID_ID_NUMBER"
    assert rows["data"]["submitDeathReport"]["errors"][0]["field"] == "deaths[0].idNumber"

    table = (await api("township", COMPLIANCE, **{"from": month}))["data"]["deathReportCompliance"]
    mine = next(r for r in table["rows"] if r["bodyCode"] == county.village(0, 1).code)
    assert mine["deaths"] == 1 and mine["report"] == report["id"]
    assert {r["bodyCode"][:9] for r in table["rows"]} == {"532922101"}  # the township's own bodies only

    assert (await api("township", NODE, id=report["id"]))["data"]["node"]["month"] == month
    assert (await api("unit", NODE, id=report["id"]))["data"]["node"] is None  # outside the unit's scope

    denied = await api("investigator", SUBMIT, input={**base, "deaths": []})
    assert "lacks permission RECORD_EVENTS" in denied["errors"][0]["message"]


async def test_latency_and_month_errors(county, api):
    body = await api("admin", "{ stopEventLatency(occurredFrom: \"2026-01-01\", occurredTo: \"2026-06-30\") "
                              "{ bodyKey events } }")
    assert body["data"]["stopEventLatency"] == []
    body = await api("admin", COMPLIANCE, **{"from": "2026-13"})
    assert "must look like 2026-10" in body["errors"][0]["message"]


NOTICE = """
mutation ($input: CreatePublicNoticeInput!) {
  createPublicNotice(input: $input) {
    errors { field code message }
    notice { id period status workingDaysUp requiredWorkingDays earliestRemoval village { code } }
  }
}"""


async def test_notice_roster_and_tip_off_handling(county, api):
    person = await county.recipient(county.village(0, 1), name="=1+1")
    await set_state(person, next_due=dt.date(2027, 3, 1))
    posted = dt.date(2026, 9, 28)
    created = await api("village", NOTICE, input={
        "villageCode": county.village(0, 1).code, "period": "2026-H2", "postedOn": posted.isoformat(),
        "tipoffPhone": "0872-1234567"})
    notice = created["data"]["createPublicNotice"]["notice"]
    assert notice["earliestRemoval"] == "2026-10-12" and notice["requiredWorkingDays"] == 7
    twice = await api("township", NOTICE, input={
        "villageCode": county.village(0, 1).code, "period": "2026-H2", "postedOn": posted.isoformat(),
        "tipoffPhone": "0872-1234567"})
    assert twice["data"]["createPublicNotice"]["errors"][0]["code"] == "ALREADY_EXISTS"

    roster = await api("village", "query ($id: ID!) { publicNoticeRoster(noticeId: $id) { filename contentType "
                                  "contentBase64 } }", id=notice["id"])
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(
        roster["data"]["publicNoticeRoster"]["contentBase64"]))).active
    assert sheet["B6"].value == "'=1+1" and sheet["B6"].data_type == "s"

    listed = await api("township", "{ publicNotices(period: \"2026-H2\", asOf: \"2026-10-09\") "
                                   "{ status village { code } notice { workingDaysUp } } }")
    assert [(n["status"], n["notice"] and n["notice"]["workingDaysUp"]) for n in listed["data"]["publicNotices"]] == [
        ("POSTED", 5), ("MISSING", None), ("MISSING", None)]

    recorded = await api("village", """mutation ($input: RecordTipOffInput!) { recordTipOff(input: $input) {
        errors { code } tipOff { id status phone recipient { name } } } }""", input={
        "noticeId": notice["id"], "content": "此人已去世", "receivedAt": "2026-10-09T09:00:00+08:00",
        "phone": "13900001111", "personIdNumber": person.id_number})
    tip = recorded["data"]["recordTipOff"]["tipOff"]
    assert tip["phone"] == "139****1111" and tip["recipient"]["name"] == "=1+1"
    refer = """mutation ($input: ReferTipOffInput!) { referTipOff(input: $input) {
        errors { code } tipOff { status referral } } }"""
    denied = await api("village", refer, input={"tipOffId": tip["id"], "reason": "核实"})
    assert "lacks permission SUPERVISE" in denied["errors"][0]["message"]
    referred = (await api("township", refer, input={"tipOffId": tip["id"], "reason": "核实"}))["data"]["referTipOff"]
    assert referred["tipOff"]["status"] == "REFERRED"
    queue = await api("investigator", "{ investigationReferrals(open: true) { id source recipient { name } } }")
    assert queue["data"]["investigationReferrals"][0]["id"] == referred["tipOff"]["referral"]
    wrong_id = await api("township", refer, input={"tipOffId": notice["id"], "reason": "x"})
    assert wrong_id["data"]["referTipOff"]["errors"] == [{"code": "INVALID"}]


async def test_spot_check_draw_verify_and_finding(county, api):
    for t in range(2):
        for v in (1, 2):
            for _ in range(2):
                await county.recipient(county.village(t, v))
    drawn = await api("county", """mutation { drawSpotCheck(input: {period: "2026-H1", seed: "42"}) {
        errors { code } spotCheck { period seed items { id recipient { name } } } } }""")
    check = drawn["data"]["drawSpotCheck"]["spotCheck"]
    assert check["seed"] == "42" and len(check["items"]) == 8  # 2 townships × 2 villages × 2 (all there are)
    denied = await api("township", "mutation { drawSpotCheck(input: {period: \"2026-H2\"}) { errors { code } } }")
    assert denied["data"]["drawSpotCheck"]["errors"] == [{"code": "OUT_OF_SCOPE"}]
    verified = await api("admin", "{ verifySpotCheck(period: \"2026-H1\") "
                                  "{ ok populationOk sampleOk expected recorded } }")
    assert verified["data"]["verifySpotCheck"] == {"ok": True, "populationOk": True, "sampleOk": True,
                                                   "expected": 8, "recorded": 8}
    assert (await api("township", "{ spotCheck(period: \"2026-H1\") { seed } }"))["data"]["spotCheck"] is None

    await SpotCheck.filter(period="2026-H1").update(drawn_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    finding = """mutation ($input: RecordSpotCheckFindingInput!) { recordSpotCheckFinding(input: $input) {
        errors { field code } item { result referral } } }"""
    refused = await api("county", finding, input={"itemId": check["items"][0]["id"], "result": "DIED",
                                                  "checkedOn": "2026-06-10"})
    assert refused["data"]["recordSpotCheckFinding"]["errors"] == [{"field": "diedOn", "code": "REQUIRED"}]
    done = await api("county", finding, input={"itemId": check["items"][0]["id"],
                                               "result": "CONTRADICTS_CERTIFICATION", "checkedOn": "2026-06-10",
                                               "note": "冒名认证"})
    item = done["data"]["recordSpotCheckFinding"]["item"]
    assert item["result"] == "CONTRADICTS_CERTIFICATION" and item["referral"] is not None
    tally = await api("county", "{ spotCheck(period: \"2026-H1\") { tally { scheme sampled pending } } }")
    assert tally["data"]["spotCheck"]["tally"] == [{"scheme": "RESIDENT_PENSION", "sampled": 8, "pending": 7}]


async def test_key_groups_home_visits_and_due_soon(county, api):
    old = await county.recipient(county.village(0, 1), born=dt.date(1930, 3, 3), name="老人")
    disabled = await county.recipient(county.village(0, 1), born=dt.date(1970, 3, 3), name="残疾")
    await set_state(disabled, next_due=today() + dt.timedelta(days=10))
    fact = await api("village", """mutation ($input: RecordKeyGroupFactInput!) { recordKeyGroupFact(input: $input) {
        errors { code } fact { id group since } } }""", input={
        "idNumber": disabled.id_number, "group": "SEVERELY_DISABLED", "since": "2025-01-01", "source": "残疾人证"})
    assert fact["data"]["recordKeyGroupFact"]["fact"]["group"] == "SEVERELY_DISABLED"
    very_old = await api("village", """mutation ($input: RecordKeyGroupFactInput!) { recordKeyGroupFact(input: $input)
        { errors { code } } }""", input={"idNumber": old.id_number, "group": "VERY_OLD", "since": "2025-01-01",
                                         "source": "x"})
    assert very_old["data"]["recordKeyGroupFact"]["errors"] == [{"code": "COMPUTED_GROUP"}]

    visit = await api("village", """mutation ($input: RecordHomeVisitInput!) { recordHomeVisit(input: $input) {
        errors { code } event { type payload } } }""", input={
        "idNumber": old.id_number, "visitedOn": "2026-06-01", "evidence": ["photo:9"]})
    assert visit["data"]["recordHomeVisit"]["event"] == {"type": "CERTIFIED", "payload": {"channel": "HOME_VISIT"}}

    schedule = await api("village", """{ homeVisitSchedule(asOf: "2026-08-01") {
        dueOn isDue lastVisitOn member { groups recipient { name } } } }""")
    assert [(s["member"]["recipient"]["name"], s["dueOn"], s["isDue"])
            for s in schedule["data"]["homeVisitSchedule"]] == [
        ("残疾", "2025-01-01", True), ("老人", "2026-09-01", False)]
    ledger = await api("township", "{ keyGroupLedger(asOf: \"2026-08-01\") { groups recipient { name } } }")
    assert {m["recipient"]["name"]: m["groups"] for m in ledger["data"]["keyGroupLedger"]} == {
        "老人": ["VERY_OLD"], "残疾": ["SEVERELY_DISABLED"]}

    due = await api("village", "{ dueSoon { kind name items { scheme daysLeft remindedAt recipient { name } } } }")
    assert due["data"]["dueSoon"] == [{"kind": "VILLAGE", "name": "村1-1 (532922101001)", "items": [
        {"scheme": "RESIDENT_PENSION", "daysLeft": 10, "remindedAt": None, "recipient": {"name": "残疾"}}]}]
    reminded = await api("village", """mutation ($input: RecordReminderInput!) { recordReminder(input: $input) {
        errors { code } event { type payload } } }""", input={
        "idNumber": disabled.id_number, "dueOn": (today() + dt.timedelta(days=10)).isoformat(),
        "channel": "PHONE_CALL"})
    assert reminded["data"]["recordReminder"]["event"]["type"] == "REMINDER_SENT"
    due = await api("village", "{ dueSoon { items { remindedAt } } }")
    assert due["data"]["dueSoon"][0]["items"][0]["remindedAt"] is not None


ROOT_FIELDS = """{
  deathReportCompliance(fromMonth: "2026-09", asOf: "2026-10-10") { rows { bodyCode } }
  publicNotices(period: "2026-H2", asOf: "2026-10-10") { village { code } }
  spotCheck(period: "2026-H1") { seed }
  keyGroupLedger(asOf: "2026-10-10") { groups }
  dueSoon(asOf: "2026-10-10") { name }
}"""
AREA_BODIES = 9 + 3 * 2  # villages, and townships for the resident and the enterprise rosters
SEEN = {  # (death-report bodies, villages listed) per staff member of the test county
    "admin": (AREA_BODIES, 9), "county": (AREA_BODIES, 9), "investigator": (AREA_BODIES, 9),
    "auditor": (AREA_BODIES, 9), "township": (3 + 2, 3), "village": (1, 1), "unit": (0, 0),
}


async def test_every_role_against_the_processes_root_fields(county, api):
    for who, (bodies, villages) in SEEN.items():
        data = (await api(who, ROOT_FIELDS))["data"]
        assert len(data["deathReportCompliance"]["rows"]) == bodies, who
        assert len(data["publicNotices"]) == villages, who
        assert data["spotCheck"] is None
    refused = await api("import", ROOT_FIELDS)
    assert refused["data"] is None and "lacks permission READ_CASES" in refused["errors"][0]["message"]
    queue = await api("township", "{ investigationReferrals { id } }")
    assert "lacks permission INVESTIGATE" in queue["errors"][0]["message"]
