"""The reminder outbox: each `casehub remind` run's reminders as one XLSX workbook (a built-in plugin).

For a county without an SMS gateway contract. County offices send bulk SMS by uploading a
spreadsheet to their operator's bulk-SMS platform (短信群发平台), and hand lists to the village
assistants for recipients they must tell in person. With an outbox folder configured
(CASEHUB_REMINDER_OUTBOX, or `casehub remind --outbox DIR`), a run that has reminders to send
writes `reminders-<day>-<hhmmss>.xlsx` there: one sheet per township, a header row, then one row
per reminder, in due order — village, name, masked ID number, phone, due date, delivery, and the
message (the policy's `reminder_message`, never text from code). A recipient without a mobile
number (none, or a landline, which takes no SMS) gets a row marked for the village assistant.

Each reminder's receipt names the file, the sheet and the row — channel OUTBOX for an SMS row,
OUTBOX_IN_PERSON for one the village assistant delivers — and casehub records it on the
timeline once `flush_reminders` has written the workbook.

It never leaves half a workbook and never overwrites one: the rows are kept in the run's stash
and written at the end of the run to a hidden temporary file in the same folder, synced, then
renamed to a name no file has. The workbook holds names and phone numbers: it is created readable
by its owner only (0600), and each one is audited with its SHA-256. It never touches the timeline
itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from casehub.adapters.hookspecs import hookimpl
from casehub.adapters.notify import Reminder, ReminderReceipt, ReminderRun
from casehub.audit import append_audit
from casehub.clock import SHANGHAI
from casehub.errors import CasehubError
from casehub.spreadsheets import cell_value

CHANNEL = "OUTBOX"  # an SMS row, for the bulk-SMS platform
IN_PERSON = "OUTBOX_IN_PERSON"  # a row the village assistant delivers by hand
HEADER = ("村(社区)", "姓名", "身份证号码", "手机号码", "认证截止日期", "送达方式", "提醒内容")
WIDTHS = (16, 10, 22, 15, 14, 22, 100)
BY_SMS = "短信"
BY_HAND = "村协办员入户告知"
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9][0-9]{9})$")  # mainland mobile numbers: the ones that take SMS
_NOT_IN_SHEET_TITLE = re.compile(r"[\\/?*\[\]:]")
_STASH = __name__


@dataclass
class Outbox:
    """The run's workbook while it is being filled: its final path and each sheet's rows."""

    path: Path
    sheets: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)

    def rows(self) -> int:
        return sum(len(rows) for rows in self.sheets.values())


def check_folder(folder: Path) -> None:
    """Raise a one-line CasehubError unless `folder` is a folder casehub can create files in."""
    how = "create it, or set CASEHUB_REMINDER_OUTBOX (or --outbox) to a folder casehub can write"
    if not folder.exists():
        raise CasehubError(f"reminder outbox {folder} does not exist: {how}")
    if not folder.is_dir():
        raise CasehubError(f"reminder outbox {folder} is not a folder: {how}")
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".casehub-check-"):
            pass
    except OSError as exc:
        raise CasehubError(f"reminder outbox {folder} is not writable ({exc.strerror or exc}): {how}") from None


def mobile_number(phone: str | None) -> str | None:
    """The 11-digit mobile number in `phone` (spaces, dashes and +86 allowed), or None: no SMS possible."""
    match = _MOBILE.match(re.sub(r"[\s-]", "", phone or ""))
    return match.group(1) if match else None


def sheet_title(reminder: Reminder) -> str:
    """`苍山西镇 532922101`: the township's name and code, within Excel's 31 characters."""
    return f"{_NOT_IN_SHEET_TITLE.sub('', reminder.township_name)[:21]} {reminder.township_code}"


def _path(folder: Path, run: ReminderRun) -> Path:
    stem = f"reminders-{run.sent_on.isoformat()}-{run.started_at.astimezone(SHANGHAI):%H%M%S}"
    path, n = folder / f"{stem}.xlsx", 2
    while path.exists():  # a second run in the same second
        path, n = folder / f"{stem}-{n}.xlsx", n + 1
    return path


@hookimpl
def send_reminder(reminder: Reminder, run: ReminderRun) -> ReminderReceipt | None:
    """Add the reminder to the run's workbook (written by `flush_reminders`); off without an outbox folder."""
    if run.outbox is None:
        return None
    outbox = run.stash.get(_STASH)
    if outbox is None:
        outbox = run.stash[_STASH] = Outbox(_path(run.outbox, run))
    mobile = mobile_number(reminder.phone)
    title = sheet_title(reminder)
    rows = outbox.sheets.setdefault(title, [])
    rows.append((
        cell_value(reminder.village_name), cell_value(reminder.name), reminder.masked_id_number,
        mobile or cell_value(reminder.phone or ""), reminder.due_on.isoformat(),
        BY_SMS if mobile else BY_HAND, cell_value(reminder.message),
    ))
    return ReminderReceipt(CHANNEL if mobile else IN_PERSON, f"{outbox.path.name}#{title}!{len(rows) + 1}")


@hookimpl
async def flush_reminders(run: ReminderRun) -> None:
    """Write the run's workbook atomically (temporary file, fsync, rename) and audit it."""
    outbox: Outbox | None = run.stash.pop(_STASH, None)
    if outbox is None:
        return
    digest = write_workbook(outbox)
    by_hand = sum(row[5] == BY_HAND for rows in outbox.sheets.values() for row in rows)
    await append_audit(
        "EXPORT_REMINDER_OUTBOX", "reminder_outbox", outbox.path.name, actor_id=run.staff_id,
        detail={"file": str(outbox.path), "sha256": digest, "rows": outbox.rows(), "inPerson": by_hand,
                "sentOn": run.sent_on.isoformat()},
    )
    run.summary.append(f"wrote {outbox.path}: {outbox.rows()} reminder(s), {outbox.rows() - by_hand} by SMS "
                       f"(upload to the bulk-SMS platform), {by_hand} for village assistants to deliver in person")


def write_workbook(outbox: Outbox) -> str:
    """Write the workbook to a temporary file beside its path, then rename it there; its SHA-256.

    The rename is atomic: the path holds the whole workbook or nothing. An existing file is never
    replaced (a file that appeared since the path was chosen is an error).
    """
    book = Workbook(write_only=True)
    for title, rows in sorted(outbox.sheets.items(), key=lambda kv: kv[0].rsplit(" ", 1)[-1]):
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:G{len(rows) + 1}"
        for column, width in zip("ABCDEFG", WIDTHS, strict=True):
            sheet.column_dimensions[column].width = width
        sheet.append([_bold(sheet, heading) for heading in HEADER])
        for row in rows:
            sheet.append(row)
    folder = outbox.path.parent
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{outbox.path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w+b") as fh:
            book.save(fh)
            fh.flush()
            os.fsync(fh.fileno())
            fh.seek(0)
            digest = hashlib.sha256(fh.read()).hexdigest()
        _publish(temporary, outbox.path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _sync_folder(folder)
    return digest


def _publish(temporary: str, path: Path) -> None:
    """Give the finished file its name at once, never replacing a file that has that name."""
    try:
        os.link(temporary, path)  # unlike a rename, fails if the name is taken
    except FileExistsError:
        raise CasehubError(f"{path} appeared while the reminders were written: not replaced") from None
    except OSError:  # a file system without hard links (FAT, some network shares): rename instead
        if path.exists():
            raise CasehubError(f"{path} appeared while the reminders were written: not replaced") from None
        os.replace(temporary, path)


def _bold(sheet: object, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _sync_folder(folder: Path) -> None:
    """Make the new name durable (POSIX: fsync the folder); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

