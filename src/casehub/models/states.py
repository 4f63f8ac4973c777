"""The derived state of each entitlement, as the rules engine last computed it.

A projection, never a source of truth: it is rebuilt from the timeline by
`casehub.cases.refresh_states` after every write and by the daily/monthly
sweep (status changes with the calendar alone, e.g. when a due date passes).
It exists so that lists and dashboards can filter and count in SQL.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.engine.results import EntitlementStatus


class EntitlementState(Model):
    id = fields.IntField(primary_key=True)
    entitlement = fields.OneToOneField("casehub.Entitlement", related_name="state", on_delete=fields.CASCADE)
    person = fields.ForeignKeyField("casehub.Person", related_name="states", on_delete=fields.CASCADE)
    status = fields.CharEnumField(EntitlementStatus, max_length=16, db_index=True)
    causes = fields.CharField(max_length=64, default="")  # comma-separated SuspensionCause values
    last_certified_on = fields.DateField(null=True)
    next_due = fields.DateField(null=True, db_index=True)
    overdue_from = fields.DateField(null=True, db_index=True)
    remind_on = fields.DateField(null=True)
    as_of = fields.DateField()  # the day the engine evaluated
    computed_at = fields.DatetimeField()
    explanation = fields.JSONField(default=dict)  # Reason.as_dict() of the current status

    class Meta:
        table = "entitlement_state"
        # a person's rows: replaced after every write to their timeline (cases.refresh_states), and a
        # scoped viewer's (access.entitlement_states: person_id IN their persons)
        indexes = (("person_id",),)
