"""Interim stand-in for `casehub.timeline` until the timeline branch lands; delete it then.

It implements the documented API (`record_events(drafts, source_adapter=..., staff=...)` with
`EventDraft`) as far as the processes use it: events whose natural key is new are inserted,
the others are skipped (R-TL-3), and each recorded event is audited. It does not refresh the
`entitlement_state` projection; the real write path does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from casehub.audit import append_audit
from casehub.domain import EventType
from casehub.models import Event


@dataclass(frozen=True, slots=True)
class EventDraft:
    person_id: int
    type: EventType
    occurred_on: dt.date
    natural_key: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    evidence: Sequence[str] = ()
    entitlement_id: int | None = None
    source_row: int | None = None
    corrects_id: int | None = None


async def record_events(
    drafts: Sequence[EventDraft], *, source_adapter: str, staff: int | None = None
) -> list[Event]:
    """Record the drafts with a new natural key; return the events recorded now."""
    keys = [d.natural_key for d in drafts]
    seen = set(await Event.filter(natural_key__in=keys).values_list("natural_key", flat=True))
    recorded: list[Event] = []
    now = dt.datetime.now(dt.UTC)
    async with in_transaction() as conn:
        for d in drafts:
            if d.natural_key in seen:
                continue
            seen.add(d.natural_key)
            event = await Event.create(
                person_id=d.person_id, entitlement_id=d.entitlement_id, type=d.type, occurred_on=d.occurred_on,
                recorded_at=now, source_adapter=source_adapter, source_row=d.source_row, staff_id=staff,
                payload=dict(d.payload), evidence=list(d.evidence), natural_key=d.natural_key,
                corrects_id=d.corrects_id, using_db=conn,
            )
            await append_audit(
                "RECORD_EVENT", "event", event.id, actor_id=staff,
                detail={"type": d.type.value, "naturalKey": d.natural_key, "source": source_adapter}, using=conn,
            )
            recorded.append(event)
    return recorded
