"""Staff accounts: a role and a scope (a region at any level, or an employer unit)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.domain import Role


class Staff(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=64)
    role = fields.CharEnumField(Role, max_length=32)
    region = fields.ForeignKeyField("casehub.Region", related_name="staff", null=True, on_delete=fields.RESTRICT)
    unit = fields.ForeignKeyField("casehub.EmployerUnit", related_name="staff", null=True, on_delete=fields.RESTRICT)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff"
