"""The key-group ledger (重点群体台账, R-KEY-1): recorded facts about severe disability and inability
to care for oneself, each with the days it holds and where it comes from.

VERY_OLD is never recorded: it follows from the birth date and the policy's age.
"""

from __future__ import annotations

import datetime as dt

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from casehub.domain import KeyGroup


class KeyGroupFact(Model):
    id = fields.IntField(primary_key=True)
    person = fields.ForeignKeyField("casehub.Person", related_name="key_group_facts", on_delete=fields.RESTRICT)
    group = fields.CharEnumField(KeyGroup, max_length=24)
    since = fields.DateField()
    until = fields.DateField(null=True)  # last day it holds; None while it still does
    source = fields.CharField(max_length=200)  # e.g. "残疾人证 53292219...", "失能评估 2026-03"
    recorded_by = fields.ForeignKeyField(
        "casehub.Staff", related_name="key_group_facts", null=True, on_delete=fields.RESTRICT
    )
    recorded_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "key_group_fact"
        indexes = (("person_id", "group"),)

    @classmethod
    def holding_on(cls, day: dt.date) -> QuerySet[KeyGroupFact]:
        """The facts that hold on `day` (`until` is the last day included)."""
        return cls.filter(since__lte=day).filter(Q(until__isnull=True) | Q(until__gte=day))
