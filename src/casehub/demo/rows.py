"""The demo county as plain rows, ready to insert: attribute names are the column names.

Primary keys are assigned here, so that foreign keys (and an event's `corrects`)
need no round trip to the database. Enum-valued columns hold the enums; the loader
turns values into what the driver takes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from casehub.domain import DependantRole, EventType, RegionLevel, Role, Scheme, UnitKind
from casehub.payroll.vocabulary import LineKind, LineSource, RunStatus


@dataclass(slots=True)
class RegionRow:
    id: int
    code: str
    name: str
    level: RegionLevel
    parent_id: int | None


@dataclass(slots=True)
class UnitRow:
    id: int
    code: str
    name: str
    kind: UnitKind
    region_id: int


@dataclass(slots=True)
class StaffRow:
    id: int
    username: str
    name: str
    role: Role
    region_id: int | None
    unit_id: int | None
    active: bool
    created_at: dt.datetime


@dataclass(slots=True)
class PersonRow:
    id: int
    id_number: str
    name: str
    birth_date: dt.date
    sex: str
    phone: str | None
    village_id: int
    created_at: dt.datetime


@dataclass(slots=True)
class EntitlementRow:
    id: int
    person_id: int
    scheme: Scheme
    start_month: dt.date
    monthly_amount_fen: int
    region_id: int
    unit_id: int | None
    dependant_role: DependantRole | None
    created_at: dt.datetime


@dataclass(slots=True)
class EventRow:
    person_id: int
    type: EventType
    occurred_on: dt.date
    recorded_at: dt.datetime  # UTC
    payload: dict[str, Any]
    staff_id: int | None = None
    entitlement_id: int | None = None
    evidence: list[str] = field(default_factory=list)
    corrects: EventRow | None = None  # the event a RETRACTED/AMENDED corrects; becomes corrects_id
    id: int = 0  # assigned once the whole county is generated, in recorded order
    natural_key: str = ""
    source_adapter: str = "demo"
    batch_id: int | None = None
    source_row: int | None = None

    @property
    def corrects_id(self) -> int | None:
        return self.corrects.id if self.corrects is not None else None


@dataclass(slots=True)
class PayrollRunRow:
    id: int
    month: dt.date
    status: RunStatus
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    closed_by_id: int | None
    line_count: int
    total_fen: int


@dataclass(slots=True)
class PaymentLineRow:
    id: int
    run_id: int
    entitlement_id: int
    person_id: int
    benefit_month: dt.date
    amount_fen: int
    kind: LineKind
    source: LineSource
    note: str


@dataclass(slots=True)
class County:
    """Everything `load_demo` inserts, in insertion order per table."""

    regions: list[RegionRow]
    units: list[UnitRow]
    staff: list[StaffRow]
    persons: list[PersonRow]
    entitlements: list[EntitlementRow]
    events: list[EventRow]
    payroll_runs: list[PayrollRunRow] = field(default_factory=list)  # closed months (casehub.demo.payroll)
    payment_lines: list[PaymentLineRow] = field(default_factory=list)

    def tables(self) -> list[tuple[str, list[Any]]]:
        """(model name, rows) in foreign-key order."""
        return [
            ("Region", self.regions),
            ("EmployerUnit", self.units),
            ("Staff", self.staff),
            ("Person", self.persons),
            ("Entitlement", self.entitlements),
            ("Event", self.events),
            ("PayrollRun", self.payroll_runs),
            ("PaymentLine", self.payment_lines),
        ]
