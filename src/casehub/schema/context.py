"""The per-request context: who is asking, settings, the policy, today, and fresh DataLoaders.

Loaders live for one request only (never module-level), so one request's cache never serves
another's, and they are built for the viewer so every nested field is scoped like the root
fields. A mutation that writes calls `fresh_loaders()` so its payload reads what it wrote.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket

from casehub.auth import AuthError, Viewer, viewer_from_authorization
from casehub.clock import today
from casehub.config import Settings
from casehub.policy import Policy, load_policy
from casehub.schema.loaders import Loaders


@functools.lru_cache(maxsize=4)
def policy_for(folder: Path | None) -> Policy:
    """The deployment's policy (CASEHUB_POLICY_DIR, or the shipped one), loaded once per process."""
    return load_policy(folder)


@dataclass
class Context:
    request: Request | WebSocket | None
    settings: Settings
    viewer: Viewer | None
    loaders: Loaders = field(init=False)
    auth_error: AuthError | None = None
    today: dt.date = field(default_factory=today)  # the county's day, fixed for the whole request
    alerts: Any = None  # the process's AlertHub (casehub.casework.alerts), for subscriptions
    connection_params: dict[str, Any] | None = None  # graphql-transport-ws connection_init payload
    json_out: bool = False  # the HTTP view encodes the answer with orjson: a field may hand it finished JSON

    def __post_init__(self) -> None:
        self.fresh_loaders()

    @property
    def policy(self) -> Policy:
        return policy_for(self.settings.policy_dir)

    def fresh_loaders(self) -> Loaders:
        self.loaders = Loaders(self.viewer, self.policy)
        return self.loaders

    async def authenticate_connection(self) -> None:
        """A WebSocket client (a browser cannot set headers on it) sends its token in connection_init:
        `{"Authorization": "Bearer <token>"}`; an invalid one is refused like a bad header."""
        if self.viewer is not None or not self.connection_params:
            return
        header = self.connection_params.get("Authorization") or self.connection_params.get("authorization")
        if isinstance(header, str):
            self.viewer = await viewer_from_authorization(self.settings, header)
            self.fresh_loaders()

    @classmethod
    async def build(cls, request: Request | WebSocket | None, settings: Settings) -> Context:
        header = request.headers.get("authorization") if request is not None else None
        try:
            viewer = await viewer_from_authorization(settings, header)
        except AuthError as exc:
            return cls(request, settings, None, auth_error=exc)
        return cls(request, settings, viewer)
