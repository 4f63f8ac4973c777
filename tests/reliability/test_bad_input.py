"""Bad input (tracker issue 8, part 3): every file of the corpus in tests/data/bad/ gives clear errors naming
the row and the column, records only its valid rows, and leaves every event already recorded as it was.

One table: file → the (row, field, code) set it must report and how many events it records. The corpus is
written by tests/data/bad/make_corpus.py, which says what each file holds.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from casehub.adapters.importer import import_source
from casehub.adapters.plugins import make_plugin_manager
from casehub.audit import verify_chain, verify_events
from casehub.auth import viewer_for_staff
from casehub.domain import Role
from casehub.models import Event, Person, Region
from casehub.policy import default_policy
from casehub.processes import notices
from tests import factories
from tests.data.bad.make_corpus import FORMULAS
from tests.factories import csv_bytes, id_number

from .helpers import casehub, event_fingerprint

BAD = Path(__file__).parents[1] / "data" / "bad"
POLICY = default_policy()
F = "file"  # the field of a whole-file error
ID, TIME, RESULT = "身份证号码", "认证时间", "认证结果"

# file: (adapter, events recorded, {(row, field, code), …}); row None = the file as a whole
CORPUS: dict[str, tuple[str, int, set[tuple[int | None, str | None, str]]]] = {
    "app_invalid_id_numbers.csv": ("app_results", 1, {
        (3, ID, "INVALID_CHECK_DIGIT"), (4, ID, "INVALID_LENGTH"), (5, ID, "INVALID_FORMAT"),
        (6, ID, "INVALID_COMPONENT"), (7, ID, "INVALID_COMPONENT"), (8, ID, "UNKNOWN_PERSON"), (9, ID, "REQUIRED"),
    }),
    "app_impossible_dates.csv": ("app_results", 1, {
        (2, TIME, "INVALID_DATE"), (3, TIME, "INVALID_DATE"), (4, TIME, "FUTURE_DATE"), (5, TIME, "INVALID_DATE"),
        (7, TIME, "INVALID_DATE"), (8, TIME, "INVALID_DATE"),
    }),
    "app_duplicate_rows.csv": ("app_results", 2, set()),  # the same record twice is recorded once (R-TL-3)
    "app_truncated.csv": ("app_results", 2, {(4, RESULT, "REQUIRED"), (4, TIME, "INVALID_DATE")}),
    "app_unterminated_quote.csv": ("app_results", 0, {(3, F, "MALFORMED_ROW")}),
    "app_nul_byte.csv": ("app_results", 1, {(3, "流水号", "CONTROL_CHARACTER")}),
    "app_huge_cell.csv.gz": ("app_results", 2, {(3, "失败原因", "FIELD_TOO_LONG")}),
    "app_mixed_encoding.csv": ("app_results", 0, {(4, F, "MIXED_ENCODING")}),
    "app_utf16_without_bom.csv": ("app_results", 0, {(None, F, "UNREADABLE_FILE")}),
    "app_latin1.csv": ("app_results", 0, {(None, F, "UNREADABLE_FILE")}),
    "app_formula_injection.csv": ("app_results", 2, set()),  # data is data: stored as written, never evaluated
    "app_truncated.json": ("app_results", 0, {(19, F, "UNREADABLE_FILE")}),
    "app_wrong_types.json": ("app_results", 1, {
        (2, TIME, "INVALID_DATE"), (3, RESULT, "INVALID_VALUE"), (4, ID, "INVALID_LENGTH"), (5, ID, "REQUIRED"),
        (5, TIME, "INVALID_DATE"),
    }),
    "app_not_objects.json": ("app_results", 0, {(None, F, "UNREADABLE_FILE")}),
    "paper_truncated.xlsx": ("paper_forms", 0, {(None, F, "UNREADABLE_FILE")}),
    "paper_not_a_workbook.xlsx": ("paper_forms", 0, {(None, F, "UNREADABLE_FILE")}),
    "paper_formulas_and_dates.xlsx": ("paper_forms", 1, {
        (3, ID, "REQUIRED"),  # a formula is never read as the ID number it displays
        (4, "确认日期", "INVALID_DATE"), (5, "确认日期", "FUTURE_DATE"),
        (6, "村民小组长签字", "MISSING_SIGNATURE"),  # nor as a signature
        (8, "姓名", "FIELD_TOO_LONG"),
    }),
    "death_records_bad.csv": ("death_records", 1, {
        (2, "死亡日期", "FUTURE_DATE"), (3, "死亡日期", "INVALID_DATE"), (4, ID, "INVALID_CHECK_DIGIT"),
        (6, "死亡日期", "REQUIRED"), (6, "数据来源", "INVALID_VALUE"),
    }),
    "judicial_malformed.jsonl": ("judicial", 1, {
        (2, None, "UNREADABLE_ROW"), (3, "record", "INVALID_VALUE"), (4, "date", "INVALID_DATE"),
        (5, "measure", "INVALID_VALUE"), (6, None, "UNREADABLE_ROW"),
    }),
}  # fmt: skip


def read(name: str) -> tuple[str, bytes]:
    """(the name to import it under, its bytes): .gz files are stored compressed."""
    data = (BAD / name).read_bytes()
    return (name[:-3], gzip.decompress(data)) if name.endswith(".gz") else (name, data)


def test_the_corpus_table_covers_every_file():
    assert {p.name for p in BAD.iterdir() if p.suffix != ".py" and p.name != "__pycache__"} == set(CORPUS)


async def recorded_before() -> int:
    """Some events already on the timeline, as a bureau's would be: a good export of recipients 0..9."""
    rows = [[f"受益人{i}", id_number(i), "2024-01-02 09:00:00", "通过", f"BASE-{i}"] for i in range(10)]
    pm = make_plugin_manager(load_entrypoints=False)
    batch = await import_source(pm, "app_results", csv_bytes(["姓名", ID, TIME, RESULT, "流水号"], rows), "base.csv")
    assert batch.accepted == 10
    return await Event.all().count()


@pytest.mark.parametrize("name", list(CORPUS))
async def test_a_bad_file_names_each_row_and_field_and_changes_nothing_recorded(db, name):
    await factories.people(10)
    clerk = await factories.staff()
    before = await recorded_before()
    last_id = await Event.all().order_by("-id").first().values_list("id", flat=True)
    fingerprint = await event_fingerprint()
    adapter, recorded, expected = CORPUS[name]
    filename, data = read(name)

    batch = await import_source(make_plugin_manager(load_entrypoints=False), adapter, data, filename, staff=clerk)

    found = {(e["row"], e["field"], e["code"]) for e in batch.errors}
    assert found == expected, batch.errors
    assert all(e["message"] and len(e["message"]) < 300 for e in batch.errors)  # a sentence, not a dump
    assert batch.status == ("FAILED" if any(field == F for _, field, _ in expected) else "DONE")
    assert batch.accepted == recorded and batch.rejected == len({row for row, field, _ in expected if field != F})
    assert await Event.all().count() == before + recorded
    assert await event_fingerprint(last_id) == fingerprint  # nothing already recorded changed
    assert await verify_chain() is None and await verify_events() is None


async def test_formula_cells_are_stored_as_written(db):
    """Imported text is data: kept verbatim (the evidence of what the source said), never evaluated."""
    await factories.people(10)
    filename, data = read("app_formula_injection.csv")
    await import_source(make_plugin_manager(load_entrypoints=False), "app_results", data, filename)
    failed = await Event.get(natural_key="app_results:serial:F-0")
    assert failed.payload["reason"] == FORMULAS[3] and failed.payload["app"] == FORMULAS[1]
    assert await Event.exists(natural_key=f"app_results:serial:{FORMULAS[2]}")


async def test_no_formula_reaches_an_xlsx_export_unescaped(db):
    """The public-notice roster (the XLSX export; also served by GraphQL): names and place names that
    look like formulas are written as text, so a spreadsheet never evaluates them."""
    regions = await factories.region_tree()
    village = regions["532922101001"]
    await Region.filter(id=village.id).update(name=FORMULAS[0])
    hostile = [*FORMULAS, "\t=1+1", "\r=1+1", " =1+1", "-1", "+1", "@A1"]
    for name in hostile:
        await factories.recipient(village, name=name)
    assistant = await viewer_for_staff((await factories.staff(Role.VILLAGE_ASSISTANT, region=village)).id)
    notice = await notices.create_notice(
        assistant, village_code=village.code, period="2026-H2", posted_on=dt.date(2026, 9, 28),
        tipoff_phone="0872-1234567", policy=POLICY, today=dt.date(2026, 11, 20),
    )
    _, content = await notices.roster_xlsx(assistant, notice.id, policy=POLICY)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(part) and b"<f " not in archive.read(part), part
    book = openpyxl.load_workbook(io.BytesIO(content))
    texts = [c.value for row in book.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)
    assert not [t for t in texts if t[:1] in ("=", "+", "-", "@", "\t", "\r")]
    names = {n for n in texts if any(n.endswith(h.strip()) for h in hostile)}
    assert len(names) >= len(hostile) - 1  # each hostile name is there, as text
    assert await Person.filter(name__in=hostile).count() == len(hostile)


@pytest.mark.parametrize("name", ["app_huge_cell.csv.gz", "app_unterminated_quote.csv", "app_mixed_encoding.csv",
                                  "paper_truncated.xlsx", "app_nul_byte.csv"])  # fmt: skip
def test_the_import_command_reports_bad_files_without_a_traceback(tmp_path, name):
    url = f"sqlite://{tmp_path / 'cli.sqlite3'}"
    assert casehub(["migrate"], url).returncode == 0
    filename, data = read(name)
    (tmp_path / filename).write_bytes(data)
    adapter = CORPUS[name][0]
    done = casehub(["import", adapter, str(tmp_path / filename)], url)
    assert "Traceback" not in done.stdout + done.stderr
    whole_file = any(field == F for _, field, _ in CORPUS[name][2])
    assert done.returncode == (1 if whole_file else 0), done.stdout + done.stderr
    codes = {code for _, _, code in CORPUS[name][2]}
    assert any(code in done.stdout for code in codes), done.stdout
