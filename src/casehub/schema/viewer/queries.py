from __future__ import annotations

import strawberry

from casehub.schema.permissions import authenticated
from casehub.schema.viewer.types import Viewer


@strawberry.type
class ViewerQueries:
    @strawberry.field(
        description="The signed-in staff member: role, scope and permissions (to show only what they may do).",
        permission_classes=[authenticated()],
    )
    def viewer(self, info: strawberry.Info) -> Viewer:
        return Viewer.from_viewer(info.context.viewer)
