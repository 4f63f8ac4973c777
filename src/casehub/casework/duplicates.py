"""Duplicate receipt (重复领取, R-DUP-1): opened as a case by the sweep, resolved by a person.

One case per pair of entitlements, whatever the number of sweeps that see it: a pair
resolved as lawful is not reopened by the next sweep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tortoise.transactions import in_transaction

from casehub.audit import append_audit
from casehub.casework.vocabulary import CaseworkErrorCode as Code
from casehub.casework.vocabulary import DuplicateResolution, DuplicateStatus, OriginType
from casehub.errors import ValidationError
from casehub.models import DuplicateReceipt
from casehub.payroll.plan import Duplicate


async def record_duplicates(
    found: Sequence[Duplicate], *, month: dt.date, sweep_id: int | None
) -> list[DuplicateReceipt]:
    """Open a case for each pair not on record yet; returns the new cases (audited together)."""
    if not found:
        return []
    async with in_transaction() as conn:
        known = set(
            await DuplicateReceipt.filter(first_entitlement_id__in={d.first_entitlement_id for d in found})
            .using_db(conn)
            .values_list("first_entitlement_id", "second_entitlement_id")
        )
        new = [d for d in found if (d.first_entitlement_id, d.second_entitlement_id) not in known]
        if not new:
            return []
        await DuplicateReceipt.bulk_create(
            [
                DuplicateReceipt(
                    person_id=d.person_id, first_entitlement_id=d.first_entitlement_id,
                    second_entitlement_id=d.second_entitlement_id, overlap_from=d.overlap_from,
                    status=DuplicateStatus.OPEN, detected_month=month, sweep_id=sweep_id,
                )
                for d in new
            ],
            batch_size=1000,
            using_db=conn,
        )
        created = await DuplicateReceipt.filter(
            detected_month=month, first_entitlement_id__in=[d.first_entitlement_id for d in new]
        ).using_db(conn).order_by("id")
        await append_audit(
            "OPEN_DUPLICATE_RECEIPTS", "sweep_run", sweep_id or 0, actor_id=None, using=conn,
            detail={"month": f"{month:%Y-%m}", "ids": [c.id for c in created], "rule": "R-DUP-1"},
        )
    return created


async def resolve_duplicate(
    duplicate_id: int, resolution: DuplicateResolution, *, note: str, staff_id: int
) -> DuplicateReceipt:
    """Close a duplicate-receipt case; INVESTIGATION opens (or finds) its investigation. Audited."""
    from casehub.casework.investigations import open_investigation

    if not note.strip():
        raise ValidationError("note", Code.INVALID, "say how the duplicate receipt was resolved")
    async with in_transaction() as conn:
        case = await DuplicateReceipt.filter(id=duplicate_id).using_db(conn).select_for_update().first()
        if case is None:
            raise ValidationError("duplicateReceiptId", Code.NOT_FOUND, f"no duplicate receipt {duplicate_id}")
        if case.status is DuplicateStatus.RESOLVED:
            raise ValidationError("duplicateReceiptId", Code.ALREADY_DECIDED, "this case is already resolved")
        case.status = DuplicateStatus.RESOLVED
        case.resolution = resolution
        case.resolved_by_id = staff_id
        case.resolved_at = dt.datetime.now(dt.UTC)
        case.note = note
        await case.save(using_db=conn)
        investigation_id = None
        if resolution is DuplicateResolution.INVESTIGATION:
            investigation = await open_investigation(
                case.person_id, OriginType.DUPLICATE_RECEIPT, case.id, staff_id, note, using=conn
            )
            investigation_id = investigation.id
        await append_audit(
            "RESOLVE_DUPLICATE_RECEIPT", "duplicate_receipt", case.id, actor_id=staff_id, using=conn,
            detail={"resolution": resolution.value, "note": note, "investigationId": investigation_id},
        )
    return case
