from __future__ import annotations

import strawberry

from casehub.auth import PERMISSIONS
from casehub.auth import Viewer as AuthViewer
from casehub.schema.entitlements.types import EmployerUnit
from casehub.schema.enums import PermissionEnum, RoleEnum
from casehub.schema.regions.types import Region


@strawberry.type(description="Who is asking: the staff account behind the token, its scope and what it may do.")
class Viewer:
    username: str
    role: RoleEnum
    permissions: list[PermissionEnum] = strawberry.field(description="What the role may do (casehub.auth).")
    staff_id: strawberry.Private[int]
    region_id: strawberry.Private[int | None]
    unit_id: strawberry.Private[int | None]

    @classmethod
    def from_viewer(cls, viewer: AuthViewer) -> Viewer:
        return cls(
            username=viewer.username, role=viewer.role, permissions=sorted(PERMISSIONS[viewer.role]),
            staff_id=viewer.staff_id, region_id=viewer.region_id, unit_id=viewer.unit_id,
        )  # fmt: skip

    @strawberry.field
    async def name(self, info: strawberry.Info) -> str:
        return (await info.context.loaders.staff.load(self.staff_id)).name

    @strawberry.field(description="The region the account covers (and everything under it).")
    async def region(self, info: strawberry.Info) -> Region | None:
        if self.region_id is None:
            return None
        return Region.from_model(await info.context.loaders.region.load(self.region_id))

    @strawberry.field(description="The employer unit of a unit handler.")
    async def unit(self, info: strawberry.Info) -> EmployerUnit | None:
        if self.unit_id is None:
            return None
        row = await info.context.loaders.unit.load(self.unit_id)
        return EmployerUnit.from_model(row) if row else None
