from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from casehub.domain import RegionLevel
from casehub.models import Region as RegionModel

RegionLevelEnum = strawberry.enum(RegionLevel, name="RegionLevel")


@strawberry.type
class Region(relay.Node):
    """A county, township or village (GB/T 2260 / statistical division code)."""

    id: relay.NodeID[int]
    code: str
    name: str
    level: RegionLevelEnum
    parent_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: RegionModel) -> Region:
        return cls(id=row.id, code=row.code, name=row.name, level=row.level, parent_id=row.parent_id)

    @strawberry.field
    async def parent(self, info: strawberry.Info) -> Region | None:
        if self.parent_id is None:
            return None
        return Region.from_model(await info.context.loaders.region.load(self.parent_id))

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        rows = await info.context.loaders.region.load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]
