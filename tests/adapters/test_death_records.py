"""death_records: civil affairs, cremation, hospital and household-registry deaths (R-DTH-5, R-PAY-4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casehub.adapters.builtin.death_records import DeathRecordsAdapter
from casehub.adapters.importer import import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.domain import EventType
from casehub.models import Event
from tests import factories
from tests.factories import csv_bytes, id_number

DATA = Path(__file__).parents[1] / "data"


def records():
    return list(DeathRecordsAdapter().parse((DATA / "death_records_gbk.csv").read_bytes(), "deaths.csv"))


def test_r_dth_5_a_death_record_is_a_died_event_on_the_date_of_death():
    adapter = DeathRecordsAdapter()
    cremation = records()[0]
    assert adapter.validate(cremation) == []
    [draft] = adapter.to_drafts(cremation)
    assert (draft.type, draft.occurred_on, draft.id_number) == (EventType.DIED, dt.date(2019, 6, 15), id_number(0))
    assert draft.payload == {
        "source": "CREMATION", "certificate": "HH-2019-031", "reported_by": "漾濞县殡仪馆",
        "reported_on": dt.date(2024, 5, 10),
    }  # fmt: skip
    assert draft.natural_key == f"death_records:CREMATION:{id_number(0)}:2019-06-15"


def test_impossible_deaths_are_rejected_with_reasons():
    adapter = DeathRecordsAdapter()
    before_birth, unknown_source = records()[3:5]
    [e] = adapter.validate(before_birth)
    assert (e.row, e.field, e.code) == (5, "死亡日期", "INVALID_DATE") and "birth date" in e.message
    errors = adapter.validate(unknown_source)
    assert [(e.field, e.code) for e in errors] == [("数据来源", "INVALID_VALUE")]
    data = csv_bytes(
        ["身份证号码", "死亡日期", "数据来源", "报告日期"], [[id_number(1), "2024-05-02", "民政", "2024-05-01"]]
    )
    [record] = DeathRecordsAdapter().parse(data, "d.csv")
    [e] = DeathRecordsAdapter().validate(record)
    assert (e.field, e.code) == ("报告日期", "INVALID_DATE")


async def test_r_pay_4_a_death_years_old_is_recorded_when_it_arrives(db):
    await factories.people(3)
    pm = make_plugin_manager(load_entrypoints=False)
    batch = await import_source(pm, "death_records", (DATA / "death_records_gbk.csv").read_bytes(), "deaths.csv")
    assert (batch.accepted, batch.rejected) == (3, 2)
    old = await Event.get(person__id_number=id_number(0))
    assert old.occurred_on == dt.date(2019, 6, 15)
    assert old.recorded_at.date() > dt.date(2024, 1, 1)  # learned now, happened then (R-TL-2)
    # the same death from two sources is two pieces of evidence; from one source, one
    assert await Event.filter(person__id_number=id_number(1), type=EventType.DIED).count() == 2
