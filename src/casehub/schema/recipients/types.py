"""The recipient (待遇领取人员) as front ends see it: masked identity, entitlements, timeline, assessment.

ID and phone numbers are always masked here; the full values come only from the audited
`revealIdentity` mutation. The birth date is not shown either: with the area code, order code
and check digit that the mask keeps, it would give the full number back; `age` is shown instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import strawberry
from graphql import FieldNode, FragmentSpreadNode, Node, VariableNode
from strawberry import relay
from strawberry.types.nodes import SelectedField, convert_selections

from casehub import access
from casehub.domain import Role
from casehub.engine import key_group_flags
from casehub.engine.facts import PersonFacts
from casehub.engine.months import age_on
from casehub.errors import ValidationError
from casehub.idnumber import mask_id_number, mask_phone
from casehub.models import Person
from casehub.schema import json_sql
from casehub.schema.common import aware, load_nodes
from casehub.schema.entitlements.types import (
    CaseAssessment,
    Entitlement,
    EntitlementAssessment,
    assess,
)
from casehub.schema.enums import DependantRoleEnum, EventTypeEnum, KeyGroupEnum, SchemeEnum
from casehub.schema.loaders import MISSING, loaded, postgres
from casehub.schema.regions.types import Region
from casehub.schema.timeline.types import TimelineEvent, visible_timeline

MAX_TIMELINE_LAST = 100  # `timeline(last:)` cap; documented in docs/API.md

__all__ = [
    "DependantRoleEnum",
    "EventTypeEnum",
    "Recipient",
    "SchemeEnum",
    "TimelineEvent",
]


@strawberry.type
class Recipient(relay.Node):
    """A person who receives a benefit (待遇领取人员)."""

    id: relay.NodeID[int]
    name: str
    sex: str = strawberry.field(description="M or F, from the ID number.")
    # masked when the row becomes a Recipient; the full numbers are never kept here
    id_number: str = strawberry.field(
        description="The resident ID number, masked: 532922********1234 (revealIdentity for all)."
    )
    phone: str | None = strawberry.field(description="The phone number, masked: 138****5678 (revealIdentity for all).")
    birth_date: strawberry.Private[dt.date]
    village_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: Person) -> Recipient:
        return cls(
            id=row.id,
            name=row.name,
            sex=row.sex,
            id_number=mask_id_number(row.id_number),
            phone=mask_phone(row.phone),
            birth_date=row.birth_date,
            village_id=row.village_id,
        )

    @classmethod
    def from_row(cls, row: Any) -> Recipient:
        """From a model or a plain row of `access.PERSON_FIELDS`."""
        if isinstance(row, Person):
            return cls.from_model(row)
        person_id, name, sex, id_number, phone, birth_date, village_id = row
        return cls(
            id=person_id, name=name, sex=sex, id_number=mask_id_number(id_number), phone=mask_phone(phone),
            birth_date=birth_date, village_id=village_id,
        )  # fmt: skip

    @strawberry.field(description="Completed years of age on `asOf` (default today), from the ID number.")
    def age(self, info: strawberry.Info, as_of: dt.date | None = None) -> int:
        return age_on(self.birth_date, as_of or info.context.today)

    @strawberry.field
    async def village(self, info: strawberry.Info) -> Region:
        return Region.from_model(await info.context.loaders.region.load(self.village_id))

    @strawberry.field(
        description="R-KEY-1 on `asOf` (default today): VERY_OLD from the birth date and the policy's age, "
        "the others from the key-group ledger."
    )
    async def key_groups(self, info: strawberry.Info, as_of: dt.date | None = None) -> list[KeyGroupEnum]:
        day = as_of or info.context.today
        facts = await info.context.loaders.key_group_facts_by_person.load(self.id)
        recorded = frozenset(f.group for f in facts if f.since <= day and (f.until is None or f.until >= day))
        person = PersonFacts(id=self.id, birth_date=self.birth_date, key_groups=recorded)
        return sorted(key_group_flags(person, info.context.policy, day))

    # `entitlements` and `timeline` are plain functions: when the list resolver has loaded them for
    # the whole page (`prefetch`) they answer at once, otherwise they hand graphql-core a coroutine.

    @strawberry.field(description="The entitlements the viewer may see, in id order.")
    def entitlements(self, info: strawberry.Info) -> list[Entitlement]:
        rows = loaded(info.context.loaders.entitlements_by_person, self.id)
        if rows is MISSING:
            return self._load_entitlements(info)  # type: ignore[return-value]
        return [Entitlement.from_model(r) for r in rows]

    async def _load_entitlements(self, info: strawberry.Info) -> list[Entitlement]:
        rows = await info.context.loaders.entitlements_by_person.load(self.id)
        return [Entitlement.from_model(r) for r in rows]

    @strawberry.field(
        description="Events in recording order (R-TL-1, R-TL-2). `asOf` keeps what had happened by that day "
        "(occurredOn), `knownAt` what had been recorded by that moment (recordedAt; without a UTC offset, county "
        f"time), `last` the last N recorded (at most {MAX_TIMELINE_LAST}). Retracted events stay, marked."
    )
    def timeline(
        self,
        info: strawberry.Info,
        as_of: dt.date | None = None,
        known_at: dt.datetime | None = None,
        last: int | None = None,
    ) -> list[TimelineEvent]:
        if last is not None and not 0 < last <= MAX_TIMELINE_LAST:
            raise ValidationError("last", "PAGE_SIZE", f"last must be between 1 and {MAX_TIMELINE_LAST}")
        known_at = aware(known_at)
        loaders = info.context.loaders
        key = _json_key(info) if info.context.json_out and as_of is None and known_at is None else None
        if key is not None:
            finished = loaded(loaders.timeline_json, (self.id, last, key))
            if finished is not MISSING and finished is not None:
                return finished  # written by PostgreSQL (for the page: `prefetch`), placed in the answer as it is
        recent = last is not None and as_of is None and known_at is None
        events = loaded(loaders.recent_timeline, (self.id, last)) if recent else loaded(loaders.timeline, self.id)
        if events is MISSING:
            return self._load_timeline(info, as_of, known_at, last, key)  # type: ignore[return-value]
        return _visible(events, recent, as_of, known_at, last)

    async def _load_timeline(
        self,
        info: strawberry.Info,
        as_of: dt.date | None,
        known_at: dt.datetime | None,
        last: int | None,
        key: json_sql.Key | None,
    ) -> list[TimelineEvent]:
        loaders = info.context.loaders
        if key is not None:
            finished = await loaders.timeline_json.load((self.id, last, key))
            if finished is not None:
                return finished
        recent = last is not None and as_of is None and known_at is None
        if recent:
            events = await loaders.recent_timeline.load((self.id, last))
        else:
            events = await loaders.timeline.load(self.id)
        return _visible(events, recent, as_of, known_at, last)

    @strawberry.field(
        description="The rules engine, live, for this recipient's page: key groups, date of death and every visible "
        "entitlement's status, due dates, explanation, decisions and overpayments, as of `asOf` (default today) "
        "as known at `knownAt` (default now)."
    )
    async def assessment(
        self, info: strawberry.Info, as_of: dt.date | None = None, known_at: dt.datetime | None = None
    ) -> CaseAssessment | None:
        day, moment, result = await assess(info, self.id, as_of, known_at)
        if result is None:
            return None
        visible = {e.id for e in await info.context.loaders.entitlements_by_person.load(self.id)}
        return CaseAssessment(
            as_of=day,
            known_at=moment,
            key_groups=sorted(result.key_groups),
            died_on=result.died_on,
            entitlements=[
                EntitlementAssessment.from_result(e, self.id, day, moment)
                for e in result.entitlements
                if e.entitlement_id in visible
            ],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(info.context.loaders.person, node_ids, cls.from_model)


def _json_key(info: strawberry.Info) -> json_sql.Key | None:
    """The timeline's selection as `json_sql` keys it, when PostgreSQL can write it (PostgreSQL only).

    Worked out once per field of the document in a request, not once per recipient.
    """
    nodes = info._raw_info.field_nodes
    memo = info.context.loaders.json_keys
    found = memo.get(id(nodes[0]))
    if found is None:
        plain = len(nodes) == 1 and nodes[0].selection_set is not None and postgres()
        key = json_sql.key_of_nodes(nodes[0].selection_set.selections) if plain else None
        found = memo[id(nodes[0])] = (nodes[0], key)
    return found[1]


def _visible(
    events: list[TimelineEvent], recent: bool, as_of: dt.date | None, known_at: dt.datetime | None, last: int | None
) -> list[TimelineEvent]:
    if recent:
        return list(events)
    shown = visible_timeline(events, as_of, known_at)
    return shown[-last:] if last else shown


async def prefetch(info: strawberry.Info, recipients: list[Recipient], selections: list[Any]) -> None:
    """Load what the query selects under these recipients for all of them at once (one query per kind).

    The fields then answer from the request's loaders without an await. Only an optimisation: a
    field whose key was not loaded here loads it itself, as for a single recipient.
    """
    if not recipients:
        return
    loaders = info.context.loaders
    ids = [r.id for r in recipients]
    fields = selected_fields(selections)
    entitlements = [f for f in fields if f.name == "entitlements"]
    if entitlements:
        found = await loaders.entitlements_by_person.load_many(ids)
        if any(f.name == "state" for e in entitlements for f in selected_fields(e.selections)):
            await loaders.state_by_entitlement.load_many([row.id for rows in found for row in rows])
    for timeline in (f for f in fields if f.name == "timeline"):
        if not timeline.arguments:
            last = None
        elif set(timeline.arguments) == {"last"}:
            last = _as_int(timeline.arguments["last"])
            if last is None or not 0 < last <= MAX_TIMELINE_LAST:
                continue
        else:
            continue
        wanted = ids
        key = json_sql.key_of_selection(timeline.selections) if info.context.json_out and postgres() else None
        if key is not None:
            finished = await loaders.timeline_json.load_many([(i, last, key) for i in ids])
            wanted = [i for i, answer in zip(ids, finished, strict=True) if answer is None]
            if not wanted:
                continue
        if last is None:
            events = [e for events_of_one in await loaders.timeline.load_many(wanted) for e in events_of_one]
        else:
            found = await loaders.recent_timeline.load_many([(i, last) for i in wanted])
            events = [e for events_of_one in found for e in events_of_one]
        if any(f.name == "corrects" for f in selected_fields(timeline.selections)):
            await loaders.event.load_many(sorted({e.corrects_id for e in events if e.corrects_id is not None}))


async def written_by_sql(info: strawberry.Info, recipients: list[Recipient], selections: list[Any]) -> dict[int, Any]:
    """The page's recipients PostgreSQL writes whole as the answer's JSON (`json_sql.recipients`), by id.

    Only for answers the HTTP view encodes (`Context.json_out`), on PostgreSQL, when every field the
    query selects under them can be written in SQL; the others are answered the ordinary way.
    """
    if not recipients or not info.context.json_out or not postgres():
        return {}
    key = json_sql.recipient_key(selections, _timeline_last)
    if key is None:
        return {}
    viewer = info.context.viewer
    unit_id = viewer.unit_id if viewer.role is Role.UNIT_HANDLER else None  # access.entitlements
    return await json_sql.recipients([r.id for r in recipients], key, unit_id, info.context.today)


async def written_by_sql_by_id_number(info: strawberry.Info, number: str) -> tuple[Any, Any] | None:
    """`recipient(idNumber:)` in one statement, for a viewer who sees everyone (`access.COUNTY_WIDE`) on
    PostgreSQL when every selected field can be written in SQL: the person's row (or None if nobody has
    the number) and their answer as finished JSON (None where the ordinary path must answer). None
    when this does not apply: the caller looks the person up the ordinary way."""
    if not info.context.json_out or info.context.viewer.role not in access.COUNTY_WIDE or not postgres():
        return None
    key = _recipient_key(info)
    if key is None:
        return None
    return await json_sql.recipient_by_id_number(number, key, info.context.today) or (None, None)


_RECIPIENT_KEYS: dict[int, tuple[Any, json_sql.RecipientKey | None]] = {}
_RECIPIENT_KEYS_MAX = 1024  # fields remembered per process; cleared when full


def _recipient_key(info: strawberry.Info) -> json_sql.RecipientKey | None:
    """The field's selection as `json_sql` keys it, remembered per document field when no variable can
    change it (the document cache hands every request of a document the same nodes, kept alive here)."""
    nodes = info._raw_info.field_nodes
    found = _RECIPIENT_KEYS.get(id(nodes[0])) if len(nodes) == 1 else None
    if found is not None and found[0] is nodes[0]:
        return found[1]
    key = json_sql.recipient_key(info.selected_fields[0].selections, _timeline_last)
    if len(nodes) == 1 and not _uses_variables(nodes[0].selection_set, info._raw_info.fragments):
        if len(_RECIPIENT_KEYS) >= _RECIPIENT_KEYS_MAX:
            _RECIPIENT_KEYS.clear()
        _RECIPIENT_KEYS[id(nodes[0])] = (nodes[0], key)
    return key


def key_of_field_node(node: FieldNode, fragments: dict[str, Any]) -> json_sql.RecipientKey | None:
    """`_recipient_key` for a `recipient` field node before execution (a plan, `schema/plans.py`): None
    also when a variable could change the key."""
    if _uses_variables(node.selection_set, fragments):
        return None
    outside_execution = SimpleNamespace(fragments=fragments, variable_values={})  # what convert_selections reads
    return json_sql.recipient_key(convert_selections(outside_execution, [node])[0].selections, _timeline_last)


def _uses_variables(node: Any, fragments: dict[str, Any]) -> bool:
    """Whether a variable appears anywhere under this node, fragments followed."""
    if isinstance(node, VariableNode):
        return True
    if isinstance(node, FragmentSpreadNode):
        fragment = fragments.get(node.name.value)
        return fragment is None or _uses_variables(fragment.selection_set, fragments)
    if isinstance(node, list | tuple):
        return any(_uses_variables(item, fragments) for item in node)
    if isinstance(node, Node):
        return any(_uses_variables(getattr(node, name), fragments) for name in node.keys if name != "loc")
    return False


def _timeline_last(field: SelectedField) -> int | None:
    last = _as_int(field.arguments.get("last"))
    return last if last is not None and 0 < last <= MAX_TIMELINE_LAST else None


def selected_fields(selections: list[Any]) -> list[SelectedField]:
    """The fields in a selection, fragments and inline fragments flattened."""
    out: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            out.append(selection)
        else:
            out.extend(selected_fields(selection.selections))
    return out


def _as_int(value: Any) -> int | None:
    """An argument as the resolver will get it: a literal comes as its source text, a variable as its value."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
