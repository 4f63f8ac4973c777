"""GraphQL types of the payroll: months, payment lines, sweep runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from casehub import access
from casehub.models import PaymentLine as LineModel
from casehub.models import PayrollRun as RunModel
from casehub.models import SweepRun as SweepModel
from casehub.payroll.vocabulary import LineKind, LineSource, RunStatus, SweepStatus
from casehub.schema.casework.errors import StaffRef, staff_ref
from casehub.schema.casework.paging import page_by_id
from casehub.schema.common import gid
from casehub.schema.pagination import Connection
from casehub.schema.process_common import load_recipient, scoped_nodes
from casehub.schema.recipients.types import Recipient

RunStatusEnum = strawberry.enum(RunStatus, name="PayrollRunStatus")
LineKindEnum = strawberry.enum(LineKind, name="PaymentLineKind")
LineSourceEnum = strawberry.enum(LineSource, name="PaymentLineSource")
SweepStatusEnum = strawberry.enum(SweepStatus, name="SweepStatus")


@strawberry.type(description="Money paid in a payroll month for one entitlement-month (R-PAY-1/2).")
class PaymentLine:
    id: int
    entitlement: relay.GlobalID
    benefit_month: dt.date = strawberry.field(description="The month the money is for.")
    amount_fen: int
    kind: LineKindEnum
    source: LineSourceEnum
    note: str
    person_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: LineModel) -> PaymentLine:
        return cls(id=row.id, entitlement=gid("Entitlement", row.entitlement_id), benefit_month=row.benefit_month,
                   amount_fen=row.amount_fen, kind=row.kind, source=row.source, note=row.note,
                   person_id=row.person_id)

    @strawberry.field
    async def recipient(self, info: strawberry.Info) -> Recipient | None:
        return await load_recipient(info, self.person_id)


@strawberry.type(description="A payroll month: OPEN while the sweep plans it, CLOSED (frozen for good) once paid.")
class PayrollRun(relay.Node):
    id: relay.NodeID[int]
    month: dt.date
    status: RunStatusEnum
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    line_count: int = strawberry.field(description="Set when the month is closed.")
    total_fen: int = strawberry.field(description="Set when the month is closed.")
    closed_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: RunModel) -> PayrollRun:
        return cls(id=row.id, month=row.month, status=row.status, opened_at=row.opened_at, closed_at=row.closed_at,
                   line_count=row.line_count, total_fen=row.total_fen, closed_by_id=row.closed_by_id)

    @strawberry.field
    async def closed_by(self, info: strawberry.Info) -> StaffRef | None:
        return await staff_ref(info, self.closed_by_id)

    @strawberry.field(description="The month's lines in the viewer's area, a page at a time (at most 100).")
    async def lines(self, info: strawberry.Info, first: int = 50, after: str | None = None
                    ) -> Connection[PaymentLine]:
        query = access.person_scoped(info.context.viewer, LineModel).filter(run_id=self.id)
        return await page_by_id(query, PaymentLine.from_model, first, after)

    @classmethod
    async def resolve_nodes(cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
                            ) -> list[Any]:
        return await scoped_nodes(RunModel.all(), node_ids, cls.from_model)


@strawberry.type(description="One run of the monthly sweep (`casehub sweep --month`): what it found.")
class SweepRun:
    id: int
    month: dt.date
    as_of: dt.date
    status: SweepStatusEnum
    started_at: dt.datetime
    finished_at: dt.datetime | None
    workers: int
    counts: JSON
    report_sha256: str
    error: str

    @classmethod
    def from_model(cls, row: SweepModel) -> SweepRun:
        return cls(id=row.id, month=row.month, as_of=row.as_of, status=row.status, started_at=row.started_at,
                   finished_at=row.finished_at, workers=row.workers, counts=row.counts,
                   report_sha256=row.report_sha256, error=row.error)
