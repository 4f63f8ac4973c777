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
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from tortoise import Tortoise
from tortoise.connection import get_connection

from casehub import db
from casehub.auth import AuthError, Viewer
from casehub.casework.alerts import AlertHub
from casehub.config import Settings
from casehub.schema import build_schema
from casehub.schema.context import Context
from casehub.web import OfflineGraphQL, asset_routes

log = logging.getLogger("casehub")
_POSTED_OPERATIONS = OperationType.from_http("POST")


class CasehubGraphQL(OfflineGraphQL):
    """The GraphQL view (and, outside production, the offline GraphiQL page)."""

    def __init__(self, settings: Settings, alerts: AlertHub | None = None) -> None:
        super().__init__(
            build_schema(production=settings.production),
            graphql_ide=None if settings.production else "graphiql",
        )
        self.settings = settings
        self.alerts = alerts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Most requests are one JSON-posted operation: answered by `_answer_post` without strawberry's
        general HTTP machinery; anything else (GET, batches, uploads, streams, WebSockets) by strawberry."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response: Response | JSONAnswer = await self._answer_post(request) or await self.run(request)
        except HTTPException as exc:
            response = PlainTextResponse(exc.reason, status_code=exc.status_code)
        await response(scope, receive, send)

    async def _answer_post(self, request: Request) -> JSONAnswer | None:
        """The answer to one operation posted as JSON, or None for strawberry's general path.

        The same answers as strawberry's `run` for such a request (its `process_result`, the schema's
        `execute`, the same 400s), built once: strawberry makes a sub-response, a request adapter and a
        transport lookup for every request, whatever it holds. An operation with a plan
        (`schema/plans.py`) is answered by it where it can be.
        """
        headers = request.headers
        if request.method != "POST" or _media_type(headers.get("content-type", "")) != "application/json":
            return None
        accept = headers.get("accept")  # none, or none asking for a stream (most requests): no parsing
        if accept and self._get_stream_transport_from_headers({"accept": accept}) is not None:
            return None
        data = self.parse_json(await request.body())  # kept by the request: the general path reads it again
        if not isinstance(data, dict):
            return None  # a batch
        query, variables, extensions = data.get("query"), data.get("variables"), data.get("extensions")
        if not isinstance(query, str | None):
            raise HTTPException(400, "The GraphQL operation's `query` must be a string or null, if provided.")
        if not isinstance(variables, dict | None):
            raise HTTPException(400, "The GraphQL operation's `variables` must be an object or null, if provided.")
        if not isinstance(extensions, dict | None):
            raise HTTPException(400, "The GraphQL operation's `extensions` must be an object or null, if provided.")
        viewer = None
        operation_name = data.get("operationName")
        plan = self.schema.plans.find(query, operation_name, variables)
        if plan is not None:
            answered, viewer = await plan.answer(self.settings, headers.get("authorization"), variables)
            if answered is not None:
                return JSONAnswer(self.encode_json({"data": answered}))
        context = await self.get_context(request, viewer=viewer)
        try:
            result = await self.schema.execute(
                query, variable_values=variables, context_value=context, operation_name=operation_name,
                allowed_operation_types=_POSTED_OPERATIONS, operation_extensions=extensions,
            )  # fmt: skip
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason("POST")) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc
        return JSONAnswer(self.encode_json(await self.process_result(request, result)))

    async def get_context(self, request, response=None, viewer: Viewer | None = None) -> Context:  # type: ignore[override]
        """`viewer`: the account already read for this request (by a plan), not read again."""
        context = Context(request, self.settings, viewer) if viewer else await Context.build(request, self.settings)
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


class JSONAnswer:
    """An encoded answer sent as it is, 200 and `application/json`: the ASGI messages Starlette's
    `Response` would send, without building its header list anew for every request."""

    __slots__ = ("body",)

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-length", str(len(self.body)).encode()), (b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def _media_type(content_type: str) -> str:
    """`application/json` of `application/json; charset=utf-8` (strawberry's parser goes through `email`)."""
    return content_type.partition(";")[0].strip().lower()


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


class CasehubApp(Starlette):
    """Starlette, except that a POST to /graphql — nearly all of the traffic — goes straight to the view.

    Starlette's error middleware, exception middleware and router cost a tenth of a planned
    one-recipient lookup (docs/PERFORMANCE.md); the view answers its own HTTP errors, and a database
    that is away gets the same 503 as on every other route.
    """

    def __init__(self, graphql: CasehubGraphQL, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.graphql = graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        posted = scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path")
        if not posted or scope["path"] != "/graphql":
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        try:
            await self.graphql(scope, receive, send)
        except db.CONNECTION_ERRORS as exc:
            response = await database_unavailable(Request(scope), exc)
            await response(scope, receive, send)


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
    app = CasehubApp(graphql, routes=routes, lifespan=lifespan, exception_handlers=handlers)  # type: ignore[arg-type]
    app.state.alerts = alerts
    return app
