"""A half-year of payroll in Yangbi, January to June 2025, checking the figures at every step.

Five recipients on 180-300 yuan a month:
- A: dies on 10 February; the death reaches the bureau only on 6 May (R-DTH-5, R-PAY-4).
- B: last certified 20 February 2024 (12-month cycle, R-POL-2): suspended from March
  (R-SUS-1), certifies on 12 April, paid back in May (R-SUS-2).
- C: due 5 March; certifies on the app on 20 April, the result is applied only on 3 May:
  in processing at the April sweep, so April is paid, not suspended.
- D: draws a resident pension and an enterprise pension (R-DUP-1).
- E: the January increase to 190 yuan is entered in March: arrears for January and February.
"""

from __future__ import annotations

import openpyxl

from casehub.casework.vocabulary import RecoveryStatus
from casehub.domain import Channel, EventType, Role, Scheme
from casehub.engine.results import EntitlementStatus
from casehub.models import (
    AuditEntry,
    DuplicateReceipt,
    Entitlement,
    EntitlementState,
    PaymentLine,
    RecoveryCase,
    RecoveryItem,
    StatusChange,
)
from casehub.payroll.processing import record_intake, resolve_intake
from casehub.payroll.vocabulary import IntakeSource, IntakeStatus, LineKind
from tests import factories
from tests.payroll.helpers import at, certify, entitlement, month, record, sweep_and_close, sweep_month

JAN, FEB, MAR, APR, MAY, JUN = (month(2025, m) for m in range(1, 7))


async def lines(run_month, person=None):
    query = PaymentLine.filter(run__month=run_month)
    if person is not None:
        query = query.filter(person_id=person.id)
    return sorted(
        (str(b), amount, str(kind))
        for b, amount, kind in await query.values_list("benefit_month", "amount_fen", "kind")
    )


def row(b, amount, kind=LineKind.NORMAL):
    return (str(b), amount, str(kind))


async def test_half_year_of_payroll(db, tmp_path):
    regions = await factories.region_tree()
    village = regions["532922101001"]
    clerk = await factories.staff(Role.COUNTY_STAFF)
    a = await factories.recipient(village, name="甲", start=month(2024, 1), amount_fen=18_000)
    b = await factories.recipient(village, name="乙", start=month(2024, 1), amount_fen=20_000)
    c = await factories.recipient(village, name="丙", start=month(2024, 1), amount_fen=18_000)
    d = await factories.recipient(village, name="丁", start=month(2024, 1), amount_fen=18_000)
    await Entitlement.create(person=d, scheme=Scheme.ENTERPRISE_PENSION, start_month=month(2024, 6),
                             monthly_amount_fen=300_000, region=village)
    e = await factories.recipient(village, name="戊", start=month(2024, 1), amount_fen=18_000)
    await certify(a, month(2024, 12).replace(day=15))
    await certify(b, month(2024, 2).replace(day=20))
    await certify(c, month(2024, 3).replace(day=5))
    await certify(d, month(2024, 12).replace(day=1))
    await certify(e, month(2024, 12).replace(day=20))

    # January: the first payroll month on record; D's duplicate receipt is found (R-DUP-1).
    jan = await sweep_and_close(JAN, clerk, tmp_path)
    assert jan.lines == 6 and jan.lines_fen == 4 * 18_000 + 20_000 + 300_000
    assert jan.duplicates_opened == 1
    dup = await DuplicateReceipt.get(person_id=d.id)
    assert dup.status == "OPEN" and dup.overlap_from == month(2024, 6)

    feb = await sweep_and_close(FEB, clerk, tmp_path)
    assert feb.lines_fen == jan.lines_fen and feb.duplicates_opened == 0  # one case per pair, ever

    # March: B is suspended (R-SUS-1); E's increase arrives with arrears for January and February.
    await record(e, EventType.AMOUNT_CHANGED, JAN, month(2025, 3).replace(day=10),
                 scheme="RESIDENT_PENSION", monthly_amount_fen=19_000)
    mar = await sweep_and_close(MAR, clerk, tmp_path)
    assert await lines(MAR, b) == []
    assert await lines(MAR, e) == [
        row(JAN, 1_000, LineKind.ADJUSTMENT), row(FEB, 1_000, LineKind.ADJUSTMENT), row(MAR, 19_000),
    ]
    change = await StatusChange.get(person_id=b.id, sweep_id=mar.sweep_id)
    assert (change.from_status, change.to_status, change.causes) == ("ACTIVE", "SUSPENDED", "OVERDUE_CERTIFICATION")
    sheet = openpyxl.load_workbook(tmp_path / "payroll-adjustments-2025-03.xlsx")["调整清单 Adjustments"]
    kinds = sorted((r[0], r[2], r[8]) for r in sheet.iter_rows(min_row=2, values_only=True))
    assert kinds == [("AMOUNT", "戊", 19_000), ("ARREARS", "戊", 2_000), ("SUSPEND", "乙", 0)]

    # April: B certifies (April is still withheld, R-SUS-2); C is overdue but in processing.
    await certify(b, month(2025, 4).replace(day=12))
    await record_intake(c.id, channel=Channel.APP_SELF, source=IntakeSource.APP_RESULT,
                        external_ref="12333:c:0420", received_at=at(month(2025, 4).replace(day=20)))
    apr = await sweep_and_close(APR, clerk, tmp_path)
    assert apr.held == 1
    assert await lines(APR, b) == []
    assert await lines(APR, c) == [row(APR, 18_000)]  # paid: the suspension never hits C
    assert not await StatusChange.filter(person_id=c.id).exists()
    assert (await EntitlementState.get(person_id=c.id)).status is EntitlementStatus.ACTIVE
    assert await StatusChange.get(person_id=b.id, sweep_id=apr.sweep_id).values_list("to_status", flat=True) == "ACTIVE"

    # May: A's death arrives three months late; C's app result is applied.
    death = await record(a, EventType.DIED, month(2025, 2).replace(day=10), month(2025, 5).replace(day=6))
    cert_c = await certify(c, month(2025, 4).replace(day=20), month(2025, 5).replace(day=3))
    await resolve_intake("12333:c:0420", IntakeStatus.APPLIED, event_id=cert_c.id)
    may = await sweep_month(MAY, tmp_path)
    assert await lines(MAY, a) == []
    assert await lines(MAY, b) == [
        row(MAR, 20_000, LineKind.BACK_PAY), row(APR, 20_000, LineKind.BACK_PAY), row(MAY, 20_000),
    ]
    assert await lines(MAY, c) == [row(MAY, 18_000)]  # April was paid once already: no double back pay
    # R-PAY-4: March and April were paid after the death: a recovery case with the exact months.
    case = await RecoveryCase.get(person_id=a.id)
    assert (case.amount_due_fen, case.outstanding_fen, case.status) == (36_000, 36_000, RecoveryStatus.OPEN)
    items = await RecoveryItem.filter(case_id=case.id).order_by("benefit_month")
    assert [(i.benefit_month, i.paid_fen, i.amount_fen, i.proof_event_id) for i in items] == [
        (MAR, 18_000, 18_000, death.id), (APR, 18_000, 18_000, death.id),
    ]
    assert items[0].known_since == death.recorded_at and items[0].rule == "R-PAY-4"
    assert may.recovery_cases_opened == 1 and may.overpaid_months == 2
    sheet = openpyxl.load_workbook(tmp_path / "payroll-adjustments-2025-05.xlsx")["调整清单 Adjustments"]
    may_rows = sorted((r[0], r[2], r[7], r[8]) for r in sheet.iter_rows(min_row=2, values_only=True))
    assert may_rows == [
        ("BACK_PAY", "乙", "2025-03, 2025-04", 40_000), ("END", "甲", "2025-05", 0),
        ("RECOVER", "甲", "2025-03", 18_000), ("RECOVER", "甲", "2025-04", 18_000), ("RESUME", "乙", "2025-05", 20_000),
    ]

    # Idempotent: the same sweep again records nothing new and plans the same lines.
    before = (await lines(MAY), await RecoveryItem.all().count(), await StatusChange.all().count(),
              await DuplicateReceipt.all().count())
    projection = dict(await EntitlementState.all().values_list("entitlement_id", "id"))
    may_computed_at = max(await EntitlementState.all().values_list("computed_at", flat=True))
    again = await sweep_month(MAY, tmp_path)
    # unchanged projection rows are updated in place (same row, new computed_at), not replaced
    assert dict(await EntitlementState.all().values_list("entitlement_id", "id")) == projection
    assert {r.computed_at > may_computed_at for r in await EntitlementState.all()} == {True}
    after = (await lines(MAY), await RecoveryItem.all().count(), await StatusChange.all().count(),
             await DuplicateReceipt.all().count())
    assert before == after and again.lines_fen == may.lines_fen and again.recovery_changes == 0
    again_rows = sorted((r[0], r[2], r[7], r[8]) for r in openpyxl.load_workbook(
        tmp_path / "payroll-adjustments-2025-05.xlsx")["调整清单 Adjustments"].iter_rows(min_row=2, values_only=True))
    assert again_rows == may_rows

    from casehub.payroll.runs import close_run

    await close_run(MAY, staff_id=clerk.id)
    jun = await sweep_and_close(JUN, clerk, tmp_path)
    assert jun.lines_fen == 20_000 + 18_000 + 18_000 + 300_000 + 19_000 and jun.recovery_changes == 0
    # Every step is in the audit log.
    actions = await AuditEntry.all().values_list("action", flat=True)
    assert actions.count("SWEEP") == 7 and actions.count("CLOSE_PAYROLL") == 6
    assert "OPEN_RECOVERY" in actions and "OPEN_DUPLICATE_RECEIPTS" in actions and "RESOLVE_INTAKE" in actions
    assert (await entitlement(a)).id == items[0].entitlement_id
