"""Half-yearly public notices per village and the tip-offs they bring (R-PUB-1/2).

Each village publishes its recipients' eligibility once every half year ("2026-H1", "2026-H2"); the
notice stays up at least the policy's working days (7), counted on the Chinese statutory calendar
(holidays off, adjusted working days on: `casehub.processes.workdays`), with a tip-off phone number.
A notice records the day it went up and, once known, the last day it was up; the days are counted
with both ends included.

The roster to post is an XLSX file: names, masked ID numbers, scheme and certification status.
Every text cell is escaped against spreadsheet formula injection: a value starting with =, +, -,
@, a tab or a carriage return gets a leading apostrophe, so a spreadsheet shows it as text and
never evaluates it.

Tip-offs are recorded against the notice and each is handled (R-PUB-2): closed with a finding, or
referred to an investigation (`casehub.processes.referrals`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from tortoise.transactions import in_transaction

from casehub import access
from casehub.audit import append_audit
from casehub.auth import Viewer
from casehub.domain import RegionLevel, Scheme
from casehub.engine.results import EntitlementStatus
from casehub.idnumber import mask_id_number
from casehub.models import Entitlement, EntitlementState, PublicNotice, Region, TipOff
from casehub.policy import Policy
from casehub.processes.common import fail, person_by_id_number
from casehub.processes.periods import Period, check_half_yearly
from casehub.processes.referrals import refer
from casehub.processes.vocabulary import NoticeStatus, ProcessErrorCode, ReferralSource, TipOffStatus
from casehub.processes.workdays import nth_working_day, working_days_from
from casehub.spreadsheets import cell_value

_PHONE = re.compile(r"^\+?[0-9][0-9 -]{3,18}[0-9]$")  # 12333 (the social insurance hotline) up to +86 numbers
MAX_TEXT = 2000
SCHEME_ZH = {
    Scheme.RESIDENT_PENSION: "城乡居民基本养老保险",
    Scheme.AGENCY_PENSION: "机关事业单位基本养老保险",
    Scheme.ENTERPRISE_PENSION: "企业职工基本养老保险",
    Scheme.WORK_INJURY_LONG_TERM: "工伤保险长期待遇",
}
STATUS_ZH = {
    EntitlementStatus.ACTIVE: "正常领取",
    EntitlementStatus.SUSPENDED: "暂停发放",
    EntitlementStatus.STOPPED: "停发",
    EntitlementStatus.ENDED: "终止",
}
NOT_ON_ROSTER = (EntitlementStatus.STOPPED, EntitlementStatus.ENDED)


def _phone(raw: str | None, field: str, *, required: bool) -> str | None:
    value = (raw or "").strip()
    if not value:
        if required:
            raise fail(field, ProcessErrorCode.REQUIRED, "a tip-off phone number is required (R-PUB-1)")
        return None
    if not _PHONE.match(value):
        raise fail(field, ProcessErrorCode.INVALID, f"{value!r} is not a phone number")
    return value


def _text(raw: str, field: str) -> str:
    value = (raw or "").strip()
    if not value:
        raise fail(field, ProcessErrorCode.REQUIRED, "must not be empty")
    if len(value) > MAX_TEXT:
        raise fail(field, ProcessErrorCode.INVALID, f"at most {MAX_TEXT} characters")
    return value


# --- the notice and its display period (R-PUB-1) ----------------------------------------------


@dataclass(frozen=True, slots=True)
class NoticeCheck:
    status: NoticeStatus
    working_days_up: int  # so far (POSTED, up to as_of) or in all (once removed)
    required_working_days: int
    earliest_removal: dt.date  # the day the required working days are complete


def check_notice(notice: PublicNotice, policy: Policy, as_of: dt.date) -> NoticeCheck:
    required = policy.version_at(notice.posted_on).public_notice.min_working_days
    earliest = nth_working_day(notice.posted_on, required, field="postedOn")
    if notice.removed_on is None:
        up = working_days_from(notice.posted_on, as_of, field="asOf")
        return NoticeCheck(NoticeStatus.POSTED, up, required, earliest)
    up = working_days_from(notice.posted_on, notice.removed_on, field="removedOn")
    status = NoticeStatus.COMPLETE if up >= required else NoticeStatus.TOO_SHORT
    return NoticeCheck(status, up, required, earliest)


async def create_notice(
    viewer: Viewer, *, village_code: str, period: str, posted_on: dt.date, tipoff_phone: str | None,
    policy: Policy, today: dt.date,
) -> PublicNotice:
    version = policy.version_at(posted_on)
    check_half_yearly(version.public_notice.interval_months, "public notice")
    half = Period.parse(period)
    village = await Region.get_or_none(code=village_code, level=RegionLevel.VILLAGE)
    if village is None:
        raise fail("villageCode", ProcessErrorCode.NOT_FOUND, f"no village with code {village_code!r}")
    if not access.covers_region(viewer, village.code):
        raise fail("villageCode", ProcessErrorCode.OUT_OF_SCOPE, f"{village} is outside your scope")
    if posted_on > today:
        raise fail("postedOn", ProcessErrorCode.DATE_IN_FUTURE, f"{posted_on} is in the future")
    if not half.start <= posted_on <= half.end:
        raise fail("postedOn", ProcessErrorCode.DATE_OUT_OF_RANGE, f"{posted_on} is not in {half}")
    nth_working_day(posted_on, version.public_notice.min_working_days, field="postedOn")  # the calendar covers it
    phone = _phone(tipoff_phone, "tipoffPhone", required=version.public_notice.tipoff_phone_required)
    if await PublicNotice.exists(village_id=village.id, period=half.label):
        raise fail("period", ProcessErrorCode.ALREADY_EXISTS, f"{village} already has a notice for {half}")
    async with in_transaction() as conn:
        notice = await PublicNotice.create(
            village_id=village.id, period=half.label, posted_on=posted_on, tipoff_phone=phone or "",
            created_by_id=viewer.staff_id, using_db=conn,
        )
        await append_audit(
            "CREATE_PUBLIC_NOTICE", "public_notice", notice.id, actor_id=viewer.staff_id, using=conn,
            detail={"village": village.code, "period": half.label, "postedOn": posted_on.isoformat()},
        )
    return notice


async def record_removal(viewer: Viewer, notice_id: int, *, removed_on: dt.date, today: dt.date) -> PublicNotice:
    """Record the last day the notice was up (once)."""
    notice = await access.notices(viewer).get_or_none(id=notice_id)
    if notice is None:
        raise fail("noticeId", ProcessErrorCode.NOT_FOUND, f"no public notice {notice_id} in your scope")
    if notice.removed_on is not None:
        raise fail("removedOn", ProcessErrorCode.ALREADY_RECORDED, f"removal already recorded: {notice.removed_on}")
    if removed_on > today:
        raise fail("removedOn", ProcessErrorCode.DATE_IN_FUTURE, f"{removed_on} is in the future")
    if removed_on < notice.posted_on:
        raise fail("removedOn", ProcessErrorCode.DATE_OUT_OF_RANGE, f"{removed_on} is before it went up")
    working_days_from(notice.posted_on, removed_on, field="removedOn")  # the calendar covers it
    async with in_transaction() as conn:
        notice.removed_on = removed_on
        await notice.save(update_fields=["removed_on"], using_db=conn)
        await append_audit(
            "RECORD_NOTICE_REMOVAL", "public_notice", notice.id, actor_id=viewer.staff_id, using=conn,
            detail={"removedOn": removed_on.isoformat()},
        )
    return notice


@dataclass(frozen=True, slots=True)
class VillageNotice:
    village: Region
    notice: PublicNotice | None
    check: NoticeCheck | None

    @property
    def status(self) -> NoticeStatus:
        return self.check.status if self.check else NoticeStatus.MISSING


async def notice_compliance(
    viewer: Viewer, period: str, *, policy: Policy, as_of: dt.date, township_code: str | None = None
) -> list[VillageNotice]:
    """Every village in scope for one period: its notice and whether it stayed up long enough."""
    half = Period.parse(period)
    villages = Region.filter(level=RegionLevel.VILLAGE).order_by("code")
    if township_code:
        villages = villages.filter(code__startswith=township_code)
    notices = {n.village_id: n for n in await access.notices(viewer).filter(period=half.label)}
    return [
        VillageNotice(v, notices.get(v.id), check_notice(notices[v.id], policy, as_of) if v.id in notices else None)
        for v in await villages
        if access.covers_region(viewer, v.code)
    ]


# --- the roster to post (XLSX) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterLine:
    name: str
    masked_id_number: str
    scheme: Scheme
    status: EntitlementStatus | None  # None until the projection has been computed
    last_certified_on: dt.date | None
    next_due: dt.date | None


async def roster(notice: PublicNotice) -> list[RosterLine]:
    """The village's recipients, one line per current entitlement, by name then scheme."""
    rows = await Entitlement.filter(person__village_id=notice.village_id).values(
        "id", "scheme", "person__name", "person__id_number"
    )
    states = {
        s["entitlement_id"]: s
        for s in await EntitlementState.filter(entitlement_id__in=[r["id"] for r in rows]).values(
            "entitlement_id", "status", "last_certified_on", "next_due"
        )
    }
    lines = []
    for r in rows:
        state = states.get(r["id"], {})
        status = EntitlementStatus(state["status"]) if state else None
        if status in NOT_ON_ROSTER:
            continue
        lines.append(RosterLine(
            name=r["person__name"], masked_id_number=mask_id_number(r["person__id_number"]),
            scheme=Scheme(r["scheme"]), status=status, last_certified_on=state.get("last_certified_on"),
            next_due=state.get("next_due"),
        ))
    return sorted(lines, key=lambda line: (line.name, line.masked_id_number, line.scheme))


async def roster_xlsx(viewer: Viewer, notice_id: int, *, policy: Policy) -> tuple[str, bytes]:
    """The roster as an XLSX file (filename, content), audited."""
    notice = await access.notices(viewer).get_or_none(id=notice_id).select_related("village")
    if notice is None:
        raise fail("noticeId", ProcessErrorCode.NOT_FOUND, f"no public notice {notice_id} in your scope")
    lines = await roster(notice)
    required = policy.version_at(notice.posted_on).public_notice.min_working_days
    earliest = nth_working_day(notice.posted_on, required, field="postedOn")
    book = Workbook()
    sheet = book.active
    sheet.title = notice.period
    heading = [
        [f"{notice.village.name}社会保险待遇领取资格公示（{notice.period}）"],
        [f"公示期：自{notice.posted_on:%Y年%m月%d日}起，不少于{required}个工作日（{earliest:%Y年%m月%d日}前不得撤下）"],
        [f"举报电话：{notice.tipoff_phone}"],
        [],
        ["序号", "姓名", "身份证号码", "险种", "认证状态", "最近认证日期", "下次认证截止日期"],
    ]
    for line in heading:
        sheet.append([cell_value(text) for text in line])
    for row in (1, 5):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
    for i, line in enumerate(lines, 1):
        sheet.append([
            i,
            cell_value(line.name),
            cell_value(line.masked_id_number),
            SCHEME_ZH[line.scheme],
            STATUS_ZH[line.status] if line.status else "待认证核算",
            line.last_certified_on.isoformat() if line.last_certified_on else "",
            line.next_due.isoformat() if line.next_due else "",
        ])
    for column, width in zip("ABCDEFG", (6, 12, 22, 26, 12, 14, 16), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    await append_audit(
        "EXPORT_NOTICE_ROSTER", "public_notice", notice.id, actor_id=viewer.staff_id,
        detail={"village": notice.village.code, "period": notice.period, "lines": len(lines)},
    )
    return f"notice-{notice.village.code}-{notice.period}.xlsx", buffer.getvalue()


# --- tip-offs (R-PUB-2) ----------------------------------------------------------------------------


async def record_tip_off(
    viewer: Viewer, notice_id: int, *, content: str, received_at: dt.datetime, phone: str | None = None,
    person_id_number: str | None = None,
) -> TipOff:
    notice = await access.notices(viewer).get_or_none(id=notice_id)
    if notice is None:
        raise fail("noticeId", ProcessErrorCode.NOT_FOUND, f"no public notice {notice_id} in your scope")
    text = _text(content, "content")
    caller = _phone(phone, "phone", required=False)
    if received_at.tzinfo is None:
        raise fail("receivedAt", ProcessErrorCode.INVALID, "give the time with its UTC offset")
    if received_at > dt.datetime.now(dt.UTC):
        raise fail("receivedAt", ProcessErrorCode.DATE_IN_FUTURE, f"{received_at.isoformat()} is in the future")
    person = await person_by_id_number(person_id_number, "personIdNumber") if person_id_number else None
    async with in_transaction() as conn:
        tip = await TipOff.create(
            notice_id=notice.id, phone=caller, content=text, received_at=received_at,
            person_id=person.id if person else None, status=TipOffStatus.OPEN, recorded_by_id=viewer.staff_id,
            using_db=conn,
        )
        await append_audit(
            "RECORD_TIP_OFF", "tip_off", tip.id, actor_id=viewer.staff_id, using=conn,
            detail={"noticeId": notice.id, "personId": tip.person_id, "receivedAt": received_at.isoformat()},
        )
    return tip


async def _open_tip_off(viewer: Viewer, tip_off_id: int) -> TipOff:
    tip = await access.tip_offs(viewer).get_or_none(id=tip_off_id).select_related("notice")
    if tip is None:
        raise fail("tipOffId", ProcessErrorCode.NOT_FOUND, f"no tip-off {tip_off_id} in your scope")
    if tip.status is not TipOffStatus.OPEN:
        raise fail("tipOffId", ProcessErrorCode.ALREADY_HANDLED, f"tip-off {tip.id} is already {tip.status.lower()}")
    return tip


async def close_tip_off(viewer: Viewer, tip_off_id: int, *, finding: str) -> TipOff:
    """Handle a tip-off by closing it with the finding that answers it (R-PUB-2)."""
    tip = await _open_tip_off(viewer, tip_off_id)
    text = _text(finding, "finding")
    async with in_transaction() as conn:
        tip.status, tip.finding = TipOffStatus.CLOSED, text
        tip.handled_at, tip.handled_by_id = dt.datetime.now(dt.UTC), viewer.staff_id
        await tip.save(update_fields=["status", "finding", "handled_at", "handled_by_id"], using_db=conn)
        await append_audit(
            "CLOSE_TIP_OFF", "tip_off", tip.id, actor_id=viewer.staff_id, using=conn, detail={"finding": text}
        )
    return tip


async def refer_tip_off(viewer: Viewer, tip_off_id: int, *, reason: str) -> TipOff:
    """Handle a tip-off by referring it to an investigation (R-PUB-2, R-ACC-3)."""
    tip = await _open_tip_off(viewer, tip_off_id)
    text = _text(reason, "reason")
    async with in_transaction() as conn:
        referral = await refer(
            ReferralSource.TIP_OFF, summary=f"tip-off {tip.id} on notice {tip.notice.period}: {text}",
            person_id=tip.person_id, region_id=tip.notice.village_id, actor_id=viewer.staff_id, using=conn,
        )
        tip.status, tip.finding, tip.referral_id = TipOffStatus.REFERRED, text, referral.id
        tip.handled_at, tip.handled_by_id = dt.datetime.now(dt.UTC), viewer.staff_id
        await tip.save(
            update_fields=["status", "finding", "referral_id", "handled_at", "handled_by_id"], using_db=conn
        )
        await append_audit(
            "REFER_TIP_OFF", "tip_off", tip.id, actor_id=viewer.staff_id, using=conn,
            detail={"referralId": referral.id, "reason": text},
        )
    return tip
