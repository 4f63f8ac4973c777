"""A CLOSED payroll month never changes (R-PAY-4): the services refuse, and so does the database."""

from __future__ import annotations

import datetime as dt

import pytest
from tortoise.connection import get_connection

from casehub.casework.vocabulary import CaseworkErrorCode
from casehub.domain import EventType, Role
from casehub.errors import ValidationError
from casehub.models import EntitlementState, PaymentLine, PayrollRun, RecoveryItem, SweepRun
from casehub.payroll.runs import LineInput, close_run, parse_month, record_lines
from casehub.payroll.vocabulary import RunStatus
from tests import factories
from tests.payroll.helpers import certify, entitlement, month, record, sweep_month

JAN, FEB, MAR = month(2025, 1), month(2025, 2), month(2025, 3)


async def _county_with_payroll():
    village = (await factories.region_tree())["532922101001"]
    clerk = await factories.staff(Role.COUNTY_STAFF)
    person = await factories.recipient(village, start=month(2024, 1), amount_fen=18_000)
    await certify(person, month(2024, 12).replace(day=1))
    return clerk, person


async def test_r_pay_4_closing_needs_a_sweep_and_goes_in_month_order(db):
    clerk, _ = await _county_with_payroll()
    with pytest.raises(ValidationError) as missing:
        await close_run(JAN, staff_id=clerk.id)
    assert missing.value.code == CaseworkErrorCode.NOT_FOUND
    await sweep_month(JAN)
    await sweep_month(FEB)
    with pytest.raises(ValidationError) as order:
        await close_run(FEB, staff_id=clerk.id)
    assert order.value.code == CaseworkErrorCode.PAYROLL_ORDER
    run = await close_run(JAN, staff_id=clerk.id)
    assert (run.status, run.line_count, run.total_fen, run.closed_by_id) == (RunStatus.CLOSED, 1, 18_000, clerk.id)
    with pytest.raises(ValidationError) as twice:
        await close_run(JAN, staff_id=clerk.id)
    assert twice.value.code == CaseworkErrorCode.PAYROLL_CLOSED
    await PayrollRun.create(month=MAR, status=RunStatus.OPEN)
    with pytest.raises(ValidationError) as not_swept:
        await close_run(FEB.replace(month=3), staff_id=clerk.id)
    assert not_swept.value.code in (CaseworkErrorCode.PAYROLL_ORDER, CaseworkErrorCode.NOT_SWEPT)


async def test_r_pay_4_a_closed_month_is_frozen_in_code_and_in_the_database(db):
    clerk, person = await _county_with_payroll()
    await sweep_month(JAN)
    await close_run(JAN, staff_id=clerk.id)
    ent = await entitlement(person)
    with pytest.raises(ValidationError) as refused:
        await record_lines(JAN, [LineInput(ent.id, JAN, 100)], staff_id=clerk.id)
    assert refused.value.code == CaseworkErrorCode.PAYROLL_CLOSED
    # Sweeping the closed month again plans nothing into it.
    before = await PaymentLine.filter(run__month=JAN).values_list("id", "amount_fen")
    await sweep_month(JAN)
    assert await PaymentLine.filter(run__month=JAN).values_list("id", "amount_fen") == before
    # Whatever client connects, the database refuses to change a closed month.
    conn = get_connection("default")
    run_id = (await PayrollRun.get(month=JAN)).id
    line = await PaymentLine.get(run_id=run_id)
    postgres = conn.capabilities.dialect == "postgres"
    p = "$1" if postgres else "?"
    for sql, values in (
        (f"UPDATE payment_line SET amount_fen = 1 WHERE id = {p}", [line.id]),
        (f"DELETE FROM payment_line WHERE id = {p}", [line.id]),
        ("INSERT INTO payment_line (run_id, entitlement_id, person_id, benefit_month, amount_fen, kind, source, note) "
         + ("VALUES ($1, $2, $3, $4, 5, 'ADJUSTMENT', 'IMPORT', '')" if postgres else
            "VALUES (?, ?, ?, ?, 5, 'ADJUSTMENT', 'IMPORT', '')"),
         [run_id, ent.id, person.id, JAN if postgres else JAN.isoformat()]),
        (f"UPDATE payroll_run SET status = 'OPEN' WHERE id = {p}", [run_id]),
        (f"DELETE FROM payroll_run WHERE id = {p}", [run_id]),
    ):
        with pytest.raises(Exception, match="closed"):
            await conn.execute_query(sql, values)
    assert await PaymentLine.filter(run_id=run_id).values_list("id", "amount_fen") == before
    # An OPEN month can still be changed.
    await sweep_month(FEB)
    assert await PaymentLine.filter(run__month=FEB).update(note="checked") == 1


async def test_a_month_before_the_latest_is_not_swept_again(db):
    """Once later months are on record, January is not swept again: judged as of 31 January it would set
    the status projection back to January and take February's overpayment, found in March, for fallen
    away (a negative recovery item). It is refused and nothing is written; the latest month is swept."""
    clerk, person = await _county_with_payroll()
    await sweep_month(JAN)
    await close_run(JAN, staff_id=clerk.id)
    await sweep_month(FEB)
    await close_run(FEB, staff_id=clerk.id)
    await record(person, EventType.DIED, dt.date(2025, 1, 10), dt.date(2025, 3, 3))
    march = await sweep_month(MAR)
    assert march.overpaid_months == 1 and await RecoveryItem.all().count() == 1  # February, paid after the death
    states = await EntitlementState.all().values_list("entitlement_id", "status", "as_of")
    runs = await SweepRun.all().count()
    with pytest.raises(ValidationError) as refused:
        await sweep_month(JAN)
    assert refused.value.code == CaseworkErrorCode.PAYROLL_ORDER
    assert "2025-03 has been swept since 2025-01" in str(refused.value)
    assert await EntitlementState.all().values_list("entitlement_id", "status", "as_of") == states
    assert (await SweepRun.all().count(), await RecoveryItem.all().count()) == (runs, 1)
    again = await sweep_month(MAR)  # the latest month, closed or not, is swept again as often as needed
    assert again.recovery_changes == 0


async def test_months_are_written_yyyy_mm():
    assert parse_month("2025-03") == MAR
    for bad in ("2025-3", "2025-13", "March"):
        with pytest.raises(ValidationError):
            parse_month(bad)
