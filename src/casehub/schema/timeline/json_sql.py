"""Timelines written by PostgreSQL: one query returns each person's events as the answer's JSON.

For a page of recipients whose `timeline` selection holds only fields PostgreSQL can write as
strawberry would (`FIELDS`: stored scalars, the relay id, `corrects { id }`), the list resolver
asks for every person's events already in the answer's shape — keys in selection order, aliases
applied, ids as relay global ids, dates and times as `isoformat()` writes them — and the field
returns that text as `FinishedJSON`, which the executor places in the answer untouched and orjson
writes out as it is. No event becomes a Python object.

Masking stays exact: a person any of whose selected free-text columns (payload, evidence, natural
key) holds a run of 11 digits — the only text masking can change (`common.mask_text`) — gets no
JSON here and takes the ordinary path, which masks. So does a person with a correction pointing at
another person's event (whose visibility the ordinary path decides through the scoped loader).

Only for answers the HTTP view encodes with orjson (`Context.json_out`), only on PostgreSQL, never
with `asOf` or `knownAt`. The text differs from the ordinary path's only in whitespace (PostgreSQL
writes jsonb as `{"a": 1}` and a list's items on lines of their own): the same JSON value, keys in
the same order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import orjson
from graphql import FieldNode
from strawberry.types.nodes import SelectedField
from tortoise.connection import get_connection

from casehub.domain import EventType
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
# the text masking could change: a person with a run of 11 digits in any selected one takes the ordinary path
_MASKED = {"payload": "e.payload::text", "evidence": "e.evidence::text", "naturalKey": "e.natural_key"}
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


def _sql(key: Key) -> str:
    # a row with the response keys as column names: row_to_json's order and compact spelling, and
    # cheaper than json_build_object (response keys are plain GraphQL names, checked by the callers)
    columns = ", ".join(f'{FIELDS[name]} AS "{response_key}"' for response_key, name in key)
    names = {name for _, name in key}
    checks = [f"{_MASKED[name]} ~ '[0-9]{{11}}'" for name in _MASKED if name in names]
    if "corrects" in names:
        checks.append("(e.corrects_id IS NOT NULL AND c.person_id IS DISTINCT FROM e.person_id)")
    ordinary = " OR ".join(checks) or "false"
    join = "LEFT JOIN event c ON c.id = e.corrects_id" if "corrects" in names else ""
    return f"""
        SELECT p.id, t.events, t.ordinary FROM unnest($1::int[]) AS p(id) CROSS JOIN LATERAL (
            SELECT coalesce(json_agg(x.j ORDER BY x.recorded_at, x.id), '[]'::json)::text AS events,
                   coalesce(bool_or(x.ordinary), false) AS ordinary
            FROM (
                SELECT (SELECT r FROM (SELECT {columns}) r) AS j, e.recorded_at, e.id, {ordinary} AS ordinary
                FROM (
                    SELECT * FROM event WHERE person_id = p.id ORDER BY recorded_at DESC, id DESC LIMIT $2
                ) e {join}
            ) x
        ) t
    """


async def timelines(person_ids: list[int], last: int | None, key: Key) -> dict[int, FinishedJSON | None]:
    """Each person's timeline (the last `last` events, or all) as finished JSON, or None where the
    ordinary path must answer. `person_ids` must already be those the viewer may see."""
    _, rows = await get_connection("default").execute_query(_sql(key), [person_ids, last])
    return {pid: None if ordinary else FinishedJSON(orjson.Fragment(text)) for pid, text, ordinary in rows}
