"""Duplicate receipt (重复领取, R-DUP-1): one person drawing a resident pension and an employee pension.

Found by the monthly sweep and opened as a case, once per pair of entitlements; a
person resolves it (one entitlement ended, not a duplicate, or handed to an
investigation).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.casework.vocabulary import DuplicateResolution, DuplicateStatus


class DuplicateReceipt(Model):
    id = fields.IntField(primary_key=True)
    person = fields.ForeignKeyField("casehub.Person", related_name="duplicate_receipts", on_delete=fields.RESTRICT)
    first_entitlement = fields.ForeignKeyField(
        "casehub.Entitlement", related_name=False, on_delete=fields.RESTRICT
    )  # the resident pension
    second_entitlement = fields.ForeignKeyField(
        "casehub.Entitlement", related_name=False, on_delete=fields.RESTRICT
    )  # the agency or enterprise pension
    overlap_from = fields.DateField()  # first month both were payable
    status = fields.CharEnumField(DuplicateStatus, max_length=16, db_index=True)
    detected_month = fields.DateField()
    detected_at = fields.DatetimeField(auto_now_add=True)
    sweep = fields.ForeignKeyField("casehub.SweepRun", related_name=False, null=True, on_delete=fields.RESTRICT)
    resolution = fields.CharEnumField(DuplicateResolution, max_length=32, null=True)
    resolved_by = fields.ForeignKeyField("casehub.Staff", related_name=False, null=True, on_delete=fields.RESTRICT)
    resolved_at = fields.DatetimeField(null=True)
    note = fields.TextField(default="")

    class Meta:
        table = "duplicate_receipt"
        unique_together = (("first_entitlement", "second_entitlement"),)
