"""What the `send_reminder` hook (casehub.adapters.hookspecs) gives and takes.

A reminder goes out before a certification falls due, so that nobody is suspended
(R-SUS-1) without warning; each delivery is recorded as a REMINDER_SENT event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


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
