"""The payroll and casework GraphQL surface: the role matrix, typed field errors, four eyes, scoping."""

from __future__ import annotations

import httpx
import pytest
from strawberry import relay

from casehub.app import create_app
from casehub.auth import PERMISSIONS, Permission
from casehub.domain import Role
from tests import factories
from tests.factories import SETTINGS

ROOTS = {
    "payrollRun": ('{ payrollRun(month: "2025-03-01") { status } }', Permission.PAYROLL),
    "payrollRuns": ("{ payrollRuns { totalCount } }", Permission.PAYROLL),
    "sweepRuns": ('{ sweepRuns(month: "2025-04-01") { status } }', Permission.PAYROLL),
    "recoveryCases": ("{ recoveryCases { totalCount } }", Permission.INVESTIGATE),
    "duplicateReceipts": ("{ duplicateReceipts { totalCount } }", Permission.INVESTIGATE),
    "investigations": ("{ investigations { totalCount } }", Permission.INVESTIGATE),
}


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


@pytest.fixture
async def client(db):
    app = create_app(SETTINGS, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def gql(client, staff, query: str, **variables) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers=factories.bearer(staff))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("role", list(Role))
async def test_role_matrix_for_the_money_root_fields(overpaid, client, role):
    member = await factories.staff(role, region=(await overpaid.person.village) if role in (
        Role.TOWNSHIP_STAFF, Role.VILLAGE_ASSISTANT) else None)
    for name, (query, permission) in ROOTS.items():
        body = await gql(client, member, query)
        if permission in PERMISSIONS[role]:
            assert "errors" not in body, (name, body)
        else:
            assert body["data"] is None or body["data"][name] is None, name
            assert f"lacks permission {permission}" in body["errors"][0]["message"], name
    approvals = await gql(client, member, "{ approvalRequests { totalCount } }")
    allowed = PERMISSIONS[role] & {Permission.PAYROLL, Permission.INVESTIGATE}
    assert ("errors" in approvals) == (not allowed)


RECOVERY = """query { recoveryCases { totalCount edges { node { id status amountDueFen outstandingFen
  recipient { name } items { benefitMonth paidFen amountFen rule proofEvent knownSince }
  instalmentPlan { instalments totalFen requestedBy { username } approvedBy { username }
    schedule { seq dueMonth amountFen paidFen } } } } } }"""
PLAN = """mutation ($input: RequestInstalmentPlanInput!) { requestInstalmentPlan(input: $input) {
  errors { field code message } approvalRequest { id kind status } } }"""
APPROVE = """mutation ($input: DecideRequestInput!) { approveRequest(input: $input) {
  errors { field code message } approvalRequest { status requestedBy { username } decidedBy { username } } } }"""
REPAY = """mutation ($input: RecordRepaymentInput!) { recordRepayment(input: $input) {
  errors { field code message } recoveryCase { repaidFen outstandingFen status } } }"""
OPEN = """mutation ($input: OpenInvestigationInput!) { openInvestigation(input: $input) {
  errors { field code } investigation { id status links { kind targetId } linkedLossFen } } }"""
MOVE = """mutation ($input: TransitionInvestigationInput!) { transitionInvestigation(input: $input) {
  errors { field code message } investigation { status history { toStatus by { username } } } } }"""
CLOSE = """mutation ($input: ClosePayrollMonthInput!) { closePayrollMonth(input: $input) {
  errors { field code message } payrollRun { status lineCount totalFen closedBy { username } } } }"""


async def test_recovery_instalments_and_investigation_through_the_api(overpaid, client):
    inv1, inv2 = overpaid.investigator, overpaid.investigator2
    data = (await gql(client, inv1, RECOVERY))["data"]["recoveryCases"]
    assert data["totalCount"] == 1
    case = data["edges"][0]["node"]
    assert (case["status"], case["amountDueFen"], case["recipient"]["name"]) == ("OPEN", 36_000, "张三")
    assert [(i["benefitMonth"], i["amountFen"], i["proofEvent"]) for i in case["items"]] == [
        ("2025-02-01", 18_000, gid("TimelineEvent", overpaid.death.id)),
        ("2025-03-01", 18_000, gid("TimelineEvent", overpaid.death.id)),
    ]

    too_long = await gql(client, inv1, PLAN, input={"recoveryCaseId": case["id"], "instalments": 99,
                                                    "firstDueMonth": "2025-05-01", "reason": "分期"})
    assert too_long["data"]["requestInstalmentPlan"]["errors"][0]["code"] == "TOO_MANY_INSTALMENTS"
    asked = (await gql(client, inv1, PLAN, input={"recoveryCaseId": case["id"], "instalments": 3,
                                                  "firstDueMonth": "2025-05-01", "reason": "年老，分期退回"})
             )["data"]["requestInstalmentPlan"]
    assert asked["errors"] == [] and asked["approvalRequest"]["status"] == "PENDING"
    request_id = asked["approvalRequest"]["id"]
    same = (await gql(client, inv1, APPROVE, input={"requestId": request_id}))["data"]["approveRequest"]
    assert same["errors"][0]["code"] == "SAME_PERSON" and same["approvalRequest"] is None
    done = (await gql(client, inv2, APPROVE, input={"requestId": request_id, "note": "同意"}))["data"]
    assert done["approveRequest"]["approvalRequest"]["status"] == "APPROVED"
    assert done["approveRequest"]["approvalRequest"]["decidedBy"]["username"] == inv2.username
    plan = (await gql(client, inv1, RECOVERY))["data"]["recoveryCases"]["edges"][0]["node"]["instalmentPlan"]
    assert (plan["requestedBy"]["username"], plan["approvedBy"]["username"]) == (inv1.username, inv2.username)
    assert [s["amountFen"] for s in plan["schedule"]] == [12_000, 12_000, 12_000]

    over = (await gql(client, inv1, REPAY, input={"recoveryCaseId": case["id"], "amountFen": 40_000,
                                                  "paidOn": "2025-05-10", "method": "CASH"}))["data"]
    assert over["recordRepayment"]["errors"] == [
        {"field": "amountFen", "code": "EXCEEDS_OUTSTANDING",
         "message": "40000 fen is more than the 36000 fen outstanding"}
    ]
    paid = (await gql(client, inv1, REPAY, input={"recoveryCaseId": case["id"], "amountFen": 12_000,
                                                  "paidOn": "2025-05-10", "method": "CASH",
                                                  "reference": "=HYPERLINK(\"x\")"}))["data"]["recordRepayment"]
    assert paid["recoveryCase"] == {"repaidFen": 12_000, "outstandingFen": 24_000, "status": "INSTALMENTS"}

    opened = (await gql(client, inv1, OPEN, input={
        "subjectId": gid("Recipient", overpaid.person.id), "originType": "RECOVERY_CASE",
        "originId": overpaid.case.id, "summary": "死亡后冒领"}))["data"]["openInvestigation"]
    investigation = opened["investigation"]
    assert investigation["status"] == "OPENED" and investigation["linkedLossFen"] == 24_000
    wrong = (await gql(client, inv1, MOVE, input={"investigationId": investigation["id"], "to": "REFERRED"})
             )["data"]["transitionInvestigation"]
    assert wrong["errors"][0]["code"] == "INVALID_TRANSITION" and wrong["investigation"] is None
    moved = (await gql(client, inv1, MOVE, input={"investigationId": investigation["id"], "to": "INVESTIGATING"})
             )["data"]["transitionInvestigation"]
    assert [h["toStatus"] for h in moved["investigation"]["history"]] == ["OPENED", "INVESTIGATING"]
    node = await gql(client, inv1, "query ($id: ID!) { node(id: $id) { ... on Investigation { status } } }",
                     id=investigation["id"])
    assert node["data"]["node"] == {"status": "INVESTIGATING"}


async def test_close_payroll_month_through_the_api(overpaid, client):
    closed = (await gql(client, overpaid.clerk, CLOSE, input={"month": "2025-04-01"}))["data"]["closePayrollMonth"]
    assert closed["errors"] == [] and closed["payrollRun"]["status"] == "CLOSED"
    assert closed["payrollRun"]["closedBy"]["username"] == overpaid.clerk.username
    again = (await gql(client, overpaid.clerk, CLOSE, input={"month": "2025-04-01"}))["data"]["closePayrollMonth"]
    assert again["errors"][0]["code"] == "PAYROLL_CLOSED"
    investigator = await gql(client, overpaid.investigator, CLOSE, input={"month": "2025-04-01"})
    assert "lacks permission PAYROLL" in investigator["errors"][0]["message"]


async def test_money_records_are_scoped_by_the_person_they_concern(overpaid):
    """Every role with PAYROLL or INVESTIGATE is county-wide today; the data access layer scopes the
    money records by person anyway, so a regional role given such a permission sees only its area."""
    from casehub import access
    from casehub.auth import viewer_for_staff
    from casehub.models import PaymentLine, RecoveryCase, Region

    other_village = await Region.get(code="532922102001")
    own_village = await overpaid.person.village
    own = await viewer_for_staff((await factories.staff(Role.VILLAGE_ASSISTANT, region=own_village)).id)
    other = await viewer_for_staff((await factories.staff(Role.VILLAGE_ASSISTANT, region=other_village)).id)
    township = await viewer_for_staff((await factories.staff(Role.TOWNSHIP_STAFF, region=await Region.get(
        code="532922101"))).id)
    for model in (RecoveryCase, PaymentLine):
        assert await access.person_scoped(own, model).count() > 0
        assert await access.person_scoped(township, model).count() > 0
        assert await access.person_scoped(other, model).count() == 0
    assert await access.investigations(other).count() == 0
