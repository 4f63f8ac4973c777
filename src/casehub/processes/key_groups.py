"""The key-group ledger and home visits (重点群体台账, 上门服务; R-KEY-1).

A recipient is in the ledger on a day when they are VERY_OLD — the policy's age (80) reached, from
the birth date in the ID number — or a recorded fact (severely disabled, cannot care for oneself)
holds that day. Recipients whose every entitlement has ended or stopped are left out.

Each member is due a home visit every `home_visit_interval_months` (policy) after the last one; a
member never visited is due from the day they joined the ledger. A home visit is recorded as a
certification (CERTIFIED, channel HOME_VISIT) on the timeline: a visit that finds the recipient
certifies them (R-CYC-4), with who visited, when and the evidence (R-ACC-1).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from casehub import access
from casehub.audit import append_audit
from casehub.auth import Viewer
from casehub.cases import standing_events
from casehub.domain import Channel, EventType, KeyGroup
from casehub.engine.months import add_months, birthday
from casehub.engine.results import EntitlementStatus
from casehub.models import Entitlement, EntitlementState, Event, KeyGroupFact, Person
from casehub.policy import Policy
from casehub.processes import events as timeline
from casehub.processes.common import Problems, check_evidence, fail, id_number
from casehub.processes.vocabulary import ProcessErrorCode

SOURCE = "home_visit"
RECORDED_GROUPS = (KeyGroup.SEVERELY_DISABLED, KeyGroup.CANNOT_SELF_CARE)
FINISHED = (EntitlementStatus.ENDED, EntitlementStatus.STOPPED)


async def _person_in_scope(viewer: Viewer, raw_id_number: str, field: str) -> Person:
    number = id_number(raw_id_number, field)
    person = await access.persons(viewer).get_or_none(id_number=number)
    if person is None:
        raise fail(field, ProcessErrorCode.PERSON_NOT_FOUND, f"no recipient with ID number {number} in your scope")
    return person


def _source(raw: str) -> str:
    value = (raw or "").strip()
    if not value or len(value) > 200:
        raise fail("source", ProcessErrorCode.REQUIRED, "name the source of the fact (1 to 200 characters)")
    return value


async def record_fact(
    viewer: Viewer, *, id_number: str, group: KeyGroup, since: dt.date, source: str, today: dt.date,
    until: dt.date | None = None,
) -> KeyGroupFact:
    """Record that a recipient is severely disabled or cannot care for themselves, from `since`."""
    if group not in RECORDED_GROUPS:
        raise fail("group", ProcessErrorCode.COMPUTED_GROUP, f"{group} follows from the birth date; it is not recorded")
    person = await _person_in_scope(viewer, id_number, "idNumber")
    if since > today:
        raise fail("since", ProcessErrorCode.DATE_IN_FUTURE, f"{since} is in the future")
    if until is not None and until < since:
        raise fail("until", ProcessErrorCode.DATE_OUT_OF_RANGE, f"{until} is before {since}")
    text = _source(source)
    if await KeyGroupFact.exists(person_id=person.id, group=group, until__isnull=True):
        raise fail("group", ProcessErrorCode.ALREADY_EXISTS, f"{person.name} is already recorded as {group}")
    async with in_transaction() as conn:
        fact = await KeyGroupFact.create(
            person_id=person.id, group=group, since=since, until=until, source=text, recorded_by_id=viewer.staff_id,
            using_db=conn,
        )
        await append_audit(
            "RECORD_KEY_GROUP_FACT", "key_group_fact", fact.id, actor_id=viewer.staff_id, using=conn,
            detail={"personId": person.id, "group": group.value, "since": since.isoformat(),
                    "until": until.isoformat() if until else None, "source": text},
        )
    return fact


async def end_fact(viewer: Viewer, fact_id: int, *, until: dt.date) -> KeyGroupFact:
    """Record the last day a fact held (e.g. a disability reassessed)."""
    fact = await access.key_group_facts(viewer).get_or_none(id=fact_id)
    if fact is None:
        raise fail("factId", ProcessErrorCode.NOT_FOUND, f"no key-group fact {fact_id} in your scope")
    if fact.until is not None:
        raise fail("until", ProcessErrorCode.ALREADY_RECORDED, f"the fact already ends on {fact.until}")
    if until < fact.since:
        raise fail("until", ProcessErrorCode.DATE_OUT_OF_RANGE, f"{until} is before {fact.since}")
    async with in_transaction() as conn:
        fact.until = until
        await fact.save(update_fields=["until"], using_db=conn)
        await append_audit(
            "END_KEY_GROUP_FACT", "key_group_fact", fact.id, actor_id=viewer.staff_id, using=conn,
            detail={"until": until.isoformat()},
        )
    return fact


@dataclass(frozen=True, slots=True)
class Member:
    """One recipient in the ledger on a day."""

    person: Person
    groups: frozenset[KeyGroup]
    joined_on: dt.date  # the earliest day one of the current groups began to hold
    facts: tuple[KeyGroupFact, ...]


async def ledger(
    viewer: Viewer, *, as_of: dt.date, policy: Policy, region_code: str | None = None
) -> list[Member]:
    """Everyone in the key-group ledger on `as_of`, within the viewer's scope (and a region, if given)."""
    age = policy.version_at(as_of).key_group_age
    facts: dict[int, list[KeyGroupFact]] = defaultdict(list)
    for fact in await KeyGroupFact.holding_on(as_of):
        facts[fact.person_id].append(fact)
    query = access.persons(viewer).filter(Q(birth_date__lte=_latest_birth(as_of, age)) | Q(id__in=list(facts)))
    if region_code:
        query = query.filter(village__code__startswith=region_code)
    persons = await query.select_related("village").order_by("village__code", "name", "id")
    finished = await _finished(p.id for p in persons)
    members = []
    for person in persons:
        if person.id in finished:
            continue
        groups, joined = set(), []
        old_on = birthday(person.birth_date, age)
        if old_on <= as_of:
            groups.add(KeyGroup.VERY_OLD)
            joined.append(old_on)
        for fact in facts.get(person.id, ()):
            groups.add(fact.group)
            joined.append(fact.since)
        if groups:
            members.append(Member(person, frozenset(groups), min(joined), tuple(facts.get(person.id, ()))))
    return members


def _latest_birth(as_of: dt.date, age: int) -> dt.date:
    """Everyone `age` or older on `as_of` was born on or before this day (the exact test is `birthday`)."""
    try:
        return as_of.replace(year=as_of.year - age)
    except ValueError:  # 29 February in a year without one
        return dt.date(as_of.year - age, 2, 28)


async def _finished(person_ids) -> set[int]:
    """Persons every one of whose entitlements has ended or stopped (per the projection)."""
    ids = list(person_ids)
    entitlements: dict[int, int] = defaultdict(int)
    for pid in await Entitlement.filter(person_id__in=ids).values_list("person_id", flat=True):
        entitlements[pid] += 1
    done: dict[int, int] = defaultdict(int)
    for pid in await EntitlementState.filter(person_id__in=ids, status__in=list(FINISHED)).values_list(
        "person_id", flat=True
    ):
        done[pid] += 1
    return {pid for pid, n in entitlements.items() if done[pid] == n}


@dataclass(frozen=True, slots=True)
class VisitDue:
    member: Member
    last_visit_on: dt.date | None
    due_on: dt.date

    def is_due(self, as_of: dt.date) -> bool:
        return self.due_on <= as_of


async def last_home_visits(person_ids: Sequence[int]) -> dict[int, dt.date]:
    """The last home-visit certification of each person, as the rules engine reads the timeline
    (R-TL-1: retracted ones left out unless the retraction was retracted, amended dates and channels applied)."""
    certified = Event.filter(person_id__in=list(person_ids), type=EventType.CERTIFIED)
    last: dict[int, dt.date] = {}
    for person_id, visit in await standing_events(certified):
        if visit.payload.get("channel") == Channel.HOME_VISIT and visit.occurred_on > last.get(person_id, dt.date.min):
            last[person_id] = visit.occurred_on
    return last


async def visit_schedule(
    viewer: Viewer, *, as_of: dt.date, policy: Policy, region_code: str | None = None
) -> list[VisitDue]:
    """Who is due a home visit when, earliest first (R-KEY-1)."""
    interval = policy.version_at(as_of).home_visit_interval_months
    members = await ledger(viewer, as_of=as_of, policy=policy, region_code=region_code)
    last = await last_home_visits([m.person.id for m in members])
    schedule = [
        VisitDue(m, last.get(m.person.id),
                 add_months(last[m.person.id], interval) if m.person.id in last else m.joined_on)
        for m in members
    ]
    return sorted(schedule, key=lambda v: (v.due_on, v.member.person.village.code, v.member.person.name))


async def record_home_visit(
    viewer: Viewer, *, id_number: str, visited_on: dt.date, policy: Policy, today: dt.date,
    evidence: Sequence[str] = (), note: str | None = None,
) -> Event:
    """Record a home visit that found the recipient: a CERTIFIED event, channel HOME_VISIT (idempotent per day)."""
    person = await _person_in_scope(viewer, id_number, "idNumber")
    problems = Problems()
    if visited_on > today:
        problems.add("visitedOn", ProcessErrorCode.DATE_IN_FUTURE, f"{visited_on} is in the future")
    cleaned = check_evidence(evidence, "evidence", problems)
    note = (note or "").strip() or None
    if note and len(note) > 500:
        problems.add("note", ProcessErrorCode.INVALID, "at most 500 characters")
    problems.check()
    key = f"home-visit:{person.id_number}:{visited_on.isoformat()}"
    payload = {"channel": Channel.HOME_VISIT.value} | ({"note": note} if note else {})
    recorded = await timeline.record(
        [timeline.draft(person.id, EventType.CERTIFIED, visited_on, key, payload=payload, evidence=cleaned)],
        source=SOURCE, staff_id=viewer.staff_id, refresh=policy,
    )
    return recorded[key]
