"""Reminders before suspension: the due-soon work list and sending reminders (R-SUS-1, Art. 10).

An entitlement whose certification is overdue is suspended; nobody should be suspended without
warning. The work list shows, per village and per employer unit, who falls due within the next
days (the policy's `reminder_lead_days` by default), from the `entitlement_state` projection.

`send_reminders` delivers one reminder per recipient and due date through the plugins that
implement the `send_reminder` hook (`casehub.adapters.hookspecs`) — the built-in outbox
(`casehub.adapters.builtin.outbox`, an XLSX workbook per run) when a folder is configured — and
records each delivery as a REMINDER_SENT event, natural key `reminder:<ID number>:<due date>`:
running it again sends nothing twice. The message is the policy's `reminder_message`, filled in.
A reminder given by hand (a phone call, a visit) is recorded the same way.

Delivery is at least once, never silently lost: a receipt is recorded only after its plugin has
delivered (for a collecting plugin such as the outbox, after `flush_reminders` has written the
workbook). A crash between delivering and recording makes the next run send that reminder again.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pluggy
from pluggy import HookImpl
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from casehub import access
from casehub.adapters.builtin.outbox import check_folder
from casehub.adapters.notify import Reminder, ReminderReceipt, ReminderRun
from casehub.adapters.plugins import call_hookimpl
from casehub.auth import Viewer
from casehub.domain import EventType, Scheme
from casehub.engine.results import EntitlementStatus
from casehub.errors import CasehubError
from casehub.idnumber import mask_id_number
from casehub.models import Entitlement, EntitlementState, Event, Region
from casehub.policy import Policy
from casehub.processes import events as timeline
from casehub.processes.common import fail, id_number
from casehub.processes.notices import SCHEME_ZH
from casehub.processes.vocabulary import ProcessErrorCode
from casehub.timeline import EventDraft

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
    sent = await _reminded({s["person_id"] for s in states})
    return [
        DueItem(
            entitlement_id=s["entitlement_id"], scheme=Scheme(s["entitlement__scheme"]), person_id=s["person_id"],
            name=s["person__name"], id_number=s["person__id_number"], phone=s["person__phone"],
            village_id=s["person__village_id"], village_code=s["person__village__code"],
            village_name=s["person__village__name"], unit_id=s["entitlement__unit_id"],
            unit_name=s["entitlement__unit__name"], next_due=s["next_due"], days_left=(s["next_due"] - as_of).days,
            reminded_at=sent.get((s["person_id"], s["next_due"])),
        )
        for s in states
    ]


async def _reminded(person_ids: set[int]) -> dict[tuple[int, dt.date], dt.datetime]:
    """When each (person, due date) was first reminded, whoever recorded it.

    Read from the reminder events' payload, not their natural keys: reminders recorded by hand,
    imported or written by the demo count as much as the ones this module sent.
    """
    rows = await Event.filter(person_id__in=list(person_ids), type=EventType.REMINDER_SENT).values_list(
        "person_id", "payload", "recorded_at"
    )
    first: dict[tuple[int, dt.date], dt.datetime] = {}
    for person_id, payload, recorded_at in rows:
        try:
            key = (person_id, dt.date.fromisoformat((payload or {})["due_on"]))
        except (KeyError, TypeError, ValueError):
            continue  # a reminder that names no due date reminds of none
        if key not in first or recorded_at < first[key]:
            first[key] = recorded_at
    return first


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

# The built-in outbox plugin (casehub.adapters.builtin.outbox) is always loaded but sends nothing
# without a folder; these name it in the messages below.
OUTBOX_PLUGIN = "outbox"
HOW_TO_CONFIGURE = (
    "set CASEHUB_REMINDER_OUTBOX to a folder (or pass --outbox DIR) to write each run's reminders to an XLSX "
    "workbook for the bulk-SMS platform and the village assistants, or install a plugin that implements "
    "send_reminder (docs/PLUGINS.md)"
)
RECORD_CHUNK = 1000


@dataclass
class SendReport:
    due: int = 0  # recipients with a due date in the window
    sent: int = 0  # reminded now: recorded on the timeline
    already_sent: int = 0
    not_handled: int = 0  # no plugin delivered it (e.g. no phone number): remind by hand
    failed: list[str] = field(default_factory=list)  # "<masked ID number>: <plugin>: <error>", "<plugin>: <error>"
    summary: list[str] = field(default_factory=list)  # what the plugins did, for the operator (ReminderRun.summary)


@dataclass(frozen=True, slots=True)
class _Delivered:
    person_id: int
    id_number: str
    due_on: dt.date
    receipts: tuple[tuple[str, ReminderReceipt], ...]  # (plugin name, receipt)


def senders(pm: pluggy.PluginManager, run: ReminderRun) -> list[HookImpl]:
    """The `send_reminder` implementations that can send in this run; an error saying how to get one if none."""
    impls = _plain(pm.hook.send_reminder.get_hookimpls())  # registration order: built-ins first
    if run.outbox is not None and not any(i.plugin_name == OUTBOX_PLUGIN for i in impls):
        raise CasehubError(f"an outbox folder is set ({run.outbox}) but the {OUTBOX_PLUGIN!r} plugin is not "
                           "loaded: remove it from CASEHUB_DISABLE_PLUGINS")
    usable = [i for i in impls if i.plugin_name != OUTBOX_PLUGIN or run.outbox is not None]
    if not usable:
        raise CasehubError(f"nothing can send reminders: {HOW_TO_CONFIGURE}")
    return usable


def _plain(impls: Sequence[HookImpl]) -> list[HookImpl]:
    """The implementations to call one by one: a hook wrapper only makes sense around pluggy's own call."""
    return [i for i in impls if not (i.hookwrapper or i.wrapper)]


def reminder_text(policy: Policy, *, name: str, schemes: Sequence[Scheme], due_on: dt.date, sent_on: dt.date) -> str:
    """The policy's `reminder_message` in force on the sending day, filled in (never text from code)."""
    return policy.version_at(sent_on).reminder_message.format(
        name=name, schemes="、".join(SCHEME_ZH[s] for s in schemes),
        due_date=f"{due_on.year}年{due_on.month}月{due_on.day}日", days_left=(due_on - sent_on).days,
    )


async def send_reminders(
    pm: pluggy.PluginManager, *, as_of: dt.date, policy: Policy, days: int | None = None,
    staff_id: int | None = None, outbox: Path | None = None,
) -> SendReport:
    """Remind every recipient falling due within `days`, once per due date, through the hook.

    Each `send_reminder` implementation is called on its own: one that raises does not hide what
    the others delivered. A reminder is recorded (REMINDER_SENT) with every receipt it got — at
    once, or, when a receipt comes from a plugin that collects reminders (implements
    `flush_reminders`, like the outbox), after that plugin has handed them over. A plugin whose
    flush fails has delivered nothing: its receipts are dropped and the next run tries again.
    """
    run = ReminderRun(sent_on=as_of, started_at=dt.datetime.now(dt.UTC), outbox=outbox, staff_id=staff_id)
    impls = senders(pm, run)
    if outbox is not None:
        check_folder(outbox)  # a clear error before anything is sent or recorded
    collecting = {i.plugin_name for i in _plain(pm.hook.flush_reminders.get_hookimpls())}
    items = await _due(Entitlement.all(), as_of=as_of, days=lead_days(policy, as_of, days))
    by_person: dict[tuple[int, dt.date], list[DueItem]] = defaultdict(list)
    for item in items:
        by_person[(item.person_id, item.next_due)].append(item)
    townships = await _township_names({i.village_code[:9] for i in items})
    report = SendReport(due=len(by_person))
    pending: list[_Delivered] = []  # waiting for a collecting plugin's flush
    for (_, due_on), group in sorted(by_person.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        first = group[0]
        if first.reminded_at is not None:
            report.already_sent += 1
            continue
        schemes = tuple(sorted({i.scheme for i in group}))
        reminder = Reminder(
            person_id=first.person_id, name=first.name, masked_id_number=mask_id_number(first.id_number),
            phone=first.phone, village_code=first.village_code, village_name=first.village_name,
            township_code=first.village_code[:9], township_name=townships.get(first.village_code[:9], ""),
            schemes=tuple(s.value for s in schemes), due_on=due_on, days_left=first.days_left,
            message=reminder_text(policy, name=first.name, schemes=schemes, due_on=due_on, sent_on=as_of),
        )
        receipts, errors = await _deliver(impls, reminder, run)
        report.failed += errors
        if not receipts:
            if not errors:
                report.not_handled += 1
            continue
        delivered = _Delivered(first.person_id, first.id_number, due_on, tuple(receipts))
        if any(plugin in collecting for plugin, _ in receipts):
            pending.append(delivered)
        else:
            await _record_delivered([delivered], as_of, staff_id)
            report.sent += 1
    failed_flushes = await _flush(pm, run, report)
    kept = [
        _Delivered(d.person_id, d.id_number, d.due_on,
                   tuple(r for r in d.receipts if r[0] not in failed_flushes))
        for d in pending
    ]
    for i in range(0, len(kept), RECORD_CHUNK):
        report.sent += await _record_delivered(kept[i : i + RECORD_CHUNK], as_of, staff_id)
    report.summary = list(run.summary)
    return report


async def _deliver(
    impls: Sequence[HookImpl], reminder: Reminder, run: ReminderRun
) -> tuple[list[tuple[str, ReminderReceipt]], list[str]]:
    """Each plugin's receipt (plugin name, receipt) and each plugin's failure, calling them one by one."""
    receipts: list[tuple[str, ReminderReceipt]] = []
    errors: list[str] = []
    for impl in impls:
        try:
            receipt = await call_hookimpl(impl, reminder=reminder, run=run)
            if receipt is not None and not isinstance(receipt, ReminderReceipt):
                raise TypeError(f"send_reminder returned {receipt!r}, not a ReminderReceipt or None")
        except Exception as exc:  # a plugin's failure must not stop the others' reminders
            log.warning("reminder for %s failed in plugin %r: %s", reminder.masked_id_number, impl.plugin_name, exc)
            errors.append(f"{reminder.masked_id_number}: {impl.plugin_name}: {exc}")
            continue
        if receipt is not None:
            receipts.append((impl.plugin_name, receipt))
    return receipts, errors


async def _flush(pm: pluggy.PluginManager, run: ReminderRun, report: SendReport) -> set[str]:
    """Call every `flush_reminders`; the plugins that raised, which have delivered none of their reminders."""
    failed = set()
    for impl in _plain(pm.hook.flush_reminders.get_hookimpls()):
        try:
            await call_hookimpl(impl, run=run)
        except Exception as exc:
            log.error("plugin %r could not hand over its reminders: %s", impl.plugin_name, exc)
            report.failed.append(f"{impl.plugin_name}: {exc} (none of its reminders was recorded; the next run "
                                 "tries again)")
            failed.add(impl.plugin_name)
    return failed


async def _township_names(codes: set[str]) -> dict[str, str]:
    return dict(await Region.filter(code__in=sorted(codes)).values_list("code", "name")) if codes else {}


async def _record_delivered(delivered: Sequence[_Delivered], sent_on: dt.date, staff_id: int | None) -> int:
    """Record each reminder that still has a receipt; how many were recorded."""
    drafts = [
        _draft(d.person_id, d.id_number, d.due_on, sent_on, [r for _, r in d.receipts])
        for d in delivered if d.receipts
    ]
    await timeline.record(drafts, source=SOURCE, staff_id=staff_id, refresh=None)  # a reminder changes no status
    return len(drafts)


def _draft(person_id: int, number: str, due_on: dt.date, sent_on: dt.date,
           receipts: Sequence[ReminderReceipt]) -> EventDraft:
    payload = {
        "channel": ",".join(r.channel for r in receipts),
        "due_on": due_on.isoformat(),
        "receipts": [{"channel": r.channel, "reference": r.reference} for r in receipts],
    }
    return timeline.draft(person_id, EventType.REMINDER_SENT, sent_on, natural_key(number, due_on), payload=payload)


async def _record(person_id: int, number: str, due_on: dt.date, sent_on: dt.date,
                  receipts: Sequence[ReminderReceipt], staff_id: int | None) -> Event:
    key = natural_key(number, due_on)
    recorded = await timeline.record(
        [_draft(person_id, number, due_on, sent_on, receipts)], source=SOURCE, staff_id=staff_id, refresh=None,
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
