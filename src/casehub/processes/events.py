"""The processes' one door to the timeline: every event they record goes through `record`.

Events are written only by `casehub.timeline.record_events` (docs/ARCHITECTURE.md), idempotent
by natural key (R-TL-3). Natural keys of the processes start with the process name and end with
the recipient's ID number, so the same report row, visit or reminder is recorded once however
often it is submitted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from casehub.cases import refresh_states
from casehub.domain import EventType
from casehub.models import Event
from casehub.policy import Policy
from casehub.timeline import EventDraft, record_events


def draft(
    person_id: int,
    type: EventType,
    occurred_on: dt.date,
    natural_key: str,
    *,
    payload: Mapping[str, Any] | None = None,
    evidence: Sequence[str] = (),
    source_row: int | None = None,
) -> EventDraft:
    return EventDraft(
        person_id=person_id, type=type, occurred_on=occurred_on, natural_key=natural_key,
        payload=dict(payload or {}), evidence=tuple(evidence), source_row=source_row,
    )


async def record(
    drafts: Sequence[EventDraft], *, source: str, staff_id: int | None, refresh: Policy | None
) -> dict[str, Event]:
    """Record the drafts (duplicates are skipped); return every draft's event by natural key, old or new.

    With a policy in `refresh`, the status projection of the persons concerned is recomputed, as
    after every write that can change a status (docs/ARCHITECTURE.md); reminders change none.
    """
    if drafts:
        await record_events(list(drafts), source_adapter=source, staff=staff_id)
        if refresh is not None:
            await refresh_states(sorted({d.person_id for d in drafts}), refresh)
    keys = [d.natural_key for d in drafts]
    return {e.natural_key: e for e in await Event.filter(natural_key__in=keys)}
