"""Tortoise models, one module per concern; this package is the ORM app `casehub`.

Only the data access layer, the adapters' recorder and the CLI import these;
the rules engine never does.
"""

from casehub.models.audit import AuditEntry
from casehub.models.death_reports import DeathReport, DeathReportEntry
from casehub.models.entitlements import Entitlement
from casehub.models.events import Event
from casehub.models.imports import ImportBatch
from casehub.models.key_groups import KeyGroupFact
from casehub.models.notices import PublicNotice, TipOff
from casehub.models.persons import Person
from casehub.models.referrals import InvestigationReferral
from casehub.models.regions import Region
from casehub.models.spot_checks import SpotCheck, SpotCheckItem
from casehub.models.staff import Staff
from casehub.models.states import EntitlementState
from casehub.models.units import EmployerUnit

__models__ = [
    AuditEntry,
    DeathReport,
    DeathReportEntry,
    EmployerUnit,
    Entitlement,
    EntitlementState,
    Event,
    ImportBatch,
    InvestigationReferral,
    KeyGroupFact,
    Person,
    PublicNotice,
    Region,
    SpotCheck,
    SpotCheckItem,
    Staff,
    TipOff,
]

__all__ = [
    "AuditEntry",
    "DeathReport",
    "DeathReportEntry",
    "EmployerUnit",
    "Entitlement",
    "EntitlementState",
    "Event",
    "ImportBatch",
    "InvestigationReferral",
    "KeyGroupFact",
    "Person",
    "PublicNotice",
    "Region",
    "SpotCheck",
    "SpotCheckItem",
    "Staff",
    "TipOff",
]
