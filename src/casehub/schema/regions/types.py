from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from casehub.models import Region as RegionModel
from casehub.schema.common import load_nodes
from casehub.schema.enums import RegionLevelEnum

__all__ = ["Region", "RegionLevelEnum"]


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

    @strawberry.field(description="The townships of a county, the villages of a township, in code order.")
    async def children(self, info: strawberry.Info) -> list[Region]:
        return [Region.from_model(r) for r in await info.context.loaders.regions_by_parent.load(self.id)]

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(info.context.loaders.region, node_ids, cls.from_model)
