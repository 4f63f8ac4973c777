"""Half-yearly public notices per village and the tip-offs they bring (R-PUB-1/2)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.processes.vocabulary import TipOffStatus


class PublicNotice(Model):
    id = fields.IntField(primary_key=True)
    village = fields.ForeignKeyField("casehub.Region", related_name="notices", on_delete=fields.RESTRICT)
    period = fields.CharField(max_length=7)  # "2026-H1"
    posted_on = fields.DateField()  # first day on display
    removed_on = fields.DateField(null=True)  # last day on display, once known
    tipoff_phone = fields.CharField(max_length=20)
    created_by = fields.ForeignKeyField("casehub.Staff", related_name="notices", null=True, on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "public_notice"
        unique_together = (("village", "period"),)


class TipOff(Model):
    id = fields.IntField(primary_key=True)
    notice = fields.ForeignKeyField("casehub.PublicNotice", related_name="tip_offs", on_delete=fields.RESTRICT)
    phone = fields.CharField(max_length=20, null=True)  # the caller's, when given (tip-offs may be anonymous)
    content = fields.TextField()
    received_at = fields.DatetimeField()
    person = fields.ForeignKeyField(
        "casehub.Person", related_name="tip_offs", null=True, on_delete=fields.RESTRICT
    )  # the recipient it concerns, when known
    status = fields.CharEnumField(TipOffStatus, max_length=16)
    finding = fields.TextField(null=True)  # why it was closed, or what was referred
    handled_at = fields.DatetimeField(null=True)
    handled_by = fields.ForeignKeyField(
        "casehub.Staff", related_name="tip_offs_handled", null=True, on_delete=fields.RESTRICT
    )
    referral = fields.OneToOneField(
        "casehub.InvestigationReferral", related_name="tip_off", null=True, on_delete=fields.RESTRICT
    )
    recorded_by = fields.ForeignKeyField(
        "casehub.Staff", related_name="tip_offs_recorded", null=True, on_delete=fields.RESTRICT
    )
    recorded_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tip_off"
