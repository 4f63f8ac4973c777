"""app_results: 云南人社12333 / 一部手机办事通 face-recognition exports (R-CYC-4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from casehub.adapters.base import RowError, SourceError, SourceRecord
from casehub.adapters.builtin.app_results import AppResultsAdapter
from casehub.adapters.importer import import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.domain import Channel, EventType
from casehub.models import Event, ImportBatch
from tests import factories
from tests.factories import csv_bytes, id_number

DATA = Path(__file__).parents[1] / "data"


def parse(name: str) -> list[SourceRecord | RowError]:
    return list(AppResultsAdapter().parse((DATA / name).read_bytes(), name))


def test_gb18030_export_with_chinese_headings_and_a_title_row():
    records = parse("app_results_gb18030.csv")
    assert [r.row for r in records] == [3, 4, 5, 6, 7, 8]
    first = records[0]
    assert (first.get("name"), first.get("id_number"), first.get("result")) == ("受益人0", id_number(0), "通过")
    assert first.column("serial") == "流水号"


def test_utf8_with_bom_and_json_exports_read_the_same():
    bom = parse("app_results_utf8_bom.csv")
    assert [r.get("id_number") for r in bom] == [id_number(0), id_number(1)]
    js = parse("app_results.json")
    assert [r.get("serial") for r in js] == ["J-1", "J-2"]


def test_r_cyc_4_passed_is_an_app_certification_and_failed_is_not():
    adapter = AppResultsAdapter()
    passed, failed, no_serial = parse("app_results_gb18030.csv")[:3]
    [draft] = adapter.to_drafts(passed)
    assert (draft.type, draft.payload["channel"], draft.occurred_on) == (
        EventType.CERTIFIED, Channel.APP_SELF, dt.date(2024, 3, 5),
    )  # fmt: skip
    assert draft.natural_key == "app_results:serial:YN12333-0001"
    assert draft.payload["app"] == "云南人社12333" and draft.evidence == ("serial:YN12333-0001",)
    [fail] = adapter.to_drafts(failed)
    assert fail.type is EventType.CERTIFICATION_FAILED and fail.payload["reason"] == "活体检测失败"
    [keyed] = adapter.to_drafts(no_serial)  # no 流水号: ID number + exact time
    assert keyed.natural_key == f"app_results:{id_number(2)}:20240307T083000"


def test_json_times_are_taken_in_beijing_time():
    records = parse("app_results.json")
    drafts = [d for r in records for d in AppResultsAdapter().to_drafts(r)]
    assert [d.occurred_on for d in drafts] == [dt.date(2024, 3, 5), dt.date(2024, 3, 6)]
    assert drafts[1].type is EventType.CERTIFICATION_FAILED


def test_validation_names_row_field_code_and_reason():
    adapter = AppResultsAdapter()
    records = parse("app_results_gb18030.csv")
    bad_id, bad_date = records[3], records[4]
    [e] = adapter.validate(bad_id)
    assert (e.row, e.field, e.code) == (6, "身份证号码", "INVALID_CHECK_DIGIT")
    assert "check digit" in e.message
    [e] = adapter.validate(bad_date)
    assert (e.row, e.field, e.code) == (7, "认证时间", "INVALID_DATE")
    data = csv_bytes(["身份证号码", "认证时间", "认证结果"], [["", "2099-01-01", "也许"]])
    [record] = adapter.parse(data, "x.csv")
    assert sorted((e.field, e.code) for e in adapter.validate(record)) == [
        ("认证时间", "FUTURE_DATE"), ("认证结果", "INVALID_VALUE"), ("身份证号码", "REQUIRED"),
    ]  # fmt: skip


def test_a_file_of_another_kind_is_refused_whole():
    with pytest.raises(SourceError, match="required column"):
        list(AppResultsAdapter().parse(csv_bytes(["a", "b"], [["1", "2"]]), "x.csv"))
    with pytest.raises(SourceError, match="reads csv"):
        AppResultsAdapter().parse(b"", "x.pdf")


async def test_import_records_good_rows_reports_bad_ones_and_is_idempotent(db):
    await factories.people(5)
    pm = make_plugin_manager(load_entrypoints=False)
    data = (DATA / "app_results_gb18030.csv").read_bytes()
    batch = await import_source(pm, "app_results", data, "app_results_gb18030.csv")
    assert (batch.status, batch.accepted, batch.duplicates, batch.rejected) == ("DONE", 3, 0, 3)
    assert [(e["row"], e["code"]) for e in batch.errors] == [
        (6, "INVALID_CHECK_DIGIT"), (7, "INVALID_DATE"), (8, "UNKNOWN_PERSON"),
    ]  # fmt: skip
    types = await Event.all().order_by("source_row").values_list("type", "source_row", "batch_id")
    assert types == [
        (EventType.CERTIFIED, 3, batch.id), (EventType.CERTIFICATION_FAILED, 4, batch.id),
        (EventType.CERTIFIED, 5, batch.id),
    ]  # fmt: skip

    again = await import_source(pm, "app_results", data, "app_results_gb18030.csv")
    assert again.id != batch.id
    assert (again.status, again.accepted, again.duplicates, again.rejected) == ("DONE", 0, 3, 3)
    assert await Event.all().count() == 3
    stored = await ImportBatch.get(id=batch.id)  # queryable afterwards
    assert stored.sha256 == again.sha256 and len(stored.errors) == 3
