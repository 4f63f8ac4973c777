from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from casehub.auth import Permission
from casehub.processes import spot_checks
from casehub.processes.common import MAX_INPUT_ROWS
from casehub.processes.vocabulary import FindingResult
from casehub.schema.permissions import has
from casehub.schema.process_common import FindingResultEnum, ProcessError, attempt, day_or_today, pk, policy
from casehub.schema.spot_checks.types import SpotCheck, SpotCheckItem


@strawberry.input
class DrawSpotCheckInput:
    period: str = strawberry.field(description="2026-H1 or 2026-H2.")
    seed: str | None = strawberry.field(
        default=None, description="E.g. a publicly drawn number; 128 random bits when not given. Recorded."
    )


@strawberry.type
class DrawSpotCheckPayload:
    errors: list[ProcessError]
    spot_check: SpotCheck | None = None


@strawberry.input(description=f"What the check found about one sampled recipient; at most {MAX_INPUT_ROWS} "
                  "evidence references.")
class RecordSpotCheckFindingInput:
    item_id: relay.GlobalID
    result: FindingResultEnum
    checked_on: dt.date
    note: str | None = None
    evidence: list[str] = strawberry.field(default_factory=list)
    died_on: dt.date | None = strawberry.field(default=None, description="Required for DIED.")


@strawberry.type
class SpotCheckFindingPayload:
    errors: list[ProcessError]
    item: SpotCheckItem | None = None


@strawberry.type
class SpotCheckMutations:
    @strawberry.mutation(
        description="R-SPT-1/2: draw the half-year's sample from a recorded seed (the county bureau; once).",
        permission_classes=[has(Permission.SUPERVISE)],
    )
    async def draw_spot_check(self, info: strawberry.Info, input: DrawSpotCheckInput) -> DrawSpotCheckPayload:
        done, errors = await attempt(lambda: spot_checks.draw_spot_check(
            info.context.viewer, period=input.period, seed=input.seed, policy=policy(info), today=day_or_today(None)
        ))
        return DrawSpotCheckPayload(errors=errors, spot_check=SpotCheck.from_model(done) if done else None)

    @strawberry.mutation(
        description="Record a finding (once). DIED records a DIED event; a contradicted certification is referred "
        "to an investigation.",
        permission_classes=[has(Permission.SUPERVISE)],
    )
    async def record_spot_check_finding(
        self, info: strawberry.Info, input: RecordSpotCheckFindingInput
    ) -> SpotCheckFindingPayload:
        done, errors = await attempt(lambda: spot_checks.record_finding(
            info.context.viewer, pk(input.item_id, "SpotCheckItem", "itemId"), result=FindingResult(input.result),
            checked_on=input.checked_on, note=input.note, evidence=input.evidence, died_on=input.died_on,
            policy=policy(info), today=day_or_today(None),
        ))
        return SpotCheckFindingPayload(errors=errors, item=SpotCheckItem.from_model(done) if done else None)
