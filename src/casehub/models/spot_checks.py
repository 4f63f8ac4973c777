"""Half-yearly spot checks (R-SPT-1/2): the recorded seed, the population drawn from, the sample.

A spot check is recorded whole when it is drawn — seed, population snapshot and sample — before
any finding can exist (findings sit on the sampled items), so the draw can be recomputed and
verified by anyone (`casehub.processes.spot_checks.verify`).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from casehub.domain import Scheme
from casehub.processes.vocabulary import FindingResult


class SpotCheck(Model):
    id = fields.IntField(primary_key=True)
    period = fields.CharField(max_length=7, unique=True)  # "2026-H1"
    seed = fields.CharField(max_length=128)
    algorithm = fields.CharField(max_length=32)  # e.g. "sha256-rank-v1"
    policy_version = fields.CharField(max_length=32)
    population = fields.JSONField()  # {scheme: {"method", "groups"}}: who could have been drawn
    population_sha256 = fields.CharField(max_length=64)
    shortfalls = fields.JSONField(default=list)  # where the population was smaller than the policy's minimum
    drawn_at = fields.DatetimeField()
    drawn_by = fields.ForeignKeyField("casehub.Staff", related_name="spot_checks", null=True, on_delete=fields.RESTRICT)

    class Meta:
        table = "spot_check"


class SpotCheckItem(Model):
    id = fields.IntField(primary_key=True)
    spot_check = fields.ForeignKeyField("casehub.SpotCheck", related_name="items", on_delete=fields.RESTRICT)
    position = fields.IntField()  # order in the draw
    scheme = fields.CharEnumField(Scheme, max_length=32)
    person = fields.ForeignKeyField("casehub.Person", related_name="spot_check_items", on_delete=fields.RESTRICT)
    group_code = fields.CharField(max_length=32)  # the village code (AREA) or unit code (UNIT) drawn
    # the finding, once recorded (once only)
    result = fields.CharEnumField(FindingResult, max_length=32, null=True)
    checked_on = fields.DateField(null=True)
    died_on = fields.DateField(null=True)
    note = fields.TextField(null=True)
    evidence = fields.JSONField(default=list)
    recorded_by = fields.ForeignKeyField(
        "casehub.Staff", related_name="spot_check_findings", null=True, on_delete=fields.RESTRICT
    )
    recorded_at = fields.DatetimeField(null=True)
    event = fields.ForeignKeyField(
        "casehub.Event", related_name="spot_check_items", null=True, on_delete=fields.RESTRICT
    )  # the DIED event a DIED finding recorded
    referral = fields.OneToOneField(
        "casehub.InvestigationReferral", related_name="spot_check_item", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "spot_check_item"
        unique_together = (("spot_check", "scheme", "person"),)
