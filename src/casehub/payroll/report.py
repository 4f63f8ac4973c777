"""The month's payroll adjustment list for the finance office (XLSX, openpyxl).

Three sheets: the adjustments (what changes against last month, with the rule and
the reason in Chinese), the recovery cases found (R-PAY-4) and a summary by kind.
Money is in fen (integers), as everywhere in casehub. The list names recipients in
full (the finance office pays them): the sweep's audit entry records the file and
its SHA-256.

Every text cell is escaped against formula injection: a value starting with `=`,
`+`, `-`, `@`, a tab or a carriage return is written with a leading apostrophe, so
a spreadsheet shows it as text and never runs it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from casehub.models import Entitlement, Person
from casehub.payroll.plan import AdjustmentRow
from casehub.payroll.vocabulary import AdjustmentKind, RunStatus
from casehub.spreadsheets import cell_value

KIND_LABELS: dict[AdjustmentKind, str] = {
    AdjustmentKind.NEW: "新增发放",
    AdjustmentKind.SUSPEND: "暂停发放",
    AdjustmentKind.RESUME: "恢复发放",
    AdjustmentKind.BACK_PAY: "补发",
    AdjustmentKind.STOP: "停发",
    AdjustmentKind.END: "终止（死亡）",
    AdjustmentKind.AMOUNT: "金额调整",
    AdjustmentKind.ARREARS: "补发差额",
    AdjustmentKind.OVERRIDE: "人工决定",
    AdjustmentKind.HELD: "认证处理中暂不停发",
    AdjustmentKind.RECOVER: "多发追回",
    AdjustmentKind.DUPLICATE: "重复领取",
}
_ORDER = {kind: i for i, kind in enumerate(AdjustmentKind)}
HEADER = (
    "类别 kind", "说明 label", "姓名 name", "身份证号 ID number", "村(社区) village", "险种 scheme", "待遇 entitlement",
    "月份 months", "金额(分) amount fen", "上月(分) previous fen", "规则 rule", "原因 reason",
)


def _months(months: Sequence[dt.date]) -> str:
    return ", ".join(f"{m:%Y-%m}" for m in months)


async def _people(rows: Sequence[AdjustmentRow]) -> tuple[dict[int, tuple[str, str, str]], dict[int, str]]:
    person_ids = sorted({r.person_id for r in rows})
    people: dict[int, tuple[str, str, str]] = {}
    for i in range(0, len(person_ids), 5000):
        for pid, name, number, village in await Person.filter(id__in=person_ids[i : i + 5000]).values_list(
            "id", "name", "id_number", "village__code"
        ):
            people[pid] = (name, number, village)
    missing = sorted({r.entitlement_id for r in rows if not r.scheme})
    schemes: dict[int, str] = {}
    for i in range(0, len(missing), 5000):
        schemes.update(await Entitlement.filter(id__in=missing[i : i + 5000]).values_list("id", "scheme"))
    return people, {k: str(v) for k, v in schemes.items()}


async def write_adjustment_list(
    path: Path, rows: Sequence[AdjustmentRow], *, month: dt.date, as_of: dt.date, sweep_id: int,
    run_status: RunStatus,
) -> Path:
    """Write (or overwrite) the month's list; rows sorted by kind, person, entitlement."""
    people, schemes = await _people(rows)
    ordered = sorted(rows, key=lambda r: (_ORDER[r.kind], r.person_id, r.entitlement_id, r.months))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("调整清单 Adjustments")
    sheet.append(HEADER)
    recover = book.create_sheet("追回 Recoveries")
    recover.append(("姓名 name", "身份证号 ID number", "待遇 entitlement", "月份 month", "应追回(分) to recover fen",
                    "实发(分) paid fen", "规则 rule", "原因 reason"))
    for r in ordered:
        name, number, village = people.get(r.person_id, ("", "", ""))
        scheme = r.scheme or schemes.get(r.entitlement_id, "")
        if r.kind is AdjustmentKind.RECOVER:
            recover.append([cell_value(v) for v in (name, number, r.entitlement_id, _months(r.months), r.amount_fen,
                                              r.previous_fen, r.rule, r.explanation)])
        sheet.append([cell_value(v) for v in (r.kind.value, KIND_LABELS[r.kind], name, number, village, scheme,
                                        r.entitlement_id, _months(r.months), r.amount_fen, r.previous_fen, r.rule,
                                        r.explanation)])
    summary = book.create_sheet("汇总 Summary")
    summary.append(("月份 month", f"{month:%Y-%m}"))
    summary.append(("评估日 as of", as_of.isoformat()))
    summary.append(("工资月状态 payroll month", run_status.value))
    summary.append(("核查批次 sweep", sweep_id))
    summary.append(("类别 kind", "说明 label", "行数 rows", "金额(分) amount fen"))
    counts: Counter[AdjustmentKind] = Counter(r.kind for r in rows)
    amounts: Counter[AdjustmentKind] = Counter()
    for r in rows:
        amounts[r.kind] += r.amount_fen
    for kind in AdjustmentKind:
        if counts[kind]:
            summary.append((kind.value, KIND_LABELS[kind], counts[kind], amounts[kind]))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
