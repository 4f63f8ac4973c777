from __future__ import annotations

import strawberry
from strawberry.types.nodes import SelectedField

from casehub import access
from casehub.auth import Permission
from casehub.idnumber import parse_id_number
from casehub.schema.pagination import Connection, check_page_size, connection, decode_cursor
from casehub.schema.permissions import has
from casehub.schema.recipients.types import Recipient, _selected_fields, prefetch


def _selects(info: strawberry.Info, name: str) -> bool:
    """Whether the query asks for `name` directly under this field, fragments included (counting costs a scan)."""

    def found(selections: list) -> bool:
        for selection in selections:
            if isinstance(selection, SelectedField):
                if selection.name == name:
                    return True
            elif found(selection.selections):  # a fragment spread or an inline fragment
                return True
        return False

    return any(found(field.selections) for field in info.selected_fields)


def _node_selections(info: strawberry.Info) -> list:
    """What the query selects under `edges { node { ... } }` (fragments flattened)."""
    out: list = []
    for edges in _selected_fields(info.selected_fields[0].selections):
        if edges.name == "edges":
            for node in _selected_fields(edges.selections):
                if node.name == "node":
                    out.extend(node.selections)
    return out


@strawberry.type
class RecipientQueries:
    @strawberry.field(
        description="One recipient by resident ID number.", permission_classes=[has(Permission.READ_CASES)]
    )
    async def recipient(self, info: strawberry.Info, id_number: str) -> Recipient | None:
        number = parse_id_number(id_number).number
        person = await access.persons(info.context.viewer).get_or_none(id_number=number)
        if person is None:
            return None
        recipient = Recipient.from_model(person)
        await prefetch(info, [recipient], info.selected_fields[0].selections)
        return recipient

    @strawberry.field(
        description="Recipients in a stable order, a page at a time (at most 100).",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def recipients(
        self, info: strawberry.Info, first: int = 20, after: str | None = None
    ) -> Connection[Recipient]:
        check_page_size(first)
        query = access.persons(info.context.viewer)
        total = await query.count() if _selects(info, "totalCount") else 0
        after_id = decode_cursor(after)
        if after_id is not None:
            query = query.filter(id__gt=after_id)
        rows = await query.order_by("id").limit(first + 1)
        page = [Recipient.from_model(r) for r in rows]
        await prefetch(info, page[:first], _node_selections(info))
        return connection(page, [r.id for r in rows], first, total)
