"""The recipient's timeline: append-only, bitemporal events (R-TL-1..3).

An event is never updated or deleted: a correction is a new RETRACTED or
AMENDED event whose `corrects` points at the earlier one. `natural_key` makes
imports idempotent: the same external record imported twice is recorded once.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.manager import Manager
from tortoise.models import Model
from tortoise.queryset import QuerySet

from casehub.domain import EventType


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove a recorded event (R-TL-1)."""


class AppendOnlyQuerySet(QuerySet):
    """A queryset with no bulk UPDATE or DELETE path."""

    def update(self, **kwargs: Any) -> Any:
        raise AppendOnlyError("events are append-only: record an AMENDED event instead")

    def delete(self) -> Any:
        raise AppendOnlyError("events are append-only: record a RETRACTED event instead")

    def bulk_update(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("events are append-only: record AMENDED events instead")


class AppendOnlyManager(Manager):
    def get_queryset(self) -> QuerySet:
        return AppendOnlyQuerySet(self._model)


class Event(Model):
    id = fields.BigIntField(primary_key=True)
    person = fields.ForeignKeyField("casehub.Person", related_name="events", on_delete=fields.RESTRICT)
    entitlement = fields.ForeignKeyField(
        "casehub.Entitlement", related_name="events", null=True, on_delete=fields.RESTRICT
    )  # set when the event concerns one entitlement only (e.g. a dependant change)
    type = fields.CharEnumField(EventType, max_length=32)
    occurred_on = fields.DateField()
    recorded_at = fields.DatetimeField()
    source_adapter = fields.CharField(max_length=64)  # adapter name, or "api" / "demo"
    batch = fields.ForeignKeyField("casehub.ImportBatch", related_name="events", null=True, on_delete=fields.RESTRICT)
    source_row = fields.IntField(null=True)
    staff = fields.ForeignKeyField("casehub.Staff", related_name="events", null=True, on_delete=fields.RESTRICT)
    payload = fields.JSONField(default=dict)
    evidence = fields.JSONField(default=list)  # references: file hashes, photo ids, form numbers
    natural_key = fields.CharField(max_length=200, unique=True)
    corrects = fields.ForeignKeyField(
        "casehub.Event", related_name="corrections", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "event"
        manager = AppendOnlyManager()
        # corrects_id: retracted / retractedBy / amendedBy load corrections by `corrects_id IN (...)`.
        indexes = (("person_id", "recorded_at"), ("person_id", "occurred_on"), ("corrects_id",))

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._saved_in_db:
            await super().save(*args, **kwargs)
            return
        raise AppendOnlyError("events are append-only: record a RETRACTED or AMENDED event instead")

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AppendOnlyError("events are append-only: record a RETRACTED event instead")
