"""Four eyes: a manual decision is a request until a second staff member approves it.

The request holds what would be done (`payload`); approving applies it in the same
transaction and records both names on the effect (override, waiver, instalment plan,
reopened investigation). Until then it has no effect anywhere.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.casework.vocabulary import ApprovalKind, ApprovalStatus


class ApprovalRequest(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(ApprovalKind, max_length=32)
    status = fields.CharEnumField(ApprovalStatus, max_length=16, db_index=True)
    target_type = fields.CharField(max_length=32)  # entitlement, recovery_case, investigation
    target_id = fields.IntField()
    person = fields.ForeignKeyField(
        "casehub.Person", related_name=False, on_delete=fields.RESTRICT
    )  # whose case it concerns, for row scoping
    payload = fields.JSONField(default=dict)
    reason = fields.TextField()
    requested_by = fields.ForeignKeyField("casehub.Staff", related_name=False, on_delete=fields.RESTRICT)
    requested_at = fields.DatetimeField(auto_now_add=True)
    decided_by = fields.ForeignKeyField("casehub.Staff", related_name=False, null=True, on_delete=fields.RESTRICT)
    decided_at = fields.DatetimeField(null=True)
    decision_note = fields.TextField(default="")

    class Meta:
        table = "approval_request"
        indexes = (("target_type", "target_id"),)
