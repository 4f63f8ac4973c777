"""Row scoping: the one place that decides which records a viewer may see.

Every read of persons, entitlements and events goes through these querysets,
so scoping holds for root fields, `node(id)` and nested fields alike. A
village assistant sees their village; township staff everything whose code
starts with their township's (the GB/T 2260 prefix rule); a unit handler the
recipients of their unit's entitlements; county-level roles everyone.
"""

from __future__ import annotations

from tortoise.queryset import QuerySet

from casehub.auth import Permission, Viewer
from casehub.domain import Role
from casehub.errors import CasehubError
from casehub.models import Entitlement, Event, Person

COUNTY_WIDE = {Role.COUNTY_ADMIN, Role.COUNTY_STAFF, Role.INVESTIGATOR, Role.AUDITOR, Role.IMPORT_SERVICE}


class PermissionDenied(CasehubError):
    pass


def require(viewer: Viewer | None, permission: Permission) -> Viewer:
    if viewer is None:
        raise PermissionDenied("authentication required: send `Authorization: Bearer <token>`")
    if not viewer.can(permission):
        raise PermissionDenied(f"role {viewer.role} lacks permission {permission}")
    return viewer


def persons(viewer: Viewer) -> QuerySet[Person]:
    if viewer.role in COUNTY_WIDE:
        return Person.all()
    if viewer.role is Role.UNIT_HANDLER:
        return Person.filter(entitlements__unit_id=viewer.unit_id).distinct()
    if viewer.region_code is None:
        return Person.filter(id__lt=0)  # a regional role without a region sees nothing
    if viewer.role is Role.VILLAGE_ASSISTANT:
        return Person.filter(village_id=viewer.region_id)
    return Person.filter(village__code__startswith=viewer.region_code)


def entitlements(viewer: Viewer) -> QuerySet[Entitlement]:
    if viewer.role is Role.UNIT_HANDLER:
        return Entitlement.filter(unit_id=viewer.unit_id)
    if viewer.role in COUNTY_WIDE:
        return Entitlement.all()
    return Entitlement.filter(person_id__in=persons(viewer).values_list("id", flat=True))


def events(viewer: Viewer) -> QuerySet[Event]:
    if viewer.role in COUNTY_WIDE:
        return Event.all()
    return Event.filter(person_id__in=persons(viewer).values_list("id", flat=True))


async def visible_person_ids(viewer: Viewer, person_ids: list[int]) -> list[int]:
    """Those of `person_ids` the viewer may see (for loaders that read events in raw SQL)."""
    if viewer.role in COUNTY_WIDE:
        return person_ids
    return list(await persons(viewer).filter(id__in=person_ids).values_list("id", flat=True))
