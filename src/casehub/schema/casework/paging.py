"""Keyset pages by id for the payroll and casework lists (`casehub.schema.pagination` cursors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tortoise.queryset import QuerySet

from casehub.errors import ValidationError
from casehub.schema.pagination import Connection, check_page_size, connection, decode_cursor

T = TypeVar("T")


async def page_by_id(
    query: QuerySet, build: Callable[[Any], T], first: int, after: str | None, *, newest_first: bool = False
) -> Connection[T]:
    """Oldest first (or newest first); the cursor holds the last row's id."""
    check_page_size(first)
    order = "-id" if newest_first else "id"
    total = await query.count()
    key = decode_cursor(after, order)
    if key is not None:
        if not key or not isinstance(key[0], int):
            raise ValidationError("after", "INVALID_CURSOR", "the cursor is not one this API issued for this order")
        query = query.filter(id__lt=key[0]) if newest_first else query.filter(id__gt=key[0])
    rows = await query.order_by(order).limit(first + 1)
    return connection([build(r) for r in rows], [[r.id] for r in rows], order, first, total)
