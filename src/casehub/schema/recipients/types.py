from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types.nodes import SelectedField

from casehub import access
from casehub.domain import DependantRole, EventType, Scheme
from casehub.idnumber import mask_id_number, mask_phone
from casehub.models import Entitlement as EntitlementModel
from casehub.models import Event as EventModel
from casehub.models import Person
from casehub.schema.recipients import timeline_json
from casehub.schema.recipients.timeline_json import selection_key
from casehub.schema.regions.types import Region

SchemeEnum = strawberry.enum(Scheme, name="Scheme")
EventTypeEnum = strawberry.enum(EventType, name="EventType")
DependantRoleEnum = strawberry.enum(DependantRole, name="DependantRole")


@strawberry.type
class Entitlement(relay.Node):
    """One recipient × one scheme (待遇): start month and monthly amount in fen."""

    id: relay.NodeID[int]
    scheme: SchemeEnum
    start_month: dt.date
    monthly_amount_fen: int
    dependant_role: DependantRoleEnum | None

    @classmethod
    def from_model(cls, row: EntitlementModel) -> Entitlement:
        return cls(
            id=row.id,
            scheme=row.scheme,
            start_month=row.start_month,
            monthly_amount_fen=row.monthly_amount_fen,
            dependant_role=row.dependant_role,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        rows = await info.context.loaders.entitlement.load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type
class TimelineEvent(relay.Node):
    """An event on a recipient's timeline, with both of its times (R-TL-2)."""

    id: relay.NodeID[int]
    type: EventTypeEnum
    occurred_on: dt.date
    recorded_at: dt.datetime
    source_adapter: str
    source_row: int | None
    payload: JSON
    evidence: JSON
    natural_key: str
    retracted_by: relay.GlobalID | None = strawberry.field(
        description="The RETRACTED event that withdrew this one, if it was known at `knownAt`."
    )
    corrects: relay.GlobalID | None = strawberry.field(
        description="The earlier event this one retracts or amends (R-TL-1)."
    )

    @classmethod
    def from_model(cls, row: EventModel, retracted_by: int | None = None) -> TimelineEvent:
        return cls(
            id=row.id,
            type=row.type,
            occurred_on=row.occurred_on,
            recorded_at=row.recorded_at,
            source_adapter=row.source_adapter,
            source_row=row.source_row,
            payload=row.payload,
            evidence=row.evidence,
            natural_key=row.natural_key,
            corrects=relay.GlobalID("TimelineEvent", str(row.corrects_id)) if row.corrects_id else None,
            retracted_by=relay.GlobalID("TimelineEvent", str(retracted_by)) if retracted_by else None,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        rows = await info.context.loaders.event.load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]


async def prefetch(info: strawberry.Info, recipients: list[Recipient], selections: list[Any]) -> None:
    """Load what the query selects under these recipients in one set-based query per field.

    Only `entitlements` and `timeline` with no argument but `last` (a literal or a variable) are
    preloaded; anything else is left to the field's own loader.
    """
    if not recipients:
        return
    loaders = info.context.loaders
    ids = [r.id for r in recipients]
    fields = _selected_fields(selections)
    if any(f.name == "entitlements" for f in fields):
        for recipient, rows in zip(recipients, await loaders.entitlements_by_person.load_many(ids), strict=True):
            recipient.preloaded["entitlements"] = rows
    timelines = [f for f in fields if f.name == "timeline" and set(f.arguments) <= {"last"}]
    lasts = {_last(f) for f in timelines}
    lasts = {last for last in lasts if last is None or (isinstance(last, int) and last > 0)}
    if info.context.json_out and loaders.sql_windows:
        json_keys = {(_last(f), selection_key(f.selections)) for f in timelines}
        json_keys = {(last, key) for last, key in json_keys if key is not None and last in lasts}
        visible = await access.visible_person_ids(info.context.viewer, ids) if json_keys else []
        for last, key in json_keys:
            finished = await timeline_json.timelines(visible, last, key)
            for recipient in recipients:
                if recipient.id in finished:
                    recipient.preloaded["timeline-json"] = [True]
                    recipient.preloaded[("timeline-json", last, key)] = finished[recipient.id]
        lasts -= {last for last, _ in json_keys}  # every JSON-able timeline of this `last` is answered
    for last in lasts:
        if last is None:
            found = await loaders.events_by_person.load_many(ids)
        elif loaders.sql_windows:
            found = await loaders.last_events_by_person.load_many([(i, last, None) for i in ids])
        else:
            continue
        for recipient, rows in zip(recipients, found, strict=True):
            recipient.preloaded[("timeline", last)] = rows if last is None or loaders.sql_windows else rows[-last:]


def _last(field: SelectedField) -> Any:
    """`last` as the resolver will get it: a literal comes as its source text, a variable as its value."""
    last = field.arguments.get("last")
    if isinstance(last, str):
        try:
            return int(last)
        except ValueError:
            return last
    return last


def _selected_fields(selections: list[Any]) -> list[SelectedField]:
    """The fields in a selection, fragments and inline fragments flattened."""
    out: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            out.append(selection)
        else:
            out.extend(_selected_fields(selection.selections))
    return out


def visible_timeline(
    events: list[EventModel], as_of: dt.date | None, known_at: dt.datetime | None
) -> list[TimelineEvent]:
    """What the bureau knew at `known_at` about what had happened by `as_of` (R-TL-2).

    Retracted events stay visible, marked with the retraction (R-TL-1).
    """
    known = [e for e in events if known_at is None or e.recorded_at <= known_at]
    retracted_by = {e.corrects_id: e.id for e in known if e.type is EventType.RETRACTED}
    return [
        TimelineEvent.from_model(e, retracted_by.get(e.id))
        for e in known
        if as_of is None or e.occurred_on <= as_of
    ]


@strawberry.type
class Recipient(relay.Node):
    """A person who receives a benefit (待遇领取人员)."""

    id: relay.NodeID[int]
    name: str
    birth_date: dt.date
    sex: str
    id_number_full: strawberry.Private[str]
    phone_full: strawberry.Private[str | None]
    village_id: strawberry.Private[int]
    # rows a list resolver loaded for a whole page (see `prefetch`), so these fields answer at once
    preloaded: strawberry.Private[dict[Any, list[Any]]] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_model(cls, row: Person) -> Recipient:
        return cls(
            id=row.id,
            name=row.name,
            birth_date=row.birth_date,
            sex=row.sex,
            id_number_full=row.id_number,
            phone_full=row.phone,
            village_id=row.village_id,
        )

    @strawberry.field(description="The resident ID number, masked: 532922********1234.")
    def id_number(self) -> str:
        return mask_id_number(self.id_number_full)

    @strawberry.field(description="The phone number, masked: 138****5678.")
    def phone(self) -> str | None:
        return mask_phone(self.phone_full)

    @strawberry.field
    async def village(self, info: strawberry.Info) -> Region:
        return Region.from_model(await info.context.loaders.region.load(self.village_id))

    # `entitlements` and `timeline` are plain functions: with rows preloaded for the page they answer
    # without an await (graphql-core runs every awaited field as a task: 200 tasks for a page of 100);
    # otherwise they hand graphql-core a coroutine that uses the loaders as before.

    @strawberry.field
    def entitlements(self, info: strawberry.Info) -> list[Entitlement]:
        rows = self.preloaded.get("entitlements")
        if rows is not None:
            return [Entitlement.from_model(r) for r in rows]
        return self._load_entitlements(info)  # type: ignore[return-value]

    async def _load_entitlements(self, info: strawberry.Info) -> list[Entitlement]:
        rows = await info.context.loaders.entitlements_by_person.load(self.id)
        return [Entitlement.from_model(r) for r in rows]

    @strawberry.field(description="Events in recording order; asOf bounds occurredOn, knownAt bounds recordedAt.")
    def timeline(
        self,
        info: strawberry.Info,
        as_of: dt.date | None = None,
        known_at: dt.datetime | None = None,
        last: int | None = None,
    ) -> list[TimelineEvent]:
        if as_of is None and known_at is None:
            if self.preloaded.get("timeline-json"):
                key = selection_key(info.selected_fields[0].selections)
                finished = self.preloaded.get(("timeline-json", last, key))
                if finished is not None:
                    return finished  # type: ignore[return-value]
            rows = self.preloaded.get(("timeline", last))
            if rows is not None:
                return visible_timeline(rows, None, None)
        return self._load_timeline(info, as_of, known_at, last)  # type: ignore[return-value]

    async def _load_timeline(
        self, info: strawberry.Info, as_of: dt.date | None, known_at: dt.datetime | None, last: int | None
    ) -> list[TimelineEvent]:
        loaders = info.context.loaders
        if last and last > 0 and as_of is None and loaders.sql_windows:
            rows = await loaders.last_events_by_person.load((self.id, last, known_at))
            return visible_timeline(rows, None, known_at)
        rows = await loaders.events_by_person.load(self.id)
        events = visible_timeline(rows, as_of, known_at)
        return events[-last:] if last else events

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        rows = await info.context.loaders.person.load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]
