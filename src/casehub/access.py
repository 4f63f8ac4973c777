"""Row scoping: the one place that decides which records a viewer may see.

Every read of persons, entitlements and events goes through these querysets,
so scoping holds for root fields, `node(id)` and nested fields alike. A
village assistant sees their village; township staff everything whose code
starts with their township's (the GB/T 2260 prefix rule); a unit handler the
recipients of their unit's entitlements; county-level roles everyone.

Money and casework records (payment lines, recovery cases, duplicate receipts, investigations,
approval requests) follow the person they concern (`person_scoped`); payroll months are the
county bureau's own.

The processes' records follow the same rule through the region or unit they belong to
(`covers_region`, `covers_unit`); spot checks and referrals are the county bureau's own.

Writes use the same scope as reads: a viewer may record events only for recipients (and
entitlements) these querysets show them, so a village assistant cannot record for another
village and a unit handler cannot record a dependant change on an entitlement of another
unit. Which *kinds* of writes a role may make is the permission matrix in `casehub.auth`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.connection import get_connection
from tortoise.expressions import RawSQL, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from casehub.auth import Permission, Viewer
from casehub.domain import Role
from casehub.errors import CasehubError
from casehub.models import (
    DeathReport,
    Entitlement,
    EntitlementState,
    Event,
    Investigation,
    InvestigationReferral,
    KeyGroupFact,
    Person,
    PublicNotice,
    SpotCheck,
    SpotCheckItem,
    TipOff,
)

COUNTY_WIDE = {Role.COUNTY_ADMIN, Role.COUNTY_STAFF, Role.INVESTIGATOR, Role.AUDITOR, Role.IMPORT_SERVICE}


class PermissionDenied(CasehubError):
    pass


def require_viewer(viewer: Viewer | None) -> Viewer:
    if viewer is None:
        raise PermissionDenied("authentication required: send `Authorization: Bearer <token>`")
    return viewer


def require(viewer: Viewer | None, permission: Permission) -> Viewer:
    viewer = require_viewer(viewer)
    if not viewer.can(permission):
        raise PermissionDenied(f"role {viewer.role} lacks permission {permission}")
    return viewer


def persons(viewer: Viewer) -> QuerySet[Person]:
    if viewer.role in COUNTY_WIDE:
        return Person.all()
    if viewer.role is Role.UNIT_HANDLER:
        managed = entitlements(viewer).values_list("person_id", flat=True)
        return Person.filter(id__in=Subquery(managed))
    if viewer.region_code is None:
        return _nothing(Person.all())  # a regional role without a region sees nothing
    if viewer.role is Role.VILLAGE_ASSISTANT:
        return Person.filter(village_id=viewer.region_id)
    return Person.filter(village__code__startswith=viewer.region_code)


def region_prefix(viewer: Viewer) -> str | None:
    """The code every village in a township viewer's scope starts with (`persons` is exactly their
    people); None for every other role. Named by role, not by elimination: a caller that applies this
    prefix in place of `persons` must never meet a role whose scope is something else."""
    return viewer.region_code if viewer.role is Role.TOWNSHIP_STAFF else None


def person_scope_sql(role: Role) -> str:
    """`persons` for a viewer of this role, as an SQL condition on a person `p` and the viewer's account
    `s` (a `staff` row), for statements that read the account and the answer together
    (`schema/plans.py`); tests/api/test_access_sql.py checks that both agree for every role."""
    if role in COUNTY_WIDE:
        return "true"
    if role is Role.UNIT_HANDLER:
        return "EXISTS (SELECT 1 FROM entitlement m WHERE m.person_id = p.id AND m.unit_id = s.unit_id)"
    if role is Role.VILLAGE_ASSISTANT:
        return "p.village_id = s.region_id"  # no region: NULL, nobody
    return (
        "EXISTS (SELECT 1 FROM region v, region r "
        "WHERE v.id = p.village_id AND r.id = s.region_id AND starts_with(v.code, r.code))"
    )  # no region: no `r`, nobody


def unit_scope_sql(role: Role) -> str:
    """The unit `entitlements` limits a viewer of this role to, as SQL on the account `s` (NULL: none)."""
    return "s.unit_id" if role is Role.UNIT_HANDLER else "NULL"


def entitlements(viewer: Viewer) -> QuerySet[Entitlement]:
    if viewer.role is Role.UNIT_HANDLER:
        return _units(Entitlement.all(), viewer)
    if viewer.role in COUNTY_WIDE:
        return Entitlement.all()
    return Entitlement.filter(person_id__in=Subquery(persons(viewer).values_list("id", flat=True)))


def events(viewer: Viewer) -> QuerySet[Event]:
    if viewer.role in COUNTY_WIDE:
        return Event.all()
    return Event.filter(person_id__in=Subquery(persons(viewer).values_list("id", flat=True)))


def entitlement_states(viewer: Viewer) -> QuerySet[EntitlementState]:
    """The status projection of the entitlements the viewer sees (lists, filters, dashboards)."""
    if viewer.role in COUNTY_WIDE:
        return EntitlementState.all()
    if viewer.role is Role.UNIT_HANDLER:
        return _units(EntitlementState.all(), viewer, "entitlement__unit_id")
    return EntitlementState.filter(person_id__in=Subquery(persons(viewer).values_list("id", flat=True)))


# The events of the same person recorded after this one: the last N of each person are those with
# fewer than N newer ones (a correlated count, portable to SQLite and PostgreSQL, served by the
# (person_id, recorded_at) index).
_NEWER = RawSQL(
    '(SELECT COUNT(*) FROM "event" "newer" WHERE "newer"."person_id"="event"."person_id" AND '
    '("newer"."recorded_at">"event"."recorded_at" OR '
    '("newer"."recorded_at"="event"."recorded_at" AND "newer"."id">"event"."id")))'
)


def recent_events(viewer: Viewer, person_ids: Sequence[int], last: int) -> QuerySet[Event]:
    """The last `last` recorded events of each person, in one query for any number of persons."""
    return events(viewer).filter(person_id__in=list(person_ids)).annotate(newer=_NEWER).filter(newer__lt=last)


# a person as a plain row (`Recipient.from_row`): reading rows is cheaper than building models
PERSON_FIELDS = ("id", "name", "sex", "id_number", "phone", "birth_date", "village_id")
PERSON_COLUMNS = ", ".join(PERSON_FIELDS)


async def person_row_by_id_number(viewer: Viewer, number: str) -> Person | Any | None:
    """The person with this ID number if the viewer may see them: a model, or on PostgreSQL for a
    county-wide viewer (who sees everyone) a plain row of `PERSON_COLUMNS`, read by one hand-written
    statement because building the ORM query costs more than running it."""
    connection = get_connection("default")
    if viewer.role not in COUNTY_WIDE or connection.capabilities.dialect != "postgres":
        return await persons(viewer).get_or_none(id_number=number)
    _, rows = await connection.execute_query(f"SELECT {PERSON_COLUMNS} FROM person WHERE id_number = $1", [number])
    return rows[0] if rows else None


# The columns a timeline shows, jsonb as its text (decoded once, by the caller, into the answer's values).
EVENT_COLUMNS = (
    "e.id, e.type, e.occurred_on, e.recorded_at, e.source_adapter, e.source_row, e.payload::text AS payload, "
    "e.evidence::text AS evidence, e.natural_key, e.person_id, e.entitlement_id, e.staff_id, e.corrects_id"
)


async def visible_person_ids(viewer: Viewer, person_ids: Sequence[int]) -> list[int]:
    """Those of `person_ids` the viewer may see (no query for county-wide roles)."""
    ids = [int(i) for i in person_ids]
    if viewer.role in COUNTY_WIDE or not ids:
        return ids
    return list(await persons(viewer).filter(id__in=ids).values_list("id", flat=True))


async def timeline_rows_postgres(viewer: Viewer, person_ids: Sequence[int], last: int | None) -> list:
    """Each person's events as plain rows (`EVENT_COLUMNS`), oldest first: all, or the last `last` recorded.

    PostgreSQL only. Rows, not models: building a model costs more than reading its row. The last N
    come from one backward range scan of the (person_id, recorded_at) index per person that stops
    after N rows (LATERAL ... LIMIT), never from a count of newer events (quadratic per person).
    """
    ids = await visible_person_ids(viewer, person_ids)
    if not ids:
        return []
    connection = get_connection("default")
    if last is None:
        sql = (
            f"SELECT {EVENT_COLUMNS} FROM event e WHERE e.person_id = ANY($1::int[]) "
            "ORDER BY e.person_id, e.recorded_at, e.id"
        )
        _, rows = await connection.execute_query(sql, [ids])
        return rows
    sql = (
        f"SELECT {EVENT_COLUMNS} FROM unnest($1::int[]) AS p(id) CROSS JOIN LATERAL ("
        "  SELECT * FROM event WHERE person_id = p.id ORDER BY recorded_at DESC, id DESC LIMIT $2"
        ") e ORDER BY e.person_id, e.recorded_at, e.id"
    )
    _, rows = await connection.execute_query(sql, [ids, int(last)])
    return rows


def is_county_wide(viewer: Viewer) -> bool:
    return viewer.role in COUNTY_WIDE


def covers_region(viewer: Viewer, code: str) -> bool:
    """Whether the region with this code is in the viewer's scope (the code prefix rule)."""
    if viewer.role in COUNTY_WIDE:
        return True
    if viewer.role is Role.UNIT_HANDLER or viewer.region_code is None:
        return False
    return code.startswith(viewer.region_code)


def covers_unit(viewer: Viewer, unit_id: int) -> bool:
    """Employer units report to the county bureau: in scope for county roles and the unit's own handler."""
    return viewer.role in COUNTY_WIDE or (viewer.role is Role.UNIT_HANDLER and viewer.unit_id == unit_id)


def _nothing(query: QuerySet) -> QuerySet:
    return query.filter(id__lt=0)


def _units(query: QuerySet, viewer: Viewer, field: str = "unit_id") -> QuerySet:
    """A unit handler's rows: their unit's. Without a unit, none (`unit_id=None` would mean "IS NULL":
    every row of no unit)."""
    return _nothing(query) if viewer.unit_id is None else query.filter(**{field: viewer.unit_id})


def death_reports(viewer: Viewer) -> QuerySet[DeathReport]:
    if viewer.role in COUNTY_WIDE:
        return DeathReport.all()
    if viewer.role is Role.UNIT_HANDLER:
        return _units(DeathReport.all(), viewer)
    if viewer.region_code is None:
        return _nothing(DeathReport.all())
    return DeathReport.filter(region__code__startswith=viewer.region_code)


def notices(viewer: Viewer) -> QuerySet[PublicNotice]:
    if viewer.role in COUNTY_WIDE:
        return PublicNotice.all()
    if viewer.role is Role.UNIT_HANDLER or viewer.region_code is None:
        return _nothing(PublicNotice.all())
    return PublicNotice.filter(village__code__startswith=viewer.region_code)


def tip_offs(viewer: Viewer) -> QuerySet[TipOff]:
    return TipOff.filter(notice_id__in=Subquery(notices(viewer).values_list("id", flat=True)))


def spot_checks(viewer: Viewer) -> QuerySet[SpotCheck]:
    return SpotCheck.all() if viewer.role in COUNTY_WIDE else _nothing(SpotCheck.all())


def spot_check_items(viewer: Viewer) -> QuerySet[SpotCheckItem]:
    return SpotCheckItem.all() if viewer.role in COUNTY_WIDE else _nothing(SpotCheckItem.all())


def key_group_facts(viewer: Viewer) -> QuerySet[KeyGroupFact]:
    if viewer.role in COUNTY_WIDE:
        return KeyGroupFact.all()
    return KeyGroupFact.filter(person_id__in=Subquery(persons(viewer).values_list("id", flat=True)))


def referrals(viewer: Viewer) -> QuerySet[InvestigationReferral]:
    return InvestigationReferral.all() if viewer.role in COUNTY_WIDE else _nothing(InvestigationReferral.all())


def person_scoped(viewer: Viewer, model: type[Model]) -> QuerySet:
    """Records of `model` (with a `person` key) about the persons the viewer sees."""
    if viewer.role in COUNTY_WIDE:
        return model.all()
    return model.filter(person_id__in=Subquery(persons(viewer).values_list("id", flat=True)))


def investigations(viewer: Viewer) -> QuerySet[Investigation]:
    if viewer.role in COUNTY_WIDE:
        return Investigation.all()
    return Investigation.filter(subject_id__in=Subquery(persons(viewer).values_list("id", flat=True)))
