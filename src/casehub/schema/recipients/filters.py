"""From `RecipientFilterInput` and `RecipientOrderInput` to one scoped queryset and a keyset page.

Scope comes from `casehub.access` (the base querysets); this module only narrows them. Every
condition is SQL: entitlement conditions are a subquery on the status projection, key groups
a birth-date bound and a subquery on the ledger, so a page costs the same whatever its filters.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tortoise.connection import get_connection
from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.functions import Coalesce, Min
from tortoise.queryset import QuerySet

from casehub import access
from casehub.auth import Viewer
from casehub.domain import KeyGroup
from casehub.errors import ValidationError
from casehub.idnumber import parse_id_number
from casehub.models import EntitlementState, KeyGroupFact, Person
from casehub.models.regions import CODE_LENGTH, RegionLevel
from casehub.policy import Policy
from casehub.schema.common import check_list, latest_birth
from casehub.schema.loaders import postgres
from casehub.schema.recipients.inputs import OrderDirection, RecipientFilterInput, RecipientOrderField

MAX_SEARCH = 64
NO_DUE_DATE = dt.date(9999, 12, 31)  # sorts recipients without a due date last
_FULL_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")
_LAST_FOUR = re.compile(r"^[0-9]{3}[0-9X]$")
_DIGITS = re.compile(r"^[0-9]+X?$")


def check_region_code(code: str, field: str = "filter.regionCode") -> str:
    code = code.strip()
    if not code.isdigit() or len(code) not in CODE_LENGTH.values():
        message = "a region code is 6 (county), 9 (township) or 12 (village) digits"
        raise ValidationError(field, "INVALID_REGION_CODE", message)
    return code


def search_condition(text: str) -> Q:
    """A name part, a full ID number, or its last 4 characters — nothing that would uncover masked digits."""
    text = text.strip()
    if not text or len(text) > MAX_SEARCH:
        raise ValidationError("filter.search", "INVALID_SEARCH", f"search must be 1 to {MAX_SEARCH} characters")
    compact = text.replace(" ", "").upper()
    if _FULL_NUMBER.match(compact):
        try:
            return Q(id_number=parse_id_number(compact, field="filter.search").number)
        except ValidationError as exc:  # say why, without repeating the number
            reason = exc.message.split(": ")[-1]
            raise ValidationError(exc.field, exc.code, f"not a valid ID number: {reason}") from None
    if _LAST_FOUR.match(compact):
        return Q(id_number__endswith=compact)
    if _DIGITS.match(compact):
        raise ValidationError(
            "filter.search", "INVALID_SEARCH",
            "search by a full 18-character ID number or its last 4 characters (other digits are masked)",
        )  # fmt: skip
    return Q(name__icontains=text)


def matching_states(viewer: Viewer, f: RecipientFilterInput) -> QuerySet[EntitlementState] | None:
    """The projection rows that satisfy every entitlement condition, or None when there is none."""
    if not (f.statuses or f.due_before or f.overdue_since):
        return None
    states = access.entitlement_states(viewer)
    if f.schemes:
        states = states.filter(entitlement__scheme__in=list(f.schemes))
    if f.statuses:
        states = states.filter(status__in=list(f.statuses))
    if f.due_before:
        states = states.filter(next_due__lte=f.due_before)
    if f.overdue_since:
        states = states.filter(overdue_from__lte=f.overdue_since)
    return states


def filtered(
    viewer: Viewer, f: RecipientFilterInput | None, *, today: dt.date, policy: Policy, by_village: bool = False
) -> QuerySet[Person]:
    """The people of the viewer's scope that match `f`. `by_village`: without the two region conditions
    (the scope's region and `regionCode`), which `page_rows` then applies village by village."""
    query = Person.all() if by_village and access.region_prefix(viewer) else access.persons(viewer)
    if f is None:
        return query
    for values, field in ((f.schemes, "schemes"), (f.statuses, "statuses"), (f.key_groups, "keyGroups")):
        check_list(values, f"filter.{field}")
    if f.region_code is not None:
        code = check_region_code(f.region_code)
        query = query if by_village else query.filter(village__code__startswith=code)
    if f.search is not None:
        query = query.filter(search_condition(f.search))
    states = matching_states(viewer, f)
    if states is not None:
        query = query.filter(id__in=Subquery(states.values_list("person_id", flat=True)))
    elif f.schemes:
        held = access.entitlements(viewer).filter(scheme__in=list(f.schemes))
        query = query.filter(id__in=Subquery(held.values_list("person_id", flat=True)))
    if f.key_groups:
        groups = set(f.key_groups)
        conditions = []
        if KeyGroup.VERY_OLD in groups:
            conditions.append(Q(birth_date__lte=latest_birth(today, policy.version_at(today).key_group_age)))
        recorded = sorted(groups - {KeyGroup.VERY_OLD})
        if recorded:
            facts = KeyGroupFact.holding_on(today).filter(group__in=recorded)
            conditions.append(Q(id__in=Subquery(facts.values_list("person_id", flat=True))))
        query = query.filter(Q(*conditions, join_type=Q.OR))
    return query


def ordered_page(
    viewer: Viewer,
    query: QuerySet[Person],
    f: RecipientFilterInput | None,
    field: RecipientOrderField,
    direction: OrderDirection,
    after: list[Any] | None,
    limit: int,
) -> tuple[QuerySet[Person], str]:
    """The page query (keyset after the cursor's key) and the name of its sort annotation, if any."""
    desc = direction is OrderDirection.DESC
    sign, gt = ("-", "lt") if desc else ("", "gt")
    if field is RecipientOrderField.ID:
        if after is not None:
            query = query.filter(**{f"id__{gt}": int(after[0])})
        return query.order_by(f"{sign}id").limit(limit), ""
    if field is RecipientOrderField.NAME:
        if after is not None:
            name, key = str(after[0]), int(after[1])
            query = query.filter(Q(**{f"name__{gt}": name}) | Q(name=name, **{f"id__{gt}": key}))
        return query.order_by(f"{sign}name", f"{sign}id").limit(limit), "name"
    # NEXT_DUE: the earliest due date among the person's matching entitlements (in scope), none last
    states = matching_states(viewer, f) if f is not None else None
    if states is None:
        states = access.entitlement_states(viewer)
        if f is not None and f.schemes:
            states = states.filter(entitlement__scheme__in=list(f.schemes))
    matching = Subquery(states.values_list("entitlement_id", flat=True))
    due = Coalesce(Min("states__next_due", _filter=Q(states__entitlement_id__in=matching)), NO_DUE_DATE)
    query = query.annotate(sort_due=due)
    if after is not None:
        day, key = dt.date.fromisoformat(str(after[0])), int(after[1])
        query = query.filter(Q(**{f"sort_due__{gt}": day}) | Q(sort_due=day, **{f"id__{gt}": key}))
    return query.order_by(f"{sign}sort_due", f"{sign}id").limit(limit), "sort_due"


async def page_rows(
    viewer: Viewer,
    f: RecipientFilterInput | None,
    field: RecipientOrderField,
    direction: OrderDirection,
    after: list[Any] | None,
    limit: int,
    *,
    today: dt.date,
    policy: Policy,
) -> tuple[list[tuple[Any, ...]], str]:
    """A page's rows (`access.PERSON_FIELDS`, then the sort annotation) and the annotation's name.

    A region's page by id is read village by village on PostgreSQL: one range of the (village_id, id)
    index each, merged. As one condition on the joined region, PostgreSQL walks the primary key and
    tests every person until the page is full: 18,675 people for a township's first page of a county
    loaded township by township (6-8 ms against 0.7 ms, docs/PERFORMANCE.md). Not for a county's code
    alone, which holds nearly everyone (there the merge is the slower: 4.7 ms against 0.9).
    """
    prefixes = [
        code for code in (access.region_prefix(viewer), f and f.region_code and check_region_code(f.region_code))
        if code
    ]  # fmt: skip
    narrower_than_county = any(len(code) > CODE_LENGTH[RegionLevel.COUNTY] for code in prefixes)
    if field is RecipientOrderField.ID and narrower_than_county and postgres():
        village = filtered(viewer, f, today=today, policy=policy, by_village=True).filter(village_id=RawSQL("v.id"))
        page, _ = ordered_page(viewer, village, f, field, direction, after, limit)
        return await _merged_by_village(page, prefixes, direction is OrderDirection.DESC, limit), ""
    query = filtered(viewer, f, today=today, policy=policy)
    page, annotation = ordered_page(viewer, query, f, field, direction, after, limit)
    return await page.values_list(*access.PERSON_FIELDS, *([annotation] if annotation else [])), annotation


async def _merged_by_village(
    page: QuerySet[Person], prefixes: list[str], desc: bool, limit: int
) -> list[tuple[Any, ...]]:
    """The first `limit` rows by id of `page` (one village's page, `v` being the village) run for every
    village whose code starts with each of `prefixes`; `page` is written by tortoise, with its parameters."""
    rows = page.values_list(*access.PERSON_FIELDS)
    rows.sql()  # builds `rows.query`
    sql, params = rows.query.get_parameterized_sql()
    regions = " AND ".join(f"starts_with(v.code, ${len(params) + n})" for n in range(1, len(prefixes) + 1))
    statement = (
        f"SELECT p.* FROM region v CROSS JOIN LATERAL ({sql}) p WHERE {regions} "
        f"""ORDER BY p."0" {'DESC' if desc else 'ASC'} LIMIT {int(limit)}"""  # tortoise names them "0", "1", …
    )
    _, found = await get_connection("default").execute_query(statement, [*params, *prefixes])
    return [tuple(row) for row in found]


def sort_key(row: tuple[Any, ...], annotation: str) -> list[Any]:
    """The cursor key of a page row (`access.PERSON_FIELDS`, then the annotation)."""
    if not annotation:
        return [row[0]]
    value = row[len(access.PERSON_FIELDS)]
    if annotation == "sort_due" and not isinstance(value, dt.date):
        value = dt.date.fromisoformat(str(value))  # SQLite returns the coalesced date as text
    return [value.isoformat() if isinstance(value, dt.date) else value, row[0]]
