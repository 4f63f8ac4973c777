"""paper_forms: paper confirmation forms and township summary sheets (R-PAP-1..6)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from types import MappingProxyType

from openpyxl import Workbook

from casehub.adapters.builtin.paper_forms import PaperFormsAdapter
from casehub.adapters.importer import import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.domain import Channel, EventType, Scheme
from casehub.models import Event
from casehub.policy import default_policy
from tests import factories
from tests.factories import bad_check_digit, csv_bytes, id_number

FORM_HEADER = [
    "表单编号", "姓名", "身份证号码", "险种", "确认日期", "村民小组长签字", "村级协办员签字", "村(社区)主任签字",
    "单位经办人签字", "单位负责人签字", "经办人员1签字", "经办人员2签字", "单位印章", "照片", "视频",
]  # fmt: skip
FORMS = [
    # row 3: complete resident-pension form (R-PAP-1)
    ["F-001", "受益人0", id_number(0), "城乡居民基本养老保险", dt.datetime(2024, 3, 5),
     "李组长", "王协办", "赵主任", None, None, None, None, None, "IMG_0012.jpg", None],
    # row 4: resident pension without group leader nor photo/video (R-PAP-6: both named)
    ["F-002", "受益人1", id_number(1), "城乡居民基本养老保险", "2024-03-05",
     None, "王协办", "赵主任", None, None, None, None, None, None, None],
    # row 5: agency pension without the unit seal (R-PAP-3)
    ["F-003", "受益人2", id_number(2), "机关事业单位基本养老保险", "2024-03-06",
     None, None, None, "钱经办", "孙局长", None, None, "无", None, "VID_0003.mp4"],
    # row 6: enterprise pension with one staff signature of two (R-PAP-4)
    ["F-004", "受益人3", id_number(3), "ENTERPRISE_PENSION", "2024-03-06",
     None, None, None, None, None, "周经办", None, "√", "IMG_7.jpg", None],
    # row 7: ID number failing its check digit (R-PAP-5)
    ["F-005", "某某", bad_check_digit(id_number(4)), "城乡居民基本养老保险", "2024-03-06",
     "李组长", "王协办", "赵主任", None, None, None, None, None, "IMG_8.jpg", None],
    # row 8: a person nobody registered (R-PAP-5)
    ["F-006", "无名氏", id_number(900), "城乡居民基本养老保险", "2024-03-06",
     "李组长", "王协办", "赵主任", None, None, None, None, None, "IMG_9.jpg", None],
    # row 9: complete agency form for someone who only holds a resident pension
    ["F-007", "受益人0", id_number(0), "机关事业单位基本养老保险", "2024-03-06",
     None, None, None, "钱经办", "孙局长", None, None, "有", "IMG_10.jpg", None],
]  # fmt: skip
SUMMARY_HEADER = ["汇总表编号", "乡镇", "汇总日期", "社保中心负责人签字", "分管领导签字", "社保中心印章", "附件材料"]
SUMMARIES = [
    ["H-01", "苍山西镇", "2024-03-10", "杨主任", "段副镇长", "有", "确认表7份;照片7张"],
    ["H-02", "苍山西镇", "2024-03-11", "杨主任", None, None, None],
]


def workbook() -> bytes:
    book = Workbook()
    forms = book.active
    forms.title = "确认表"
    forms.append(["漾濞县社会保险待遇领取资格现场确认登记台账"])
    forms.append(FORM_HEADER)
    for row in FORMS:
        forms.append(row)
    summary = book.create_sheet("乡镇汇总表")
    summary.append(SUMMARY_HEADER)
    for row in SUMMARIES:
        summary.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors_by_row(adapter: PaperFormsAdapter, data: bytes, filename: str) -> dict[tuple[str | None, int], list]:
    return {(r.sheet, r.row): adapter.validate(r) for r in adapter.parse(data, filename)}


def test_r_pap_6_a_rejected_form_names_every_missing_item():
    found = errors_by_row(PaperFormsAdapter(), workbook(), "ledger.xlsx")
    assert found[("确认表", 3)] == []
    assert [(e.field, e.code) for e in found[("确认表", 4)]] == [
        ("村民小组长签字", "MISSING_SIGNATURE"), ("照片或视频", "MISSING_EVIDENCE"),
    ]  # fmt: skip
    assert "村民小组长" in found[("确认表", 4)][0].message
    [seal] = found[("确认表", 5)]
    assert (seal.code, seal.field) == ("MISSING_SEAL", "单位印章") and "UNIT_SEAL" in seal.message
    [staff] = found[("确认表", 6)]
    assert staff.code == "MISSING_SIGNATURE" and "1 of 2" in staff.message and "STAFF" in staff.message


def test_r_pap_5_a_bad_check_digit_is_rejected_with_the_reason():
    found = errors_by_row(PaperFormsAdapter(), workbook(), "ledger.xlsx")
    [e] = found[("确认表", 7)]
    assert (e.field, e.code, e.sheet) == ("身份证号码", "INVALID_CHECK_DIGIT", "确认表")


def test_r_pap_2_township_summary_needs_head_leader_seal_and_materials():
    found = errors_by_row(PaperFormsAdapter(), workbook(), "ledger.xlsx")
    assert found[("乡镇汇总表", 2)] == []
    assert [e.code for e in found[("乡镇汇总表", 3)]] == ["MISSING_SIGNATURE", "MISSING_SEAL", "MISSING_ATTACHMENTS"]
    assert "分管领导" in found[("乡镇汇总表", 3)][0].message


def test_an_accepted_form_is_an_onsite_paper_certification_with_its_evidence():
    adapter = PaperFormsAdapter()
    first = next(iter(adapter.parse(workbook(), "ledger.xlsx")))
    [draft] = adapter.to_drafts(first)
    assert (draft.type, draft.scheme, draft.occurred_on) == (
        EventType.CERTIFIED,
        Scheme.RESIDENT_PENSION,
        dt.date(2024, 3, 5),
    )
    assert draft.payload["channel"] == Channel.ONSITE_PAPER
    assert draft.payload["signatures"] == {"VILLAGE_GROUP_LEADER": ["李组长"], "VILLAGE_ASSISTANT": ["王协办"],
                                           "VILLAGE_DIRECTOR": ["赵主任"]}  # fmt: skip
    assert draft.payload["policy_version"] == "yunnan-2023"  # R-POL-1: the version in force on 2024-03-05
    assert draft.evidence == ("form:F-001", "IMG_0012.jpg")
    assert draft.natural_key == "paper_forms:RESIDENT_PENSION:F-001"


def test_required_sets_come_from_the_policy_version_in_force():
    policy = default_policy()
    relaxed = tuple(
        dataclasses.replace(v, paper_forms=MappingProxyType({
            **v.paper_forms,
            Scheme.RESIDENT_PENSION: dataclasses.replace(v.paper_forms[Scheme.RESIDENT_PENSION], evidence=()),
        }))
        for v in policy.versions
    )  # fmt: skip
    adapter = PaperFormsAdapter(policy=dataclasses.replace(policy, versions=relaxed))
    found = errors_by_row(adapter, workbook(), "ledger.xlsx")
    assert [e.code for e in found[("确认表", 4)]] == ["MISSING_SIGNATURE"]  # no photo needed any more


def test_csv_ledger_with_a_summary_row():
    data = csv_bytes(
        ["表单类型", *FORM_HEADER, "社保中心负责人签字", "分管领导签字", "社保中心印章", "附件材料"],
        [["确认表", *[c.date().isoformat() if isinstance(c, dt.datetime) else c for c in FORMS[0]], *[None] * 4],
         ["汇总表", "H-9", None, None, None, "2024-03-10", *[None] * 10, "杨主任", "段副镇长", "有", "材料"]],
        encoding="gb18030",
    )  # fmt: skip
    adapter = PaperFormsAdapter()
    records = list(adapter.parse(data, "ledger.csv"))
    assert [adapter.validate(r) for r in records] == [[], []]
    assert [len(adapter.to_drafts(r)) for r in records] == [1, 0]


async def test_import_ledger_records_only_complete_forms_of_known_recipients(db):
    await factories.people(4)  # F-007 (agency pension) has no entitlement
    staff = await factories.staff(username="clerk")
    pm = make_plugin_manager(load_entrypoints=False)
    batch = await import_source(pm, "paper_forms", workbook(), "ledger.xlsx", staff="clerk")
    assert (batch.status, batch.accepted, batch.duplicates) == ("DONE", 1, 0)
    codes = {(e.get("sheet"), e["row"]): e["code"] for e in batch.errors}
    assert codes[("确认表", 8)] == "UNKNOWN_PERSON"
    assert codes[("确认表", 9)] == "NO_ENTITLEMENT"
    assert batch.rejected == 7  # rows 4–9 of the forms, row 3 of the summaries
    [event] = await Event.all()
    assert (event.staff_id, event.entitlement_id is not None, event.payload["form_number"]) == (staff.id, True, "F-001")
