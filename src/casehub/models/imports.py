"""Import batches: one file brought in by one adapter, with counts and per-row errors."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ImportBatch(Model):
    id = fields.IntField(primary_key=True)
    adapter = fields.CharField(max_length=64)
    filename = fields.CharField(max_length=255)
    sha256 = fields.CharField(max_length=64, db_index=True)
    status = fields.CharField(max_length=16)  # RUNNING, DONE, FAILED
    accepted = fields.IntField(default=0)
    duplicates = fields.IntField(default=0)
    rejected = fields.IntField(default=0)
    errors = fields.JSONField(default=list)  # [{"row": int, "field": str, "code": str, "message": str}]
    staff = fields.ForeignKeyField("casehub.Staff", related_name="batches", null=True, on_delete=fields.RESTRICT)
    started_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "import_batch"
