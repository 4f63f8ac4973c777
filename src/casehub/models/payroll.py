"""Payroll runs and payment lines: what was paid, for which entitlement-month (R-PAY-1..4).

A run is one payroll month. While OPEN the monthly sweep (re)plans its lines; once
CLOSED the month and its lines never change — the ORM refuses (`FrozenPayrollError`)
and so does the database (triggers in migrations/0006_payroll_frozen_guards.py).
Later evidence about a closed month becomes an ADJUSTMENT line in a later month, or
a recovery case when too much was paid.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.casework.vocabulary import OverrideAction
from casehub.domain import Channel
from casehub.engine.results import EntitlementStatus
from casehub.payroll.vocabulary import IntakeSource, IntakeStatus, LineKind, LineSource, RunStatus, SweepStatus


class PayrollRun(Model):
    id = fields.IntField(primary_key=True)
    month = fields.DateField(unique=True)  # the payroll month, first day
    status = fields.CharEnumField(RunStatus, max_length=8)
    opened_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)
    closed_by = fields.ForeignKeyField("casehub.Staff", related_name=False, null=True, on_delete=fields.RESTRICT)
    line_count = fields.IntField(default=0)  # set when closed
    total_fen = fields.BigIntField(default=0)  # set when closed

    class Meta:
        table = "payroll_run"


class PaymentLine(Model):
    """Money paid in `run`'s month for one entitlement's `benefit_month` (the month it is *for*)."""

    id = fields.BigIntField(primary_key=True)
    run = fields.ForeignKeyField("casehub.PayrollRun", related_name="lines", on_delete=fields.RESTRICT)
    entitlement = fields.ForeignKeyField("casehub.Entitlement", related_name="payment_lines", on_delete=fields.RESTRICT)
    person = fields.ForeignKeyField(
        "casehub.Person", related_name="payment_lines", on_delete=fields.RESTRICT
    )  # denormalised: the sweep loads payments per batch of persons
    benefit_month = fields.DateField()
    amount_fen = fields.BigIntField()
    kind = fields.CharEnumField(LineKind, max_length=16)
    source = fields.CharEnumField(LineSource, max_length=8)
    note = fields.CharField(max_length=200, default="")

    class Meta:
        table = "payment_line"
        unique_together = (("run", "entitlement", "benefit_month", "kind"),)
        indexes = (("person_id",), ("entitlement_id", "benefit_month"))


class DecisionOverride(Model):
    """A manual decision for one entitlement-month, in force once approved (four eyes).

    The latest override of an entitlement-month wins; the sweep applies it instead of
    the engine's decision, for the month's line and for arrears and overpayments.
    """

    id = fields.IntField(primary_key=True)
    entitlement = fields.ForeignKeyField("casehub.Entitlement", related_name="overrides", on_delete=fields.RESTRICT)
    person = fields.ForeignKeyField("casehub.Person", related_name="overrides", on_delete=fields.RESTRICT)
    month = fields.DateField()
    action = fields.CharEnumField(OverrideAction, max_length=16)
    amount_fen = fields.BigIntField()
    reason = fields.TextField()
    requested_by = fields.ForeignKeyField("casehub.Staff", related_name=False, on_delete=fields.RESTRICT)
    approved_by = fields.ForeignKeyField("casehub.Staff", related_name=False, on_delete=fields.RESTRICT)
    approval = fields.ForeignKeyField("casehub.ApprovalRequest", related_name=False, on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "decision_override"
        indexes = (("entitlement_id", "month"),)


class CertificationIntake(Model):
    """A certification received but not yet on the timeline: while RECEIVED the person is
    "in processing" and the sweep does not suspend them for an overdue certification.
    """

    id = fields.IntField(primary_key=True)
    person = fields.ForeignKeyField("casehub.Person", related_name="intakes", on_delete=fields.RESTRICT)
    channel = fields.CharEnumField(Channel, max_length=16)
    source = fields.CharEnumField(IntakeSource, max_length=16)
    batch = fields.ForeignKeyField("casehub.ImportBatch", related_name="intakes", null=True, on_delete=fields.RESTRICT)
    external_ref = fields.CharField(max_length=200, unique=True)  # idempotent: the same result is received once
    received_at = fields.DatetimeField()
    status = fields.CharEnumField(IntakeStatus, max_length=16, db_index=True)
    resolved_at = fields.DatetimeField(null=True)
    event = fields.ForeignKeyField("casehub.Event", related_name=False, null=True, on_delete=fields.RESTRICT)
    note = fields.CharField(max_length=200, default="")

    class Meta:
        table = "certification_intake"


class SweepRun(Model):
    """One run of the monthly sweep: when, as of which day, what it found, the report it wrote."""

    id = fields.IntField(primary_key=True)
    month = fields.DateField(db_index=True)
    as_of = fields.DateField()
    status = fields.CharEnumField(SweepStatus, max_length=8)
    started_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)
    started_by = fields.ForeignKeyField("casehub.Staff", related_name=False, null=True, on_delete=fields.RESTRICT)
    workers = fields.IntField(default=1)
    counts = fields.JSONField(default=dict)
    report_path = fields.CharField(max_length=500, default="")
    report_sha256 = fields.CharField(max_length=64, default="")
    error = fields.TextField(default="")

    class Meta:
        table = "sweep_run"


class StatusChange(Model):
    """A change of an entitlement's status found by a sweep: suspensions, resumptions, ends."""

    id = fields.BigIntField(primary_key=True)
    sweep = fields.ForeignKeyField("casehub.SweepRun", related_name="status_changes", on_delete=fields.RESTRICT)
    entitlement = fields.ForeignKeyField("casehub.Entitlement", related_name=False, on_delete=fields.RESTRICT)
    person = fields.ForeignKeyField("casehub.Person", related_name="status_changes", on_delete=fields.RESTRICT)
    month = fields.DateField()
    as_of = fields.DateField()
    from_status = fields.CharEnumField(EntitlementStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(EntitlementStatus, max_length=16)
    causes = fields.CharField(max_length=64, default="")
    explanation = fields.JSONField(default=dict)

    class Meta:
        table = "status_change"
        unique_together = (("sweep", "entitlement"),)
        indexes = (("person_id",),)
