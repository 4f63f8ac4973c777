"""The audit log: who did what to which record, and why (R-ACC-1).

Entries are chained by hash (each carries the previous entry's hash) so that a
rewritten entry is detectable; appending is the only write path.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    actor = fields.ForeignKeyField("casehub.Staff", related_name="audit_entries", null=True, on_delete=fields.RESTRICT)
    action = fields.CharField(max_length=64)  # e.g. RECORD_EVENT, REVEAL_ID_NUMBER, IMPORT_BATCH
    target_type = fields.CharField(max_length=32)
    target_id = fields.CharField(max_length=64)
    detail = fields.JSONField(default=dict)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "audit_entry"
