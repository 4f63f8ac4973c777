"""Permission classes that sit next to the fields they guard (never inside resolvers)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission

from casehub.access import PermissionDenied, require
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


__all__ = ["PermissionDenied", "has"]
