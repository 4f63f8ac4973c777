"""Certifications "in processing": received, not yet on the timeline (R-CYC-4, Art. 8, R-SUS-1).

A suspension must never hit a person whose certification has arrived but is still
being processed. Concretely, a person is **in processing** at a moment T when a
`CertificationIntake` of theirs

- is RECEIVED (neither APPLIED to the timeline nor REJECTED),
- was received at or before T and no more than the policy's
  `payroll.processing_hold_days` before T, and
- if it came in an import batch, that batch is still RUNNING (a batch that has
  finished without applying the row has in effect rejected it).

App results received but not yet applied are intakes without a batch; import
adapters register one intake per row when a batch starts (`record_intake`) and
resolve it when the row is recorded or refused (`resolve_intake`). While a person
is in processing, the sweep does not suspend them for an overdue certification: the
month is paid and listed as HELD; a judicial suspension, a stop or a death is not
held.
"""

from __future__ import annotations

import datetime as dt

from tortoise.expressions import Q

from casehub.audit import append_audit
from casehub.casework.vocabulary import CaseworkErrorCode as Code
from casehub.domain import Channel
from casehub.errors import ValidationError
from casehub.models import CertificationIntake, ImportBatch, Person
from casehub.payroll.vocabulary import IntakeSource, IntakeStatus
from casehub.policy import Policy

BATCH_RUNNING = "RUNNING"  # ImportBatch.status while an import is under way


async def record_intake(
    person_id: int,
    *,
    channel: Channel,
    source: IntakeSource,
    external_ref: str,
    received_at: dt.datetime,
    batch_id: int | None = None,
    note: str = "",
) -> CertificationIntake:
    """Register a certification received; the same `external_ref` twice is recorded once."""
    existing = await CertificationIntake.get_or_none(external_ref=external_ref)
    if existing is not None:
        return existing
    if not await Person.exists(id=person_id):
        raise ValidationError("personId", Code.NOT_FOUND, f"no recipient {person_id}")
    if batch_id is not None and not await ImportBatch.exists(id=batch_id):
        raise ValidationError("batchId", Code.NOT_FOUND, f"no import batch {batch_id}")
    if received_at.tzinfo is None:
        raise ValidationError("receivedAt", Code.INVALID, "received_at must carry a time zone")
    return await CertificationIntake.create(
        person_id=person_id, channel=channel, source=source, external_ref=external_ref, received_at=received_at,
        batch_id=batch_id, status=IntakeStatus.RECEIVED, note=note,
    )


async def resolve_intake(
    external_ref: str, status: IntakeStatus, *, event_id: int | None = None, staff_id: int | None = None, note: str = ""
) -> CertificationIntake:
    """Mark an intake APPLIED (naming the CERTIFIED event) or REJECTED. Audited."""
    intake = await CertificationIntake.get_or_none(external_ref=external_ref)
    if intake is None:
        raise ValidationError("externalRef", Code.NOT_FOUND, f"no intake {external_ref!r}")
    if status is IntakeStatus.RECEIVED:
        raise ValidationError("status", Code.INVALID, "resolve an intake as APPLIED or REJECTED")
    if intake.status is not IntakeStatus.RECEIVED:
        raise ValidationError(
            "externalRef", Code.ALREADY_DECIDED, f"intake {external_ref!r} is already {intake.status}"
        )
    intake.status = status
    intake.resolved_at = dt.datetime.now(dt.UTC)
    intake.event_id = event_id
    intake.note = note or intake.note
    await intake.save()
    await append_audit(
        "RESOLVE_INTAKE", "certification_intake", intake.id, actor_id=staff_id,
        detail={"status": status.value, "eventId": event_id, "personId": intake.person_id},
    )
    return intake


async def in_processing(at: dt.datetime, policy: Policy) -> dict[int, int]:
    """Person id → the id of an intake that keeps them in processing at `at` (see the module doc)."""
    hold = dt.timedelta(days=policy.version_at(at.date()).payroll.processing_hold_days)
    rows = await CertificationIntake.filter(
        Q(batch_id=None) | Q(batch__status=BATCH_RUNNING),
        status=IntakeStatus.RECEIVED,
        received_at__lte=at,
        received_at__gte=at - hold,
    ).order_by("id").values_list("person_id", "id")
    return {pid: iid for pid, iid in rows}
