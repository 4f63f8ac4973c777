from __future__ import annotations

import strawberry
from strawberry.types.nodes import SelectedField

from casehub import access
from casehub.auth import Permission
from casehub.idnumber import parse_id_number
from casehub.schema.pagination import Connection, check_page_size, connection, decode_cursor
from casehub.schema.permissions import has
from casehub.schema.recipients import filters
from casehub.schema.recipients.inputs import RecipientFilterInput, RecipientOrderInput
from casehub.schema.recipients.types import (
    Recipient,
    prefetch,
    selected_fields,
    written_by_sql,
    written_by_sql_by_id_number,
)


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
    """What the query selects under `edges { node { ... } }`, fragments flattened."""
    out: list = []
    for edges in selected_fields(info.selected_fields[0].selections):
        if edges.name == "edges":
            for node in selected_fields(edges.selections):
                if node.name == "node":
                    out.extend(node.selections)
    return out


@strawberry.type
class RecipientQueries:
    @strawberry.field(
        description="One recipient by resident ID number (18 characters, check digit verified).",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def recipient(self, info: strawberry.Info, id_number: str) -> Recipient | None:
        number = parse_id_number(id_number).number
        found = await written_by_sql_by_id_number(info, number)
        if found is not None:
            person, finished = found
            return finished or (Recipient.from_row(person) if person else None)
        person = await access.person_row_by_id_number(info.context.viewer, number)
        return Recipient.from_row(person) if person else None

    @strawberry.field(
        description="Recipients the viewer may see, filtered and ordered, a page at a time (at most 100): the work "
        "lists of every front end. Status and due-date conditions read the status projection.",
        permission_classes=[has(Permission.READ_CASES)],
    )
    async def recipients(
        self,
        info: strawberry.Info,
        filter: RecipientFilterInput | None = None,
        order_by: RecipientOrderInput | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Recipient]:
        check_page_size(first)
        context = info.context
        order = order_by or RecipientOrderInput()
        order_name = f"{order.field.value}:{order.direction.value}"
        total = 0
        if _selects(info, "totalCount"):
            total = await filters.filtered(context.viewer, filter, today=context.today, policy=context.policy).count()
        # plain rows (`access.PERSON_FIELDS`, then the sort annotation): cheaper than a hundred models
        rows, annotation = await filters.page_rows(
            context.viewer, filter, order.field, order.direction, decode_cursor(after, order_name), first + 1,
            today=context.today, policy=context.policy,
        )  # fmt: skip
        recipients = [Recipient.from_row(r[: len(access.PERSON_FIELDS)]) for r in rows]
        selections = _node_selections(info)
        written = await written_by_sql(info, recipients[:first], selections)
        await prefetch(info, [r for r in recipients[:first] if r.id not in written], selections)
        return connection(
            [written.get(r.id, r) for r in recipients], [filters.sort_key(r, annotation) for r in rows], order_name,
            first, total,
        )  # fmt: skip
