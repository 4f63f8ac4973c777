"""Typed, immutable policy data (R-POL-1..3): what a loaded TOML policy becomes.

Every number the rules engine and the services need (cycles, deadlines, day
counts, sample sizes, signature sets, percentages) lives in these objects and
comes from a policy file, never from code. Pure: no I/O.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from casehub.domain import (
    CaseOutcome,
    CustodyMeasure,
    DependantChange,
    DependantRole,
    Penalty,
    Scheme,
)

# What a policy's `reminder_message` may name, filled in per reminder by casehub.processes.reminders:
# the recipient's name, the schemes falling due (in Chinese, joined by 、), the due date (2026年6月10日)
# and the days left.
REMINDER_FIELDS = frozenset({"name", "schemes", "due_date", "days_left"})


class ReportingBody(StrEnum):
    """Who sends or receives a monthly death report (R-DTH-1..3) or a paper form (R-PAP-1..4)."""

    VILLAGE = "VILLAGE"  # 村(社区)协办员
    TOWNSHIP = "TOWNSHIP"  # 乡镇社保中心
    UNIT = "UNIT"  # 参保单位
    COUNTY = "COUNTY"  # 县社会保险局


@dataclass(frozen=True, slots=True)
class SchemeRules:
    """Per-scheme certification rules (R-CYC-1/2/5, R-SUS-1, R-JUD-1)."""

    cycle_months: int
    own_certification: bool  # R-CYC-5: only a certification of this entitlement counts
    overdue_suspension: bool  # R-SUS-1: suspend when certification is overdue
    judicial_suspension: bool  # R-JUD-1: Art. 9 applies (pensions)


@dataclass(frozen=True, slots=True)
class DeathReportRule:
    """One step of the monthly death report chain (R-DTH-1..3): `reporter` → `recipient` by `due_day`."""

    scheme: Scheme
    reporter: ReportingBody
    recipient: ReportingBody
    due_day: int  # day of the month by which last month's deaths are reported
    rule: str


@dataclass(frozen=True, slots=True)
class FormRequirements:
    """Signatures (role → how many), seals and evidence a paper form needs (R-PAP-1..4, R-PAP-6)."""

    signatures: Mapping[str, int]
    seals: tuple[str, ...]
    evidence: tuple[str, ...]
    sent_to: ReportingBody
    attachments_required: bool = False


@dataclass(frozen=True, slots=True)
class PublicNoticeRules:
    """R-PUB-1: how often the eligibility list is published and for how long."""

    interval_months: int
    min_working_days: int
    tipoff_phone_required: bool


class SampleMethod(StrEnum):
    """How a spot-check sample is drawn for one scheme (R-SPT-1/2)."""

    AREA = "AREA"  # townships, then villages in each, then recipients in each village
    UNIT = "UNIT"  # employer units, then recipients in each unit


@dataclass(frozen=True, slots=True)
class SpotSample:
    """R-SPT-1: the sample for one scheme. AREA uses the first three numbers, UNIT the last two."""

    min_townships: int = 0
    min_villages_per_township: int = 0
    persons_per_village: int = 0
    method: SampleMethod = SampleMethod.AREA
    min_units: int = 0
    persons_per_unit: int = 0


@dataclass(frozen=True, slots=True)
class SpotCheckRules:
    """R-SPT-1: every `interval_months`, for `schemes`, with per-scheme minimum samples."""

    interval_months: int
    schemes: tuple[Scheme, ...]
    samples: Mapping[Scheme, SpotSample]


@dataclass(frozen=True, slots=True)
class StopEventReportRules:
    """R-RPT-1: a stop event must reach the bureau within `working_days` (from `in_force_from`)."""

    working_days: int
    in_force_from: dt.date


@dataclass(frozen=True, slots=True)
class PayrollRules:
    """The monthly sweep: how long a certification received but not yet applied ("in processing")
    keeps an overdue recipient from being suspended (R-SUS-1, Art. 8: results applied promptly)."""

    processing_hold_days: int


@dataclass(frozen=True, slots=True)
class RecoveryRules:
    """Recovery of overpayments (R-PAY-4): the longest instalment plan, in monthly instalments."""

    max_instalments: int


@dataclass(frozen=True, slots=True)
class JudicialProfile:
    """How Art. 9 is applied (R-JUD-1/2, R-POL-3): `county` (default) or `national`."""

    name: str
    suspending_measures: frozenset[CustodyMeasure]
    suspending_penalties: frozenset[Penalty]
    suspended_sentence_suspends: bool  # 缓刑
    outside_prison_suspends: bool  # 监外执行
    pay_back_outcomes: frozenset[CaseOutcome]
    freeze_amount_during_sentence: bool  # R-JUD-2: resume at the amount before the sentence

    def sentence_suspends(self, penalty: str, suspended: bool, outside_prison: bool) -> bool:
        """Whether a sentence stops payment; otherwise it is kept paid, frozen (R-POL-3)."""
        if penalty not in self.suspending_penalties:
            return False
        if suspended and not self.suspended_sentence_suspends:
            return False
        return not (outside_prison and not self.outside_prison_suspends)


@dataclass(frozen=True, slots=True)
class WageShare:
    """R-WID-3 (工伤保险条例 art. 39): dependants' shares of the deceased worker's wage, in percent."""

    spouse_percent: int
    other_percent: int
    lone_elderly_or_orphan_extra_percent: int
    total_cap_percent: int


@dataclass(frozen=True, slots=True)
class WorkInjuryRules:
    """R-WID-1..3: when a work-injury dependant's benefit stops, and the art. 39 shares."""

    child_stop_age: int
    child_unable_to_work_exempt: bool  # R-WID-2, 劳社部令第18号 art. 4
    student_extension: bool  # R-WID-2, local option
    student_extension_max_age: int
    stop_changes: Mapping[DependantRole, frozenset[DependantChange]]
    wage_share: WageShare


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """One version of the policy, in force from `effective` until the next version (R-POL-1)."""

    id: str
    effective: dt.date
    source: str
    file: str  # the policy file that introduced this version, for error messages and audits
    schemes: Mapping[Scheme, SchemeRules]
    death_reports: tuple[DeathReportRule, ...]
    paper_forms: Mapping[Scheme, FormRequirements]
    township_summary: FormRequirements
    public_notice: PublicNoticeRules
    spot_check: SpotCheckRules
    key_group_age: int
    home_visit_interval_months: int  # R-KEY-1: 定期开展上门服务, how often a key-group member is visited
    reminder_lead_days: int
    reminder_message: str  # a template with the fields in REMINDER_FIELDS (str.format)
    stop_event_report: StopEventReportRules
    payroll: PayrollRules
    recovery: RecoveryRules
    duplicate_pairs: tuple[tuple[Scheme, Scheme], ...]  # R-DUP-1: schemes one person may not draw together
    judicial_profile: str
    judicial_profiles: Mapping[str, JudicialProfile]
    work_injury: WorkInjuryRules

    @property
    def judicial(self) -> JudicialProfile:
        """The profile in force (R-POL-3)."""
        return self.judicial_profiles[self.judicial_profile]


@dataclass(frozen=True, slots=True)
class Policy:
    """A named list of versions, oldest first; `version_at` answers R-POL-1's "which one applies".

    Before the first version's effective date the first version applies: it is the
    baseline the deployment has, and decisions still name it.
    """

    name: str
    versions: tuple[PolicyVersion, ...]
    _ordinals: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a policy needs at least one version")
        object.__setattr__(self, "_ordinals", tuple(v.effective.toordinal() for v in self.versions))

    def version_at(self, day: dt.date) -> PolicyVersion:
        """The version in force on `day` (R-POL-1)."""
        i = bisect.bisect_right(self._ordinals, day.toordinal()) - 1
        return self.versions[max(i, 0)]

    def version(self, version_id: str) -> PolicyVersion:
        for v in self.versions:
            if v.id == version_id:
                return v
        raise KeyError(version_id)
