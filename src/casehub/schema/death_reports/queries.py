from __future__ import annotations

import datetime as dt

import strawberry

from casehub.auth import Permission
from casehub.domain import Scheme
from casehub.errors import ValidationError
from casehub.processes import death_reports
from casehub.processes.common import months_between, parse_month
from casehub.processes.vocabulary import ProcessErrorCode
from casehub.schema.death_reports.types import (
    DeathReportBodySummary,
    DeathReportCompliance,
    DeathReportComplianceRow,
    StopEventLatency,
)
from casehub.schema.permissions import has
from casehub.schema.process_common import day_or_today, policy
from casehub.schema.recipients.types import SchemeEnum

MAX_MONTHS = 24  # documented in docs/PROCESSES.md


@strawberry.type
class DeathReportQueries:
    @strawberry.field(
        description="R-DTH-4: every expected body's monthly death report, month by month, and a summary per body "
        f"(at most {MAX_MONTHS} months).",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def death_report_compliance(
        self, info: strawberry.Info, from_month: str, to_month: str | None = None, scheme: SchemeEnum | None = None,
        body_code: str | None = None, as_of: dt.date | None = None,
    ) -> DeathReportCompliance:
        first = parse_month(from_month, field="fromMonth")
        months = months_between(first, parse_month(to_month, field="toMonth") if to_month else first)
        if not 0 < len(months) <= MAX_MONTHS:
            raise ValidationError("toMonth", ProcessErrorCode.INVALID, f"ask for 1 to {MAX_MONTHS} months")
        rows = await death_reports.compliance(
            info.context.viewer, months, policy=policy(info), as_of=day_or_today(as_of),
            scheme=Scheme(scheme) if scheme else None, body_code=body_code,
        )
        return DeathReportCompliance(
            rows=[DeathReportComplianceRow.from_row(r) for r in rows],
            bodies=[DeathReportBodySummary.from_summary(s) for s in death_reports.summarize(rows)],
        )

    @strawberry.field(
        description="R-RPT-1: per reporting body, working days from when stop events (death, sentence, dependant "
        "change) happened to when casehub recorded them, against the policy's limit.",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def stop_event_latency(
        self, info: strawberry.Info, occurred_from: dt.date, occurred_to: dt.date
    ) -> list[StopEventLatency]:
        rows = await death_reports.stop_event_latency(
            info.context.viewer, occurred_from=occurred_from, occurred_to=occurred_to, policy=policy(info)
        )
        return [StopEventLatency.from_latency(r) for r in rows]
