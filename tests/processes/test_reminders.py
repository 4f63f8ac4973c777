"""Reminders before suspension: the due-soon work list and the send_reminder hook."""

from __future__ import annotations

import datetime as dt

import pytest

from casehub.adapters import hookimpl
from casehub.adapters.notify import ReminderReceipt
from casehub.adapters.plugins import make_plugin_manager
from casehub.domain import EventType, Scheme
from casehub.engine.results import EntitlementStatus
from casehub.errors import CasehubError
from casehub.models import Event
from casehub.processes import reminders
from tests.processes.conftest import POLICY, set_state

AS_OF = dt.date(2026, 6, 1)


class FakeSms:
    def __init__(self) -> None:
        self.sent = []

    @hookimpl
    def send_reminder(self, reminder):
        if not reminder.phone:
            return None
        self.sent.append(reminder)
        return ReminderReceipt("SMS", f"sms-{len(self.sent)}")


class FakeApp:
    """An asynchronous plugin: casehub awaits what it returns."""

    @hookimpl
    def send_reminder(self, reminder):
        async def push():
            return ReminderReceipt("APP_PUSH") if reminder.name != "无手机" else None

        return push()


@pytest.fixture
async def due(county):
    v1 = county.village(0, 1)
    people = {
        "soon": await county.recipient(v1, name="甲"),
        "edge": await county.recipient(v1, name="乙"),
        "later": await county.recipient(v1, name="丙"),
        "suspended": await county.recipient(v1, name="丁"),
        "unit": await county.recipient(v1, name="戊", scheme=Scheme.AGENCY_PENSION, unit=county.units["A1"]),
        "no_phone": await county.recipient(county.village(1, 1), name="无手机", phone=None),
    }
    await set_state(people["soon"], next_due=dt.date(2026, 6, 10))
    await set_state(people["edge"], next_due=dt.date(2026, 7, 1))  # 30 days: the policy's lead
    await set_state(people["later"], next_due=dt.date(2026, 7, 2))
    await set_state(people["suspended"], status=EntitlementStatus.SUSPENDED, next_due=dt.date(2026, 6, 5))
    await set_state(people["unit"], next_due=dt.date(2026, 6, 20))
    await set_state(people["no_phone"], next_due=dt.date(2026, 6, 15))
    return people


async def test_the_work_list_per_village_and_unit_uses_the_policy_lead(county, due):
    items = await reminders.due_soon(await county.viewer("admin"), as_of=AS_OF, policy=POLICY)
    assert [(i.name, i.days_left) for i in items] == [("甲", 9), ("无手机", 14), ("戊", 19), ("乙", 30)]
    lists = reminders.work_lists(items)
    assert [(w.kind, w.name, [i.name for i in w.items]) for w in lists] == [
        ("UNIT", "单位A1", ["戊"]),
        ("VILLAGE", "村1-1 (532922101001)", ["甲", "乙"]),
        ("VILLAGE", "村2-1 (532922102001)", ["无手机"]),
    ]
    assert len(await reminders.due_soon(await county.viewer("admin"), as_of=AS_OF, policy=POLICY, days=10)) == 1
    mine = await reminders.due_soon(await county.viewer("unit"), as_of=AS_OF, policy=POLICY)
    assert [i.name for i in mine] == ["戊"]


async def test_reminders_are_sent_once_per_person_and_due_date(county, due):
    sms, pm = FakeSms(), make_plugin_manager(load_entrypoints=False)
    pm.register(sms)
    first = await reminders.send_reminders(pm, as_of=AS_OF, policy=POLICY)
    assert (first.due, first.sent, first.not_handled, first.already_sent) == (4, 3, 1, 0)
    assert [r.name for r in sms.sent] == ["甲", "戊", "乙"]
    assert sms.sent[0].masked_id_number == "532922********" + due["soon"].id_number[-4:]
    event = await Event.get(person_id=due["soon"].id, type=EventType.REMINDER_SENT)
    assert event.payload == {"channel": "SMS", "due_on": "2026-06-10",
                             "receipts": [{"channel": "SMS", "reference": "sms-1"}]}
    assert event.occurred_on == AS_OF and event.natural_key == f"reminder:{due['soon'].id_number}:2026-06-10"

    pm.register(FakeApp())
    second = await reminders.send_reminders(pm, as_of=AS_OF + dt.timedelta(days=1), policy=POLICY)
    # a day later 丙 (due 2 July) enters the window; 无手机 has neither a phone nor the app
    assert (second.sent, second.already_sent, second.not_handled) == (1, 3, 1)
    assert [r.name for r in sms.sent] == ["甲", "戊", "乙", "丙"]
    assert await Event.filter(type=EventType.REMINDER_SENT).count() == 4
    both = await Event.get(person_id=due["later"].id, type=EventType.REMINDER_SENT)
    assert sorted(both.payload["channel"].split(",")) == ["APP_PUSH", "SMS"]  # every channel that delivered


async def test_a_failing_plugin_does_not_stop_the_others_and_nothing_is_recorded_for_it(county, due):
    class Broken:
        @hookimpl
        def send_reminder(self, reminder):
            if reminder.name == "甲":
                raise RuntimeError("gateway down")
            return ReminderReceipt("SMS")

    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(Broken(), name="sms")
    report = await reminders.send_reminders(pm, as_of=AS_OF, policy=POLICY)
    assert report.sent == 3 and report.failed == [f"532922********{due['soon'].id_number[-4:]}: sms: gateway down"]
    assert not await Event.exists(person_id=due["soon"].id, type=EventType.REMINDER_SENT)


async def test_no_notifier_is_an_error_and_a_reminder_by_hand_counts(county, due):
    with pytest.raises(CasehubError, match="nothing can send reminders: set CASEHUB_REMINDER_OUTBOX"):
        await reminders.send_reminders(make_plugin_manager(load_entrypoints=False), as_of=AS_OF,
                                       policy=POLICY)
    event = await reminders.record_reminder(
        await county.viewer("village"), id_number_raw=due["soon"].id_number, due_on=dt.date(2026, 6, 10),
        channel="PHONE_CALL", sent_on=AS_OF, today=AS_OF,
    )
    assert (event.payload["channel"], event.staff_id) == ("PHONE_CALL", county.staff["village"].id)
    (item, *_) = await reminders.due_soon(await county.viewer("village"), as_of=AS_OF, policy=POLICY)
    assert item.name == "甲" and item.reminded_at == event.recorded_at
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(FakeSms())
    report = await reminders.send_reminders(pm, as_of=AS_OF, policy=POLICY)
    assert (report.sent, report.already_sent) == (2, 1)
    with pytest.raises(CasehubError, match="upper-case word"):
        await reminders.record_reminder(await county.viewer("village"), id_number_raw=due["soon"].id_number,
                                        due_on=dt.date(2026, 6, 10), channel="phone", sent_on=AS_OF, today=AS_OF)


async def test_a_reminder_recorded_under_any_key_counts_for_its_due_date(county, due):
    """Imported history and the demo county record reminders with keys of their own (`demo:…`)."""
    from casehub.processes import events as timeline

    drafts = [
        timeline.draft(due["soon"].id, EventType.REMINDER_SENT, AS_OF - dt.timedelta(days=20), "history:1",
                       payload={"channel": "VILLAGE_ASSISTANT", "due_on": "2026-06-10"}),
        # an earlier due date and a reminder naming none remind of nothing today
        timeline.draft(due["edge"].id, EventType.REMINDER_SENT, AS_OF - dt.timedelta(days=200), "history:2",
                       payload={"channel": "SMS", "due_on": "2025-12-01"}),
        timeline.draft(due["edge"].id, EventType.REMINDER_SENT, AS_OF - dt.timedelta(days=3), "history:3",
                       payload={"channel": "SMS"}),
    ]
    recorded = await timeline.record(drafts, source="history", staff_id=None, refresh=None)
    items = {i.name: i for i in await reminders.due_soon(await county.viewer("admin"), as_of=AS_OF, policy=POLICY)}
    assert items["甲"].reminded_at == recorded["history:1"].recorded_at
    assert items["乙"].reminded_at is None
    sms, pm = FakeSms(), make_plugin_manager(load_entrypoints=False)
    pm.register(sms)
    report = await reminders.send_reminders(pm, as_of=AS_OF, policy=POLICY)
    assert (report.sent, report.already_sent) == (2, 1)
    assert [r.name for r in sms.sent] == ["戊", "乙"]
