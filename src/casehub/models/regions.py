"""Administrative areas: county → township → village (GB/T 2260 / statistical codes)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.domain import RegionLevel
from casehub.errors import ValidationError

CODE_LENGTH = {RegionLevel.COUNTY: 6, RegionLevel.TOWNSHIP: 9, RegionLevel.VILLAGE: 12}


def check_region_code(code: str, level: RegionLevel, parent_code: str | None) -> None:
    """A code has its level's length and starts with its parent's code (the prefix rule)."""
    if len(code) != CODE_LENGTH[level] or not code.isdigit():
        raise ValidationError(
            "code", "INVALID_REGION_CODE", f"{level.lower()} code {code!r} must be {CODE_LENGTH[level]} digits"
        )
    if parent_code is not None and not code.startswith(parent_code):
        raise ValidationError(
            "code", "REGION_PREFIX", f"code {code!r} does not start with its parent's code {parent_code!r}"
        )


class Region(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=12, unique=True)
    name = fields.CharField(max_length=64)
    level = fields.CharEnumField(RegionLevel, max_length=16)
    parent: fields.ForeignKeyNullableRelation[Region] = fields.ForeignKeyField(
        "casehub.Region", related_name="children", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "region"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
