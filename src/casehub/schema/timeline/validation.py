"""What the event mutations check before anything is written, each check naming its rule.

Every check reads the recipient's timeline as the rules engine does (`effective_events`:
retractions and amendments applied, R-TL-1), so "already dead" or "no open case" mean what
the engine would conclude. All problems of one input are reported together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from casehub.domain import EventType, Scheme
from casehub.engine import EventFacts, effective_events, withdrawn_ids
from casehub.models import Entitlement, Person
from casehub.models import Event as EventModel
from casehub.schema.common import MAX_EVIDENCE
from casehub.schema.errors import CaseErrorCode, Problems

MAX_REF = 64  # case references, form numbers, client mutation ids
MAX_EVIDENCE_REF = 200
E = CaseErrorCode


@dataclass
class Subject:
    """A recipient about to get a new event, with their timeline as it stands (R-TL-1 resolved)."""

    person: Person
    events: list[EventModel]
    entitlements: list[Entitlement]  # those the viewer may see
    today: dt.date
    effective: list[EventFacts] = field(init=False)
    retracted: set[int] = field(init=False)

    def __post_init__(self) -> None:
        facts = [
            EventFacts(
                id=e.id, type=e.type, occurred_on=e.occurred_on, recorded_at=e.recorded_at, payload=e.payload or {},
                corrects=e.corrects_id, entitlement_id=e.entitlement_id,
            )
            for e in self.events
        ]  # fmt: skip
        self.effective = effective_events(facts, known_at=None, as_of=dt.date.max)
        self.retracted = withdrawn_ids(facts)

    @property
    def died_on(self) -> dt.date | None:
        deaths = [e.occurred_on for e in self.effective if e.type is EventType.DIED]
        return min(deaths) if deaths else None

    def case_events(self, type_: EventType, case_ref: str) -> list[EventFacts]:
        return [e for e in self.effective if e.type is type_ and e.payload.get("case_ref") == case_ref]

    def entitlement(self, scheme: Scheme) -> Entitlement | None:
        return next((e for e in self.entitlements if e.scheme == scheme), None)


def check_day(
    subject: Subject, day: dt.date, field: str, problems: Problems, *, after_death: bool = False
) -> None:
    """Not in the future (R-TL-2), not before birth, and — unless `after_death` — not after the death (R-DTH-5)."""
    if day > subject.today:
        problems.add(field, E.DATE_IN_FUTURE, f"{day} is in the future (today is {subject.today})")
    if day < subject.person.birth_date:
        problems.add(field, E.BEFORE_BIRTH, f"{day} is before the recipient was born")
    died_on = subject.died_on
    if not after_death and died_on is not None and day > died_on:
        problems.add(field, E.RECIPIENT_DIED, f"the recipient died on {died_on} (R-DTH-5)")


def check_text(value: str | None, field: str, problems: Problems, *, limit: int, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            problems.add(field, E.REQUIRED, f"{field} is required")
        return None
    if len(text) > limit:
        problems.add(field, E.INVALID, f"at most {limit} characters")
    return text


def check_evidence(evidence: Sequence[str], field: str, problems: Problems) -> tuple[str, ...]:
    if len(evidence) > MAX_EVIDENCE:
        problems.add(field, E.TOO_MANY, f"at most {MAX_EVIDENCE} evidence references")
    cleaned = tuple(e.strip() for e in evidence)
    if any(not e or len(e) > MAX_EVIDENCE_REF for e in cleaned):
        problems.add(field, E.INVALID, f"each evidence reference must be 1 to {MAX_EVIDENCE_REF} characters")
    return cleaned


def check_scheme(subject: Subject, scheme: Scheme | None, field: str, problems: Problems) -> None:
    if scheme is not None and subject.entitlement(scheme) is None:
        problems.add(field, E.NO_ENTITLEMENT, f"the recipient holds no {Scheme(scheme).value} entitlement you can see")


# Which payload keys an amendment may change, per event type (EventType's payload documentation).
AMENDABLE: dict[EventType, frozenset[str]] = {
    EventType.CERTIFIED: frozenset({"channel"}),
    EventType.CERTIFICATION_FAILED: frozenset({"channel"}),
    EventType.DIED: frozenset(),
    EventType.CUSTODY_STARTED: frozenset({"measure", "case_ref"}),
    EventType.CUSTODY_ENDED: frozenset({"outcome", "case_ref"}),
    EventType.SENTENCED: frozenset({"penalty", "suspended", "outside_prison", "case_ref"}),
    EventType.SENTENCE_ENDED: frozenset({"case_ref"}),
    EventType.DEPENDANT_CHANGED: frozenset({"change"}),
    EventType.AMOUNT_CHANGED: frozenset(),
}


def amendment_payload(
    target: EventModel, changes: Mapping[str, Any], problems: Problems
) -> dict[str, Any]:
    """The AMENDED payload's `payload` part: the changed keys, each one the target's type has."""
    allowed = AMENDABLE.get(target.type)
    if allowed is None:
        problems.add("eventId", E.NOT_AMENDABLE, f"a {target.type.value} event is not amended: retract it instead")
        return {}
    out: dict[str, Any] = {}
    for key, value in changes.items():
        camel = key.split("_")[0] + "".join(p.title() for p in key.split("_")[1:])
        if key not in allowed:
            problems.add(f"changes.{camel}", E.FIELD_NOT_APPLICABLE, f"a {target.type.value} event has no {camel}")
            continue
        if key == "case_ref":
            value = check_text(value, f"changes.{camel}", problems, limit=MAX_REF, required=True)
        out[key] = value.value if hasattr(value, "value") else value
    return out

