from __future__ import annotations

import datetime as dt

import strawberry

from casehub.auth import Permission
from casehub.domain import Scheme
from casehub.policy import ReportingBody
from casehub.processes import death_reports
from casehub.processes.common import MAX_INPUT_ROWS, parse_month
from casehub.processes.death_reports import ReportedDeath
from casehub.schema.death_reports.types import DeathReport
from casehub.schema.permissions import has
from casehub.schema.process_common import ProcessError, ReportingBodyEnum, attempt, day_or_today, policy
from casehub.schema.recipients.types import SchemeEnum


@strawberry.input
class ReportedDeathInput:
    id_number: str
    died_on: dt.date
    evidence: list[str] = strawberry.field(default_factory=list, description="File hashes, photo ids, form numbers.")


@strawberry.input(description=f"One body's report on last month; an empty `deaths` is a nil report. At most "
                  f"{MAX_INPUT_ROWS} rows.")
class SubmitDeathReportInput:
    scheme: SchemeEnum
    reporter: ReportingBodyEnum
    body_code: str = strawberry.field(description="Village or township code, or the employer unit's code.")
    month: str = strawberry.field(description="The month reported on, YYYY-MM.")
    deaths: list[ReportedDeathInput]
    received_on: dt.date | None = strawberry.field(
        default=None, description="The day a paper report arrived; default today. Used by the first submission."
    )


@strawberry.type
class SubmitDeathReportPayload:
    errors: list[ProcessError]
    report: DeathReport | None = None
    recorded: int = strawberry.field(default=0, description="Deaths new with this submission.")
    already_recorded: int = strawberry.field(default=0, description="Deaths an earlier submission recorded.")


@strawberry.type
class DeathReportMutations:
    @strawberry.mutation(
        description="R-DTH-1..4: submit a monthly death report; each death becomes a DIED event (idempotent).",
        permission_classes=[has(Permission.RECORD_EVENTS)],
    )
    async def submit_death_report(
        self, info: strawberry.Info, input: SubmitDeathReportInput
    ) -> SubmitDeathReportPayload:
        done, errors = await attempt(lambda: death_reports.submit(
            info.context.viewer, scheme=Scheme(input.scheme), reporter=ReportingBody(input.reporter),
            body_code=input.body_code, month=parse_month(input.month),
            deaths=[ReportedDeath(d.id_number, d.died_on, tuple(d.evidence)) for d in input.deaths],
            policy=policy(info), today=day_or_today(None), received_on=input.received_on,
        ))
        if done is None:
            return SubmitDeathReportPayload(errors=errors)
        return SubmitDeathReportPayload(
            errors=[], report=DeathReport.from_model(done.report), recorded=done.recorded,
            already_recorded=done.already_recorded,
        )
