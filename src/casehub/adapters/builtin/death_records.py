"""Death records from civil affairs, cremation, hospitals and the household registry: CSV or JSON.

Each row is a DIED event whose `occurred_on` is the date of death (R-DTH-5: a
death ends every entitlement of the person). Records may arrive long after the
death — months or years — and are recorded all the same: `recorded_at` says
when the bureau learned it, so the rules engine can find what was overpaid
(R-PAY-4) and how late the report was (R-RPT-1, from `reported_on`).

Natural key: source + ID number + date of death, so the same death reported
again by the same source is recorded once; the same death from a second source
is a second piece of evidence and is kept.
"""

from __future__ import annotations

from casehub.adapters import hookimpl
from casehub.adapters.base import (
    Adapter,
    Columns,
    ErrorCode,
    RowError,
    SourceRecord,
    check_id_number,
    date_error,
    parse_date,
    person_row_errors,
)
from casehub.domain import EventType
from casehub.timeline import EventDraft

COLUMNS = Columns(
    aliases={
        "name": ("姓名", "name"),
        "id_number": ("身份证号码", "身份证号", "公民身份号码", "证件号码", "idNumber", "id_number"),
        "death_date": ("死亡日期", "死亡时间", "deathDate", "death_date", "diedOn", "died_on"),
        "source": ("数据来源", "来源", "信息来源", "source"),
        "certificate": (
            "证明编号",
            "死亡证明编号",
            "火化证明编号",
            "火化证编号",
            "注销编号",
            "certificate",
            "recordId",
        ),
        "reported_by": ("报告单位", "上报单位", "reportedBy", "reported_by"),
        "reported_on": ("报告日期", "上报日期", "reportedOn", "reported_on"),
    },
    required=frozenset({"id_number", "death_date", "source"}),
)

SOURCES = {  # canonical source → what the exports write
    "CIVIL_AFFAIRS": ("民政", "民政局", "民政部门"),
    "CREMATION": ("火化", "殡葬", "殡仪馆", "火化信息"),
    "HOSPITAL": ("医院", "医疗机构", "卫健", "卫生健康", "死亡医学证明"),
    "HOUSEHOLD_REGISTRY": ("户籍", "公安", "户籍注销", "公安户籍", "户籍比对"),
}
_SOURCE_LOOKUP = {alias: code for code, aliases in SOURCES.items() for alias in (code, code.lower(), *aliases)}


def death_source(value: object) -> str | None:
    return _SOURCE_LOOKUP.get(str(value or "").strip())


class DeathRecordsAdapter(Adapter):
    name = "death_records"
    description = "Deaths from civil affairs, cremation, hospitals, household registry (R-DTH-5): CSV or JSON"
    formats = ("csv", "txt", "json", "jsonl")

    def parse(self, data: bytes, filename: str):
        return self.read_records(data, filename, COLUMNS)

    def validate(self, record: SourceRecord) -> list[RowError]:
        errors = person_row_errors(record, COLUMNS, date="death_date")
        if e := date_error(record, "reported_on", required=False):
            errors.append(e)
        source = record.get("source")
        if source is not None and death_source(source) is None:
            choices = "; ".join(f"{code} ({'/'.join(a)})" for code, a in SOURCES.items())
            errors.append(record.error("source", ErrorCode.INVALID_VALUE, f"{source!r} is not one of {choices}"))
        if errors:
            return errors
        died = parse_date(record.get("death_date"))
        number = check_id_number(record.get("id_number"))
        assert died is not None and number is not None
        born = parse_date(f"{number[6:10]}-{number[10:12]}-{number[12:14]}")
        if born is not None and died < born:
            errors.append(
                record.error(
                    "death_date", ErrorCode.INVALID_DATE, f"{died} is before the birth date {born} in the ID number"
                )
            )
        reported = parse_date(record.get("reported_on"))
        if reported is not None and reported < died:
            errors.append(
                record.error("reported_on", ErrorCode.INVALID_DATE, f"reported {reported}, before the death {died}")
            )
        return errors

    def to_drafts(self, record: SourceRecord) -> list[EventDraft]:
        number = check_id_number(record.get("id_number"))
        died = parse_date(record.get("death_date"))
        source = death_source(record.get("source"))
        assert number is not None and died is not None and source is not None  # validated
        payload: dict[str, object] = {"source": source}
        certificate = record.get("certificate")
        if certificate is not None:
            payload["certificate"] = str(certificate)
        if reported_by := record.get("reported_by"):
            payload["reported_by"] = str(reported_by)
        if reported_on := parse_date(record.get("reported_on")):
            payload["reported_on"] = reported_on  # R-RPT-1
        return [
            EventDraft(
                type=EventType.DIED,
                occurred_on=died,
                id_number=number,
                payload=payload,
                evidence=(f"{source}:{certificate}",) if certificate else (),
                natural_key=self.key(source, number, died.isoformat()),
                source_row=record.row,
            )
        ]


@hookimpl
def register_adapters() -> list[type[Adapter]]:
    return [DeathRecordsAdapter]
