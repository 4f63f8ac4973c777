"""Tortoise models, one module per concern; this package is the ORM app `casehub`.

Only the data access layer, the adapters' recorder and the CLI import these;
the rules engine never does.
"""

from casehub.models.approvals import ApprovalRequest
from casehub.models.audit import AuditEntry
from casehub.models.death_reports import DeathReport, DeathReportEntry
from casehub.models.entitlements import Entitlement
from casehub.models.events import Event
from casehub.models.findings import DuplicateReceipt
from casehub.models.imports import ImportBatch
from casehub.models.investigations import (
    AccountabilityRecord,
    Investigation,
    InvestigationLink,
    InvestigationTransition,
)
from casehub.models.key_groups import KeyGroupFact
from casehub.models.notices import PublicNotice, TipOff
from casehub.models.payroll import (
    CertificationIntake,
    DecisionOverride,
    PaymentLine,
    PayrollRun,
    StatusChange,
    SweepRun,
)
from casehub.models.persons import Person
from casehub.models.recovery import Instalment, InstalmentPlan, RecoveryCase, RecoveryItem, Repayment, Waiver
from casehub.models.referrals import InvestigationReferral
from casehub.models.regions import Region
from casehub.models.spot_checks import SpotCheck, SpotCheckItem
from casehub.models.staff import Staff
from casehub.models.states import EntitlementState
from casehub.models.units import EmployerUnit

__models__ = [
    AccountabilityRecord,
    ApprovalRequest,
    AuditEntry,
    CertificationIntake,
    DeathReport,
    DeathReportEntry,
    DecisionOverride,
    DuplicateReceipt,
    EmployerUnit,
    Entitlement,
    EntitlementState,
    Event,
    ImportBatch,
    Instalment,
    InstalmentPlan,
    Investigation,
    InvestigationLink,
    InvestigationReferral,
    InvestigationTransition,
    KeyGroupFact,
    PaymentLine,
    PayrollRun,
    Person,
    PublicNotice,
    RecoveryCase,
    RecoveryItem,
    Region,
    Repayment,
    SpotCheck,
    SpotCheckItem,
    Staff,
    StatusChange,
    SweepRun,
    TipOff,
    Waiver,
]

__all__ = [
    "AccountabilityRecord",
    "ApprovalRequest",
    "AuditEntry",
    "CertificationIntake",
    "DeathReport",
    "DeathReportEntry",
    "DecisionOverride",
    "DuplicateReceipt",
    "EmployerUnit",
    "Entitlement",
    "EntitlementState",
    "Event",
    "ImportBatch",
    "Instalment",
    "InstalmentPlan",
    "Investigation",
    "InvestigationLink",
    "InvestigationReferral",
    "InvestigationTransition",
    "KeyGroupFact",
    "PaymentLine",
    "PayrollRun",
    "Person",
    "PublicNotice",
    "RecoveryCase",
    "RecoveryItem",
    "Region",
    "Repayment",
    "SpotCheck",
    "SpotCheckItem",
    "Staff",
    "StatusChange",
    "SweepRun",
    "TipOff",
    "Waiver",
]
