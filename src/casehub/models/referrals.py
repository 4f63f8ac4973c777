"""Referrals to an investigation: what a tip-off or a spot-check finding hands on (R-ACC-3, R-PUB-2).

A referral is the minimal record the processes create when something must be investigated.
The investigations module (tracker issue 6, part B) opens or links an investigation for it and
sets `investigation_id`; until then the referral is the open item in the investigators' queue.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.processes.vocabulary import ReferralSource


class InvestigationReferral(Model):
    id = fields.IntField(primary_key=True)
    source = fields.CharEnumField(ReferralSource, max_length=16)
    person = fields.ForeignKeyField(
        "casehub.Person", related_name="referrals", null=True, on_delete=fields.RESTRICT
    )  # the recipient concerned, when known
    region = fields.ForeignKeyField("casehub.Region", related_name="referrals", null=True, on_delete=fields.RESTRICT)
    summary = fields.TextField()
    opened_at = fields.DatetimeField(auto_now_add=True)
    opened_by = fields.ForeignKeyField("casehub.Staff", related_name="referrals", null=True, on_delete=fields.RESTRICT)
    # Part B's investigation that took this referral up; a plain id until that model exists.
    investigation_id = fields.IntField(null=True, db_index=True)

    class Meta:
        table = "investigation_referral"
