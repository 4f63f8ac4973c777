"""The notification hook: how casehub reminds a recipient before a certification falls due.

Kept apart from `hookspecs.py` (the adapters' hooks, owned by the adapters work) so both can
grow independently; the plugin manager registers this module too
(`pm.add_hookspecs(notify_hookspecs)`). A plugin implements `send_reminder` with
`@hookimpl` from this module (the same `casehub` project name as every other hook) and is found
through the `casehub` entry-point group. Documented in docs/PLUGINS.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pluggy

hookspec = pluggy.HookspecMarker("casehub")
hookimpl = pluggy.HookimplMarker("casehub")


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder: this recipient's certification falls due on `due_on` (R-SUS-1 follows if missed)."""

    person_id: int
    name: str
    masked_id_number: str  # 532922********1234: enough to address the person, no more
    phone: str | None  # the full number: the channel needs it
    village_code: str
    village_name: str
    schemes: tuple[str, ...]  # the entitlements that fall due together (Scheme values)
    due_on: dt.date
    days_left: int  # from the day of sending


@dataclass(frozen=True, slots=True)
class ReminderReceipt:
    """What a plugin returns when it delivered a reminder; recorded on the timeline (REMINDER_SENT)."""

    channel: str  # e.g. "SMS", "APP_PUSH", "PHONE_CALL"
    reference: str | None = None  # the gateway's message id, if any


@hookspec
def send_reminder(reminder: Reminder) -> ReminderReceipt | None:
    """Deliver one reminder through this plugin's channel.

    :param reminder: who to remind and of which due date.
    :return: a receipt when delivered; None when this plugin does not handle this recipient (for
        example, no phone number). May return an awaitable (casehub awaits it). Raising reports a
        failed delivery: nothing is recorded and the next run tries again.
    """
