"""Reminders before suspension: the due-soon work list and sending reminders (R-SUS-1, Art. 10).

An entitlement whose certification is overdue is suspended; nobody should be suspended without
warning. The work list shows, per village and per employer unit, who falls due within the next
days (the policy's `reminder_lead_days` by default), from the `entitlement_state` projection.

`send_reminders` delivers one reminder per recipient and due date through the plugins that
implement the `send_reminder` hook (`casehub.adapters.hookspecs`) and records each delivery
as a REMINDER_SENT event, natural key `reminder:<ID number>:<due date>`: running it again sends
nothing twice. A reminder given by hand (a phone call, a visit) is recorded the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pluggy
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from casehub import access
from casehub.adapters.notify import Reminder, ReminderReceipt
from casehub.adapters.plugins import await_me_maybe
from casehub.auth import Viewer
from casehub.domain import EventType, Scheme
from casehub.engine.results import EntitlementStatus
from casehub.errors import CasehubError
from casehub.idnumber import mask_id_number
from casehub.models import Entitlement, EntitlementState, Event
from casehub.policy import Policy
from casehub.processes import events as timeline
from casehub.processes.common import fail, id_number
from casehub.processes.vocabulary import ProcessErrorCode

log = logging.getLogger("casehub.reminders")
SOURCE = "reminder"
_CHANNEL = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")


def natural_key(id_number: str, due_on: dt.date) -> str:
    return f"reminder:{id_number}:{due_on.isoformat()}"


@dataclass(frozen=True, slots=True)
class DueItem:
    """One entitlement falling due soon, and whether its recipient has been reminded of that date."""

    entitlement_id: int
    scheme: Scheme
    person_id: int
    name: str
    id_number: str
    phone: str | None
    village_id: int
    village_code: str
    village_name: str
    unit_id: int | None
    unit_name: str | None
    next_due: dt.date
    days_left: int
    reminded_at: dt.datetime | None


def lead_days(policy: Policy, as_of: dt.date, days: int | None) -> int:
    if days is None:
        return policy.version_at(as_of).reminder_lead_days
    if not 0 <= days <= 366:
        raise fail("days", ProcessErrorCode.INVALID, "days must be between 0 and 366")
    return days


async def _due(entitlements: QuerySet[Entitlement], *, as_of: dt.date, days: int) -> list[DueItem]:
    states = await EntitlementState.filter(
        status=EntitlementStatus.ACTIVE, next_due__gte=as_of, next_due__lte=as_of + dt.timedelta(days=days),
        entitlement_id__in=Subquery(entitlements.values_list("id", flat=True)),
    ).order_by("next_due").values(
        "entitlement_id", "next_due", "entitlement__scheme", "entitlement__unit_id", "entitlement__unit__name",
        "person_id", "person__name", "person__id_number", "person__phone", "person__village_id",
        "person__village__code", "person__village__name",
    )
    sent = await _reminded({natural_key(s["person__id_number"], s["next_due"]) for s in states})
    return [
        DueItem(
            entitlement_id=s["entitlement_id"], scheme=Scheme(s["entitlement__scheme"]), person_id=s["person_id"],
            name=s["person__name"], id_number=s["person__id_number"], phone=s["person__phone"],
            village_id=s["person__village_id"], village_code=s["person__village__code"],
            village_name=s["person__village__name"], unit_id=s["entitlement__unit_id"],
            unit_name=s["entitlement__unit__name"], next_due=s["next_due"], days_left=(s["next_due"] - as_of).days,
            reminded_at=sent.get(natural_key(s["person__id_number"], s["next_due"])),
        )
        for s in states
    ]


async def _reminded(keys: set[str]) -> dict[str, dt.datetime]:
    rows = await Event.filter(natural_key__in=list(keys)).values("natural_key", "recorded_at")
    return {r["natural_key"]: r["recorded_at"] for r in rows}


async def due_soon(viewer: Viewer, *, as_of: dt.date, policy: Policy, days: int | None = None) -> list[DueItem]:
    """The work list: entitlements in scope, currently paid, whose certification falls due within `days`."""
    return await _due(access.entitlements(viewer), as_of=as_of, days=lead_days(policy, as_of, days))


@dataclass(frozen=True, slots=True)
class WorkList:
    """The due-soon items of one village or one employer unit."""

    kind: str  # "VILLAGE" or "UNIT"
    id: int
    name: str
    items: tuple[DueItem, ...]


def work_lists(items: Sequence[DueItem]) -> list[WorkList]:
    """Per village (area-managed entitlements) and per unit (unit-managed ones), in due order."""
    groups: dict[tuple[str, int], list[DueItem]] = defaultdict(list)
    names: dict[tuple[str, int], str] = {}
    for item in items:
        key = ("UNIT", item.unit_id) if item.unit_id else ("VILLAGE", item.village_id)
        groups[key].append(item)
        names[key] = (item.unit_name if item.unit_id else f"{item.village_name} ({item.village_code})") or ""
    return [WorkList(kind, id_, names[(kind, id_)], tuple(groups[(kind, id_)])) for kind, id_ in sorted(groups)]


# --- sending ----------------------------------------------------------------------------------


@dataclass
class SendReport:
    due: int = 0  # recipients with a due date in the window
    sent: int = 0
    already_sent: int = 0
    not_handled: int = 0  # no plugin delivered it (e.g. no phone number): remind by hand
    failed: list[str] = field(default_factory=list)  # "<masked ID number>: <error>"


async def send_reminders(
    pm: pluggy.PluginManager, *, as_of: dt.date, policy: Policy, days: int | None = None,
    staff_id: int | None = None,
) -> SendReport:
    """Remind every recipient falling due within `days`, once per due date, through the hook."""
    if not pm.hook.send_reminder.get_hookimpls():
        raise CasehubError("no installed plugin implements send_reminder: nothing can be sent")
    items = await _due(Entitlement.all(), as_of=as_of, days=lead_days(policy, as_of, days))
    by_person: dict[tuple[int, dt.date], list[DueItem]] = defaultdict(list)
    for item in items:
        by_person[(item.person_id, item.next_due)].append(item)
    report = SendReport(due=len(by_person))
    for (_, due_on), group in sorted(by_person.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        first = group[0]
        if first.reminded_at is not None:
            report.already_sent += 1
            continue
        reminder = Reminder(
            person_id=first.person_id, name=first.name, masked_id_number=mask_id_number(first.id_number),
            phone=first.phone, village_code=first.village_code, village_name=first.village_name,
            schemes=tuple(sorted({i.scheme.value for i in group})), due_on=due_on, days_left=first.days_left,
        )
        try:
            receipts = [r for r in [await await_me_maybe(r) for r in pm.hook.send_reminder(reminder=reminder)] if r]
        except Exception as exc:  # a plugin's failure must not stop the others' reminders
            log.warning("reminder for %s failed: %s", reminder.masked_id_number, exc)
            report.failed.append(f"{reminder.masked_id_number}: {exc}")
            continue
        if not receipts:
            report.not_handled += 1
            continue
        await _record(first.person_id, first.id_number, due_on, as_of, receipts, staff_id)
        report.sent += 1
    return report


async def _record(person_id: int, number: str, due_on: dt.date, sent_on: dt.date,
                  receipts: Sequence[ReminderReceipt], staff_id: int | None) -> Event:
    key = natural_key(number, due_on)
    payload = {
        "channel": ",".join(r.channel for r in receipts),
        "due_on": due_on.isoformat(),
        "receipts": [{"channel": r.channel, "reference": r.reference} for r in receipts],
    }
    recorded = await timeline.record(
        [timeline.draft(person_id, EventType.REMINDER_SENT, sent_on, key, payload=payload)],
        source=SOURCE, staff_id=staff_id, refresh=None,  # a reminder changes no status
    )
    return recorded[key]


async def record_reminder(
    viewer: Viewer, *, id_number_raw: str, due_on: dt.date, channel: str, sent_on: dt.date, today: dt.date,
    reference: str | None = None,
) -> Event:
    """Record a reminder given by hand (e.g. PHONE_CALL); a second one for the same due date is not recorded."""
    number = id_number(id_number_raw, "idNumber")
    person = await access.persons(viewer).get_or_none(id_number=number)
    if person is None:
        raise fail("idNumber", ProcessErrorCode.PERSON_NOT_FOUND, f"no recipient with ID number {number} in your scope")
    if not _CHANNEL.match(channel or ""):
        raise fail("channel", ProcessErrorCode.INVALID, "the channel is an upper-case word such as PHONE_CALL")
    if sent_on > today:
        raise fail("sentOn", ProcessErrorCode.DATE_IN_FUTURE, f"{sent_on} is in the future")
    receipt = ReminderReceipt(channel=channel, reference=(reference or "").strip()[:100] or None)
    return await _record(person.id, person.id_number, due_on, sent_on, [receipt], viewer.staff_id)
