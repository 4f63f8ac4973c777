"""The per-request context: settings and freshly built DataLoaders.

Loaders live for one request only (never module-level), so one request's
cache never serves another's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.websockets import WebSocket

from casehub.config import Settings
from casehub.schema.loaders import Loaders


@dataclass
class Context:
    request: Request | WebSocket | None
    settings: Settings
    loaders: Loaders = field(default_factory=Loaders)
