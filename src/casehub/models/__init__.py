"""Tortoise models, one module per concern; this package is the ORM app `casehub`.

Only the data access layer, the adapters' recorder and the CLI import these;
the rules engine never does.
"""

from casehub.models.audit import AuditEntry
from casehub.models.entitlements import Entitlement
from casehub.models.events import Event
from casehub.models.imports import ImportBatch
from casehub.models.persons import Person
from casehub.models.regions import Region
from casehub.models.staff import Staff
from casehub.models.states import EntitlementState
from casehub.models.units import EmployerUnit

__models__ = [
    AuditEntry,
    EmployerUnit,
    Entitlement,
    EntitlementState,
    Event,
    ImportBatch,
    Person,
    Region,
    Staff,
]

__all__ = [
    "AuditEntry",
    "EmployerUnit",
    "Entitlement",
    "EntitlementState",
    "Event",
    "ImportBatch",
    "Person",
    "Region",
    "Staff",
]
