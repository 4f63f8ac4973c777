"""judicial: custody measures, sentences and releases as JSON lines (R-JUD-1..3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casehub.adapters.base import RowError, SourceRecord
from casehub.adapters.builtin.judicial import JudicialAdapter
from casehub.adapters.importer import import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.domain import CaseOutcome, CustodyMeasure, EventType, Penalty
from casehub.models import Event
from tests import factories
from tests.factories import id_number

DATA = Path(__file__).parents[1] / "data"


def items() -> list[SourceRecord | RowError]:
    return list(JudicialAdapter().parse((DATA / "judicial.jsonl").read_bytes(), "judicial.jsonl"))


def test_r_jud_1_records_become_events_with_domain_enums():
    adapter = JudicialAdapter()
    records = [i for i in items() if isinstance(i, SourceRecord)][:4]
    assert all(adapter.validate(r) == [] for r in records)
    drafts = [d for r in records for d in adapter.to_drafts(r)]
    assert [d.type for d in drafts] == [
        EventType.CUSTODY_STARTED, EventType.CUSTODY_ENDED, EventType.SENTENCED, EventType.SENTENCE_ENDED,
    ]  # fmt: skip
    started, ended, sentenced, released = drafts
    assert started.payload["measure"] is CustodyMeasure.BAIL  # 取保候审
    assert started.payload["reported_on"] == dt.date(2024, 1, 20)  # R-RPT-1
    assert ended.payload["outcome"] is CaseOutcome.NOT_PROSECUTED  # R-JUD-2: months paid back
    assert ended.id_number == id_number(0) and ended.occurred_on == dt.date(2024, 3, 1)
    assert sentenced.payload == {
        "case_ref": "(2024)云2922刑初8号", "penalty": Penalty.FIXED_TERM, "suspended": False, "outside_prison": False,
    }  # fmt: skip
    assert released.natural_key == "judicial:id:JY-2025-77"
    assert started.natural_key == f"judicial:CUSTODY_STARTED:{id_number(0)}:漾公(刑)字[2024]12号:2024-01-05"


def test_invalid_records_name_line_field_and_reason():
    adapter = JudicialAdapter()
    *_, bad_penalty, no_measure, unreadable = items()
    [e] = adapter.validate(bad_penalty)
    assert (e.row, e.field, e.code) == (5, "penalty", "INVALID_VALUE") and "罚款" in e.message
    [e] = adapter.validate(no_measure)
    assert (e.row, e.field, e.code) == (6, "measure", "REQUIRED")
    assert isinstance(unreadable, RowError) and (unreadable.row, unreadable.code) == (7, "UNREADABLE_ROW")


async def test_import_judicial_file(db):
    await factories.people(3)
    pm = make_plugin_manager(load_entrypoints=False)
    data = (DATA / "judicial.jsonl").read_bytes()
    batch = await import_source(pm, "judicial", data, "judicial.jsonl")
    assert (batch.accepted, batch.duplicates, batch.rejected) == (4, 0, 3)
    assert [e["row"] for e in batch.errors] == [5, 6, 7]
    sentenced = await Event.get(type=EventType.SENTENCED)
    assert sentenced.payload["penalty"] == "FIXED_TERM" and sentenced.source_row == 3
    again = await import_source(pm, "judicial", data, "judicial.jsonl")
    assert (again.accepted, again.duplicates) == (0, 4)
