"""Answers written by PostgreSQL: one query returns a page's recipients, or their timelines, as the answer's JSON.

For a page of recipients whose selection holds only fields PostgreSQL can write as strawberry would
(`RECIPIENT_FIELDS`, `village` with `REGION_FIELDS`, `entitlements` with `ENTITLEMENT_FIELDS` and
`state` with `STATE_FIELDS` (the status and its dates), `timeline` with `FIELDS`: stored scalars,
relay ids, masked numbers, the age on the request's day, `corrects { id }`), the list resolver asks
for each recipient already in the answer's shape — keys in selection order, aliases applied, ids as
relay global ids, dates and times as `isoformat()` writes them — and hands the executor
`FinishedJSON`, placed in the answer untouched and written out by orjson as it is. When only the
timelines can be written so, each recipient's `timeline` field is answered that way. No row
becomes a Python object.

Masking stays exact: ID and phone numbers of the recipient are masked in SQL as `idnumber.mask_*`
masks them; when a free-text event column (payload, evidence, natural key) is selected, a person
with an event holding a run of 11 digits in any of them — the only text `common.mask_text` can
change; stored per event as `event.holds_digit_run` — gets no JSON here and takes the ordinary
path, which masks. So does a person with a correction pointing at another person's event (whose
visibility the ordinary path decides through the scoped loader), or an amount the GraphQL Int
cannot hold (the ordinary path reports it). Scoping: the person ids come
from the viewer's scoped page; a unit handler's entitlements are limited to their unit as
`access.entitlements` limits them.

Only for answers the HTTP view encodes with orjson (`Context.json_out`), only on PostgreSQL, never
with `asOf` or `knownAt`. The text differs from the ordinary path's only in whitespace (PostgreSQL
writes jsonb as `{"a": 1}` and a list's items on lines of their own): the same JSON value, keys in
the same order (`tests/api/test_timeline_json.py` compares both paths).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from graphql import FieldNode
from strawberry.types.nodes import SelectedField
from tortoise.connection import get_connection

from casehub.access import PERSON_FIELDS, person_scope_sql, unit_scope_sql
from casehub.domain import EventType, Role
from casehub.schema.execution import FinishedJSON

_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
Key = tuple[tuple[str, str], ...]  # ((response key, field name), ...); "corrects" stands for `corrects { id }`


def _global_id(type_name: str, column: str) -> str:
    # base64 of "<type>:<id>" as strawberry's to_base64 writes it (short enough for no line breaks)
    return f"encode(convert_to('{type_name}:' || {column}, 'UTF8'), 'base64')"


# GraphQL field of TimelineEvent -> SQL on `e` (event) and `c` (the event it corrects) giving strawberry's value
FIELDS = {
    "__typename": "'TimelineEvent'",
    "id": _global_id("TimelineEvent", "e.id"),
    "type": "e.type",  # EventType names are their values (checked below)
    "occurredOn": "to_char(e.occurred_on, 'YYYY-MM-DD')",
    # datetime.isoformat() of an aware UTC datetime: microseconds only when there are some
    "recordedAt": (
        "replace(to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || '+00:00'"
    ),
    "sourceAdapter": "e.source_adapter",
    "sourceRow": "e.source_row",
    "payload": "e.payload",
    "evidence": "e.evidence",
    "naturalKey": "e.natural_key",
    "corrects": (
        f"CASE WHEN c.id IS NULL THEN NULL ELSE json_build_object('id', {_global_id('TimelineEvent', 'c.id')}) END"
    ),
}
# the text masking could change: a person with an event holding a run of 11 digits in any of them (stored as
# event.holds_digit_run, migration 0008) takes the ordinary path when one of them is selected
_MASKED = {"payload", "evidence", "naturalKey"}
assert all(t.name == t.value for t in EventType), "FIELDS['type'] writes the stored value as the enum's name"


def key_of_nodes(nodes: Sequence[Any]) -> Key | None:
    """The key of a selection given as graphql-core nodes (in a resolver), or None if PostgreSQL cannot write it."""
    key = []
    for node in nodes:
        if not isinstance(node, FieldNode) or node.arguments or node.directives:
            return None
        name = node.name.value
        response_key = node.alias.value if node.alias else name
        if name == "corrects":
            if node.selection_set is None or not _just_id(node.selection_set.selections):
                return None
        elif name not in FIELDS or node.selection_set is not None:
            return None
        key.append((response_key, name))
    return tuple(key) if key and all(_NAME.match(k) for k, _ in key) else None


def key_of_selection(fields: Sequence[Any]) -> Key | None:
    """The same key from strawberry's `SelectedField`s (in the list resolver)."""
    key = []
    for field in fields:
        if not isinstance(field, SelectedField) or field.arguments or field.directives:
            return None
        if field.name == "corrects":
            subfields = field.selections
            if len(subfields) != 1 or not isinstance(subfields[0], SelectedField) or subfields[0].name != "id":
                return None
            if subfields[0].alias or subfields[0].arguments or subfields[0].directives:
                return None
        elif field.name not in FIELDS or field.selections:
            return None
        key.append((field.alias or field.name, field.name))
    return tuple(key) if key and all(_NAME.match(k) for k, _ in key) else None


def _just_id(selections: Sequence[Any]) -> bool:
    return (
        len(selections) == 1 and isinstance(selections[0], FieldNode) and selections[0].name.value == "id"
        and selections[0].alias is None and not selections[0].arguments and not selections[0].directives
    )  # fmt: skip


@lru_cache(maxsize=64)
def _timelines(key: Key) -> Statement:
    return Statement.of(
        f"""
        SELECT p.id, t.events::text, t.ordinary
        FROM unnest(:ids::int[]) AS p(id) CROSS JOIN LATERAL ({_timeline_of_p(key, "LIMIT :last")}) t
        """,
        ("ids", "last"),
    )


def _timeline_of_p(key: Key, limit: str) -> str:
    """One person's (`p.id`) timeline as a JSON list, and whether the ordinary path must answer instead."""
    names = {name for _, name in key}
    checks = ["e.holds_digit_run"] if names & _MASKED else []
    if "corrects" in names:
        checks.append("(e.corrects_id IS NOT NULL AND c.person_id IS DISTINCT FROM e.person_id)")
    ordinary = " OR ".join(checks) or "false"
    join = "LEFT JOIN event c ON c.id = e.corrects_id" if "corrects" in names else ""
    # a row with the response keys as column names: row_to_json's order and compact spelling, and
    # cheaper than json_build_object (response keys are plain GraphQL names, checked by the callers)
    row = _row([(response_key, FIELDS[name]) for response_key, name in key])
    return f"""
        SELECT coalesce(json_agg(x.j ORDER BY x.recorded_at, x.id), '[]'::json) AS events,
               coalesce(bool_or(x.ordinary), false) AS ordinary
        FROM (
            SELECT {row} AS j, e.recorded_at, e.id, {ordinary} AS ordinary
            FROM (SELECT * FROM event WHERE person_id = p.id ORDER BY recorded_at DESC, id DESC {limit}) e {join}
        ) x
    """


async def timelines(person_ids: list[int], last: int | None, key: Key) -> dict[int, FinishedJSON | None]:
    """Each person's timeline (the last `last` events, or all) as finished JSON, or None where the
    ordinary path must answer. `person_ids` must already be those the viewer may see."""
    rows = await _timelines(key).rows(ids=person_ids, last=last)
    return {pid: None if ordinary else FinishedJSON(orjson.Fragment(text)) for pid, text, ordinary in rows}


# ---------------------------------------------------------------- a page's recipients

# Recipient field -> SQL on `p` (person), masked as `Recipient.from_model` masks (idnumber.mask_*)
RECIPIENT_FIELDS = {
    "__typename": "'Recipient'",
    "id": _global_id("Recipient", "p.id"),
    "name": "p.name",
    "sex": "p.sex",
    "idNumber": "left(p.id_number, 6) || '********' || substr(p.id_number, 15)",
    "phone": (
        "CASE WHEN p.phone IS NULL OR p.phone = '' THEN p.phone "
        "WHEN length(p.phone) > 7 THEN left(p.phone, 3) || repeat('*', length(p.phone) - 7) || right(p.phone, 4) "
        "ELSE repeat('*', length(p.phone)) END"
    ),
    # `age_on(birth_date, today)`: completed years, a 29 February birthday counted from 1 March
    "age": (
        "(date_part('year', :today::date) - date_part('year', p.birth_date) "
        "- (to_char(:today::date, 'MMDD') < to_char(p.birth_date, 'MMDD'))::int)::int"
    ),
}
# Entitlement field -> SQL on `en` (entitlement); `state { status }` on `st` (its entitlement_state)
ENTITLEMENT_FIELDS = {
    "__typename": "'Entitlement'",
    "id": _global_id("Entitlement", "en.id"),
    "scheme": "en.scheme",
    "startMonth": "to_char(en.start_month, 'YYYY-MM-DD')",
    "monthlyAmountFen": "en.monthly_amount_fen",
    "dependantRole": "en.dependant_role",
}
STATE_FIELDS = {
    "__typename": "'EntitlementState'",
    "status": "st.status",
    "lastCertifiedOn": "to_char(st.last_certified_on, 'YYYY-MM-DD')",
    "nextDue": "to_char(st.next_due, 'YYYY-MM-DD')",
    "overdueFrom": "to_char(st.overdue_from, 'YYYY-MM-DD')",
    "remindOn": "to_char(st.remind_on, 'YYYY-MM-DD')",
    "asOf": "to_char(st.as_of, 'YYYY-MM-DD')",
}
# Region field -> SQL on `v` (the recipient's village)
REGION_FIELDS = {
    "__typename": "'Region'",
    "id": _global_id("Region", "v.id"),
    "code": "v.code",
    "name": "v.name",
    "level": "v.level",
}
_INT_RANGE = "en.monthly_amount_fen NOT BETWEEN -2147483648 AND 2147483647"  # GraphQL Int: the ordinary path errs
# (response key, field name, sub-key): sub-key None for a scalar, the entitlement or state key, or (last, timeline key)
RecipientKey = tuple[tuple[str, str, Any], ...]


def _check_names() -> None:
    from casehub.domain import DependantRole, RegionLevel, Scheme
    from casehub.engine.results import EntitlementStatus

    for kind in (Scheme, DependantRole, EntitlementStatus, RegionLevel):
        assert all(t.name == t.value for t in kind), f"{kind.__name__}: SQL writes the stored value as the name"


_check_names()


def recipient_key(fields: Sequence[Any], last_of: Any) -> RecipientKey | None:
    """The key of a recipient's selection (strawberry `SelectedField`s), or None if PostgreSQL cannot
    write it all. `last_of(field)` gives a timeline field's `last` as its resolver will get it."""
    key: list[tuple[str, str, Any]] = []
    for field in fields:
        if not isinstance(field, SelectedField) or field.directives:
            return None
        name, response_key = field.name, field.alias or field.name
        if name == "timeline":
            if set(field.arguments) - {"last"}:
                return None
            last = last_of(field) if field.arguments else None
            timeline = key_of_selection(field.selections)
            if (field.arguments and last is None) or timeline is None:
                return None
            key.append((response_key, name, (last, timeline)))
        elif name == "entitlements" and not field.arguments:
            entitlements = _sub_key(field.selections, ENTITLEMENT_FIELDS, {"state": STATE_FIELDS})
            if entitlements is None:
                return None
            key.append((response_key, name, entitlements))
        elif name == "village" and not field.arguments:
            village = _sub_key(field.selections, REGION_FIELDS, {})
            if village is None:
                return None
            key.append((response_key, name, village))
        elif name in RECIPIENT_FIELDS and not field.arguments and not field.selections:
            key.append((response_key, name, None))
        else:
            return None
    return tuple(key) if key and all(_NAME.match(k) for k, _, _ in key) else None


def _sub_key(fields: Sequence[Any], scalars: dict[str, str], objects: dict[str, dict[str, str]]) -> Any:
    key: list[tuple[str, str, Any]] = []
    for field in fields:
        if not isinstance(field, SelectedField) or field.directives or field.arguments:
            return None
        response_key = field.alias or field.name
        if field.name in objects and field.selections:
            sub = _sub_key(field.selections, objects[field.name], {})
            if sub is None:
                return None
            key.append((response_key, field.name, sub))
        elif field.name in scalars and not field.selections:
            key.append((response_key, field.name, None))
        else:
            return None
    return tuple(key) if key and all(_NAME.match(k) for k, _, _ in key) else None


@dataclass(frozen=True, slots=True)
class Statement:
    """Hand-written SQL whose parameters are written `:name`, numbered `$1`, `$2`, … in the order of
    `names`, only those it holds (PostgreSQL refuses a parameter it cannot type because it is unused)."""

    sql: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, text: str, names: Sequence[str]) -> Statement:
        used = tuple(name for name in names if re.search(rf"(?<!:):{name}\b", text))
        for number, name in enumerate(used, start=1):
            text = re.sub(rf"(?<!:):{name}\b", f"${number}", text)
        return cls(text, used)

    async def rows(self, **values: Any) -> list[Any]:
        """Fetched on the pool's connection itself: tortoise's `execute_query` wraps the same `fetch` in
        exception translation and an upper-cased copy of the SQL (to tell a write), 6 % of a planned
        lookup's instructions. A lost database still raises what `db.CONNECTION_ERRORS` names."""
        async with get_connection("default").acquire_connection() as connection:
            return await connection.fetch(self.sql, *[values[name] for name in self.names])


def _row(pairs: Sequence[tuple[str, str]]) -> str:
    columns = ", ".join(f'{sql} AS "{response_key}"' for response_key, sql in pairs)
    return f"(SELECT r FROM (SELECT {columns}) r)"


def _recipients_sql(key: RecipientKey, by_id_number: bool = False, gate: str = "true", unit: str = ":unit::int") -> str:
    """Each person of `:ids` (or, `by_id_number`, the one with the number `:number`, with its row of
    `access.PERSON_FIELDS` first) as the answer's JSON, and whether the ordinary path must answer; the
    day is `:today`. `gate`: a further condition on the person; `unit`: the one unit whose
    entitlements are shown (NULL: all)."""
    columns: list[tuple[str, str]] = []
    laterals: list[str] = []
    ordinary = ["false"]
    for n, (response_key, name, sub) in enumerate(key):
        if name == "timeline":
            last, timeline = sub
            limit = f"LIMIT {int(last)}" if last is not None else ""
            laterals.append(f"CROSS JOIN LATERAL ({_timeline_of_p(timeline, limit)}) t{n}")
            columns.append((response_key, f"t{n}.events"))
            ordinary.append(f"t{n}.ordinary")
        elif name == "entitlements":
            laterals.append(f"CROSS JOIN LATERAL ({_entitlements_of_p(sub, unit)}) en{n}")
            columns.append((response_key, f"en{n}.items"))
            ordinary.append(f"en{n}.ordinary")
        elif name == "village":
            village = _row([(k, REGION_FIELDS[n]) for k, n, _ in sub])
            columns.append((response_key, f"(SELECT {village} FROM region v WHERE v.id = p.village_id)"))
        else:
            columns.append((response_key, RECIPIENT_FIELDS[name]))
    person = "".join(f"p.{column}, " for column in PERSON_FIELDS) if by_id_number else "p.id, "
    where = "p.id_number = :number" if by_id_number else "p.id = ANY(:ids::int[])"
    return (
        f"SELECT {person}to_json({_row(columns)})::text, {' OR '.join(ordinary)} "
        f"FROM person p {' '.join(laterals)} WHERE {where} AND {gate}"
    )


def _entitlements_of_p(key: Any, unit: str) -> str:
    pairs = []
    for response_key, name, sub in key:
        if name == "state":
            state = _row([(k, STATE_FIELDS[n]) for k, n, _ in sub])
            pairs.append((response_key, f"CASE WHEN st.entitlement_id IS NULL THEN NULL ELSE {state} END"))
        else:
            pairs.append((response_key, ENTITLEMENT_FIELDS[name]))
    return f"""
        SELECT coalesce(json_agg({_row(pairs)} ORDER BY en.id), '[]'::json) AS items,
               coalesce(bool_or({_INT_RANGE}), false) AS ordinary
        FROM entitlement en LEFT JOIN entitlement_state st ON st.entitlement_id = en.id
        WHERE en.person_id = p.id AND ({unit} IS NULL OR en.unit_id = {unit})
    """


@lru_cache(maxsize=64)
def _by_id_number(key: RecipientKey) -> Statement:
    return Statement.of(_recipients_sql(key, by_id_number=True), ("number", "unit", "today"))


async def recipient_by_id_number(
    number: str, key: RecipientKey, today: dt.date
) -> tuple[Any, FinishedJSON | None] | None:
    """The person with this ID number, for a viewer who sees every person and every entitlement (one
    statement): their row of `access.PERSON_FIELDS` and their answer as finished JSON, or None in its
    place where the ordinary path must answer; None when nobody has the number."""
    rows = await _by_id_number(key).rows(number=number, unit=None, today=today)
    if not rows:
        return None
    *person, text, ordinary = rows[0]
    return person, None if ordinary else FinishedJSON(orjson.Fragment(text))


def account_and_recipient_sql(key: RecipientKey, role: Role) -> Statement:
    """The role of the active account `:staff` and, when it is still `role`, the person with the number
    `:number` whom that role's account may see, written as `_recipients_sql(key, by_id_number=True)`
    writes them (NULLs for nobody), scoped as `access.persons` and `access.entitlements` scope.

    One statement per role: a scope for every role in one statement costs PostgreSQL the set-up of
    every role's subqueries on each execution (about a third of the statement's time, measured)."""
    assert _NAME.match(role.value)
    gate = f"s.role = '{role.value}' AND {person_scope_sql(role)}"
    recipient = _recipients_sql(key, by_id_number=True, gate=gate, unit=f"({unit_scope_sql(role)})::int")
    # OFFSET 0 keeps the subquery whole: the scope filters the person before anything is written
    return Statement.of(
        f"SELECT s.role, x.* FROM staff s LEFT JOIN LATERAL ({recipient} OFFSET 0) x ON true "
        "WHERE s.id = :staff AND s.active",
        ("number", "staff", "today"),
    )


@dataclass(frozen=True, slots=True)
class AccountAndRecipient:
    role: str  # the active account's role
    found: bool  # someone it may see has the number (always False when its role is not the statement's)
    answer: FinishedJSON | None  # their answer; None where the ordinary path must answer (or nobody)


async def account_and_recipient(
    statement: Statement, staff_id: int, number: str, today: dt.date
) -> AccountAndRecipient | None:
    """`recipient(idNumber:)` whole and the viewer's role in one statement (`schema/plans.py`,
    `account_and_recipient_sql`); None without an active account."""
    rows = await statement.rows(number=number, staff=staff_id, today=today)
    if not rows:
        return None
    role, person_id, *_, text, ordinary = rows[0]
    found = person_id is not None
    return AccountAndRecipient(role, found, FinishedJSON(orjson.Fragment(text)) if found and not ordinary else None)


@lru_cache(maxsize=64)
def _page(key: RecipientKey) -> Statement:
    return Statement.of(_recipients_sql(key), ("ids", "unit", "today"))


async def recipients(
    person_ids: list[int], key: RecipientKey, unit_id: int | None, today: dt.date
) -> dict[int, FinishedJSON]:
    """The recipients PostgreSQL can write whole, as finished JSON (others are left out).

    `person_ids` must be those the viewer may see; `unit_id` limits entitlements to one unit's (a
    unit handler's scope, `access.entitlements`); their states follow their entitlements'. `today`:
    the request's day (`age`).
    """
    rows = await _page(key).rows(ids=person_ids, unit=unit_id, today=today)
    return {pid: FinishedJSON(orjson.Fragment(text)) for pid, text, ordinary in rows if not ordinary}
