"""The medinsurance plugin: settlement feed parsing, R-CYC-4 certification, discovery, import."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
import io

import casehub_medinsurance
import pytest
from casehub_medinsurance.adapter import MedicalSettlementAdapter

from casehub.adapters.importer import import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.domain import Channel, EventType, RegionLevel
from casehub.idnumber import make_id_number
from casehub.models import Event, Person, Region

ALICE = make_id_number("532922", dt.date(1948, 5, 1), 12)
BOB = make_id_number("532922", dt.date(1951, 7, 9), 31)
HEADER = ["结算流水号", "人员姓名", "人员证件号码", "结算时间", "医疗类别", "定点医药机构名称", "是否本人", "结算状态"]
ROWS = [
    ["S1", "张阿姨", ALICE, "2024-03-05 09:12:00", "门诊", "漾濞县人民医院", "是", "正常"],
    ["S2", "张阿姨", ALICE, "2024-03-05 16:40:00", "药店购药", "一心堂漾濞店", "是", "正常"],  # same day
    ["S3", "李大爷", BOB, "2024-03-07 10:00:00", "药店购药", "一心堂漾濞店", "否", "正常"],  # by an agent
    ["S4", "李大爷", BOB, "2024-03-08 10:00:00", "住院", "漾濞县人民医院", "是", "冲销"],  # reversed
    ["S5", "李大爷", BOB, "2024-03-09 10:00:00", "住院", "漾濞县人民医院", "是", "正常"],
]


def feed(rows=ROWS) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode("gb18030")


def test_r_cyc_4_a_settlement_in_person_is_a_data_comparison_certification():
    adapter = MedicalSettlementAdapter()
    first, _, agent, reversed_, _ = adapter.parse(feed(), "settlements.csv")
    assert adapter.validate(first) == []
    [draft] = adapter.to_drafts(first)
    assert (draft.type, draft.occurred_on, draft.id_number) == (EventType.CERTIFIED, dt.date(2024, 3, 5), ALICE)
    assert draft.payload == {
        "channel": Channel.DATA_COMPARISON, "source": "MEDICAL_INSURANCE", "kind": "OUTPATIENT",
        "institution": "漾濞县人民医院",
    }  # fmt: skip
    assert draft.evidence == ("settlement:S1",)
    assert [(e.row, e.field, e.code) for e in adapter.validate(agent)] == [(4, "是否本人", "NOT_IN_PERSON")]
    assert [e.code for e in adapter.validate(reversed_)] == ["REVERSED_SETTLEMENT"]


def test_plugin_registers_its_adapter():
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(casehub_medinsurance, name="medinsurance")
    assert pm.adapters()["medinsurance"] is MedicalSettlementAdapter
    assert not pm.broken


def test_discovered_through_the_casehub_entry_point():
    names = {ep.name for ep in importlib.metadata.entry_points(group="casehub")}
    if "medinsurance" not in names:
        pytest.skip("casehub-medinsurance is not installed (pip install -e plugins/casehub-medinsurance)")
    pm = make_plugin_manager()
    assert pm.adapter_plugin("medinsurance") == "medinsurance"


async def test_import_one_certification_per_person_per_day(casehub_db):
    village = await Region.create(code="532922", name="漾濞彝族自治县", level=RegionLevel.COUNTY)
    for number in (ALICE, BOB):
        await Person.create(id_number=number, name="x", village=village)
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(casehub_medinsurance, name="medinsurance")
    batch = await import_source(pm, "medinsurance", feed(), "settlements.csv")
    assert (batch.status, batch.accepted, batch.duplicates, batch.rejected) == ("DONE", 2, 1, 2)
    events = await Event.all().order_by("occurred_on")
    assert [(e.occurred_on, e.payload["channel"]) for e in events] == [
        (dt.date(2024, 3, 5), "DATA_COMPARISON"), (dt.date(2024, 3, 9), "DATA_COMPARISON"),
    ]  # fmt: skip
