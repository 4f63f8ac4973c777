"""Public notices (R-PUB-1/2): working days on the statutory calendar, the roster, tip-offs."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from casehub.engine.results import EntitlementStatus
from casehub.errors import CasehubError
from casehub.models import AuditEntry, InvestigationReferral, TipOff
from casehub.processes import notices
from casehub.processes.vocabulary import NoticeStatus, ReferralSource, TipOffStatus
from casehub.spreadsheets import cell_value
from tests.processes.conftest import POLICY, set_state

TODAY = dt.date(2026, 11, 20)


async def post(county, who="village", *, village=None, period="2026-H2", posted_on=dt.date(2026, 9, 28),
               phone="0872-1234567"):
    return await notices.create_notice(
        await county.viewer(who), village_code=(village or county.village(0, 1)).code, period=period,
        posted_on=posted_on, tipoff_phone=phone, policy=POLICY, today=TODAY,
    )


async def test_r_pub_1_seven_working_days_across_national_day(county):
    notice = await post(county)  # Monday 28 September 2026
    check = notices.check_notice(notice, POLICY, as_of=dt.date(2026, 10, 9))
    # 28-30 September, then the holiday (1-7 October), 8 and 9 October: 5 working days in 12 calendar days
    assert (check.status, check.working_days_up, check.required_working_days) == (NoticeStatus.POSTED, 5, 7)
    # Saturday 10 October 2026 is an adjusted working day, so the 7th working day is Monday 12 October
    assert check.earliest_removal == dt.date(2026, 10, 12)

    await notices.record_removal(await county.viewer("village"), notice.id, removed_on=dt.date(2026, 10, 9),
                                 today=TODAY)
    notice = await notices.PublicNotice.get(id=notice.id)
    assert notices.check_notice(notice, POLICY, as_of=TODAY).status is NoticeStatus.TOO_SHORT


async def test_r_pub_1_spring_festival_and_a_complete_notice(county):
    notice = await post(county, period="2026-H1", posted_on=dt.date(2026, 2, 12))
    # 12, 13, Saturday 14 February (adjusted), then the festival until the 23rd: 24, 25, 26, 27
    assert notices.check_notice(notice, POLICY, as_of=TODAY).earliest_removal == dt.date(2026, 2, 27)
    await notices.record_removal(await county.viewer("village"), notice.id, removed_on=dt.date(2026, 2, 27),
                                 today=TODAY)
    notice = await notices.PublicNotice.get(id=notice.id)
    check = notices.check_notice(notice, POLICY, as_of=TODAY)
    assert (check.status, check.working_days_up) == (NoticeStatus.COMPLETE, 7)


async def test_a_notice_in_a_year_the_calendar_does_not_cover_is_refused_naming_the_day(county):
    with pytest.raises(CasehubError, match=r"2027-01-0[0-9] is outside the statutory holiday calendar"):
        await notices.create_notice(
            await county.viewer("admin"), village_code=county.village(0, 1).code, period="2027-H1",
            posted_on=dt.date(2027, 1, 4), tipoff_phone="12333", policy=POLICY, today=dt.date(2027, 1, 5),
        )


async def test_notice_input_is_checked(county):
    with pytest.raises(CasehubError, match="phone number is required"):
        await post(county, phone=" ")
    with pytest.raises(CasehubError, match="not in 2026-H1"):
        await post(county, period="2026-H1")
    with pytest.raises(CasehubError, match="2026-H1 or 2026-H2"):
        await post(county, period="2026-06")
    with pytest.raises(CasehubError, match="outside your scope"):
        await post(county, village=county.village(0, 2))
    await post(county)
    with pytest.raises(CasehubError, match="already has a notice"):
        await post(county, "township")


async def test_compliance_lists_every_village_with_missing_ones(county):
    await post(county)
    rows = await notices.notice_compliance(await county.viewer("township"), "2026-H2", policy=POLICY, as_of=TODAY)
    assert [(r.village.code, r.status) for r in rows] == [
        ("532922101001", NoticeStatus.POSTED), ("532922101002", NoticeStatus.MISSING),
        ("532922101003", NoticeStatus.MISSING),
    ]


async def test_roster_xlsx_masks_ids_and_defuses_formulas(county):
    village = county.village(0, 1)
    a = await county.recipient(village, name="=HYPERLINK(\"http://evil\",\"x\")")
    b = await county.recipient(village, name="李四")
    await county.recipient(village, name="@SUM(1)")
    dead = await county.recipient(village, name="王五")
    await set_state(a, next_due=dt.date(2027, 3, 1), last_certified_on=dt.date(2026, 3, 1))
    await set_state(b, status=EntitlementStatus.SUSPENDED)
    await set_state(dead, status=EntitlementStatus.ENDED)
    notice = await post(county, phone="+86 872 1234567")
    filename, content = await notices.roster_xlsx(await county.viewer("village"), notice.id, policy=POLICY)
    assert filename == "notice-532922101001-2026-H2.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert "不少于7个工作日（2026年10月12日前不得撤下）" in values[1][0]
    assert values[4] == ("序号", "姓名", "身份证号码", "险种", "认证状态", "最近认证日期", "下次认证截止日期")
    lines = {row[1]: row for row in values[5:]}
    assert set(lines) == {"'=HYPERLINK(\"http://evil\",\"x\")", "李四", "'@SUM(1)"}  # the dead are not posted
    assert lines["李四"][2] == "532922********" + b.id_number[-4:]
    assert lines["李四"][4] == "暂停发放"
    assert lines["'=HYPERLINK(\"http://evil\",\"x\")"][4:] == ("正常领取", "2026-03-01", "2027-03-01")
    assert lines["'@SUM(1)"][4] == "待认证核算"  # no projection yet
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"  # no cell is a formula
    assert await AuditEntry.filter(action="EXPORT_NOTICE_ROSTER").count() == 1


def test_cell_value_escapes_every_trigger():
    for trigger in ("=", "+", "-", "@", "\t", "\r"):
        assert cell_value(f"{trigger}1+1") == f"'{trigger}1+1"
    assert cell_value("\x01=cmd") == "'=cmd"  # a control character cannot hide a formula
    assert cell_value("张三") == "张三"


async def test_r_pub_2_tip_offs_are_closed_or_referred(county):
    notice = await post(county)
    suspect = await county.recipient(county.village(0, 1))
    received = dt.datetime(2026, 10, 9, 9, 30, tzinfo=dt.UTC)
    village = await county.viewer("village")
    first = await notices.record_tip_off(village, notice.id, content="3组李某已于8月去世，仍在领取",
                                         phone="13900001111", received_at=received,
                                         person_id_number=suspect.id_number)
    second = await notices.record_tip_off(village, notice.id, content="名单有错字", received_at=received)
    assert first.status is TipOffStatus.OPEN and second.phone is None

    township = await county.viewer("township")
    referred = await notices.refer_tip_off(township, first.id, reason="需要核实死亡时间")
    closed = await notices.close_tip_off(township, second.id, finding="已更正名单")
    assert referred.status is TipOffStatus.REFERRED and closed.status is TipOffStatus.CLOSED
    referral = await InvestigationReferral.get(id=referred.referral_id)
    assert (referral.source, referral.person_id) == (ReferralSource.TIP_OFF, suspect.id)
    assert referral.investigation_id is None  # part B's investigation takes it up
    with pytest.raises(CasehubError, match="already closed"):
        await notices.close_tip_off(township, second.id, finding="again")
    stored = await TipOff.get(id=second.id)
    assert (stored.finding, stored.handled_by_id) == ("已更正名单", county.staff["township"].id)
    actions = await AuditEntry.all().order_by("id").values_list("action", flat=True)
    assert actions[-5:] == ["RECORD_TIP_OFF", "RECORD_TIP_OFF", "REFER_TO_INVESTIGATION", "REFER_TIP_OFF",
                            "CLOSE_TIP_OFF"]
    # another township's staff cannot see, let alone handle, this village's tip-offs
    with pytest.raises(CasehubError, match="in your scope"):
        await notices.record_tip_off(await county.viewer("unit"), notice.id, content="x", received_at=received)
