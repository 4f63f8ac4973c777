from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from casehub import access
from casehub.models import SpotCheck as SpotCheckModel
from casehub.models import SpotCheckItem as ItemModel
from casehub.processes import spot_checks
from casehub.processes.spot_checks import Pick, Verification
from casehub.schema.process_common import FindingResultEnum, gid, load_recipient, scoped_nodes
from casehub.schema.recipients.types import Recipient, SchemeEnum


@strawberry.type(description="One sampled recipient and, once recorded, what the check found.")
class SpotCheckItem(relay.Node):
    id: relay.NodeID[int]
    position: int
    scheme: SchemeEnum
    group_code: str = strawberry.field(description="The village (AREA) or employer unit (UNIT) drawn.")
    result: FindingResultEnum | None
    checked_on: dt.date | None
    died_on: dt.date | None
    note: str | None
    evidence: JSON
    recorded_at: dt.datetime | None
    referral: relay.GlobalID | None
    event: relay.GlobalID | None = strawberry.field(description="The DIED event a DIED finding recorded.")
    person_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: ItemModel) -> SpotCheckItem:
        return cls(
            id=row.id, position=row.position, scheme=row.scheme, group_code=row.group_code, result=row.result,
            checked_on=row.checked_on, died_on=row.died_on, note=row.note, evidence=row.evidence,
            recorded_at=row.recorded_at, referral=gid("InvestigationReferral", row.referral_id),
            event=gid("TimelineEvent", row.event_id), person_id=row.person_id,
        )

    @strawberry.field
    async def recipient(self, info: strawberry.Info) -> Recipient | None:
        return await load_recipient(info, self.person_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await scoped_nodes(access.spot_check_items(info.context.viewer), node_ids, cls.from_model)


@strawberry.type
class FindingCount:
    result: FindingResultEnum
    count: int


@strawberry.type(description="Per scheme: sampled, still pending, and the findings so far.")
class SpotCheckTally:
    scheme: SchemeEnum
    sampled: int
    pending: int
    results: list[FindingCount]


@strawberry.type(description="A sampled recipient as the draw gives it (for a verification that fails).")
class SpotCheckPick:
    scheme: SchemeEnum
    position: int
    group_code: str
    person_id: int

    @classmethod
    def from_pick(cls, p: Pick) -> SpotCheckPick:
        return cls(scheme=p.scheme, position=p.position, group_code=p.group_code, person_id=p.person_id)


@strawberry.type(description="R-SPT-2: the draw recomputed from the recorded seed and population.")
class SpotCheckVerification:
    ok: bool
    population_ok: bool = strawberry.field(description="The population snapshot still has its recorded SHA-256.")
    sample_ok: bool = strawberry.field(description="The recomputed sample is exactly the recorded one.")
    expected: int
    recorded: int
    missing: list[SpotCheckPick]
    unexpected: list[SpotCheckPick]

    @classmethod
    def from_verification(cls, v: Verification) -> SpotCheckVerification:
        return cls(
            ok=v.ok, population_ok=v.population_ok, sample_ok=v.sample_ok, expected=v.expected, recorded=v.recorded,
            missing=[SpotCheckPick.from_pick(p) for p in v.missing],
            unexpected=[SpotCheckPick.from_pick(p) for p in v.unexpected],
        )


@strawberry.type(description="A half-year's spot check (R-SPT-1/2): the recorded seed, the population, the sample.")
class SpotCheck(relay.Node):
    id: relay.NodeID[int]
    period: str
    seed: str
    algorithm: str
    policy_version: str
    population_sha256: str
    population: JSON = strawberry.field(description="{scheme: {method, sample, groups}}: who could be drawn.")
    shortfalls: list[str]
    drawn_at: dt.datetime

    @classmethod
    def from_model(cls, row: SpotCheckModel) -> SpotCheck:
        return cls(
            id=row.id, period=row.period, seed=row.seed, algorithm=row.algorithm, policy_version=row.policy_version,
            population_sha256=row.population_sha256, population=row.population, shortfalls=row.shortfalls,
            drawn_at=row.drawn_at,
        )

    @strawberry.field(description="The sample in draw order, optionally only those still awaiting a finding.")
    async def items(self, info: strawberry.Info, pending: bool | None = None) -> list[SpotCheckItem]:
        query = access.spot_check_items(info.context.viewer).filter(spot_check_id=self.id)
        if pending is not None:
            query = query.filter(result__isnull=pending)
        return [SpotCheckItem.from_model(r) for r in await query.order_by("position")]

    @strawberry.field
    async def tally(self) -> list[SpotCheckTally]:
        return [
            SpotCheckTally(
                scheme=t.scheme, sampled=t.sampled, pending=t.pending,
                results=[FindingCount(result=r, count=n) for r, n in t.results.items()],
            )
            for t in await spot_checks.tally(await SpotCheckModel.get(id=self.id))
        ]

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await scoped_nodes(access.spot_checks(info.context.viewer), node_ids, cls.from_model)
