"""Recovery of overpayments (R-PAY-4): cases, the overpaid months, repayments, waivers, instalments.

A recovery case belongs to one person; its items are the exact entitlement-months
overpaid with the event that proves each. Items are appended, never edited: when an
overpayment grows or falls away (its proving event retracted), a new item records the
difference. All money is integer fen; the case keeps its running totals.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.casework.vocabulary import RecoveryStatus, RepaymentMethod


class RecoveryCase(Model):
    id = fields.IntField(primary_key=True)
    person = fields.ForeignKeyField("casehub.Person", related_name="recovery_cases", on_delete=fields.RESTRICT)
    status = fields.CharEnumField(RecoveryStatus, max_length=16, db_index=True)
    amount_due_fen = fields.BigIntField(default=0)  # the sum of the items
    repaid_fen = fields.BigIntField(default=0)
    waived_fen = fields.BigIntField(default=0)
    opened_month = fields.DateField()  # the sweep month that found it
    opened_at = fields.DatetimeField(auto_now_add=True)
    opened_by = fields.ForeignKeyField(
        "casehub.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )  # None: opened by the sweep
    settled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "recovery_case"

    @property
    def outstanding_fen(self) -> int:
        return self.amount_due_fen - self.repaid_fen - self.waived_fen


class RecoveryItem(Model):
    """One overpaid entitlement-month (or a change to one), with its proof (R-PAY-3/4)."""

    id = fields.BigIntField(primary_key=True)
    case = fields.ForeignKeyField("casehub.RecoveryCase", related_name="items", on_delete=fields.RESTRICT)
    entitlement = fields.ForeignKeyField("casehub.Entitlement", related_name=False, on_delete=fields.RESTRICT)
    benefit_month = fields.DateField()
    paid_fen = fields.BigIntField()
    due_fen = fields.BigIntField()
    amount_fen = fields.BigIntField()  # what this item adds to the amount due (negative: fell away)
    rule = fields.CharField(max_length=16)
    proof_event = fields.ForeignKeyField("casehub.Event", related_name=False, null=True, on_delete=fields.RESTRICT)
    proof_event_ids = fields.JSONField(default=list)
    known_since = fields.DatetimeField(null=True)  # when the proving event was recorded
    explanation = fields.JSONField(default=dict)  # Reason.as_dict()
    found_month = fields.DateField()
    found_at = fields.DatetimeField(auto_now_add=True)
    sweep = fields.ForeignKeyField("casehub.SweepRun", related_name=False, null=True, on_delete=fields.RESTRICT)

    class Meta:
        table = "recovery_item"
        indexes = (("entitlement_id", "benefit_month"),)


class Repayment(Model):
    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField("casehub.RecoveryCase", related_name="repayments", on_delete=fields.RESTRICT)
    amount_fen = fields.BigIntField()
    paid_on = fields.DateField()
    method = fields.CharEnumField(RepaymentMethod, max_length=16)
    reference = fields.CharField(max_length=64, default="")
    recorded_by = fields.ForeignKeyField("casehub.Staff", related_name=False, on_delete=fields.RESTRICT)
    recorded_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "repayment"


class Waiver(Model):
    """Part or all of a recovery waived, which exists only once a second staff member approved it."""

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField("casehub.RecoveryCase", related_name="waivers", on_delete=fields.RESTRICT)
    amount_fen = fields.BigIntField()
    reason = fields.TextField()
    requested_by = fields.ForeignKeyField("casehub.Staff", related_name=False, on_delete=fields.RESTRICT)
    approved_by = fields.ForeignKeyField("casehub.Staff", related_name=False, on_delete=fields.RESTRICT)
    approval = fields.ForeignKeyField("casehub.ApprovalRequest", related_name=False, on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "recovery_waiver"


class InstalmentPlan(Model):
    """Repay the outstanding amount in monthly instalments (the latest approved plan is the active one)."""

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField("casehub.RecoveryCase", related_name="plans", on_delete=fields.RESTRICT)
    instalments = fields.IntField()
    first_due_month = fields.DateField()
    total_fen = fields.BigIntField()  # the outstanding amount when approved
    reason = fields.TextField()
    active = fields.BooleanField(default=True)
    requested_by = fields.ForeignKeyField("casehub.Staff", related_name=False, on_delete=fields.RESTRICT)
    approved_by = fields.ForeignKeyField("casehub.Staff", related_name=False, on_delete=fields.RESTRICT)
    approval = fields.ForeignKeyField("casehub.ApprovalRequest", related_name=False, on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "instalment_plan"


class Instalment(Model):
    id = fields.IntField(primary_key=True)
    plan = fields.ForeignKeyField("casehub.InstalmentPlan", related_name="schedule", on_delete=fields.RESTRICT)
    seq = fields.IntField()  # 1, 2, ...
    due_month = fields.DateField()
    amount_fen = fields.BigIntField()

    class Meta:
        table = "instalment"
        unique_together = (("plan", "seq"),)
