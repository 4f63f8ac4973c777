"""The medical-insurance settlement feed (医保结算明细) → CERTIFIED, channel DATA_COMPARISON.

A settlement the recipient made in person — an outpatient or inpatient bill, a
pharmacy purchase — shows she was alive that day: it counts as a data-comparison
certification (信息比对, R-CYC-4), applied at once. A purchase by an agent or a
reversed settlement shows nothing and is rejected with its reason.
"""

from __future__ import annotations

from casehub.adapters import Adapter, EventDraft, RowError, SourceRecord
from casehub.adapters.base import (
    Columns,
    ErrorCode,
    check_id_number,
    parse_date,
    parse_flag,
    person_row_errors,
)
from casehub.domain import Channel, EventType

COLUMNS = Columns(
    aliases={
        "settlement_id": ("结算流水号", "结算ID", "结算编号", "settlementId"),
        "id_number": ("身份证号码", "人员证件号码", "证件号码", "idNumber"),
        "name": ("姓名", "人员姓名", "name"),
        "settled_at": ("结算时间", "结算日期", "settledAt"),
        "kind": ("医疗类别", "就诊类型", "kind"),
        "institution": ("定点医药机构名称", "机构名称", "institution"),
        "in_person": ("是否本人", "本人结算", "inPerson"),
        "status": ("结算状态", "status"),
    },
    required=frozenset({"settlement_id", "id_number", "settled_at"}),
)
KINDS = {
    "门诊": "OUTPATIENT", "普通门诊": "OUTPATIENT", "门诊慢特病": "OUTPATIENT", "OUTPATIENT": "OUTPATIENT",
    "住院": "INPATIENT", "INPATIENT": "INPATIENT",
    "药店购药": "PHARMACY", "定点药店购药": "PHARMACY", "购药": "PHARMACY", "PHARMACY": "PHARMACY",
}  # fmt: skip
REVERSED = {"冲销", "冲正", "退费", "撤销", "reversed"}

NOT_IN_PERSON = "NOT_IN_PERSON"
REVERSED_SETTLEMENT = "REVERSED_SETTLEMENT"


class MedicalSettlementAdapter(Adapter):
    name = "medinsurance"
    description = "医保结算 settlements made in person: data-comparison certification (R-CYC-4), CSV or JSON"
    formats = ("csv", "json")

    def parse(self, data: bytes, filename: str):
        return self.read_records(data, filename, COLUMNS)

    def validate(self, record: SourceRecord) -> list[RowError]:
        errors = person_row_errors(record, COLUMNS, date="settled_at")
        kind = record.get("kind")
        if kind is not None and str(kind).strip() not in KINDS:
            errors.append(record.error("kind", ErrorCode.INVALID_VALUE, f"{kind!r} is not 门诊, 住院 or 药店购药"))
        if record.get("in_person") is not None and parse_flag(record.get("in_person")) is False:
            errors.append(
                record.error("in_person", NOT_IN_PERSON, "settled by an agent: no evidence the recipient is alive")
            )
        if str(record.get("status") or "").strip() in REVERSED:
            errors.append(record.error("status", REVERSED_SETTLEMENT, "a reversed settlement is no evidence"))
        return errors

    def to_drafts(self, record: SourceRecord) -> list[EventDraft]:
        number = check_id_number(record.get("id_number"))
        day = parse_date(record.get("settled_at"))
        assert number is not None and day is not None  # validated
        payload: dict[str, object] = {"channel": Channel.DATA_COMPARISON, "source": "MEDICAL_INSURANCE"}
        if kind := record.get("kind"):
            payload["kind"] = KINDS[str(kind).strip()]
        if institution := record.get("institution"):
            payload["institution"] = str(institution)
        return [
            EventDraft(
                type=EventType.CERTIFIED,
                occurred_on=day,
                id_number=number,
                payload=payload,
                evidence=(f"settlement:{record.get('settlement_id')}",),
                natural_key=self.key(number, day.isoformat()),  # one certification per person per day
                source_row=record.row,
            )
        ]
