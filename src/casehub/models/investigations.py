"""Investigations (fraud cases) and accountability records (R-ACC-1..3).

An investigation has a life cycle (`casehub.casework.vocabulary.TRANSITIONS`), a
history of every transition with who made it, links to what it rests on (tip-offs,
spot-check findings, events, recovery cases, duplicate receipts) and accountability
records naming the responsible staff or person (R-ACC-2).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.casework.vocabulary import (
    AccountabilityKind,
    AccountabilityOutcome,
    InvestigationStatus,
    LinkKind,
    OriginType,
)


class Investigation(Model):
    id = fields.IntField(primary_key=True)
    subject = fields.ForeignKeyField("casehub.Person", related_name="investigations", on_delete=fields.RESTRICT)
    status = fields.CharEnumField(InvestigationStatus, max_length=32, db_index=True)
    origin_type = fields.CharEnumField(OriginType, max_length=32)
    origin_id = fields.IntField(null=True)
    summary = fields.TextField()
    opened_by = fields.ForeignKeyField("casehub.Staff", related_name=False, null=True, on_delete=fields.RESTRICT)
    opened_at = fields.DatetimeField(auto_now_add=True)
    conclusion = fields.TextField(default="")
    concluded_at = fields.DatetimeField(null=True)
    judicial_organ = fields.CharField(max_length=128, default="")  # 移交的司法机关 (R-ACC-2)
    referral_reference = fields.CharField(max_length=64, default="")  # 移送文书号
    referred_on = fields.DateField(null=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "investigation"
        indexes = (("origin_type", "origin_id"),)


class InvestigationTransition(Model):
    """One step of the life cycle, with who took it (R-ACC-1), and for a reopening its approval."""

    id = fields.IntField(primary_key=True)
    investigation = fields.ForeignKeyField(
        "casehub.Investigation", related_name="transitions", on_delete=fields.RESTRICT
    )
    from_status = fields.CharEnumField(InvestigationStatus, max_length=32, null=True)
    to_status = fields.CharEnumField(InvestigationStatus, max_length=32)
    note = fields.TextField(default="")
    by = fields.ForeignKeyField("casehub.Staff", related_name=False, null=True, on_delete=fields.RESTRICT)
    at = fields.DatetimeField(auto_now_add=True)
    approval = fields.ForeignKeyField(
        "casehub.ApprovalRequest", related_name=False, null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "investigation_transition"


class InvestigationLink(Model):
    """What an investigation rests on (R-ACC-3): `target_id` is the id of a record of `kind`."""

    id = fields.IntField(primary_key=True)
    investigation = fields.ForeignKeyField("casehub.Investigation", related_name="links", on_delete=fields.RESTRICT)
    kind = fields.CharEnumField(LinkKind, max_length=32)
    target_id = fields.BigIntField()
    note = fields.TextField(default="")
    added_by = fields.ForeignKeyField("casehub.Staff", related_name=False, null=True, on_delete=fields.RESTRICT)
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "investigation_link"
        unique_together = (("investigation", "kind", "target_id"),)
        indexes = (("kind", "target_id"),)


class AccountabilityRecord(Model):
    """R-ACC-2: who is responsible, the facts, the fund's loss, the outcome."""

    id = fields.IntField(primary_key=True)
    investigation = fields.ForeignKeyField(
        "casehub.Investigation", related_name="accountability", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(AccountabilityKind, max_length=32)
    responsible_staff = fields.ForeignKeyField(
        "casehub.Staff", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    responsible_person = fields.ForeignKeyField(
        "casehub.Person", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    responsible_name = fields.CharField(max_length=64)  # as written in the record, whoever it is
    facts = fields.TextField()
    amount_lost_fen = fields.BigIntField(default=0)
    outcome = fields.CharEnumField(AccountabilityOutcome, max_length=32)
    outcome_note = fields.TextField(default="")
    recorded_by = fields.ForeignKeyField("casehub.Staff", related_name=False, on_delete=fields.RESTRICT)
    recorded_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "accountability_record"
