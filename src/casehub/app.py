"""The ASGI application: Starlette routes around the strawberry GraphQL view.

Start-up opens the database and refuses to serve an unmigrated one (with the
command to run); `/healthz` checks the database on every call. While the
database is away a request gets 503 (never a 500), and the service recovers by
itself when it is back.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from tortoise import Tortoise
from tortoise.connection import get_connection

from casehub import db
from casehub.auth import AuthError
from casehub.casework.alerts import AlertHub
from casehub.config import Settings
from casehub.schema import build_schema
from casehub.schema.context import Context
from casehub.web import OfflineGraphQL, asset_routes

log = logging.getLogger("casehub")


class CasehubGraphQL(OfflineGraphQL):
    """The GraphQL view (and, outside production, the offline GraphiQL page)."""

    def __init__(self, settings: Settings, alerts: AlertHub | None = None) -> None:
        super().__init__(
            build_schema(production=settings.production),
            graphql_ide=None if settings.production else "graphiql",
        )
        self.settings = settings
        self.alerts = alerts

    async def get_context(self, request, response=None) -> Context:  # type: ignore[override]
        context = await Context.build(request, self.settings)
        context.alerts = self.alerts
        context.json_out = isinstance(request, Request)  # answered by `encode_json` (a WebSocket is not a Request)
        return context

    async def on_ws_connect(self, context: Context):  # type: ignore[override]
        """Accept a token in the connection_init payload; refuse the connection if it is invalid."""
        from strawberry.exceptions import ConnectionRejectionError

        try:
            await context.authenticate_connection()
        except AuthError as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from None
        return await super().on_ws_connect(context)

    def decode_json(self, data: str | bytes) -> object:
        """orjson, whose errors are `json.JSONDecodeError`s: a body that is not JSON is still a 400."""
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        """orjson: a 20,000-object answer encodes in a tenth of the standard library's time."""
        return orjson.dumps(data)


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """A request that meets the database away (restarting, unreachable): 503 with Retry-After, not a 500;
    the connection pool replaces its dead connections by itself once the database is back."""
    log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    return JSONResponse(
        {"data": None, "errors": [{"message": "the database is unavailable: try again shortly"}]},
        status_code=503, headers={"Retry-After": "5"},
    )  # fmt: skip


async def healthz(request: Request) -> JSONResponse:
    try:
        await get_connection("default").execute_query("SELECT 1")
    except Exception as exc:  # the point of a health check is to report any failure
        log.warning("health check failed: %s", exc)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """Build the app; with `manage_database=False` the caller owns the tortoise connection (tests)."""
    settings = settings or Settings.from_env()

    alerts = AlertHub()  # investigators' findings for this process's subscribers

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_database:
            await alerts.start(settings.database_url)
            try:
                yield
            finally:
                await alerts.stop()
            return
        await db.init_db(settings.database_url, global_fallback=True)
        try:
            await db.ensure_migrated()
            await alerts.start(settings.database_url)
            yield
        finally:
            await alerts.stop()
            await Tortoise.close_connections()

    graphql = CasehubGraphQL(settings, alerts)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
    ]
    if not settings.production:
        routes += asset_routes()
    handlers = dict.fromkeys(db.CONNECTION_ERRORS, database_unavailable)
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)  # type: ignore[arg-type]
    app.state.alerts = alerts
    return app
