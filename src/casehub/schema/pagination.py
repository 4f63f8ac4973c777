"""Relay connections with keyset pagination: cursors are opaque, pages are capped at 100.

Keyset (WHERE (sort key, id) > last) instead of OFFSET keeps page N as cheap as page 1. A
cursor carries the order it was issued for and the sort key of its row; a cursor of one order
is refused under another, so a client never silently skips or repeats rows.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import orjson
import strawberry

from casehub.errors import ValidationError

NodeT = TypeVar("NodeT")
MAX_PAGE_SIZE = 100  # documented in docs/API.md


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def _edge_cursor(root: Edge) -> str:
    """Encoded when asked for: most pages are read without their edges' cursors."""
    return encode_cursor(root.order, root.key)


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(resolver=_edge_cursor)
    node: NodeT
    order: strawberry.Private[str]
    key: strawberry.Private[Sequence[Any]]


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int


def encode_cursor(order: str, key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([order, list(key)])).decode()


def decode_cursor(cursor: str | None, order: str) -> list[Any] | None:
    """The sort key in `cursor`, which must have been issued for `order`."""
    if cursor is None:
        return None
    try:
        issued_for, key = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        if issued_for == order and isinstance(key, list):
            return key
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        pass
    raise ValidationError("after", "INVALID_CURSOR", "the cursor is not one this API issued for this order")


def check_page_size(first: int) -> int:
    if not 0 < first <= MAX_PAGE_SIZE:
        raise ValidationError("first", "PAGE_SIZE", f"first must be between 1 and {MAX_PAGE_SIZE}")
    return first


def connection(
    nodes: list[NodeT], keys: list[Sequence[Any]], order: str, first: int, total_count: int
) -> Connection[NodeT]:
    """Build a page from `first + 1` fetched rows: the extra row only says a next page exists."""
    page, page_keys = nodes[:first], keys[:first]
    edges = [Edge(order=order, key=k, node=n) for n, k in zip(page, page_keys, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=len(nodes) > first, end_cursor=_edge_cursor(edges[-1]) if edges else None),
        total_count=total_count,
    )
