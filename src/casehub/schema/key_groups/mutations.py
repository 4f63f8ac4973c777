from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from casehub.auth import Permission
from casehub.domain import KeyGroup
from casehub.processes import key_groups
from casehub.processes.common import MAX_INPUT_ROWS
from casehub.schema.key_groups.types import KeyGroupFact
from casehub.schema.permissions import has
from casehub.schema.process_common import KeyGroupEnum, ProcessError, attempt, day_or_today, pk, policy
from casehub.schema.recipients.types import TimelineEvent


@strawberry.input
class RecordKeyGroupFactInput:
    id_number: str
    group: KeyGroupEnum = strawberry.field(description="SEVERELY_DISABLED or CANNOT_SELF_CARE (VERY_OLD is computed).")
    since: dt.date
    source: str = strawberry.field(description="Where it comes from, e.g. the disability certificate.")
    until: dt.date | None = None


@strawberry.input
class EndKeyGroupFactInput:
    fact_id: relay.GlobalID
    until: dt.date = strawberry.field(description="The last day it held.")


@strawberry.type
class KeyGroupFactPayload:
    errors: list[ProcessError]
    fact: KeyGroupFact | None = None


@strawberry.input(description=f"A home visit that found the recipient; at most {MAX_INPUT_ROWS} evidence references.")
class RecordHomeVisitInput:
    id_number: str
    visited_on: dt.date
    evidence: list[str] = strawberry.field(default_factory=list)
    note: str | None = None


@strawberry.type
class HomeVisitPayload:
    errors: list[ProcessError]
    event: TimelineEvent | None = strawberry.field(default=None, description="The CERTIFIED (HOME_VISIT) event.")


@strawberry.type
class KeyGroupMutations:
    @strawberry.mutation(
        description="R-KEY-1: record a key-group fact.", permission_classes=[has(Permission.RECORD_EVENTS)]
    )
    async def record_key_group_fact(self, info: strawberry.Info, input: RecordKeyGroupFactInput) -> KeyGroupFactPayload:
        done, errors = await attempt(lambda: key_groups.record_fact(
            info.context.viewer, id_number=input.id_number, group=KeyGroup(input.group), since=input.since,
            until=input.until, source=input.source, today=day_or_today(None),
        ))
        return KeyGroupFactPayload(errors=errors, fact=KeyGroupFact.from_model(done) if done else None)

    @strawberry.mutation(description="R-KEY-1: record the last day a fact held.",
                         permission_classes=[has(Permission.RECORD_EVENTS)])
    async def end_key_group_fact(self, info: strawberry.Info, input: EndKeyGroupFactInput) -> KeyGroupFactPayload:
        done, errors = await attempt(lambda: key_groups.end_fact(
            info.context.viewer, pk(input.fact_id, "KeyGroupFact", "factId"), until=input.until
        ))
        return KeyGroupFactPayload(errors=errors, fact=KeyGroupFact.from_model(done) if done else None)

    @strawberry.mutation(
        description="R-KEY-1, R-CYC-4: record a home visit as a certification (HOME_VISIT); idempotent per day.",
        permission_classes=[has(Permission.RECORD_EVENTS)],
    )
    async def record_home_visit(self, info: strawberry.Info, input: RecordHomeVisitInput) -> HomeVisitPayload:
        done, errors = await attempt(lambda: key_groups.record_home_visit(
            info.context.viewer, id_number=input.id_number, visited_on=input.visited_on, evidence=input.evidence,
            note=input.note, policy=policy(info), today=day_or_today(None),
        ))
        return HomeVisitPayload(errors=errors, event=TimelineEvent.from_model(done) if done else None)
