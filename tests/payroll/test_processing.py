"""In processing (R-SUS-1, Art. 8): a certification received but not applied keeps the suspension away."""

from __future__ import annotations

import datetime as dt

from casehub.domain import Channel, Role
from casehub.models import ImportBatch, PaymentLine, RecoveryCase, RecoveryItem, StatusChange
from casehub.payroll.processing import in_processing, record_intake, resolve_intake
from casehub.payroll.vocabulary import IntakeSource, IntakeStatus
from casehub.policy import default_policy
from tests import factories
from tests.payroll.helpers import at, certify, month, sweep_and_close, sweep_month

MAR, APR, MAY = month(2025, 3), month(2025, 4), month(2025, 5)


async def _overdue_in_april():
    """A recipient last certified 5 March 2024: due 5 March 2025, withheld from April (R-SUS-1)."""
    village = (await factories.region_tree())["532922101001"]
    clerk = await factories.staff(Role.COUNTY_STAFF)
    person = await factories.recipient(village, start=month(2024, 1), amount_fen=18_000)
    await certify(person, dt.date(2024, 3, 5))
    return clerk, person


async def test_in_processing_is_defined_by_intake_status_age_and_batch(db):
    _, person = await _overdue_in_april()
    policy = default_policy()
    now = at(dt.date(2025, 4, 30), 18)
    running = await ImportBatch.create(adapter="data_comparison", filename="f.csv", sha256="0" * 64, status="RUNNING")
    done = await ImportBatch.create(adapter="data_comparison", filename="g.csv", sha256="1" * 64, status="DONE")
    other = await factories.recipient((await person.village), start=month(2024, 1))
    third = await factories.recipient((await person.village), start=month(2024, 1))
    fourth = await factories.recipient((await person.village), start=month(2024, 1))
    await record_intake(person.id, channel=Channel.DATA_COMPARISON, source=IntakeSource.IMPORT_ROW,
                        external_ref="batch1:row7", received_at=at(dt.date(2025, 4, 29)), batch_id=running.id)
    await record_intake(other.id, channel=Channel.DATA_COMPARISON, source=IntakeSource.IMPORT_ROW,
                        external_ref="batch2:row3", received_at=at(dt.date(2025, 4, 29)), batch_id=done.id)
    await record_intake(third.id, channel=Channel.APP_SELF, source=IntakeSource.APP_RESULT,
                        external_ref="app:old", received_at=at(dt.date(2025, 3, 1)))  # older than the hold
    await record_intake(fourth.id, channel=Channel.APP_SELF, source=IntakeSource.APP_RESULT,
                        external_ref="app:new", received_at=at(dt.date(2025, 4, 28)))
    again = await record_intake(fourth.id, channel=Channel.APP_SELF, source=IntakeSource.APP_RESULT,
                                external_ref="app:new", received_at=at(dt.date(2025, 4, 28)))
    assert set(await in_processing(now, policy)) == {person.id, fourth.id}  # batch RUNNING; app result fresh
    await resolve_intake("app:new", IntakeStatus.REJECTED, note="face check failed")
    assert set(await in_processing(now, policy)) == {person.id}
    assert again.external_ref == "app:new"  # the same result received twice is recorded once
    running.status = "DONE"
    await running.save()
    assert await in_processing(now, policy) == {}  # the batch finished without applying the row


async def test_r_sus_1_rejected_intake_then_suspension_and_recovery_of_the_held_month(db):
    """Held in April (paid); the app result is rejected in May: May is withheld and the paid
    April becomes an overpayment to recover (R-PAY-4)."""
    clerk, person = await _overdue_in_april()
    await sweep_and_close(MAR, clerk)
    await record_intake(person.id, channel=Channel.APP_SELF, source=IntakeSource.APP_RESULT,
                        external_ref="app:p:1", received_at=at(dt.date(2025, 4, 25)))
    april = await sweep_and_close(APR, clerk)
    assert april.held == 1 and not await StatusChange.filter(person_id=person.id).exists()
    assert await PaymentLine.filter(run__month=APR).values_list("amount_fen", "note") == [
        (18_000, "held: certification in processing")
    ]
    await resolve_intake("app:p:1", IntakeStatus.REJECTED, note="face check failed")
    may = await sweep_month(MAY)
    assert may.held == 0 and not await PaymentLine.filter(run__month=MAY).exists()
    assert await StatusChange.get(person_id=person.id).values_list("to_status", flat=True) == "SUSPENDED"
    case = await RecoveryCase.get(person_id=person.id)
    assert case.amount_due_fen == 18_000
    assert await RecoveryItem.filter(case_id=case.id).values_list("benefit_month", flat=True) == [APR]


async def test_judicial_suspension_is_never_held(db):
    from casehub.domain import CustodyMeasure, EventType
    from tests.payroll.helpers import record

    _, person = await _overdue_in_april()
    await certify(person, dt.date(2025, 3, 1))  # certified: nothing overdue
    await record(person, EventType.CUSTODY_STARTED, dt.date(2025, 3, 10), measure=CustodyMeasure.ARREST,
                 case_ref="漾公刑拘字2025-1")
    await record_intake(person.id, channel=Channel.APP_SELF, source=IntakeSource.APP_RESULT,
                        external_ref="app:j", received_at=at(dt.date(2025, 4, 25)))
    april = await sweep_month(APR)
    assert april.held == 0 and not await PaymentLine.filter(run__month=APR).exists()  # R-JUD-1
