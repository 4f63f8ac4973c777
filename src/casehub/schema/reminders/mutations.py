from __future__ import annotations

import datetime as dt

import strawberry

from casehub.auth import Permission
from casehub.processes import reminders
from casehub.schema.permissions import has
from casehub.schema.process_common import ProcessError, attempt, day_or_today
from casehub.schema.recipients.types import TimelineEvent


@strawberry.input
class RecordReminderInput:
    id_number: str
    due_on: dt.date = strawberry.field(description="The due date the recipient was reminded of.")
    channel: str = strawberry.field(description="How: PHONE_CALL, VISIT, VILLAGE_ASSISTANT, ...")
    sent_on: dt.date | None = strawberry.field(default=None, description="Default today.")
    reference: str | None = None


@strawberry.type
class ReminderPayload:
    errors: list[ProcessError]
    event: TimelineEvent | None = strawberry.field(default=None, description="The REMINDER_SENT event.")


@strawberry.type
class ReminderMutations:
    @strawberry.mutation(
        description="Record a reminder given by hand; one per recipient and due date (a second is not recorded).",
        permission_classes=[has(Permission.RECORD_EVENTS)],
    )
    async def record_reminder(self, info: strawberry.Info, input: RecordReminderInput) -> ReminderPayload:
        done, errors = await attempt(lambda: reminders.record_reminder(
            info.context.viewer, id_number_raw=input.id_number, due_on=input.due_on, channel=input.channel,
            sent_on=day_or_today(input.sent_on), today=day_or_today(None), reference=input.reference,
        ))
        return ReminderPayload(errors=errors, event=TimelineEvent.from_model(done) if done else None)
