"""Recipients (待遇领取人员), identified by their resident ID number.

Birth date and sex are derived from the ID number on save, never typed twice.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from casehub.idnumber import parse_id_number


class Person(Model):
    id = fields.IntField(primary_key=True)
    id_number = fields.CharField(max_length=18, unique=True)
    name = fields.CharField(max_length=64, db_index=True)
    birth_date = fields.DateField()
    sex = fields.CharField(max_length=1)
    phone = fields.CharField(max_length=20, null=True)
    village = fields.ForeignKeyField("casehub.Region", related_name="residents", on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "person"
        # a village assistant's or township's recipients, in list order (access.persons scopes by village)
        indexes = (("village_id", "id"),)

    @classmethod
    def derived_fields(cls, id_number: str) -> dict[str, Any]:
        """The validated number with its derived birth date and sex (R-PAP-5)."""
        parsed = parse_id_number(id_number)
        return {"id_number": parsed.number, "birth_date": parsed.birth_date, "sex": parsed.sex}

    @classmethod
    async def create(cls, **kwargs: Any) -> Person:  # type: ignore[override]
        kwargs.update(cls.derived_fields(kwargs["id_number"]))
        return await super().create(**kwargs)
