"""The per-request context: who is asking, settings, and freshly built DataLoaders.

Loaders live for one request only (never module-level), so one request's
cache never serves another's, and they are built for the viewer so every
nested field is scoped like the root fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.websockets import WebSocket

from casehub.auth import AuthError, Viewer, viewer_from_authorization
from casehub.config import Settings
from casehub.schema.loaders import Loaders


@dataclass
class Context:
    request: Request | WebSocket | None
    settings: Settings
    viewer: Viewer | None
    loaders: Loaders
    auth_error: AuthError | None = None
    json_out: bool = False  # the answer is encoded by the HTTP view (orjson): fields may hand it finished JSON

    @classmethod
    async def build(cls, request: Request | WebSocket | None, settings: Settings) -> Context:
        header = request.headers.get("authorization") if request is not None else None
        try:
            viewer = await viewer_from_authorization(settings, header)
        except AuthError as exc:
            return cls(request, settings, None, Loaders(None), auth_error=exc)
        return cls(request, settings, viewer, Loaders(viewer), json_out=isinstance(request, Request))
