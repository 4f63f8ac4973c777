"""Employer units (参保单位) that manage and report for their own retirees (Art. 6 (二)(三))."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.domain import UnitKind


class EmployerUnit(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)  # unified social credit code or local code
    name = fields.CharField(max_length=128)
    kind = fields.CharEnumField(UnitKind, max_length=16)
    region = fields.ForeignKeyField("casehub.Region", related_name="units", on_delete=fields.RESTRICT)

    class Meta:
        table = "employer_unit"
