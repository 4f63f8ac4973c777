"""The one path every event mutation takes: resolve in scope, replay or check, record, refresh, audit.

1. The subject (recipient, or the event to correct) is looked up through the viewer's scope
   (`casehub.access`, via the request's loaders): outside it, it does not exist (NOT_FOUND).
2. The checks of `validation.py`; every problem is returned, nothing is written.
3. Idempotency: the natural key is `api:<staff id>:<clientMutationId>` when the client sends
   one, else a key made of what is recorded. A key already recorded returns that event
   (`duplicate: true`), so a retried request gets the answer of the first — also when its only
   problems are the ones the first call's success causes (`REPLAYABLE`: the death, the end,
   the retraction is on record now).
4. In one transaction: `timeline.record_events` (the only write path for events, R-TL-3),
   `cases.refresh_states` for the person (the projection follows every write), and the audit
   entry (R-ACC-1). Refused and replayed calls are audited too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import strawberry
from tortoise.transactions import in_transaction

from casehub.audit import append_audit
from casehub.cases import refresh_states
from casehub.domain import EventType, Scheme
from casehub.models import Event as EventModel
from casehub.models import Person
from casehub.schema.common import mask_text
from casehub.schema.errors import CaseError, CaseErrorCode, Problems
from casehub.schema.timeline.validation import MAX_REF, Subject
from casehub.timeline import EventDraft, UnresolvedReferenceError, record_events

SOURCE = "api"  # the events' source_adapter (R-TL-3)
# Refusals a replay meets because its first call succeeded: these do not hide the replay.
REPLAYABLE = frozenset({
    CaseErrorCode.ALREADY_DEAD, CaseErrorCode.ALREADY_ENDED, CaseErrorCode.ALREADY_RETRACTED,
    CaseErrorCode.RECIPIENT_DIED,
})  # fmt: skip
_MAX_REPLAYS = 10


@dataclass(frozen=True)
class Plan:
    """The event a mutation will record, once its checks pass."""

    occurred_on: dt.date
    payload: Mapping[str, Any] = field(default_factory=dict)
    evidence: Sequence[str] = ()
    scheme: Scheme | None = None
    corrects_id: int | None = None


@dataclass(frozen=True)
class Recording:
    """One mutation call: what it is, for whom, its natural key, and how to check and build the event."""

    action: str  # the audit action, e.g. RECORD_DEATH
    type: EventType
    content_key: str  # the natural key when the client sends no clientMutationId
    plan: Callable[[Subject, Problems], Plan]
    client_mutation_id: str | None = None
    key_field: str = "clientMutationId"  # where a clash of natural keys is reported


@dataclass
class Outcome:
    errors: list[CaseError]
    event: EventModel | None = None
    person: Person | None = None
    duplicate: bool = False


async def subject_for(info: strawberry.Info, person: Person) -> Subject:
    loaders = info.context.loaders
    return Subject(
        person=person,
        events=list(await loaders.events_by_person.load(person.id)),
        entitlements=list(await loaders.entitlements_by_person.load(person.id)),
        today=info.context.today,
    )


async def perform(
    info: strawberry.Info, recording: Recording, person: Person | None, *, missing: str, requested: str
) -> Outcome:
    """Run one recording for `person` (None: not found in scope; `missing` names the input field, and
    `requested` is the id the client sent, kept in the audit entry of a refusal)."""
    viewer = info.context.viewer
    problems = Problems()
    if person is None:
        problems.add(missing, CaseErrorCode.NOT_FOUND, "no such record in your scope")
        return await _refused(info, recording, None, problems, requested=requested)
    cmid = recording.client_mutation_id
    if cmid is not None and not 0 < len(cmid.strip()) <= MAX_REF:
        problems.add("clientMutationId", CaseErrorCode.INVALID, f"clientMutationId must be 1 to {MAX_REF} characters")
        return await _refused(info, recording, person, problems)

    subject = await subject_for(info, person)
    plan = recording.plan(subject, problems)
    key = f"{SOURCE}:{viewer.staff_id}:{cmid.strip()}" if cmid is not None else recording.content_key
    for _ in range(_MAX_REPLAYS):
        existing = await EventModel.get_or_none(natural_key=key)
        if existing is None:
            break
        if existing.person_id != person.id or existing.type is not recording.type:
            problems.add(recording.key_field, CaseErrorCode.IDEMPOTENCY_CONFLICT,
                         "already used for a different record")  # fmt: skip
            return await _refused(info, recording, person, problems)
        if cmid is not None or existing.id not in subject.retracted:
            if any(e.code not in REPLAYABLE for e in problems.errors):
                return await _refused(info, recording, person, problems)
            await _audit(info, recording, person, "DUPLICATE", key, event_id=existing.id)
            return Outcome(errors=[], event=existing, person=person, duplicate=True)
        key = f"{recording.content_key}:after:{existing.id}"  # the same fact again after a retraction
    if problems:
        return await _refused(info, recording, person, problems)

    draft = EventDraft(
        type=recording.type, occurred_on=plan.occurred_on, natural_key=key, person_id=person.id, scheme=plan.scheme,
        payload=dict(plan.payload), evidence=tuple(plan.evidence), corrects_id=plan.corrects_id,
    )  # fmt: skip
    try:
        async with in_transaction() as conn:
            result = await record_events([draft], source_adapter=SOURCE, staff=viewer.staff_id)
            event = await EventModel.get(natural_key=key).using_db(conn)
            duplicate = not result.accepted  # a concurrent identical request won the race
            if not duplicate:
                await refresh_states([person.id], info.context.policy)
            await _audit(info, recording, person, "DUPLICATE" if duplicate else "RECORDED", key, event.id, using=conn)
    except UnresolvedReferenceError as exc:
        for p in exc.problems:
            problems.add(p.field, CaseErrorCode.INVALID, p.message)
        return await _refused(info, recording, person, problems)
    info.context.fresh_loaders()  # the payload reads the timeline and status as they are now
    return Outcome(errors=[], event=event, person=person, duplicate=duplicate)


async def _refused(
    info: strawberry.Info, recording: Recording, person: Person | None, problems: Problems, requested: str | None = None
) -> Outcome:
    errors = [e.code.value for e in problems.errors]
    await _audit(info, recording, person, "REJECTED", None, errors=errors, requested=requested)
    return Outcome(errors=problems.errors, person=person)


async def _audit(
    info: strawberry.Info,
    recording: Recording,
    person: Person | None,
    outcome: str,
    key: str | None,
    event_id: int | None = None,
    *,
    errors: list[str] | None = None,
    requested: str | None = None,
    using: Any = None,
) -> None:
    detail: dict[str, Any] = {"outcome": outcome, "eventType": recording.type.value}
    if requested is not None:
        detail["requested"] = mask_text(str(requested))[:100]
    if event_id is not None:
        detail["eventId"] = event_id
    if key is not None:
        detail["naturalKey"] = mask_text(key)
    if recording.client_mutation_id:
        detail["clientMutationId"] = recording.client_mutation_id
    if errors:
        detail["errors"] = errors
    await append_audit(
        recording.action, "person", person.id if person else "-", actor_id=info.context.viewer.staff_id,
        detail=detail, using=using,
    )  # fmt: skip
