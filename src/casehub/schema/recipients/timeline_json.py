"""Timelines serialised by PostgreSQL: one query returns each recipient's events as the JSON GraphQL would.

For a page of recipients whose `timeline` selection holds only plain fields (see `COLUMNS`), the
list resolver asks PostgreSQL for each recipient's events already in the answer's shape — keys in
selection order, aliases applied, ids as relay global ids, dates and times as strawberry writes
them — and the field returns that text as a `JSONList`, which `FlatListExecutionContext` places in
the answer untouched and orjson writes out as is. No event ever becomes a Python object.

Only for answers encoded by the HTTP view (`Context.json_out`), only on PostgreSQL, and never for
`retractedBy`, `asOf` or `knownAt`: those take the ordinary path. The JSON differs from the
ordinary path's at most in the whitespace inside `payload` and `evidence` (jsonb's own spelling).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
from tortoise.connection import get_connection

_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")


def _global_id(column: str) -> str:
    return f"encode(convert_to('TimelineEvent:' || {column}, 'UTF8'), 'base64')"


# GraphQL field of TimelineEvent -> SQL expression on `e` (event) giving the value strawberry would write
COLUMNS = {
    "__typename": "'TimelineEvent'",
    "id": _global_id("e.id"),
    "type": "e.type",
    "occurredOn": "to_char(e.occurred_on, 'YYYY-MM-DD')",
    # datetime.isoformat() of an aware UTC datetime: microseconds only when there are some
    "recordedAt": (
        "to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        "CASE WHEN date_part('microseconds', e.recorded_at)::int % 1000000 <> 0 "
        "THEN to_char(e.recorded_at AT TIME ZONE 'UTC', '.US') ELSE '' END || '+00:00'"
    ),
    "sourceAdapter": "e.source_adapter",
    "sourceRow": "e.source_row",
    "payload": "e.payload",
    "evidence": "e.evidence",
    "naturalKey": "e.natural_key",
    "corrects": f"CASE WHEN e.corrects_id IS NULL THEN NULL ELSE {_global_id('e.corrects_id')} END",
}


@dataclass(frozen=True, slots=True)
class JSONList:
    """A list field's finished answer: JSON text that goes into the response as it is."""

    fragment: orjson.Fragment


def selection_key(selections: list[Any]) -> tuple[tuple[str, str], ...] | None:
    """((response key, field name), ...) when every selected field maps to SQL, else None."""
    from casehub.schema.recipients.types import _selected_fields

    key = []
    for field in _selected_fields(selections):
        if field.name not in COLUMNS or field.arguments or field.directives:
            return None
        response_key = field.alias or field.name
        if not _NAME.match(response_key):
            return None
        key.append((response_key, field.name))
    return tuple(key) if key else None


def _sql(key: tuple[tuple[str, str], ...]) -> str:
    pairs = ", ".join(f"'{response_key}', {COLUMNS[name]}" for response_key, name in key)
    return f"""
        SELECT p.id, coalesce((
            SELECT json_agg(t.j ORDER BY t.recorded_at, t.id) FROM (
                SELECT json_build_object({pairs}) AS j, e.recorded_at, e.id FROM event e
                WHERE e.person_id = p.id ORDER BY e.recorded_at DESC, e.id DESC LIMIT $2
            ) t
        ), '[]'::json)::text
        FROM unnest($1::int[]) AS p(id)
    """


async def timelines(person_ids: list[int], last: int | None, key: tuple[tuple[str, str], ...]) -> dict[int, JSONList]:
    """Each person's timeline (its last `last` events, or all) as finished JSON; ids must already be scoped."""
    _, records = await get_connection("default").execute_query(_sql(key), [person_ids, last])
    return {pid: JSONList(orjson.Fragment(text)) for pid, text in records}
