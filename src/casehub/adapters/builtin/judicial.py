"""Judicial records (公检法): coercive measures, sentences, releases — JSON lines (or a JSON array).

One object per line; `record` says what happened::

    {"record": "CUSTODY_STARTED", "id_number": "…", "date": "2024-01-05", "case_ref": "…", "measure": "取保候审"}
    {"record": "CUSTODY_ENDED",   "id_number": "…", "date": "2024-03-01", "case_ref": "…", "outcome": "不起诉"}
    {"record": "SENTENCED",       "id_number": "…", "date": "2024-04-02", "case_ref": "…", "penalty": "有期徒刑",
     "suspended": false, "outside_prison": false}
    {"record": "SENTENCE_ENDED",  "id_number": "…", "date": "2026-04-01", "case_ref": "…"}

Enum names or the Chinese terms are accepted for `record`, `measure`, `outcome`
and `penalty`; Chinese keys too (身份证号码, 日期, 案号, …). The events carry the
domain enums the rules engine reads for R-JUD-1/2 (which measures and sentences
suspend, and whether withheld months are paid back); a death in prison arrives
as a death record like any other (R-JUD-3). Natural key: the source's
`record_id` when it has one, else record type + ID number + case + date.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

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
    parse_flag,
    person_row_errors,
)
from casehub.domain import CaseOutcome, CustodyMeasure, EventType, Penalty
from casehub.timeline import EventDraft

COLUMNS = Columns(
    aliases={
        "record": ("类型", "记录类型", "record", "type", "kind"),
        "id_number": ("身份证号码", "身份证号", "公民身份号码", "idNumber", "id_number"),
        "name": ("姓名", "name"),
        "date": ("日期", "发生日期", "date", "occurredOn", "occurred_on"),
        "case_ref": ("案号", "案件编号", "caseRef", "case_ref", "case_no"),
        "measure": ("强制措施", "measure"),
        "outcome": ("结案方式", "处理结果", "outcome"),
        "penalty": ("刑罚", "判处刑罚", "penalty"),
        "suspended": ("缓刑", "suspended"),
        "outside_prison": ("监外执行", "outsidePrison", "outside_prison"),
        "organ": ("决定机关", "机关", "organ", "authority"),
        "reported_on": ("通报日期", "报送日期", "reportedOn", "reported_on"),
        "record_id": ("记录编号", "recordId", "record_id", "id"),
    },
    required=frozenset({"record", "id_number", "date", "case_ref"}),
)

RECORD_TYPES: Mapping[str, EventType] = {
    **{t.value: t for t in (EventType.CUSTODY_STARTED, EventType.CUSTODY_ENDED, EventType.SENTENCED,
                             EventType.SENTENCE_ENDED)},
    "采取强制措施": EventType.CUSTODY_STARTED,
    "强制措施": EventType.CUSTODY_STARTED,
    "解除强制措施": EventType.CUSTODY_ENDED,
    "释放": EventType.CUSTODY_ENDED,
    "判决": EventType.SENTENCED,
    "判处刑罚": EventType.SENTENCED,
    "刑满释放": EventType.SENTENCE_ENDED,
    "刑罚执行完毕": EventType.SENTENCE_ENDED,
}  # fmt: skip
MEASURES = {
    "取保候审": CustodyMeasure.BAIL,
    "监视居住": CustodyMeasure.RESIDENTIAL_SURVEILLANCE,
    "刑事拘留": CustodyMeasure.CRIMINAL_DETENTION,
    "逮捕": CustodyMeasure.ARREST,
}
OUTCOMES = {
    "撤销案件": CaseOutcome.WITHDRAWN,
    "撤案": CaseOutcome.WITHDRAWN,
    "不起诉": CaseOutcome.NOT_PROSECUTED,
    "宣告无罪": CaseOutcome.ACQUITTED,
    "无罪": CaseOutcome.ACQUITTED,
    "判决有罪": CaseOutcome.CONVICTED,
    "有罪": CaseOutcome.CONVICTED,
}
PENALTIES = {
    "管制": Penalty.PUBLIC_SURVEILLANCE,
    "拘役": Penalty.CRIMINAL_DETENTION,
    "有期徒刑": Penalty.FIXED_TERM,
    "无期徒刑": Penalty.LIFE,
    "死刑": Penalty.DEATH,
}
DETAIL = {  # which further field each record type needs, and its vocabulary
    EventType.CUSTODY_STARTED: ("measure", CustodyMeasure, MEASURES),
    EventType.CUSTODY_ENDED: ("outcome", CaseOutcome, OUTCOMES),
    EventType.SENTENCED: ("penalty", Penalty, PENALTIES),
}


def term(value: object, enum: type[StrEnum], chinese: Mapping[str, StrEnum]) -> StrEnum | None:
    text = str(value or "").strip()
    if text.upper() in enum.__members__:
        return enum[text.upper()]
    return chinese.get(text)


class JudicialAdapter(Adapter):
    name = "judicial"
    description = "Judicial records: custody measures, sentences, releases (R-JUD-1..3): JSON lines"
    formats = ("jsonl", "ndjson", "json")

    def parse(self, data: bytes, filename: str):
        return self.read_records(data, filename, COLUMNS)  # its formats are all JSON

    def validate(self, record: SourceRecord) -> list[RowError]:
        errors = person_row_errors(record, COLUMNS, date="date")
        if e := date_error(record, "reported_on", required=False):
            errors.append(e)
        kind = record.get("record")
        if kind is None:
            return errors
        event_type = term(kind, EventType, RECORD_TYPES)
        if event_type not in (*DETAIL, EventType.SENTENCE_ENDED):
            known = "CUSTODY_STARTED, CUSTODY_ENDED, SENTENCED, SENTENCE_ENDED"
            errors.append(record.error("record", ErrorCode.INVALID_VALUE, f"{kind!r} is not one of {known}"))
            return errors
        if event_type in DETAIL:
            name, enum, chinese = DETAIL[event_type]
            value = record.get(name)
            if value is None:
                errors.append(record.error(name, ErrorCode.REQUIRED, f"a {event_type.value} record needs {name}"))
            elif term(value, enum, chinese) is None:
                choices = ", ".join([*enum.__members__, *chinese])
                errors.append(record.error(name, ErrorCode.INVALID_VALUE, f"{value!r} is not one of {choices}"))
        for flag in ("suspended", "outside_prison"):
            if record.get(flag) is not None and parse_flag(record.get(flag)) is None:
                errors.append(record.error(flag, ErrorCode.INVALID_VALUE, f"{record.get(flag)!r} is not yes/no"))
        return errors

    def to_drafts(self, record: SourceRecord) -> list[EventDraft]:
        event_type = term(record.get("record"), EventType, RECORD_TYPES)
        number = check_id_number(record.get("id_number"))
        day = parse_date(record.get("date"))
        assert event_type is not None and number is not None and day is not None  # validated
        case_ref = str(record.get("case_ref"))
        payload: dict[str, object] = {"case_ref": case_ref}
        if event_type in DETAIL:
            name, enum, chinese = DETAIL[event_type]
            payload[name] = term(record.get(name), enum, chinese)
        if event_type is EventType.SENTENCED:
            payload["suspended"] = bool(parse_flag(record.get("suspended")))
            payload["outside_prison"] = bool(parse_flag(record.get("outside_prison")))
        if organ := record.get("organ"):
            payload["organ"] = str(organ)
        if reported := parse_date(record.get("reported_on")):
            payload["reported_on"] = reported  # R-RPT-1: how long the event took to reach the bureau
        record_id = record.get("record_id")
        key = (
            self.key("id", record_id)
            if record_id is not None
            else self.key(event_type.value, number, case_ref, day.isoformat())
        )
        return [
            EventDraft(
                type=event_type,
                occurred_on=day,
                id_number=number,
                payload=payload,
                evidence=(f"case:{case_ref}",),
                natural_key=key,
                source_row=record.row,
            )
        ]


@hookimpl
def register_adapters() -> list[type[Adapter]]:
    return [JudicialAdapter]
