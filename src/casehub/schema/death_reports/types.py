from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from casehub import access
from casehub.idnumber import mask_id_number
from casehub.models import DeathReport as DeathReportModel
from casehub.models import DeathReportEntry as EntryModel
from casehub.processes.death_reports import BodySummary, ComplianceRow, Latency
from casehub.processes.vocabulary import ReportStatus
from casehub.schema.process_common import ReportingBodyEnum, ReportStatusEnum, gid, scoped_nodes
from casehub.schema.recipients.types import SchemeEnum


@strawberry.type(description="One reported death: the row, the recipient (masked) and the DIED event it became.")
class DeathReportEntry:
    row: int
    submission: int
    name: str
    id_number: str = strawberry.field(description="Masked: 532922********1234.")
    died_on: dt.date
    evidence: JSON
    event: relay.GlobalID

    @classmethod
    def from_model(cls, row: EntryModel) -> DeathReportEntry:
        return cls(
            row=row.row, submission=row.submission, name=row.person.name,
            id_number=mask_id_number(row.person.id_number), died_on=row.died_on, evidence=row.evidence,
            event=gid("TimelineEvent", row.event_id),
        )


@strawberry.type(description="A body's monthly death report (R-DTH-1..4); one with no rows is a nil report.")
class DeathReport(relay.Node):
    id: relay.NodeID[int]
    scheme: SchemeEnum
    reporter: ReportingBodyEnum
    body_code: str
    month: str = strawberry.field(description="The month reported on, YYYY-MM.")
    due_on: dt.date
    received_on: dt.date
    days_late: int
    status: ReportStatusEnum
    rule: str
    policy_version: str
    submissions: int
    first_recorded_at: dt.datetime
    last_recorded_at: dt.datetime

    @classmethod
    def from_model(cls, row: DeathReportModel) -> DeathReport:
        return cls(
            id=row.id, scheme=row.scheme, reporter=row.reporter, body_code=row.body_key.split(":", 1)[1],
            month=f"{row.month:%Y-%m}", due_on=row.due_on, received_on=row.received_on, days_late=row.days_late,
            status=ReportStatus.LATE if row.days_late else ReportStatus.ON_TIME, rule=row.rule,
            policy_version=row.policy_version, submissions=row.submissions, first_recorded_at=row.first_recorded_at,
            last_recorded_at=row.last_recorded_at,
        )

    @strawberry.field(description="The deaths reported, in the order first submitted.")
    async def entries(self) -> list[DeathReportEntry]:
        rows = await EntryModel.filter(report_id=self.id).select_related("person").order_by("submission", "row")
        return [DeathReportEntry.from_model(r) for r in rows]

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await scoped_nodes(access.death_reports(info.context.viewer), node_ids, cls.from_model)


@strawberry.type(description="One body's report for one month: on time, late (with days), missing or not yet due.")
class DeathReportComplianceRow:
    month: str
    scheme: SchemeEnum
    rule: str
    reporter: ReportingBodyEnum
    recipient: ReportingBodyEnum
    body_code: str
    body_name: str
    due_on: dt.date
    status: ReportStatusEnum
    received_on: dt.date | None
    days_late: int
    deaths: int
    submissions: int
    report: relay.GlobalID | None

    @classmethod
    def from_row(cls, row: ComplianceRow) -> DeathReportComplianceRow:
        return cls(
            month=f"{row.month:%Y-%m}", scheme=row.scheme, rule=row.rule, reporter=row.body.reporter,
            recipient=row.recipient, body_code=row.body.code, body_name=row.body.name, due_on=row.due_on,
            status=row.status, received_on=row.received_on, days_late=row.days_late, deaths=row.deaths,
            submissions=row.submissions, report=gid("DeathReport", row.report_id),
        )


@strawberry.type(description="One body's record over the months asked.")
class DeathReportBodySummary:
    reporter: ReportingBodyEnum
    body_code: str
    body_name: str
    scheme: SchemeEnum
    on_time: int
    late: int
    missing: int
    not_due: int
    days_late: int = strawberry.field(description="Total days late over the late reports.")

    @classmethod
    def from_summary(cls, s: BodySummary) -> DeathReportBodySummary:
        return cls(
            reporter=s.body.reporter, body_code=s.body.code, body_name=s.body.name, scheme=s.scheme,
            on_time=s.on_time, late=s.late, missing=s.missing, not_due=s.not_due, days_late=s.days_late,
        )


@strawberry.type
class DeathReportCompliance:
    rows: list[DeathReportComplianceRow]
    bodies: list[DeathReportBodySummary]


@strawberry.type(description="R-RPT-1: how long one body's stop events took to reach casehub, in working days.")
class StopEventLatency:
    body_key: str = strawberry.field(description='"VILLAGE:…", "TOWNSHIP:…", "UNIT:…" or "ADAPTER:<name>".')
    body_name: str
    events: int
    within_limit: int
    over_limit: int
    limit_working_days: int
    mean_working_days: float
    max_working_days: int

    @classmethod
    def from_latency(cls, x: Latency) -> StopEventLatency:
        return cls(
            body_key=x.body_key, body_name=x.body_name, events=x.events, within_limit=x.within_limit,
            over_limit=x.over_limit, limit_working_days=x.limit_working_days,
            mean_working_days=x.mean_working_days, max_working_days=x.max_working_days,
        )
