"""Shared adapter helpers: encodings, headers, dates, ID numbers (no database)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casehub.adapters.base import (
    CHINA_TZ,
    Adapter,
    Columns,
    SourceError,
    check_id_number,
    decode_text,
    parse_date,
    parse_datetime,
    person_row_errors,
    read_csv,
    read_json,
)
from casehub.errors import ValidationError
from casehub.idnumber import make_id_number, parse_id_number
from tests.factories import bad_check_digit, csv_bytes, id_number

COLUMNS = Columns(
    aliases={"name": ("姓名",), "id_number": ("身份证号码", "身份证号")}, required=frozenset({"id_number"})
)


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8", "utf-8-sig", "utf-16"])
def test_decode_text_reads_every_encoding_the_exports_use(encoding):
    text = "姓名,身份证号码\n张三丰,532922195003040004\n"
    assert decode_text(text.encode(encoding), ["身份证号码"]) == text


def test_decode_text_refuses_binary_with_a_clear_reason():
    with pytest.raises(SourceError, match="neither UTF-8 nor GB18030"):
        decode_text(b"\x81\x20\xff\xfe\x00\x81")


def test_header_row_is_found_below_a_title_row():
    data = csv_bytes(["云南省待遇资格认证结果"], [["序号", "姓名", "身份证号码 *"], ["1", "张三", id_number(1)]])
    [record] = list(read_csv(data, COLUMNS))
    assert record.row == 3  # the spreadsheet row number a person sees
    assert record.get("id_number") == id_number(1)
    assert record.column("id_number") == "身份证号码 *"


def test_missing_required_column_rejects_the_whole_file_naming_it():
    with pytest.raises(SourceError, match=r"missing .*身份证号码"):
        list(read_csv(csv_bytes(["姓名", "电话"], [["张三", "1"]]), COLUMNS))


def test_json_lines_keep_line_numbers_and_report_unreadable_lines():
    data = b'{"\xe5\xa7\x93\xe5\x90\x8d": "a", "id_number": "1"}\n\nnot json\n{"id_number": "2"}\n'
    items = list(read_json(data, COLUMNS))
    assert [getattr(i, "row", None) for i in items] == [1, 3, 4]
    assert items[1].code == "UNREADABLE_ROW"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 10:22:33", dt.datetime(2024, 3, 5, 10, 22, 33, tzinfo=CHINA_TZ)),
        ("2024/3/5 9:05", dt.datetime(2024, 3, 5, 9, 5, tzinfo=CHINA_TZ)),
        ("20240305102233", dt.datetime(2024, 3, 5, 10, 22, 33, tzinfo=CHINA_TZ)),
        ("2024年3月5日", dt.datetime(2024, 3, 5, tzinfo=CHINA_TZ)),
        ("2024-03-04T18:00:00Z", dt.datetime(2024, 3, 5, 2, 0, tzinfo=CHINA_TZ)),  # Beijing date is the 5th
        ("2024-03-05T10:22:33+08:00", dt.datetime(2024, 3, 5, 10, 22, 33, tzinfo=CHINA_TZ)),
    ],
)
def test_parse_datetime_accepts_the_usual_export_forms(text, expected):
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["2024-02-30", "2024-13-01", "yesterday", "", "2024-03-05 25:00"])
def test_parse_date_refuses_what_is_not_a_date(text):
    assert parse_date(text) is None


def test_parse_date_takes_workbook_cells_as_they_are():
    assert parse_date(dt.datetime(2024, 3, 5, 23, 59)) == dt.date(2024, 3, 5)
    assert parse_date(dt.date(2024, 3, 5)) == dt.date(2024, 3, 5)


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    seq=st.integers(0, 999),
    area=st.sampled_from(["532922", "532901", "110101", "999999", "532900"]),
    tamper=st.booleans(),
)
def test_fast_id_check_agrees_with_parse_id_number(birth, seq, area, tamper):
    number = make_id_number(area, birth, seq)
    if tamper:
        number = bad_check_digit(number)
    try:
        expected = parse_id_number(number).number
    except ValidationError:
        expected = None
    assert check_id_number(number) == expected


class TwoFormats(Adapter):
    name = "two_formats"
    formats = ("csv", "jsonl")


DATED = Columns(
    aliases={"id_number": ("身份证号码",), "day": ("日期",), "note": ("备注",)},
    required=frozenset({"id_number", "day"}),
)


def test_read_records_reads_json_or_csv_by_the_format_and_refuses_others():
    adapter = TwoFormats()
    from_csv = list(adapter.read_records(csv_bytes(["身份证号码"], [[id_number(1)]], "gb18030"), "a.csv", COLUMNS))
    from_json = list(adapter.read_records(f'{{"身份证号码": "{id_number(1)}"}}\n'.encode(), "a.jsonl", COLUMNS))
    assert [r.get("id_number") for r in from_csv] == [r.get("id_number") for r in from_json] == [id_number(1)]
    with pytest.raises(SourceError, match="reads csv, jsonl files"):
        adapter.read_records(b"", "a.json", COLUMNS)


def test_person_row_errors_report_an_empty_field_once_and_every_bad_one():
    [empty, bad] = read_csv(csv_bytes(["身份证号码", "日期", "备注"], [["", "", "x"],
                                      [bad_check_digit(id_number(2)), "2999-01-01", ""]]), DATED)  # fmt: skip
    assert {(e.field, e.code) for e in person_row_errors(empty, DATED, date="day")} == {
        ("身份证号码", "REQUIRED"), ("日期", "REQUIRED")
    }
    assert [(e.field, e.code) for e in person_row_errors(bad, DATED, date="day")] == [
        ("身份证号码", "INVALID_CHECK_DIGIT"), ("日期", "FUTURE_DATE")
    ]
