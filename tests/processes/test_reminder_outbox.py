"""The built-in reminder outbox: `casehub remind` writes each run's reminders to one XLSX workbook."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import subprocess
import sys
import zipfile

import openpyxl
import pytest

from casehub.adapters import hookimpl
from casehub.adapters.builtin import outbox as outbox_module
from casehub.adapters.builtin.outbox import BY_HAND, BY_SMS, HEADER, mobile_number
from casehub.adapters.notify import ReminderReceipt
from casehub.adapters.plugins import make_plugin_manager
from casehub.domain import EventType, Scheme
from casehub.errors import CasehubError
from casehub.models import AuditEntry, Entitlement, Event, Region
from casehub.policy import DEFAULT_POLICY_DIR, load_policy_files
from casehub.processes import reminders
from tests.data.bad.make_corpus import FORMULAS
from tests.processes.conftest import POLICY, set_state

AS_OF = dt.date(2026, 6, 1)
TOWNSHIP_1 = "乡镇1 532922101"
TOWNSHIP_2 = "乡镇2 532922102"
SHIPPED = (DEFAULT_POLICY_DIR / "yangbi.toml").read_text("utf-8")


def casehub(url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "CASEHUB_REMINDER_OUTBOX"}
    environ.update(CASEHUB_DATABASE_URL=url, COLUMNS="200", **(env or {}))
    return subprocess.run([sys.executable, "-m", "casehub", *args], capture_output=True, text=True, env=environ,
                          timeout=120)


@pytest.fixture
async def due(county):
    """Five recipients due within the policy's 30 days, one of them twice over, and one due later."""
    v11, v12, v21 = county.village(0, 1), county.village(0, 2), county.village(1, 1)
    people = {
        "soon": await county.recipient(v11, name="甲"),
        "two": await county.recipient(v12, name="乙", phone="+86 139-0000-0001"),
        "no_phone": await county.recipient(v21, name="无手机", phone=None),
        "landline": await county.recipient(v21, name="座机", phone="0872-5123456"),
        "formula": await county.recipient(v11, name="=HYPERLINK(\"x\")", phone="13700000000"),
        "later": await county.recipient(v11, name="丙"),
    }
    await Entitlement.create(person=people["two"], scheme=Scheme.WORK_INJURY_LONG_TERM,
                             start_month=dt.date(2020, 1, 1), monthly_amount_fen=90_000, region=v12)
    await set_state(people["soon"], next_due=dt.date(2026, 6, 10))
    await set_state(people["two"], next_due=dt.date(2026, 6, 12))
    await set_state(people["no_phone"], next_due=dt.date(2026, 6, 15))
    await set_state(people["landline"], next_due=dt.date(2026, 6, 20))
    await set_state(people["formula"], next_due=dt.date(2026, 6, 25))
    await set_state(people["later"], next_due=dt.date(2026, 7, 20))
    return people


@pytest.fixture
def folder(tmp_path):
    """An empty outbox folder (tmp_path also holds the SQLite database)."""
    path = tmp_path / "outbox"
    path.mkdir()
    return path


def workbooks(folder) -> list:
    return sorted(p for p in folder.iterdir())


def rows(path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {sheet.title: [tuple(c.value for c in row) for row in sheet.iter_rows()] for sheet in book.worksheets}


def masked(person) -> str:
    return "532922********" + person.id_number[-4:]


async def test_the_cli_writes_the_outbox_records_the_receipts_and_sends_nothing_twice(db, county, due, folder,
                                                                                      tmp_path):
    first = casehub(db, "remind", "--as-of", "2026-06-01", "--outbox", str(folder))
    assert first.returncode == 0, first.stderr
    assert "5 recipient(s) due: 5 reminded now, 0 already reminded" in first.stdout
    (path,) = workbooks(folder)  # no temporary file left beside it
    assert path.name.startswith("reminders-2026-06-01-") and path.suffix == ".xlsx"
    assert "3 by SMS" in first.stdout and "2 for village assistants" in first.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # names and phone numbers: the owner's only

    sheets = rows(path)
    assert list(sheets) == [TOWNSHIP_1, TOWNSHIP_2]  # one sheet per township, in code order
    assert sheets[TOWNSHIP_1][0] == HEADER
    soon, two, formula = sheets[TOWNSHIP_1][1:]  # due order
    assert soon[:6] == ("村1-1", "甲", masked(due["soon"]), "13800000000", "2026-06-10", BY_SMS)
    assert soon[6].startswith("甲您好：您领取的城乡居民基本养老保险资格认证将于2026年6月10日到期")
    assert two[:6] == ("村1-2", "乙", masked(due["two"]), "13900000001", "2026-06-12", BY_SMS)
    assert "您领取的城乡居民基本养老保险、工伤保险长期待遇资格认证" in two[6]  # both schemes, one reminder
    assert formula[1] == "'=HYPERLINK(\"x\")"  # never a formula
    no_phone, landline = sheets[TOWNSHIP_2][1:]
    assert no_phone[:6] == ("村2-1", "无手机", masked(due["no_phone"]), None, "2026-06-15", BY_HAND)
    assert no_phone[6].startswith("无手机您好")  # the assistant tells them the same
    assert landline[3:6] == ("0872-5123456", "2026-06-20", BY_HAND)  # a landline takes no SMS

    events = {e.person_id: e for e in await Event.filter(type=EventType.REMINDER_SENT)}
    assert len(events) == 5 and due["later"].id not in events
    event = events[due["no_phone"].id]
    assert event.occurred_on == AS_OF and event.natural_key == f"reminder:{due['no_phone'].id_number}:2026-06-15"
    assert event.payload == {"channel": "OUTBOX_IN_PERSON", "due_on": "2026-06-15", "receipts": [
        {"channel": "OUTBOX_IN_PERSON", "reference": f"{path.name}#{TOWNSHIP_2}!2"}]}
    assert events[due["two"].id].payload["receipts"] == [
        {"channel": "OUTBOX", "reference": f"{path.name}#{TOWNSHIP_1}!3"}]
    audit = await AuditEntry.get(action="EXPORT_REMINDER_OUTBOX")
    assert (audit.target_id, audit.detail["rows"], audit.detail["inPerson"]) == (path.name, 5, 2)

    # the same day again, configured by the environment this time: nothing new, no new workbook
    again = casehub(db, "remind", "--as-of", "2026-06-01", env={"CASEHUB_REMINDER_OUTBOX": str(folder)})
    assert again.returncode == 0, again.stderr
    assert "5 recipient(s) due: 0 reminded now, 5 already reminded" in again.stdout
    assert workbooks(folder) == [path]
    assert await Event.filter(type=EventType.REMINDER_SENT).count() == 5

    # a missing folder: a clear error, nothing recorded
    await set_state(await county.recipient(county.village(2, 1), name="丁"), next_due=dt.date(2026, 6, 30))
    missing = casehub(db, "remind", "--as-of", "2026-06-01", "--outbox", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "reminder outbox" in missing.stderr and "does not exist" in missing.stderr
    assert await Event.filter(type=EventType.REMINDER_SENT).count() == 5


async def test_without_an_outbox_or_a_plugin_the_error_says_how_to_configure_one(county, due, tmp_path):
    with pytest.raises(CasehubError, match="set CASEHUB_REMINDER_OUTBOX to a folder"):
        await reminders.send_reminders(make_plugin_manager(load_entrypoints=False), as_of=AS_OF, policy=POLICY)
    disabled = make_plugin_manager(load_entrypoints=False, disabled=["outbox"])
    with pytest.raises(CasehubError, match="'outbox' plugin is not loaded"):
        await reminders.send_reminders(disabled, as_of=AS_OF, policy=POLICY, outbox=tmp_path)
    assert not await Event.exists(type=EventType.REMINDER_SENT)


async def test_an_outbox_that_is_not_a_writable_folder_records_nothing(county, due, tmp_path):
    pm = make_plugin_manager(load_entrypoints=False)
    afile = tmp_path / "afile"
    afile.write_text("")
    with pytest.raises(CasehubError, match="is not a folder"):
        await reminders.send_reminders(pm, as_of=AS_OF, policy=POLICY, outbox=afile)
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(CasehubError, match="is not writable"):
            await reminders.send_reminders(pm, as_of=AS_OF, policy=POLICY, outbox=locked)
    assert not await Event.exists(type=EventType.REMINDER_SENT)


class FullDisk(openpyxl.Workbook):
    """Writes half the workbook, then the disk is full."""

    def save(self, filename):
        whole = io.BytesIO()
        super().save(whole)
        filename.write(whole.getvalue()[: len(whole.getvalue()) // 2])
        raise OSError(28, "No space left on device")


async def test_a_workbook_that_cannot_be_written_records_nothing_and_leaves_no_file(county, due, folder,
                                                                                   monkeypatch):
    monkeypatch.setattr(outbox_module, "Workbook", FullDisk)
    report = await reminders.send_reminders(make_plugin_manager(load_entrypoints=False), as_of=AS_OF,
                                            policy=POLICY, outbox=folder)
    assert (report.sent, report.not_handled) == (0, 0)
    assert report.failed == ["outbox: [Errno 28] No space left on device (none of its reminders was recorded; "
                             "the next run tries again)"]
    assert list(folder.iterdir()) == []  # neither half a workbook nor its temporary file
    assert not await Event.exists(type=EventType.REMINDER_SENT)
    assert not await AuditEntry.exists(action="EXPORT_REMINDER_OUTBOX")

    monkeypatch.undo()
    retried = await reminders.send_reminders(make_plugin_manager(load_entrypoints=False), as_of=AS_OF,
                                             policy=POLICY, outbox=folder)
    assert retried.sent == 5 and not retried.failed


class Sms:
    """An SMS gateway that delivers at once (no flush) and is down for 甲."""

    @hookimpl
    def send_reminder(self, reminder):
        if reminder.name == "甲":
            raise RuntimeError("gateway down")
        return ReminderReceipt("SMS", f"sms-{reminder.person_id}") if mobile_number(reminder.phone) else None


async def test_other_plugins_deliver_beside_the_outbox_and_keep_their_receipts_if_it_fails(county, due, folder,
                                                                                         monkeypatch):
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(Sms(), name="sms")
    def broken_disk(temporary, path):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(outbox_module, "_publish", broken_disk)
    report = await reminders.send_reminders(pm, as_of=AS_OF, policy=POLICY, outbox=folder)
    # 甲: the gateway raised and the outbox failed; 乙 and the formula name: SMS only; the two without a
    # mobile: the outbox only, which failed
    assert report.sent == 2 and report.failed[0] == f"{masked(due['soon'])}: sms: gateway down"
    assert report.failed[1].startswith("outbox: [Errno 5] Input/output error")
    recorded = {e.person_id: e.payload["receipts"] for e in await Event.filter(type=EventType.REMINDER_SENT)}
    assert recorded == {due["two"].id: [{"channel": "SMS", "reference": f"sms-{due['two'].id}"}],
                        due["formula"].id: [{"channel": "SMS", "reference": f"sms-{due['formula'].id}"}]}

    monkeypatch.undo()
    second = await reminders.send_reminders(pm, as_of=AS_OF, policy=POLICY, outbox=folder)
    assert (second.sent, second.already_sent) == (3, 2)  # a raising plugin does not cost the outbox's receipt
    soon = await Event.get(person_id=due["soon"].id, type=EventType.REMINDER_SENT)
    assert [r["channel"] for r in soon.payload["receipts"]] == ["OUTBOX"]
    (path,) = workbooks(folder)
    assert [row[1] for row in rows(path)[TOWNSHIP_1][1:]] == ["甲"]


async def test_no_formula_reaches_the_outbox_unescaped(county, folder):
    village = county.village(0, 1)
    await Region.filter(id=village.id).update(name="=1+1")
    hostile = [*FORMULAS, "\t=1+1", "\r=1+1", "-1", "+1", "@A1"]
    for name in hostile:
        await set_state(await county.recipient(village, name=name, phone="0872-1234567"),
                        next_due=dt.date(2026, 6, 10))
    report = await reminders.send_reminders(make_plugin_manager(load_entrypoints=False), as_of=AS_OF,
                                            policy=POLICY, outbox=folder)
    assert report.sent == len(hostile)
    (path,) = workbooks(folder)
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(part) and b"<f " not in archive.read(part), part
    texts = [cell for row in rows(path)[TOWNSHIP_1] for cell in row if isinstance(cell, str)]
    assert texts and not [t for t in texts if t[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_message_comes_from_the_policy(tmp_path):
    old = 'reminder_message = "{name}您好：'
    assert old in SHIPPED
    path = tmp_path / "policy.toml"
    path.write_text(SHIPPED.replace(old, 'reminder_message = "{name}，请于{due_date}前认证（还有{days_left}天）。"\n'
                                    '# "', 1), "utf-8")
    policy = load_policy_files([path])
    assert reminders.reminder_text(policy, name="甲", schemes=[Scheme.RESIDENT_PENSION], due_on=dt.date(2026, 6, 10),
                                   sent_on=AS_OF) == "甲，请于2026年6月10日前认证（还有9天）。"


@pytest.mark.parametrize(("phone", "mobile"), [
    ("13800000000", "13800000000"), ("+86 138-0000-0000", "13800000000"), ("8613800000000", "13800000000"),
    ("0872-5123456", None), ("12333", None), ("", None), (None, None), ("23800000000", None),
])
def test_only_mainland_mobile_numbers_take_an_sms(phone, mobile):
    assert mobile_number(phone) == mobile
