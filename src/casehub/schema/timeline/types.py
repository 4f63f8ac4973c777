"""Timeline events as the API shows them: both times (R-TL-2), corrections visible (R-TL-1), PII masked.

Nothing here decides scope: every related record comes through the request's scoped loaders.
Free-text columns written by adapters (natural keys, payloads, evidence) may carry a recipient's
ID or phone number; they are masked on the way out like the recipient's own fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from casehub.domain import EventType
from casehub.engine.timeline import MAX_CORRECTION_DEPTH
from casehub.models import Event as EventModel
from casehub.schema.common import load_nodes, mask_json, mask_text, masked_json_text, recipient_of
from casehub.schema.enums import EventTypeEnum, RoleEnum, SchemeEnum
from casehub.schema.loaders import MISSING, loaded

if TYPE_CHECKING:
    from casehub.schema.entitlements.types import Entitlement

_EVENT_TYPES = {t.value: t for t in EventType}


@strawberry.type(description="A staff member, as named on the records they made (R-ACC-1).")
class StaffMember:
    username: str
    name: str
    role: RoleEnum


@strawberry.type
class TimelineEvent(relay.Node):
    """An event on a recipient's timeline, with both of its times (R-TL-2).

    Corrections never change an event (R-TL-1): a retracted event stays on the timeline with
    `retracted: true` and the retraction that withdrew it; an amended one lists its amendments.
    Whether a correction counts depends on `knownAt` when the event was reached through a
    timeline asked "as known at" a moment.
    """

    id: relay.NodeID[int]
    type: EventTypeEnum
    occurred_on: dt.date
    recorded_at: dt.datetime
    source_adapter: str = strawberry.field(description="The adapter, process or `api` that recorded it (R-TL-3).")
    source_row: int | None
    # masked when the row becomes a TimelineEvent (not per field), so they are plain stored fields
    payload: JSON = strawberry.field(
        description="The event's facts (keys per type: docs/API.md); ID and phone numbers masked."
    )
    evidence: JSON = strawberry.field(
        description="Evidence references (form numbers, photo ids, file hashes); numbers masked."
    )
    natural_key: str = strawberry.field(
        description="The source record's identity: the same key is recorded once (R-TL-3)."
    )
    person_id: strawberry.Private[int]
    entitlement_id: strawberry.Private[int | None]
    staff_id: strawberry.Private[int | None]
    corrects_id: strawberry.Private[int | None]
    known_at: strawberry.Private[dt.datetime | None]

    @classmethod
    def from_model(cls, row: EventModel, known_at: dt.datetime | None = None) -> TimelineEvent:
        return cls(
            id=row.id,
            type=row.type,
            occurred_on=row.occurred_on,
            recorded_at=row.recorded_at,
            source_adapter=row.source_adapter,
            source_row=row.source_row,
            person_id=row.person_id,
            entitlement_id=row.entitlement_id,
            staff_id=row.staff_id,
            corrects_id=row.corrects_id,
            known_at=known_at,
            payload=mask_json(row.payload or {}),
            evidence=mask_json(row.evidence or []),
            natural_key=mask_text(row.natural_key),
        )

    @classmethod
    def from_row(cls, row: Any) -> TimelineEvent:
        """From a row of `access.timeline_rows_postgres` (columns in `access.EVENT_COLUMNS` order, jsonb as text)."""
        (
            event_id, kind, occurred_on, recorded_at, source_adapter, source_row, payload, evidence, natural_key,
            person_id, entitlement_id, staff_id, corrects_id,
        ) = row  # fmt: skip
        return cls(
            id=event_id,
            type=_EVENT_TYPES[kind],
            occurred_on=occurred_on,
            recorded_at=recorded_at,
            source_adapter=source_adapter,
            source_row=source_row,
            payload=masked_json_text(payload),
            evidence=[] if evidence == "[]" else masked_json_text(evidence),
            natural_key=mask_text(natural_key),
            person_id=person_id,
            entitlement_id=entitlement_id,
            staff_id=staff_id,
            corrects_id=corrects_id,
            known_at=None,
        )

    recipient = strawberry.field(resolver=recipient_of)

    @strawberry.field(description="The entitlement it concerns; null for person-level events such as a death.")
    async def entitlement(
        self, info: strawberry.Info
    ) -> Annotated[Entitlement, strawberry.lazy("casehub.schema.entitlements.types")] | None:
        from casehub.schema.entitlements.types import Entitlement

        if self.entitlement_id is None:
            return None
        row = await info.context.loaders.entitlement.load(self.entitlement_id)
        return Entitlement.from_model(row) if row else None

    @strawberry.field(description="The scheme of the entitlement it concerns, if any.")
    async def scheme(self, info: strawberry.Info) -> SchemeEnum | None:
        if self.entitlement_id is None:
            return None
        row = await info.context.loaders.entitlement.load(self.entitlement_id)
        return row.scheme if row else None

    @strawberry.field(description="Who recorded it (R-ACC-1); null for machine imports without a staff member.")
    async def recorded_by(self, info: strawberry.Info) -> StaffMember | None:
        if self.staff_id is None:
            return None
        row = await info.context.loaders.staff.load(self.staff_id)
        return StaffMember(username=row.username, name=row.name, role=row.role) if row else None

    @strawberry.field(description="The earlier event this one retracts or amends (R-TL-1).")
    def corrects(self, info: strawberry.Info) -> TimelineEvent | None:
        # A plain function that hands graphql-core a coroutine only when there is something to load:
        # graphql-core runs every awaitable field as a task, and most events correct nothing.
        if self.corrects_id is None:
            return None
        row = loaded(info.context.loaders.event, self.corrects_id)
        if row is MISSING:
            return self._load_corrects(info)  # type: ignore[return-value]
        return TimelineEvent.from_model(row, self.known_at) if row else None

    async def _load_corrects(self, info: strawberry.Info) -> TimelineEvent | None:
        row = await info.context.loaders.event.load(self.corrects_id)
        return TimelineEvent.from_model(row, self.known_at) if row else None

    @strawberry.field(description="Whether a retraction known at `knownAt` withdrew this event (R-TL-1).")
    async def retracted(self, info: strawberry.Info) -> bool:
        return await live_retraction(info, self.id, self.known_at) is not None

    @strawberry.field(description="The RETRACTED event that withdrew this one, if one was known at `knownAt`.")
    async def retracted_by(self, info: strawberry.Info) -> TimelineEvent | None:
        row = await live_retraction(info, self.id, self.known_at)
        return TimelineEvent.from_model(row, self.known_at) if row else None

    @strawberry.field(description="The AMENDED events that changed this one and still stand, oldest first.")
    async def amended_by(self, info: strawberry.Info) -> list[TimelineEvent]:
        out = []
        for row in await info.context.loaders.corrections.load(self.id):
            standing = row.type is EventType.AMENDED and _known(row, self.known_at)
            if standing and await live_retraction(info, row.id, self.known_at) is None:
                out.append(TimelineEvent.from_model(row, self.known_at))
        return out

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(info.context.loaders.event, node_ids, cls.from_model)


def _known(row: EventModel | TimelineEvent, known_at: dt.datetime | None) -> bool:
    return known_at is None or row.recorded_at <= known_at


async def live_retraction(
    info: strawberry.Info, event_id: int, known_at: dt.datetime | None, depth: int = 0
) -> EventModel | None:
    """The retraction that withdraws `event_id` as known at `known_at`, if any.

    A retraction counts unless it is itself withdrawn by a retraction that counts (R-TL-1, as the
    rules engine reads the timeline: `casehub.engine.effective_events`).
    """
    if depth > MAX_CORRECTION_DEPTH:
        return None
    for row in await info.context.loaders.corrections.load(event_id):
        counts = row.type is EventType.RETRACTED and _known(row, known_at)
        if counts and await live_retraction(info, row.id, known_at, depth + 1) is None:
            return row
    return None


def visible_timeline(
    events: list[TimelineEvent], as_of: dt.date | None, known_at: dt.datetime | None
) -> list[TimelineEvent]:
    """What the bureau knew at `known_at` about what had happened by `as_of` (R-TL-2), in recording order.

    `events` are a person's whole timeline as loaded (known at no particular moment). Corrections
    are shown with the events they correct, whatever their own date.
    """
    if as_of is None and known_at is None:
        return list(events)
    known = [e for e in events if _known(e, known_at)]
    by_id = {e.id: e for e in known}

    def shown(e: TimelineEvent, depth: int = 0) -> bool:
        if as_of is None:
            return True
        if e.corrects_id is not None and depth <= MAX_CORRECTION_DEPTH:
            target = by_id.get(e.corrects_id)
            return target is not None and shown(target, depth + 1)
        return e.occurred_on <= as_of

    return [dataclasses.replace(e, known_at=known_at) for e in known if shown(e)]
