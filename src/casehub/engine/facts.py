"""What the rules engine is given: one person's facts, entitlements and timeline.

Plain frozen values, built by the caller from the models (or by tests by hand),
so the engine never touches the database. Pure: no I/O, no ORM.

Months are `date`s on the first of the month; money is integer fen; `recorded_at`
and `known_at` are timezone-aware datetimes (R-TL-2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from casehub.domain import DependantRole, EventType, KeyGroup, Scheme

EMPTY_PAYLOAD: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """The recipient. `birth_date` comes from the ID number (R-WID-1, R-KEY-1).

    `key_groups` holds the ledger's facts (SEVERELY_DISABLED, CANNOT_SELF_CARE);
    VERY_OLD is computed from the birth date and need not be given. The two
    R-WID-2 facts only matter when the policy turns the matching option on.
    """

    id: int
    birth_date: dt.date
    key_groups: frozenset[KeyGroup] = frozenset()
    unable_to_work: bool = False  # R-WID-2: a child fully unable to work (完全丧失劳动能力)
    full_time_student_until: dt.date | None = None  # R-WID-2: end of full-time study


@dataclass(frozen=True, slots=True)
class EntitlementFacts:
    """One recipient × one scheme (RULES.md vocabulary). `start_month` is the first of a month."""

    id: int
    scheme: Scheme
    start_month: dt.date
    monthly_amount_fen: int  # the amount at start; later changes are AMOUNT_CHANGED events
    dependant_role: DependantRole | None = None  # work-injury dependants only (R-WID-1..3)

    def __post_init__(self) -> None:
        if self.start_month.day != 1:
            raise ValueError(f"entitlement {self.id}: start_month must be the first of a month")
        if isinstance(self.monthly_amount_fen, bool) or not isinstance(self.monthly_amount_fen, int):
            raise TypeError(f"entitlement {self.id}: monthly_amount_fen must be an int (fen)")


@dataclass(frozen=True, slots=True)
class EventFacts:
    """One timeline event (R-TL-1/2); payload keys per type are listed on `EventType`.

    `entitlement_id` is set when the event concerns one entitlement only; `corrects`
    is the id of the event a RETRACTED or AMENDED event corrects.
    """

    id: int
    type: EventType
    occurred_on: dt.date
    recorded_at: dt.datetime
    payload: Mapping[str, Any] = field(default_factory=lambda: EMPTY_PAYLOAD)
    corrects: int | None = None
    entitlement_id: int | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """Money actually paid for one entitlement-month (R-PAY-4).

    `month` is the benefit month the money is *for*: a back payment made in
    March for January and February is given as one Payment per covered month.
    """

    entitlement_id: int
    month: dt.date
    amount_fen: int


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """Everything the engine needs about one person."""

    person: PersonFacts
    entitlements: tuple[EntitlementFacts, ...]
    events: tuple[EventFacts, ...] = ()
