"""Relay connections with keyset pagination: cursors are opaque, pages are capped.

Keyset (WHERE id > last) instead of OFFSET keeps page N as cheap as page 1.
"""

from __future__ import annotations

import base64
from typing import Generic, TypeVar

import strawberry

from casehub.errors import ValidationError

NodeT = TypeVar("NodeT")
MAX_PAGE_SIZE = 100  # documented in docs/API.md


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        kind, _, key = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "k":
            return int(key)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ValidationError("after", "INVALID_CURSOR", f"cursor {cursor!r} is not one this API issued")


def check_page_size(first: int) -> int:
    if not 0 < first <= MAX_PAGE_SIZE:
        raise ValidationError("first", "PAGE_SIZE", f"first must be between 1 and {MAX_PAGE_SIZE}")
    return first


def connection(nodes: list[NodeT], keys: list[int], first: int, total_count: int) -> Connection[NodeT]:
    """Build a page from `first + 1` fetched rows: the extra row only says a next page exists."""
    page, page_keys = nodes[:first], keys[:first]
    edges = [Edge(cursor=encode_cursor(k), node=n) for n, k in zip(page, page_keys, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=len(nodes) > first, end_cursor=edges[-1].cursor if edges else None),
        total_count=total_count,
    )
