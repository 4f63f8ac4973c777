"""Permission classes that sit next to the fields they guard (never inside resolvers).

They decide *whether* a viewer may use a field at all; *which rows* they then see is
decided below, in the data access layer (`casehub.access`).
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission

from casehub.access import PermissionDenied, require, require_viewer
from casehub.auth import Permission


def has(permission: Permission) -> type[BasePermission]:
    """A strawberry permission class for one casehub permission."""

    class HasPermission(BasePermission):
        message = f"permission {permission} required"

        def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
            context = info.context
            if context.auth_error is not None:
                raise context.auth_error
            require(context.viewer, permission)
            return True

    HasPermission.__name__ = f"Has{permission.title().replace('_', '')}"
    return HasPermission


def has_any(*permissions: Permission) -> type[BasePermission]:
    """Any one of several permissions (e.g. deciding manual decisions of either kind, four eyes)."""

    class HasAnyPermission(BasePermission):
        message = "one of the permissions " + ", ".join(permissions) + " required"

        def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
            context = info.context
            if context.auth_error is not None:
                raise context.auth_error
            viewer = require_viewer(context.viewer)
            if not any(viewer.can(p) for p in permissions):
                raise PermissionDenied(f"role {viewer.role} lacks all of {', '.join(permissions)}")
            return True

    HasAnyPermission.__name__ = "HasAny" + "".join(p.title().replace("_", "") for p in permissions)
    return HasAnyPermission


def authenticated() -> type[BasePermission]:
    """Any signed-in staff member, whatever their role (e.g. the region list, `viewer`)."""

    class IsAuthenticated(BasePermission):
        message = "authentication required"

        def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
            context = info.context
            if context.auth_error is not None:
                raise context.auth_error
            require_viewer(context.viewer)
            return True

    return IsAuthenticated


__all__ = ["PermissionDenied", "authenticated", "has", "has_any"]
