"""Bitemporal timeline resolution (R-TL-1, R-TL-2): which events count, and as what.

`known_at` cuts the timeline to what the system had recorded at that moment;
RETRACTED events then make their target count as never recorded, and AMENDED
events replace their target's `occurred_on` and/or payload. Corrections are
themselves events, so a retraction recorded after `known_at` does not apply, and
a retraction can be retracted. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from casehub.domain import EventType
from casehub.engine.facts import EventFacts

_CORRECTIONS = frozenset({EventType.RETRACTED, EventType.AMENDED})


# (occurred_on, recorded_at, id): a total order, so the input order never matters
_sort_key = operator.attrgetter("occurred_on", "recorded_at", "id")


def effective_events(events: Iterable[EventFacts], *, known_at: dt.datetime | None, as_of: dt.date) -> list[EventFacts]:
    """The events that count, corrections applied, in (occurred_on, recorded_at, id) order.

    Events that occurred after `as_of` are left out: the result describes the
    world as of that date. The order makes the result independent of input order.
    """
    known = list(events) if known_at is None else [e for e in events if e.recorded_at <= known_at]
    corrections = [e for e in known if e.type in _CORRECTIONS]
    if not corrections:  # the common case: nothing to resolve
        out = [e for e in known if e.occurred_on <= as_of]
        out.sort(key=_sort_key)
        return out

    retractions: dict[int, list[EventFacts]] = {}
    amendments: dict[int, list[EventFacts]] = {}
    for c in corrections:
        if c.corrects is None:
            continue
        bucket = retractions if c.type == EventType.RETRACTED else amendments
        bucket.setdefault(c.corrects, []).append(c)
    live = _standing(retractions)

    out = []
    for e in known:
        if e.type in _CORRECTIONS or not live(e.id):
            continue
        amends = [a for a in amendments.get(e.id, ()) if live(a.id)]
        if amends:
            amends.sort(key=lambda a: (a.recorded_at, a.id))
            for a in amends:
                e = _amend(e, a.payload)
        if e.occurred_on <= as_of:
            out.append(e)
    out.sort(key=_sort_key)
    return out


# Retractions of retractions followed at most this deep; the API's timeline (schema/timeline) uses the same.
MAX_CORRECTION_DEPTH = 50


def withdrawn_ids(events: Iterable[EventFacts]) -> set[int]:
    """The ids of the events (corrections included) withdrawn by a retraction that stands (R-TL-1).

    A retraction stands unless it is itself withdrawn: retracting a retraction restores its target.
    """
    events = list(events)
    retractions: dict[int, list[EventFacts]] = {}
    for e in events:
        if e.type == EventType.RETRACTED and e.corrects is not None:
            retractions.setdefault(e.corrects, []).append(e)
    live = _standing(retractions)
    return {e.id for e in events if not live(e.id)}


def _standing(retractions: Mapping[int, list[EventFacts]]) -> Callable[[int], bool]:
    """`live(event_id)`: not withdrawn by a live retraction (a retraction can itself be retracted)."""
    live_memo: dict[int, bool] = {}

    def live(event_id: int, depth: int = 0) -> bool:
        if event_id in live_memo:
            return live_memo[event_id]
        if depth > MAX_CORRECTION_DEPTH:  # a longer chain is a data error; treat the event as standing
            return True
        result = not any(live(r.id, depth + 1) for r in retractions.get(event_id, ()))
        live_memo[event_id] = result
        return result

    return live


def _amend(event: EventFacts, amendment: Mapping[str, Any]) -> EventFacts:
    """Apply one AMENDED payload: `occurred_on` replaces the date, `payload` keys replace keys."""
    changes: dict[str, Any] = {}
    occurred_on = amendment.get("occurred_on")
    if occurred_on is not None:
        changes["occurred_on"] = occurred_on if isinstance(occurred_on, dt.date) else dt.date.fromisoformat(occurred_on)
    new_payload = amendment.get("payload")
    if new_payload:
        changes["payload"] = {**event.payload, **new_payload}
    return dataclasses.replace(event, **changes) if changes else event
