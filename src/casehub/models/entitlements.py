"""Entitlements (待遇): one recipient × one scheme, with start month and amount in fen."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.domain import DependantRole, Scheme


class Entitlement(Model):
    id = fields.IntField(primary_key=True)
    person = fields.ForeignKeyField("casehub.Person", related_name="entitlements", on_delete=fields.RESTRICT)
    scheme = fields.CharEnumField(Scheme, max_length=32)
    start_month = fields.DateField()  # always the first day of a month
    monthly_amount_fen = fields.BigIntField()  # the amount at start; later changes are AMOUNT_CHANGED events
    region = fields.ForeignKeyField(
        "casehub.Region", related_name="entitlements", on_delete=fields.RESTRICT
    )  # the township or village that manages it
    unit = fields.ForeignKeyField(
        "casehub.EmployerUnit", related_name="entitlements", null=True, on_delete=fields.RESTRICT
    )  # the employer unit that manages it (agency, enterprise and work-injury schemes)
    dependant_role = fields.CharEnumField(DependantRole, max_length=16, null=True)  # work-injury dependants only
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "entitlement"
        unique_together = (("person", "scheme"),)
