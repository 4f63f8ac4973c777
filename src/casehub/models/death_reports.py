"""Monthly death reports (月死亡报告, R-DTH-1..4): one per reporting body, scheme and month.

`received_on` and `days_late` are fixed by the first submission (R-DTH-4); a resubmission adds
rows and counts in `submissions`. Each reported death is an entry whose DIED event is on the
recipient's timeline.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.domain import Scheme
from casehub.policy.model import ReportingBody


class DeathReport(Model):
    id = fields.IntField(primary_key=True)
    scheme = fields.CharEnumField(Scheme, max_length=32)
    reporter = fields.CharEnumField(ReportingBody, max_length=16)  # VILLAGE, TOWNSHIP or UNIT
    body_key = fields.CharField(max_length=48)  # "VILLAGE:532922101001", "UNIT:<unit code>"
    region = fields.ForeignKeyField(
        "casehub.Region", related_name="death_reports", null=True, on_delete=fields.RESTRICT
    )
    unit = fields.ForeignKeyField(
        "casehub.EmployerUnit", related_name="death_reports", null=True, on_delete=fields.RESTRICT
    )
    month = fields.DateField()  # the month reported on, first day
    due_on = fields.DateField()
    received_on = fields.DateField()  # the county day the first submission was received
    days_late = fields.IntField()  # calendar days after due_on; 0 when on time
    rule = fields.CharField(max_length=16)
    policy_version = fields.CharField(max_length=32)
    submissions = fields.IntField()
    submitted_by = fields.ForeignKeyField(
        "casehub.Staff", related_name="death_reports", null=True, on_delete=fields.RESTRICT
    )
    first_recorded_at = fields.DatetimeField()
    last_recorded_at = fields.DatetimeField()

    class Meta:
        table = "death_report"
        unique_together = (("scheme", "body_key", "month"),)


class DeathReportEntry(Model):
    id = fields.IntField(primary_key=True)
    report = fields.ForeignKeyField("casehub.DeathReport", related_name="entries", on_delete=fields.RESTRICT)
    row = fields.IntField()  # 1-based row in the submission that first carried it
    submission = fields.IntField()  # which submission first carried it
    person = fields.ForeignKeyField("casehub.Person", related_name="death_report_entries", on_delete=fields.RESTRICT)
    died_on = fields.DateField()
    evidence = fields.JSONField(default=list)
    event = fields.ForeignKeyField("casehub.Event", related_name="death_report_entries", on_delete=fields.RESTRICT)

    class Meta:
        table = "death_report_entry"
        unique_together = (("report", "person"),)
