"""Fixtures for the offline GraphiQL tests.

`graphiql_app` is casehub's real app; `demo_app`, a tiny strawberry schema
behind OfflineGraphQL, serves the subscription test until casehub has subscriptions.

Without the npm assets (or, for browser tests, Chromium) the tests skip, unless
CASEHUB_TEST_REQUIRE_WEB=1 (set it in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
from collections.abc import AsyncGenerator

import pytest
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from casehub.web.graphiql import AssetsMissingError, OfflineGraphQL, asset_routes, find_assets_dir

REQUIRE_WEB = os.environ.get("CASEHUB_TEST_REQUIRE_WEB") == "1"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_WEB:
        pytest.fail(f"web tests are required (CASEHUB_TEST_REQUIRE_WEB=1): {reason}")
    pytest.skip(reason)


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str = "world") -> str:
        return f"Hello, {name}!"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, to: int = 3) -> AsyncGenerator[int, None]:
        for i in range(1, to + 1):
            yield i
            await asyncio.sleep(0.05)


def build_demo_app() -> Starlette:
    """GraphQL (queries over HTTP, subscriptions over WebSocket) + GraphiQL assets."""
    graphql = OfflineGraphQL(strawberry.Schema(query=Query, subscription=Subscription))
    return Starlette(
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            *asset_routes(),
        ]
    )


@pytest.fixture(scope="session")
def web_assets() -> None:
    try:
        find_assets_dir()
    except AssetsMissingError as exc:
        skip_or_fail(str(exc))


@pytest.fixture(scope="session")
def demo_app() -> Starlette:
    """The tiny demo app, whatever `graphiql_app` is (it also has a subscription)."""
    return build_demo_app()


@pytest.fixture(scope="session")
def graphiql_app(web_assets) -> ASGIApp:
    """casehub's real app; `{ __typename }` needs neither a token nor the database."""
    from casehub.app import create_app
    from casehub.config import Settings

    return create_app(Settings(database_url="sqlite://:memory:"), manage_database=False)


@pytest.fixture(scope="session")
def chromium(web_assets) -> str:
    """Path of Debian's Chromium (`apt-get install -y chromium`), $CASEHUB_CHROMIUM wins.

    Also checks for `websockets`, the DevTools-protocol client the browser tests use.
    """
    path = os.environ.get("CASEHUB_CHROMIUM") or shutil.which("chromium")
    if not path:
        skip_or_fail("Chromium is not installed (apt-get install -y chromium)")
    if importlib.util.find_spec("websockets") is None:
        skip_or_fail("the websockets package is not installed (pip install websockets)")
    return path
