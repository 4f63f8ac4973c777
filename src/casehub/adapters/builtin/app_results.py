"""Mobile-app face-recognition results (云南人社12333, 一部手机办事通): CSV or JSON exports.

A passed check is a certification by the recipient herself, channel APP_SELF,
applied at once with no approval step (R-CYC-4, Art. 7–8). A failed check is
recorded as CERTIFICATION_FAILED: it is not a certification and never resets
the cycle. The exports come as GB18030/GBK CSV with Chinese headings (what the
provincial system writes) or UTF-8 with or without BOM; the encoding is
detected. Natural key: the export's serial number (流水号), or else the ID
number with the exact time of the check.
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
    parse_datetime,
    person_row_errors,
)
from casehub.domain import Channel, EventType
from casehub.timeline import EventDraft

COLUMNS = Columns(
    aliases={
        "name": ("姓名", "name"),
        "id_number": ("身份证号码", "身份证号", "公民身份号码", "证件号码", "社会保障号码", "idNumber", "id_number"),
        "time": ("认证时间", "认证日期", "认证完成时间", "time", "certifiedAt", "certified_at"),
        "result": ("认证结果", "认证状态", "result"),
        "channel": ("认证渠道", "认证方式", "认证平台", "渠道", "channel", "app"),
        "serial": ("流水号", "业务流水号", "认证流水号", "serial", "serialNo", "serial_no"),
        "reason": ("失败原因", "未通过原因", "reason"),
    },
    required=frozenset({"id_number", "time", "result"}),
)

PASSED = {"通过", "认证通过", "成功", "认证成功", "已认证", "pass", "passed", "success", "true", "1"}
FAILED = {"未通过", "不通过", "认证未通过", "失败", "认证失败", "fail", "failed", "false", "0"}


def outcome(value: object) -> bool | None:
    """True for a passed check, False for a failed one, None for anything else."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    return True if text in PASSED else False if text in FAILED else None


class AppResultsAdapter(Adapter):
    name = "app_results"
    description = "云南人社12333 / 一部手机办事通 face-recognition results (R-CYC-4): CSV or JSON"
    formats = ("csv", "txt", "json", "jsonl")

    def parse(self, data: bytes, filename: str):
        return self.read_records(data, filename, COLUMNS)

    def validate(self, record: SourceRecord) -> list[RowError]:
        errors = person_row_errors(record, COLUMNS, date="time")
        result = record.get("result")
        if result is not None and outcome(result) is None:
            errors.append(
                record.error(
                    "result", ErrorCode.INVALID_VALUE, f"{result!r} is neither 通过 (passed) nor 未通过 (failed)"
                )
            )
        return errors

    def to_drafts(self, record: SourceRecord) -> list[EventDraft]:
        number = record.parsed.get("id_number") or check_id_number(record.get("id_number"))
        stamp = record.parsed.get("time") or parse_datetime(record.get("time"))
        assert number is not None and stamp is not None  # validated
        serial = record.get("serial")
        passed = outcome(record.get("result"))
        payload: dict[str, object] = {"channel": Channel.APP_SELF}
        if app := record.get("channel"):
            payload["app"] = str(app)
        if not passed:
            payload["reason"] = str(record.get("reason") or "face recognition not passed")
        key = self.key("serial", serial) if serial else self.key(number, stamp.strftime("%Y%m%dT%H%M%S"))
        return [
            EventDraft(
                type=EventType.CERTIFIED if passed else EventType.CERTIFICATION_FAILED,
                occurred_on=stamp.date(),
                id_number=number,
                payload=payload,
                evidence=(f"serial:{serial}",) if serial else (),
                natural_key=key,
                source_row=record.row,
            )
        ]


@hookimpl
def register_adapters() -> list[type[Adapter]]:
    return [AppResultsAdapter]
