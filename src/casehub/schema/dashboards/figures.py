"""Dashboard figures per region, counted in SQL (GROUP BY village) — never by looping over recipients.

Three grouped queries whatever the size of the county: the status projection, the
certifications of the period by channel, and the key-group members due a home visit. Each
groups by village; the few village rows are then summed into the requested region's children
(townships of a county, villages of a township) by the code prefix rule. Counts are of
recipients (a person counts once however many of their entitlements match), except
certifications, which are events. Every query starts from the viewer's scope (`casehub.access`).

Certifications count as the rules engine reads the timeline (R-TL-1): SQL counts those nothing
corrects; the few that were retracted or amended are read apart and resolved by the engine's
own resolution (`cases.standing_events`), so a retracted retraction restores its certification
and an amended date or channel counts as amended.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from tortoise.connection import get_connection
from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.functions import Count, Min

from casehub import access, cases
from casehub.auth import Viewer
from casehub.domain import Channel, EventType
from casehub.engine import EntitlementStatus, EventFacts
from casehub.engine.months import add_months
from casehub.models import Entitlement, EntitlementState, Event, KeyGroupFact, Person, Region
from casehub.policy import Policy
from casehub.schema.common import latest_birth

FINISHED = [EntitlementStatus.ENDED, EntitlementStatus.STOPPED]
CURRENT = [EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED]
STATUS_FIELDS = ("recipients", "active", "suspended", "stopped", "ended", "due_this_month", "overdue")


@dataclass
class Figures:
    recipients: int = 0
    active: int = 0
    suspended: int = 0
    stopped: int = 0
    ended: int = 0
    due_this_month: int = 0
    overdue: int = 0
    key_group_due_home_visit: int = 0
    certified: dict[Channel, int] = field(default_factory=lambda: dict.fromkeys(Channel, 0))

    def add(self, other: Figures) -> None:
        for name in (*STATUS_FIELDS, "key_group_due_home_visit"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for channel, n in other.certified.items():
            self.certified[channel] += n


def _channel_sql() -> RawSQL:
    """The certification's channel, read from the JSON payload in the database's own dialect."""
    if get_connection("default").capabilities.dialect == "postgres":
        return RawSQL("""("event"."payload"->>'channel')""")
    return RawSQL("""json_extract("event"."payload", '$.channel')""")


def _uncorrected() -> Q:
    """Events nothing retracts or amends: they stand as recorded, so SQL can count them as they are."""
    corrected = Event.filter(corrects_id__isnull=False).values_list("corrects_id", flat=True)
    return ~Q(id__in=Subquery(corrected))


@dataclass(frozen=True, slots=True)
class CorrectedCertification:
    """A certification that was retracted or amended, as it stands now (R-TL-1), with where its person lives."""

    village_id: int
    person_id: int
    event: EventFacts

    @property
    def channel(self) -> str | None:
        return self.event.payload.get("channel")


async def corrected_certifications(viewer: Viewer, code: str) -> list[CorrectedCertification]:
    """The region's certifications that have corrections, resolved as the rules engine resolves them.

    A retraction that was itself retracted restores its certification; an amendment moves its date
    or changes its channel; a retracted one is left out (`cases.standing_events`). Corrections are
    rare, so these few are read in Python; every other certification is counted in SQL.
    """
    corrected = Event.filter(corrects_id__isnull=False).values_list("corrects_id", flat=True)
    certifications = access.events(viewer).filter(
        type=EventType.CERTIFIED, person__village__code__startswith=code, id__in=Subquery(corrected)
    )
    standing = await cases.standing_events(certifications)
    if not standing:
        return []
    villages = dict(await Person.filter(id__in={pid for pid, _ in standing}).values_list("id", "village_id"))
    return [CorrectedCertification(villages[pid], pid, event) for pid, event in standing]


def _latest_visit_that_is_not_recent(today: dt.date, months: int) -> dt.date:
    """The last day D with D + `months` ≤ today (month ends clamped, as `engine.months.add_months`)."""
    back = add_months(today, -months)
    while add_months(back + dt.timedelta(days=1), months) <= today:
        back += dt.timedelta(days=1)
    return back


async def status_figures(
    viewer: Viewer, code: str, *, month_first: dt.date, month_last: dt.date, today: dt.date
) -> tuple[dict[int, Figures], dt.date | None]:
    """Per village: recipients by status, due this month, overdue (status projection)."""

    def recipients_where(condition: Q | None = None) -> Count:
        return Count("person_id", distinct=True, _filter=condition) if condition else Count("person_id", distinct=True)

    current = Q(status__in=CURRENT)
    rows = await (
        access.entitlement_states(viewer)
        .filter(person__village__code__startswith=code)
        .annotate(
            recipients=recipients_where(),
            active=recipients_where(Q(status=EntitlementStatus.ACTIVE)),
            suspended=recipients_where(Q(status=EntitlementStatus.SUSPENDED)),
            stopped=recipients_where(Q(status=EntitlementStatus.STOPPED)),
            ended=recipients_where(Q(status=EntitlementStatus.ENDED)),
            due_this_month=recipients_where(current & Q(next_due__gte=month_first, next_due__lte=month_last)),
            overdue=recipients_where(current & Q(overdue_from__lte=today)),
            oldest=Min("as_of"),
        )
        .group_by("person__village_id")
        .values("person__village_id", "oldest", *STATUS_FIELDS)
    )
    figures = {r["person__village_id"]: Figures(**{k: r[k] for k in STATUS_FIELDS}) for r in rows}
    oldest = [r["oldest"] for r in rows if r["oldest"] is not None]
    as_of = min(dt.date.fromisoformat(str(d)) if not isinstance(d, dt.date) else d for d in oldest) if oldest else None
    return figures, as_of


async def certification_figures(
    viewer: Viewer, code: str, *, first: dt.date, last: dt.date, corrected: list[CorrectedCertification]
) -> dict[int, dict[Channel, int]]:
    """Per village and channel: certifications standing in [first, last] (R-TL-1: retracted ones left
    out, amended ones counted at their amended date and channel)."""
    rows = await (
        access.events(viewer)
        .filter(type=EventType.CERTIFIED, occurred_on__gte=first, occurred_on__lte=last)
        .filter(person__village__code__startswith=code)
        .filter(_uncorrected())
        .annotate(channel=_channel_sql())
        .annotate(n=Count("id"))
        .group_by("person__village_id", "channel")
        .values("person__village_id", "channel", "n")
    )
    counts = [(r["person__village_id"], r["channel"], r["n"]) for r in rows]
    counts += [(c.village_id, c.channel, 1) for c in corrected if first <= c.event.occurred_on <= last]
    out: dict[int, dict[Channel, int]] = defaultdict(lambda: dict.fromkeys(Channel, 0))
    for village_id, channel, n in counts:
        if channel in Channel.__members__:
            out[village_id][Channel(channel)] += n
    return out


async def home_visit_figures(
    viewer: Viewer, code: str, *, today: dt.date, policy: Policy, corrected: list[CorrectedCertification]
) -> dict[int, int]:
    """Per village: key-group members (R-KEY-1) due a home visit today.

    The same rule as the home-visit schedule (`casehub.processes.key_groups`): a member is VERY_OLD
    (the policy's age reached) or holds a recorded fact, and has an entitlement not ended or
    stopped; they are due unless a home visit (a certification standing with channel HOME_VISIT,
    R-TL-1) happened in the last `home_visit_interval_months`.
    """
    version = policy.version_at(today)
    not_recent = _latest_visit_that_is_not_recent(today, version.home_visit_interval_months)
    facts = KeyGroupFact.holding_on(today).values_list("person_id", flat=True)
    finished = EntitlementState.filter(status__in=FINISHED).values_list("entitlement_id", flat=True)
    unfinished = Entitlement.filter(~Q(id__in=Subquery(finished))).values_list("person_id", flat=True)
    visited = (
        Event.filter(type=EventType.CERTIFIED, occurred_on__lte=today, occurred_on__gt=not_recent)
        .filter(_uncorrected())
        .annotate(channel=_channel_sql())
        .filter(channel=Channel.HOME_VISIT.value)
        .values_list("person_id", flat=True)
    )
    visited_too = {
        c.person_id for c in corrected if c.channel == Channel.HOME_VISIT and not_recent < c.event.occurred_on <= today
    }
    rows = await (
        access.persons(viewer)
        .filter(village__code__startswith=code)
        .filter(Q(birth_date__lte=latest_birth(today, version.key_group_age)) | Q(id__in=Subquery(facts)))
        .filter(id__in=Subquery(unfinished))
        .exclude(id__in=Subquery(visited))
        .exclude(id__in=list(visited_too))
        .annotate(n=Count("id"))
        .group_by("village_id")
        .values("village_id", "n")
    )
    return {r["village_id"]: r["n"] for r in rows}


async def region_tree(code: str) -> list[Region]:
    """The region and everything under it (the code prefix rule), in code order."""
    return await Region.filter(code__startswith=code).order_by("code")


def roll_up(
    region: Region, tree: list[Region], per_village: dict[int, Figures]
) -> tuple[Figures, list[tuple[Region, Figures]]]:
    """Sum village rows into the region's children; the total is their sum (each person lives in one village)."""
    children = [r for r in tree if r.parent_id == region.id]
    prefix_length = len(children[0].code) if children else len(region.code)
    by_code = {r.id: r.code for r in tree}
    child_figures = {c.code: Figures() for c in children}
    total = Figures()
    for village_id, figures in per_village.items():
        total.add(figures)
        child = child_figures.get(by_code.get(village_id, "")[:prefix_length])
        if child is not None:
            child.add(figures)
    return total, [(c, child_figures[c.code]) for c in children]


async def dashboard(
    viewer: Viewer, region: Region, *, month_first: dt.date, month_last: dt.date, period: tuple[dt.date, dt.date],
    today: dt.date, policy: Policy,
) -> tuple[Figures, list[tuple[Region, Figures]], dt.date | None]:
    code = region.code
    per_village, as_of = await status_figures(viewer, code, month_first=month_first, month_last=month_last, today=today)
    corrected = await corrected_certifications(viewer, code)
    certified = await certification_figures(viewer, code, first=period[0], last=period[1], corrected=corrected)
    visits = await home_visit_figures(viewer, code, today=today, policy=policy, corrected=corrected)
    for village_id in set(certified) | set(visits):
        per_village.setdefault(village_id, Figures())
    for village_id, channels in certified.items():
        per_village[village_id].certified = dict(channels)
    for village_id, n in visits.items():
        per_village[village_id].key_group_due_home_visit = n
    total, children = roll_up(region, await region_tree(code), per_village)
    return total, children, as_of

