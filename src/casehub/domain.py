"""The vocabulary of RULES.md as plain enums, shared by every layer.

Pure: no I/O and no ORM, so the rules engine, the models, the adapters and the
GraphQL schema can all import it without pulling each other in.
"""

from __future__ import annotations

from enum import StrEnum


class Scheme(StrEnum):
    """险种 — the four benefit schemes (RULES.md, Vocabulary)."""

    RESIDENT_PENSION = "RESIDENT_PENSION"  # 城乡居民基本养老保险
    AGENCY_PENSION = "AGENCY_PENSION"  # 机关事业单位基本养老保险
    ENTERPRISE_PENSION = "ENTERPRISE_PENSION"  # 企业职工基本养老保险
    WORK_INJURY_LONG_TERM = "WORK_INJURY_LONG_TERM"  # 工伤保险长期待遇

    @property
    def is_pension(self) -> bool:
        return self is not Scheme.WORK_INJURY_LONG_TERM


class Channel(StrEnum):
    """认证方式 — how a certification was obtained (R-CYC-4)."""

    APP_SELF = "APP_SELF"  # 手机APP自助认证
    DATA_COMPARISON = "DATA_COMPARISON"  # 信息比对
    ONSITE_PAPER = "ONSITE_PAPER"  # 现场登记 (paper form)
    WINDOW = "WINDOW"  # 经办窗口
    HOME_VISIT = "HOME_VISIT"  # 上门服务


class EventType(StrEnum):
    """What can happen on a recipient's timeline (R-TL-1).

    Payload keys per type are documented next to each member; adapters and
    mutations build payloads, the rules engine reads them.
    """

    CERTIFIED = "CERTIFIED"  # {"channel": Channel}
    CERTIFICATION_FAILED = "CERTIFICATION_FAILED"  # {"channel": Channel, "reason": str}
    DIED = "DIED"  # {} — occurred_on is the date of death (R-DTH-5)
    CUSTODY_STARTED = "CUSTODY_STARTED"  # {"measure": CustodyMeasure, "case_ref": str}
    CUSTODY_ENDED = "CUSTODY_ENDED"  # {"outcome": CaseOutcome, "case_ref": str}
    SENTENCED = "SENTENCED"  # {"penalty": Penalty, "suspended": bool, "outside_prison": bool, "case_ref": str}
    SENTENCE_ENDED = "SENTENCE_ENDED"  # {"case_ref": str}
    DEPENDANT_CHANGED = "DEPENDANT_CHANGED"  # {"change": DependantChange} (R-WID-1)
    AMOUNT_CHANGED = "AMOUNT_CHANGED"  # {"scheme": Scheme, "monthly_amount_fen": int} from occurred_on's month
    REMINDER_SENT = "REMINDER_SENT"  # {"channel": str, "due_on": date}
    RETRACTED = "RETRACTED"  # {"reason": str} — `corrects` points at the retracted event (R-TL-1)
    # {"occurred_on"?: date, "payload"?: {...}, "reason": str} — `corrects` points at the amended event
    AMENDED = "AMENDED"


class CustodyMeasure(StrEnum):
    """Art. 9 coercive measures before judgment (R-JUD-1)."""

    BAIL = "BAIL"  # 取保候审
    RESIDENTIAL_SURVEILLANCE = "RESIDENTIAL_SURVEILLANCE"  # 监视居住
    CRIMINAL_DETENTION = "CRIMINAL_DETENTION"  # 刑事拘留
    ARREST = "ARREST"  # 逮捕


class CaseOutcome(StrEnum):
    """How a custody measure ended (R-JUD-2): decides whether withheld months are paid back."""

    WITHDRAWN = "WITHDRAWN"  # 撤销案件
    NOT_PROSECUTED = "NOT_PROSECUTED"  # 不起诉
    ACQUITTED = "ACQUITTED"  # 宣告无罪
    CONVICTED = "CONVICTED"  # 判决有罪 (a SENTENCED event follows)


class Penalty(StrEnum):
    """Art. 9 sentences (R-JUD-1), lightest first."""

    PUBLIC_SURVEILLANCE = "PUBLIC_SURVEILLANCE"  # 管制
    CRIMINAL_DETENTION = "CRIMINAL_DETENTION"  # 拘役
    FIXED_TERM = "FIXED_TERM"  # 有期徒刑
    LIFE = "LIFE"  # 无期徒刑
    DEATH = "DEATH"  # 死刑


class DependantChange(StrEnum):
    """Art. 9 events that stop a work-injury dependant's benefit (R-WID-1)."""

    ADOPTED = "ADOPTED"  # 被他人收养
    EMPLOYED = "EMPLOYED"  # 就业
    ENLISTED = "ENLISTED"  # 参军
    REMARRIED = "REMARRIED"  # 配偶再婚


class DependantRole(StrEnum):
    """A work-injury dependant's relation to the deceased worker (R-WID-1/3)."""

    SPOUSE = "SPOUSE"
    CHILD = "CHILD"
    PARENT = "PARENT"
    OTHER = "OTHER"


class KeyGroup(StrEnum):
    """重点群体 (R-KEY-1)."""

    VERY_OLD = "VERY_OLD"  # 高龄
    SEVERELY_DISABLED = "SEVERELY_DISABLED"  # 重残
    CANNOT_SELF_CARE = "CANNOT_SELF_CARE"  # 失能


class Role(StrEnum):
    """Staff roles; their scope (region or unit) is on the staff account."""

    COUNTY_ADMIN = "COUNTY_ADMIN"
    COUNTY_STAFF = "COUNTY_STAFF"
    TOWNSHIP_STAFF = "TOWNSHIP_STAFF"
    VILLAGE_ASSISTANT = "VILLAGE_ASSISTANT"
    UNIT_HANDLER = "UNIT_HANDLER"
    INVESTIGATOR = "INVESTIGATOR"
    AUDITOR = "AUDITOR"
    IMPORT_SERVICE = "IMPORT_SERVICE"


class RegionLevel(StrEnum):
    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"
    VILLAGE = "VILLAGE"


class UnitKind(StrEnum):
    """参保单位 kinds: which scheme's retirees a unit manages and reports for."""

    AGENCY = "AGENCY"  # 机关事业单位 — AGENCY_PENSION
    ENTERPRISE = "ENTERPRISE"  # 企业 — ENTERPRISE_PENSION
    WORK_INJURY = "WORK_INJURY"  # 工伤保险管理单位 — WORK_INJURY_LONG_TERM
