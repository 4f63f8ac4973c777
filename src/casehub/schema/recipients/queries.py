from __future__ import annotations

import strawberry

from casehub.idnumber import parse_id_number
from casehub.models import Person
from casehub.schema.pagination import Connection, check_page_size, connection, decode_cursor
from casehub.schema.recipients.types import Recipient


@strawberry.type
class RecipientQueries:
    @strawberry.field(description="One recipient by resident ID number.")
    async def recipient(self, id_number: str) -> Recipient | None:
        person = await Person.get_or_none(id_number=parse_id_number(id_number).number)
        return Recipient.from_model(person) if person else None

    @strawberry.field(description="Recipients in a stable order, a page at a time (at most 100).")
    async def recipients(self, first: int = 20, after: str | None = None) -> Connection[Recipient]:
        check_page_size(first)
        query = Person.all()
        total = await query.count()
        after_id = decode_cursor(after)
        if after_id is not None:
            query = query.filter(id__gt=after_id)
        rows = await query.order_by("id").limit(first + 1)
        return connection([Recipient.from_model(r) for r in rows], [r.id for r in rows], first, total)
