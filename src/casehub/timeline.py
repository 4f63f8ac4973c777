"""THE write path for timeline events (R-TL-1..3), shared by the import adapters and the API.

`record_events` turns `EventDraft`s into rows of the append-only `event` table:

- it resolves every reference in a few set-based queries (persons by ID number or id,
  entitlements by person and scheme, staff, corrected events) and refuses a draft
  whose reference does not exist;
- it inserts with ``INSERT … ON CONFLICT (natural_key) DO NOTHING RETURNING id``, on
  SQLite and PostgreSQL alike, so the same external record recorded twice — by a
  re-run, or by two imports racing each other — is stored once and counted as a
  duplicate by whoever lost (R-TL-3);
- everything happens inside one transaction: either all accepted drafts are
  recorded or none is;
- the same transaction seals what it inserted into the hash-chained audit log
  (`casehub.audit.seal_events`: one RECORD_EVENTS entry with the digest of the
  rows, computed from the values the INSERT returned), so a row changed or
  removed later, or inserted by anything but this function, is found by
  `casehub audit verify` (docs/SECURITY.md).

It must never UPDATE or DELETE an event: a correction is a new RETRACTED or
AMENDED event whose `corrects` points at the earlier one (R-TL-1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from casehub.audit import EVENT_COLUMNS, event_row_hash, event_row_hash_sql, seal_events
from casehub.domain import EventType, Scheme
from casehub.errors import ValidationError
from casehub.models import Entitlement, Event, ImportBatch, Person, Staff

NATURAL_KEY_MAX = 200  # Event.natural_key's column width
CORRECTING_TYPES = frozenset({EventType.RETRACTED, EventType.AMENDED})
_QUERY_CHUNK = 4_096  # ids per `IN (…)` lookup: below SQLite's 32,766 bound variables
_INSERT_ROWS = 1_000  # rows per INSERT statement: 13 columns × 1,000 stays below that bound too


@dataclass(frozen=True, slots=True, kw_only=True)
class EventDraft:
    """An event not yet recorded: what an adapter or a mutation hands to `record_events`.

    Name the person by `id_number` (the usual case for imports) or by `person_id`,
    never both. `scheme` ties the event to the person's entitlement in that scheme
    (which must exist); leave it out for person-level events such as a death.
    `natural_key` identifies the external record: recording the same key twice
    records it once. A RETRACTED or AMENDED draft names the event it corrects by
    `corrects_key` (its natural key, possibly of an earlier draft in the same call)
    or `corrects_id`.
    """

    type: EventType
    occurred_on: dt.date
    natural_key: str
    id_number: str | None = None
    person_id: int | None = None
    scheme: Scheme | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    evidence: Sequence[str] = ()
    corrects_key: str | None = None
    corrects_id: int | None = None
    staff_id: int | None = None
    source_row: int | None = None

    def __post_init__(self) -> None:
        # Programming errors of the caller, not data errors: fail at once.
        if (self.id_number is None) == (self.person_id is None):
            raise ValueError("an EventDraft names its person by id_number or person_id, exactly one")
        if not self.natural_key or len(self.natural_key) > NATURAL_KEY_MAX:
            raise ValueError(f"natural_key must be 1..{NATURAL_KEY_MAX} characters: {self.natural_key!r}")
        if type(self.type) is not EventType:
            EventType(self.type)  # raises ValueError for a type that does not exist
        if type(self.occurred_on) is not dt.date:
            raise ValueError(f"occurred_on must be a date, not {self.occurred_on!r}")
        corrects = self.corrects_key is not None or self.corrects_id is not None
        if (self.type in CORRECTING_TYPES) != corrects:
            raise ValueError("RETRACTED and AMENDED events, and only they, name the event they correct")


@dataclass(frozen=True, slots=True)
class Rejection:
    """A draft `record_events` refused because a reference does not resolve."""

    index: int  # position in the drafts passed in
    draft: EventDraft
    field: str
    code: str  # UNKNOWN_PERSON, NO_ENTITLEMENT, UNKNOWN_STAFF, UNKNOWN_CORRECTED_EVENT, …
    message: str


@dataclass(frozen=True, slots=True)
class RecordResult:
    accepted: list[int]  # ids of the events this call inserted, in the order of the drafts
    duplicates: int  # drafts whose natural key was already recorded (or repeated in the call)
    rejected: list[Rejection] = field(default_factory=list)


class UnresolvedReferenceError(ValidationError):
    """Raised by `record_events(on_invalid="raise")`; nothing was recorded. `problems` lists all."""

    def __init__(self, problems: list[Rejection]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first.field, first.code, first.message + more)
        self.problems = problems


async def record_events(
    drafts: Iterable[EventDraft],
    *,
    source_adapter: str,
    batch: ImportBatch | int | None = None,
    staff: Staff | int | None = None,
    recorded_at: dt.datetime | None = None,
    on_invalid: Literal["raise", "skip"] = "raise",
) -> RecordResult:
    """Record `drafts` in one transaction; a natural key already recorded is a duplicate.

    `staff` is the default for drafts without `staff_id`; `recorded_at` defaults to
    now (R-TL-2). With ``on_invalid="raise"`` any unresolvable reference raises
    `UnresolvedReferenceError` before anything is written; with ``"skip"`` those
    drafts are left out and returned in `RecordResult.rejected`.
    """
    drafts = list(drafts)
    recorded_at = recorded_at or dt.datetime.now(dt.UTC)
    batch_id = batch.pk if isinstance(batch, ImportBatch) else batch
    default_staff = staff.pk if isinstance(staff, Staff) else staff
    if not drafts:
        return RecordResult(accepted=[], duplicates=0)

    async with in_transaction(Event._meta.default_connection) as conn:
        refs = await _References.load(conn, drafts, default_staff)
        rejected: list[Rejection] = []
        bad: set[int] = set()
        for i, draft in enumerate(drafts):
            if (problem := refs.check(i, draft, bad)) is not None:
                rejected.append(problem)
                bad.add(i)
        if rejected and on_invalid == "raise":
            raise UnresolvedReferenceError(rejected)
        rows: dict[str, dict[str, Any]] = {}  # natural key → column values; first draft wins
        for i, draft in enumerate(drafts):
            if i not in bad and draft.natural_key not in rows:
                rows[draft.natural_key] = refs.row(draft, default_staff)
        # Drafts that correct an event recorded in this same call go in a second pass,
        # once the corrected event has its id.
        first = [r for r in rows.values() if not r["_corrects_pending"]]
        second = [r for r in rows.values() if r["_corrects_pending"]]
        inserted = await _insert(conn, first, recorded_at, source_adapter, batch_id)
        if second:
            keys = {r["_corrects_key"] for r in second}
            refs.event_ids.update(await _event_ids(conn, keys))
            for r in second:
                r["corrects_id"] = refs.event_ids[r["_corrects_key"]][0]
            inserted |= await _insert(conn, second, recorded_at, source_adapter, batch_id)
        if inserted:
            await seal_events(
                dict(inserted.values()), source=source_adapter, batch_id=batch_id, actor_id=default_staff, using=conn
            )
    accepted = [inserted[key][0] for key in rows if key in inserted]
    duplicates = len(drafts) - len(rejected) - len(accepted)
    return RecordResult(accepted=accepted, duplicates=duplicates, rejected=rejected)


@dataclass
class _References:
    """Every reference the drafts make, resolved in a handful of set-based queries."""

    person_by_number: dict[str, int]
    known_person_ids: set[int]
    entitlements: dict[tuple[int, str], int]
    staff_ids: set[int]
    event_ids: dict[str, tuple[int, int]]  # natural key → (event id, person id)
    events_by_id: dict[int, int]  # event id → person id
    keys_in_call: dict[str, int]  # natural key → index of its first draft

    @classmethod
    async def load(cls, conn: BaseDBAsyncClient, drafts: list[EventDraft], default_staff: int | None) -> _References:
        numbers = {d.id_number.strip().upper() for d in drafts if d.id_number is not None}
        person_by_number = await _person_ids(conn, sorted(numbers))
        wanted_ids = {d.person_id for d in drafts if d.person_id is not None}
        known_person_ids = await _existing(conn, Person, wanted_ids)
        person_ids = set(person_by_number.values()) | known_person_ids
        schemes = {str(d.scheme) for d in drafts if d.scheme is not None}
        entitlements: dict[tuple[int, str], int] = {}
        if schemes:
            for part in _chunks(sorted(person_ids)):
                rows = await (
                    Entitlement.filter(person_id__in=part, scheme__in=sorted(schemes))
                    .using_db(conn)
                    .values_list("person_id", "scheme", "id")
                )
                entitlements.update({(p, str(s)): e for p, s, e in rows})
        staff_wanted = {d.staff_id for d in drafts if d.staff_id is not None}
        if default_staff is not None:
            staff_wanted.add(default_staff)
        staff_ids = await _existing(conn, Staff, staff_wanted)
        correct_keys = {d.corrects_key for d in drafts if d.corrects_key is not None}
        event_ids = await _event_ids(conn, correct_keys)
        correct_ids = {d.corrects_id for d in drafts if d.corrects_id is not None}
        events_by_id: dict[int, int] = {}
        for part in _chunks(sorted(correct_ids)):
            rows = await Event.filter(id__in=part).using_db(conn).values_list("id", "person_id")
            events_by_id.update(rows)
        keys_in_call: dict[str, int] = {}
        for i, d in enumerate(drafts):
            keys_in_call.setdefault(d.natural_key, i)
        return cls(person_by_number, known_person_ids, entitlements, staff_ids, event_ids, events_by_id, keys_in_call)

    def person_of(self, draft: EventDraft) -> int | None:
        if draft.person_id is not None:
            return draft.person_id if draft.person_id in self.known_person_ids else None
        return self.person_by_number.get(draft.id_number.strip().upper())  # type: ignore[union-attr]

    def check(self, index: int, draft: EventDraft, rejected: set[int]) -> Rejection | None:
        """The first unresolved reference of `draft` (`rejected`: indexes of earlier drafts refused), or None."""

        def reject(field: str, code: str, message: str) -> Rejection:
            return Rejection(index, draft, field, code, message)

        person = self.person_of(draft)
        if person is None:
            if draft.person_id is not None:
                return reject("personId", "UNKNOWN_PERSON", f"no person with id {draft.person_id}")
            return reject("idNumber", "UNKNOWN_PERSON", f"no recipient with ID number {draft.id_number} is registered")
        if draft.scheme is not None and (person, str(draft.scheme)) not in self.entitlements:
            return reject(
                "scheme", "NO_ENTITLEMENT", f"the recipient holds no {Scheme(draft.scheme).value} entitlement"
            )
        if draft.staff_id is not None and draft.staff_id not in self.staff_ids:
            return reject("staff", "UNKNOWN_STAFF", f"no staff account with id {draft.staff_id}")
        if draft.corrects_id is not None:
            owner = self.events_by_id.get(draft.corrects_id)
            if owner is None:
                return reject("corrects", "UNKNOWN_CORRECTED_EVENT", f"no event with id {draft.corrects_id}")
        elif draft.corrects_key is not None:
            if draft.corrects_key in self.event_ids:
                owner = self.event_ids[draft.corrects_key][1]
            elif self.keys_in_call.get(draft.corrects_key, index) < index:
                if self.keys_in_call[draft.corrects_key] in rejected:
                    return reject("corrects", "UNKNOWN_CORRECTED_EVENT", "the event it corrects was refused")
                owner = person  # an earlier draft of this call, checked above
            else:
                return reject(
                    "corrects", "UNKNOWN_CORRECTED_EVENT", f"no event with natural key {draft.corrects_key!r}"
                )
        else:
            return None
        if owner != person:
            return reject("corrects", "CORRECTS_OTHER_PERSON", "a correction must concern the same person")
        return None

    def row(self, draft: EventDraft, default_staff: int | None) -> dict[str, Any]:
        person = self.person_of(draft)
        corrects_id = draft.corrects_id
        pending = False
        if draft.corrects_key is not None:
            known = self.event_ids.get(draft.corrects_key)
            corrects_id, pending = (known[0], False) if known else (None, True)
        return {
            "person_id": person,
            "entitlement_id": self.entitlements[(person, str(draft.scheme))] if draft.scheme else None,  # type: ignore[index]
            "type": draft.type,
            "occurred_on": draft.occurred_on,
            "source_row": draft.source_row,
            "staff_id": draft.staff_id if draft.staff_id is not None else default_staff,
            "payload": dict(draft.payload),
            "evidence": list(draft.evidence),
            "natural_key": draft.natural_key,
            "corrects_id": corrects_id,
            "_corrects_key": draft.corrects_key,
            "_corrects_pending": pending,
        }


_COLUMNS = (
    "person_id", "entitlement_id", "type", "occurred_on", "recorded_at", "source_adapter",
    "batch_id", "source_row", "staff_id", "payload", "evidence", "natural_key", "corrects_id",
)  # fmt: skip


async def _insert(
    conn: BaseDBAsyncClient,
    rows: list[dict[str, Any]],
    recorded_at: dt.datetime,
    source_adapter: str,
    batch_id: int | None,
) -> dict[str, int]:
    """INSERT … ON CONFLICT (natural_key) DO NOTHING RETURNING: natural key → (id, row hash) of each row inserted.

    PostgreSQL gets one statement whose rows come from `unnest` of one array per
    column, and returns each row's hash computed by the database; SQLite gets
    multi-row VALUES statements returning whole rows, hashed here (the seal, see
    `casehub.audit`).
    """
    fields = Event._meta.fields_map
    recorded = fields["recorded_at"].to_db_value(recorded_at, Event)
    payload_to_db, evidence_to_db = fields["payload"].to_db_value, fields["evidence"].to_db_value
    rows = sorted(rows, key=lambda row: row["natural_key"])  # one lock order for every writer: no deadlocks
    values = [
        (
            row["person_id"], row["entitlement_id"], EventType(row["type"]).value, row["occurred_on"], recorded,
            source_adapter, batch_id, row["source_row"], row["staff_id"], payload_to_db(row["payload"], Event),
            evidence_to_db(row["evidence"], Event), row["natural_key"], row["corrects_id"],
        )  # the order of _COLUMNS
        for row in rows
    ]  # fmt: skip
    if conn.capabilities.dialect == "postgres":
        statements = [(_unnest_sql(), [list(column) for column in zip(*values, strict=True)])] if values else []
    else:
        statements = [
            (_values_sql(conn, len(part)), [v for row in part for v in row]) for part in _chunks(values, _INSERT_ROWS)
        ]
    inserted: dict[str, tuple[int, bytes]] = {}
    postgres = conn.capabilities.dialect == "postgres"
    for sql, params in statements:
        for record in await conn.execute_query_dict(sql, params):
            row_hash = bytes(record["row_hash"]) if postgres else event_row_hash(record)
            inserted[record["natural_key"]] = (record["id"], row_hash)
    return inserted


def _unnest_sql() -> str:
    """PostgreSQL: the rows as arrays, one per column — one short statement for any number of rows."""
    meta = Event._meta
    arrays = ", ".join(
        f"${i}::{meta.fields_map[meta.fields_db_projection_reverse[c]].get_for_dialect('postgres', 'SQL_TYPE')}[]"
        for i, c in enumerate(_COLUMNS, start=1)
    )
    columns = ", ".join(f'"{c}"' for c in _COLUMNS)
    return (
        f'INSERT INTO "{meta.db_table}" ({columns}) SELECT * FROM unnest({arrays}) '
        f'ON CONFLICT ("natural_key") DO NOTHING RETURNING "id", "natural_key", {event_row_hash_sql()} AS "row_hash"'
    )


def _values_sql(conn: BaseDBAsyncClient, rows: int) -> str:
    """The multi-row INSERT for `rows` rows in the connection's dialect."""

    def build(param: Callable[[int], Any], query_class: Any) -> str:
        query = query_class.into(Event._meta.basetable).columns(*_COLUMNS)
        width = len(_COLUMNS)
        for r in range(rows):
            query = query.insert(*(param(r * width + i) for i in range(width)))
        return query.on_conflict("natural_key").do_nothing().returning(*EVENT_COLUMNS).get_sql()

    return _cached_sql(conn, "insert", rows, build)


async def _person_ids(conn: BaseDBAsyncClient, numbers: list[str]) -> dict[str, int]:
    """ID number → person id, for those registered (the hot path of every import)."""
    found: dict[str, int] = {}
    if conn.capabilities.dialect == "postgres":  # one array parameter instead of thousands
        sql = f'SELECT "id_number", "id" FROM "{Person._meta.db_table}" WHERE "id_number" = ANY($1::VARCHAR[])'
        return {row["id_number"]: row["id"] for row in await conn.execute_query_dict(sql, [numbers])}
    for part in _chunks(numbers):
        size = max(16, 1 << (len(part) - 1).bit_length())  # a few statement sizes: pad the list

        def build(param: Callable[[int], Any], query_class: Any, size: int = size) -> str:
            table = Person._meta.basetable
            where = table.id_number.isin([param(i) for i in range(size)])
            return query_class.from_(table).select(table.id_number, table.id).where(where).get_sql()

        padded = [*part, *[part[-1]] * (size - len(part))]
        for row in await conn.execute_query_dict(_cached_sql(conn, "person", size, build), padded):
            found[row["id_number"]] = row["id"]
    return found


_SQL_CACHE: dict[tuple[Any, ...], str] = {}


def _cached_sql(conn: BaseDBAsyncClient, kind: str, size: int, build: Callable[..., str]) -> str:
    """SQL with `size`-dependent placeholders, built once per dialect and size (pypika is slow at it)."""
    key = (conn.query_class, conn.executor_class, kind, size)
    if key not in _SQL_CACHE:
        if len(_SQL_CACHE) >= 64:
            _SQL_CACHE.clear()
        _SQL_CACHE[key] = build(conn.executor_class(model=Event, db=conn).parameter, conn.query_class)
    return _SQL_CACHE[key]


async def _event_ids(conn: BaseDBAsyncClient, keys: set[str]) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for part in _chunks(sorted(keys)):
        rows = await Event.filter(natural_key__in=part).using_db(conn).values_list("natural_key", "id", "person_id")
        found.update({k: (i, p) for k, i, p in rows})
    return found


async def _existing(conn: BaseDBAsyncClient, model: Any, ids: set[int]) -> set[int]:
    found: set[int] = set()
    for part in _chunks(sorted(ids)):
        found.update(await model.filter(id__in=part).using_db(conn).values_list("id", flat=True))
    return found


def _chunks(items: Sequence[Any], size: int = _QUERY_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
