"""Paper confirmation forms (现场登记确认表) and township summary sheets: an .xlsx or CSV ledger.

Each form row names the form, the recipient (ID number, name), the scheme, the
date, and who signed, sealed and attached what. It is checked against the
scheme's required signatures, seals and evidence — policy data (R-PAP-1..4,
read from the policy version in force on the form's date, R-POL-1) — by
`casehub.certification`, the same check the API's recordCertification makes. A
form missing anything is rejected with one error per missing item (R-PAP-6). An ID
number failing its check digit is rejected here; an unknown person, or one
without an entitlement in that scheme, is rejected when recording — either way
nothing is recorded for that row (R-PAP-5). An accepted form is a certification,
channel ONSITE_PAPER, with the form's evidence references.

Township summary sheets (汇总表: a sheet whose name contains 汇总 in a workbook,
or rows whose 表单类型 is 汇总表 in a CSV) are checked against R-PAP-2 the same
way; they record no event.

Natural key: scheme + form number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping

from casehub import certification
from casehub.adapters import hookimpl
from casehub.adapters.base import (
    Adapter,
    Columns,
    ErrorCode,
    RowError,
    SourceRecord,
    check_id_number,
    csv_rows,
    date_error,
    id_number_error,
    is_signed,
    normalize_header,
    parse_date,
    parse_flag,
    read_xlsx_sheets,
    table_records,
)
from casehub.certification import PaperForm, PaperFormCode
from casehub.domain import EventType, Scheme
from casehub.policy import FormRequirements, Policy, PolicyVersion, default_policy, load_policy
from casehub.policy import policy_folder_from_env as _policy_folder
from casehub.timeline import EventDraft


def current_policy() -> Policy:
    """THE one place this adapter gets its policy: the deployment's (CASEHUB_POLICY_DIR) or the shipped one.

    When the service passes its loaded policy to adapters, replace this function's body.
    """
    folder = _policy_folder()
    return load_policy(folder) if folder is not None else default_policy()


# Who signs, what is sealed, which evidence: policy item codes (yangbi.toml) → headings on the
# forms, and the label used in messages. A code a deployment adds is found under a column
# headed with the code itself (e.g. `NOTARY`).
SIGNATURES = {
    "VILLAGE_GROUP_LEADER": ("村民小组长", ("村民小组长签字", "村民小组长")),
    "VILLAGE_ASSISTANT": ("村级协办员", ("村级协办员签字", "协办员签字", "村级协办员", "协办员")),
    "VILLAGE_DIRECTOR": ("村(社区)主任", ("村(社区)主任签字", "村主任签字", "社区主任签字", "村(社区)主任")),
    "UNIT_HANDLER": ("单位经办人", ("单位经办人签字", "经办人签字", "单位经办人", "经办人")),
    "UNIT_HEAD": ("单位负责人", ("单位负责人签字", "单位负责人")),
    "STAFF": ("经办工作人员", ("工作人员1签字", "工作人员2签字", "经办人员1签字", "经办人员2签字",
                           "工作人员签字1", "工作人员签字2", "经办人员签字1", "经办人员签字2")),
    "CENTRE_HEAD": ("社保中心负责人", ("社保中心负责人签字", "中心负责人签字", "社保中心负责人")),
    "LEADER_IN_CHARGE": ("分管领导", ("分管领导签字", "分管领导")),
}  # fmt: skip
SEALS = {
    "UNIT_SEAL": ("单位印章", ("单位印章", "单位公章", "单位盖章", "加盖单位印章")),
    "CENTRE_SEAL": ("社保中心印章", ("社保中心印章", "社保中心公章", "中心印章", "中心盖章")),
}
EVIDENCE = {
    "PHOTO": ("照片", ("照片", "照片编号", "photo", "photos")),
    "VIDEO": ("视频", ("视频", "视频编号", "video", "videos")),
    "PHOTO_OR_VIDEO": ("照片或视频", ("照片或视频", "照片/视频", "影像资料", "证明材料", "evidence")),
}
ATTACHMENTS = ("附件", "附件材料", "相关材料", "attachments")
SUMMARY_KINDS = {"汇总表", "汇总", "summary", "乡镇汇总表"}

BASE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "kind": ("表单类型", "类型", "kind"),
    "form_number": ("表单编号", "确认表编号", "汇总表编号", "编号", "formNumber", "form_number"),
    "id_number": ("身份证号码", "身份证号", "公民身份号码", "idNumber", "id_number"),
    "name": ("姓名", "name"),
    "scheme": ("险种", "scheme"),
    "date": ("确认日期", "登记日期", "填表日期", "汇总日期", "日期", "date"),
    "township": ("乡镇", "乡镇(街道)", "township"),
}
SCHEMES = {
    "城乡居民基本养老保险": Scheme.RESIDENT_PENSION,
    "城乡居民养老保险": Scheme.RESIDENT_PENSION,
    "居民养老保险": Scheme.RESIDENT_PENSION,
    "机关事业单位基本养老保险": Scheme.AGENCY_PENSION,
    "机关事业单位养老保险": Scheme.AGENCY_PENSION,
    "企业职工基本养老保险": Scheme.ENTERPRISE_PENSION,
    "企业职工养老保险": Scheme.ENTERPRISE_PENSION,
    "工伤保险长期待遇": Scheme.WORK_INJURY_LONG_TERM,
    "工伤保险": Scheme.WORK_INJURY_LONG_TERM,
}


def _slot_columns() -> dict[str, tuple[str, ...]]:
    """Canonical column names for every signature slot, seal, evidence kind and attachments."""
    out: dict[str, tuple[str, ...]] = {}
    for code, (_, headings) in SIGNATURES.items():
        numbered = [h for h in headings if re.search(r"\d", h)]
        if numbered:  # several signers of one role: one column each
            for h in numbered:
                slot = re.search(r"\d", h).group()  # type: ignore[union-attr]
                out.setdefault(f"sig:{code}:{slot}", ())
                out[f"sig:{code}:{slot}"] += (h,)
        else:
            out[f"sig:{code}:1"] = headings
    for code, (_, headings) in SEALS.items():
        out[f"seal:{code}"] = headings
    for code, (_, headings) in EVIDENCE.items():
        out[f"ev:{code}"] = headings
    out["attachments"] = ATTACHMENTS
    return out


COLUMNS = Columns(aliases={**BASE_COLUMNS, **_slot_columns()}, required=frozenset({"form_number", "date"}))


def scheme_of(value: object) -> Scheme | None:
    text = str(value or "").strip()
    if text.upper() in Scheme.__members__:
        return Scheme[text.upper()]
    return SCHEMES.get(normalize_header(text))


def refs(value: object) -> list[str]:
    """Evidence references in one cell, separated by ; , 、 or new lines; a bare yes counts as one."""
    if value is None:
        return []
    parts = [p.strip() for p in re.split(r"[;；,，、\n]", str(value)) if p.strip()]
    return [p for p in parts if parse_flag(p) is not False]


def collect(record: SourceRecord) -> PaperForm:
    """The form as the row has it: who signed, what is sealed, which evidence and attachments."""
    signatures: dict[str, list[str]] = {}
    seals: set[str] = set()
    evidence: dict[str, list[str]] = {}
    for name, value in record.fields.items():
        kind, _, rest = name.partition(":")
        if kind == "sig" and is_signed(value):
            signatures.setdefault(rest.split(":")[0], []).append(str(value).strip())
        elif kind == "seal" and is_signed(value):  # 有, √, or the seal's text
            seals.add(rest)
        elif kind == "ev" and refs(value):
            evidence.setdefault(rest, []).extend(refs(value))
    number = str(record.get("form_number"))
    return PaperForm(number, signatures, frozenset(seals), evidence, tuple(refs(record.get("attachments"))))


# Where a missing item is reported: the column headed for it, with its label from the same table.
_TABLES = {
    PaperFormCode.MISSING_SIGNATURE: SIGNATURES,
    PaperFormCode.MISSING_SEAL: SEALS,
    PaperFormCode.MISSING_EVIDENCE: EVIDENCE,
}


def missing_items(record: SourceRecord, form: PaperForm, need: FormRequirements) -> list[RowError]:
    """One error per required item the form lacks (R-PAP-6), under the column it belongs in."""
    errors = []
    for item in certification.missing_items(form, need):
        table = _TABLES.get(item.code)
        if table is None:  # the attachments
            errors.append(RowError(record.row, ATTACHMENTS[0], item.code, item.message(), record.sheet))
            continue
        label = table.get(item.item, (item.item, ()))[0]
        errors.append(RowError(record.row, _heading(item.item, table), item.code, item.message(label), record.sheet))
    return errors


def _heading(code: str, table: Mapping[str, tuple[str, tuple[str, ...]]]) -> str:
    headings = table.get(code, (code, ()))[1]
    return headings[0] if headings else code


class PaperFormsAdapter(Adapter):
    name = "paper_forms"
    description = "Paper confirmation forms and township summary sheets, checked per R-PAP-1..6: XLSX or CSV"
    formats = ("xlsx", "csv", "txt")

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or current_policy()

    def parse(self, data: bytes, filename: str) -> Iterator[SourceRecord | RowError]:
        if self.check_format(filename) == "xlsx":
            for title, rows in read_xlsx_sheets(data):
                if not any(any(c not in (None, "") for c in row) for row in rows):
                    continue
                summary = "汇总" in title
                for record in table_records(rows, self._columns(), sheet=title):
                    yield record if isinstance(record, RowError) else self._with_kind(record, summary)
        else:
            rows = csv_rows(data, COLUMNS)
            for record in table_records(rows, self._columns()):
                if isinstance(record, RowError):
                    yield record
                else:
                    yield self._with_kind(record, normalize_header(record.get("kind")) in SUMMARY_KINDS)

    def _columns(self) -> Columns:
        """COLUMNS plus a column for any policy item code this adapter has no heading for."""
        extra: dict[str, tuple[str, ...]] = {}
        for version in self.policy.versions:
            for form in (*version.paper_forms.values(), version.township_summary):
                for role in form.signatures:
                    if role not in SIGNATURES:
                        extra[f"sig:{role}:1"] = (role, f"{role}签字")
                for seal in form.seals:
                    if seal not in SEALS:
                        extra[f"seal:{seal}"] = (seal,)
                for item in form.evidence:
                    if item not in EVIDENCE:
                        extra[f"ev:{item}"] = (item,)
        if not extra:
            return COLUMNS
        return Columns(aliases={**COLUMNS.aliases, **extra}, required=COLUMNS.required)

    @staticmethod
    def _with_kind(record: SourceRecord, summary: bool) -> SourceRecord:
        fields = dict(record.fields, kind="SUMMARY" if summary else "FORM")
        return SourceRecord(record.row, fields, record.columns, record.sheet)

    def version(self, record: SourceRecord) -> PolicyVersion:
        """The policy version in force on the form's date (R-POL-1)."""
        return self.policy.version_at(parse_date(record.get("date")) or dt.date.today())

    def validate(self, record: SourceRecord) -> list[RowError]:
        summary = record.get("kind") == "SUMMARY"
        errors: list[RowError] = []
        if record.get("form_number") is None:
            errors.append(record.error("form_number", ErrorCode.REQUIRED, "the form has no number"))
        if e := date_error(record, "date"):
            errors.append(e)
        if summary:
            need = self.version(record).township_summary
        else:
            if e := id_number_error(record):  # R-PAP-5
                errors.append(e)
            scheme = scheme_of(record.get("scheme"))
            if scheme is None:
                value = record.get("scheme")
                code, reason = (ErrorCode.REQUIRED, "is empty") if value is None else (
                    ErrorCode.INVALID_VALUE, f"{value!r} is not a scheme"
                )  # fmt: skip
                names = ", ".join(Scheme)
                errors.append(record.error("scheme", code, f"险种 {reason}: one of {names} or its Chinese name"))
                return errors
            need = self.version(record).paper_forms.get(scheme)
            if need is None:
                errors.append(
                    record.error("scheme", ErrorCode.INVALID_VALUE, f"the policy has no paper form for {scheme}")
                )
                return errors
        return errors + missing_items(record, collect(record), need)

    def to_drafts(self, record: SourceRecord) -> list[EventDraft]:
        if record.get("kind") == "SUMMARY":
            return []  # checked (R-PAP-2), nothing to record on a timeline
        scheme = scheme_of(record.get("scheme"))
        number = check_id_number(record.get("id_number"))
        day = parse_date(record.get("date"))
        assert scheme is not None and number is not None and day is not None  # validated
        form = collect(record)
        evidence = [f"form:{form.number}"]
        evidence += [ref for kind in sorted(form.evidence) for ref in form.evidence[kind]]
        evidence += form.attachments
        return [
            EventDraft(
                type=EventType.CERTIFIED,
                occurred_on=day,
                id_number=number,
                scheme=scheme,
                payload=form.payload(self.version(record)),
                evidence=tuple(evidence),
                natural_key=self.key(scheme.value, form.number),
                source_row=record.row,
            )
        ]


@hookimpl
def register_adapters() -> list[type[Adapter]]:
    return [PaperFormsAdapter]
