"""What the reminder hooks (`send_reminder`, `flush_reminders` in casehub.adapters.hookspecs) give and take.

A reminder goes out before a certification falls due, so that nobody is suspended
(R-SUS-1) without warning; each delivery is recorded as a REMINDER_SENT event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder: this recipient's certification falls due on `due_on` (R-SUS-1 follows if missed)."""

    person_id: int
    name: str
    masked_id_number: str  # 532922********1234: enough to address the person, no more
    phone: str | None  # the full number: the channel needs it
    village_code: str
    village_name: str
    township_code: str  # the village code's first 9 digits
    township_name: str
    schemes: tuple[str, ...]  # the entitlements that fall due together (Scheme values)
    due_on: dt.date
    days_left: int  # from the day of sending
    message: str  # the text to send, in Chinese: the policy's `reminder_message`, filled in


@dataclass(frozen=True, slots=True)
class ReminderReceipt:
    """What a plugin returns when it delivered a reminder; recorded on the timeline (REMINDER_SENT)."""

    channel: str  # e.g. "SMS", "APP_PUSH", "PHONE_CALL", "OUTBOX"
    reference: str | None = None  # the gateway's message id, the outbox file and row, if any


@dataclass(slots=True)
class ReminderRun:
    """One `casehub remind` run, shared by every `send_reminder` call of the run and `flush_reminders`."""

    sent_on: dt.date  # the day the reminders are dated (the events' occurred_on)
    started_at: dt.datetime  # aware
    outbox: Path | None = None  # the built-in outbox's folder (CASEHUB_REMINDER_OUTBOX, --outbox); None: off
    staff_id: int | None = None  # who runs it, if known (for audit entries)
    # A plugin's own state for the run, under a key of its own (its module name), as pytest's `stash`:
    # a plugin that collects reminders keeps them here between send_reminder and flush_reminders.
    stash: dict[str, Any] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)  # lines for the operator ("wrote …xlsx: 12 rows")
