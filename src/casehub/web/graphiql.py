"""GraphiQL served entirely from this server, for networks with no internet access.

Strawberry's stock GraphiQL page loads React and GraphiQL from a public CDN, which
government networks cannot reach. Here the same files come from the pinned npm
packages in ``web/package.json`` (installed by ``make assets`` / ``npm ci --prefix web``)
and are served under ``/static/graphiql``; the page references nothing else, and its
Content-Security-Policy makes the browser refuse any other origin.
"""

from __future__ import annotations

import html
import os
import secrets
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.staticfiles import NotModifiedResponse
from strawberry.asgi import GraphQL

ASSETS_ENV_VAR = "CASEHUB_WEB_ASSETS"
ASSETS_URL_PATH = "/static/graphiql"
INSTALL_HINT = "run `make assets` (or `npm ci --prefix web`) in the repository root"

# URL name -> file inside node_modules. Only these files are ever served.
_PAGE_ASSETS = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}
# Source maps named by the bundles; optional, fetched only by browser dev tools.
_SOURCE_MAPS = {
    "graphiql.min.js.map": "graphiql/graphiql.min.js.map",
    "graphiql.min.css.map": "graphiql/graphiql.min.css.map",
}
ASSET_FILES = {**_PAGE_ASSETS, **_SOURCE_MAPS}


class AssetsMissingError(RuntimeError):
    """The npm-installed GraphiQL assets are not where casehub looks for them."""


def default_assets_dir() -> Path:
    """``<repo>/web/node_modules``, found relative to this file (src/casehub/web)."""
    return Path(__file__).resolve().parents[3] / "web" / "node_modules"


def find_assets_dir() -> Path:
    """Return the ``node_modules`` folder holding GraphiQL's files.

    ``$CASEHUB_WEB_ASSETS`` wins (for installs outside a checkout); otherwise the
    repository's ``web/node_modules``. Raises AssetsMissingError saying what to run.
    """
    configured = os.environ.get(ASSETS_ENV_VAR)
    root = Path(configured) if configured else default_assets_dir()
    missing = [rel for rel in _PAGE_ASSETS.values() if not (root / rel).is_file()]
    if missing:
        source = f"${ASSETS_ENV_VAR}" if configured else "the default location"
        raise AssetsMissingError(
            f"GraphiQL assets not found in {root} ({source}); missing {', '.join(missing)}. "
            f"To install them, {INSTALL_HINT}, or point ${ASSETS_ENV_VAR} at a "
            "node_modules folder that has graphiql, react and react-dom."
        )
    return root


async def _serve_asset(request: Request) -> Response:
    rel = ASSET_FILES.get(request.path_params["name"])
    if rel is None:  # not whitelisted: nothing else under node_modules is reachable
        return PlainTextResponse("Not Found", status_code=404)
    try:
        path = find_assets_dir() / rel
    except AssetsMissingError as exc:
        return PlainTextResponse(str(exc), status_code=503)
    if not path.is_file():  # an optional source map that this install lacks
        return PlainTextResponse("Not Found", status_code=404)
    # Unversioned URLs: browsers revalidate each time (a cheap 304 by ETag), so an
    # upgrade of the npm packages is never half-cached.
    response = FileResponse(path, stat_result=path.stat(), headers={"Cache-Control": "no-cache"})
    if_none_match = request.headers.get("if-none-match", "")
    if response.headers["etag"] in (t.strip().removeprefix("W/") for t in if_none_match.split(",")):
        return NotModifiedResponse(response.headers)
    return response


def asset_routes() -> list[BaseRoute]:
    """Routes serving the whitelisted GraphiQL files under ``/static/graphiql/``.

    The folder is looked up per request, so an app without the assets still starts
    (its API works; only the IDE answers 503 with the install hint).
    """
    return [Route(ASSETS_URL_PATH + "/{name}", _serve_asset, name="graphiql-asset")]


_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>casehub GraphiQL</title>
  <link rel="icon" href="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
  <link rel="stylesheet" href="{assets}/graphiql.min.css">
  <style>
    body {{ margin: 0; height: 100vh; overflow: hidden; }}
    #graphiql {{ height: 100vh; }}
  </style>
  <script src="{assets}/react.production.min.js"></script>
  <script src="{assets}/react-dom.production.min.js"></script>
  <script src="{assets}/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script nonce="{nonce}">
    // Share queries by URL: ?q=...&variables=... (as strawberry's page; a GET with
    // ?query= is executed by the server instead of showing this page).
    const params = new URLSearchParams(window.location.search);
    function updateURL(key, value) {{
      if (value) params.set(key, value); else params.delete(key);
      history.replaceState(null, "", "?" + params.toString());
    }}
    // Same-origin endpoint for queries; same URL over ws(s) for subscriptions.
    const url = new URL(window.location.href);
    url.search = "";
    url.hash = "";
    const subscriptionUrl = new URL(url);
    subscriptionUrl.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const fetcher = GraphiQL.createFetcher({{
      url: url.toString(),
      subscriptionUrl: subscriptionUrl.toString(),
    }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{
        fetcher: fetcher,
        defaultQuery: "# casehub GraphQL API\\n{{\\n  __typename\\n}}\\n",
        query: params.get("q") || undefined,
        variables: params.get("variables") || undefined,
        onEditQuery: (q) => updateURL("q", q),
        onEditVariables: (v) => updateURL("variables", v),
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false, // headers may carry tokens: keep them out of localStorage
        inputValueDeprecation: true,
      }}),
    );
  </script>
</body>
</html>
"""


def graphiql_html(assets_url: str = ASSETS_URL_PATH, nonce: str = "") -> str:
    """The GraphiQL page, loading its files from ``assets_url`` (a same-origin path)."""
    return _PAGE.format(assets=html.escape(assets_url.rstrip("/")), nonce=html.escape(nonce))


def _csp(nonce: str) -> str:
    """Let the page talk to its own origin only (connect-src 'self' covers ws:/wss:)."""
    return (
        "default-src 'none'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    )


class OfflineGraphQL(GraphQL):
    """Strawberry's ASGI GraphQL app, whose GraphiQL page uses only local files.

    Expects ``asset_routes()`` in the same app as the ``Route`` to this view, so the
    files sit at ``<root_path>/static/graphiql`` (this follows a Mount or a proxy's
    --root-path). Set ``assets_url`` on a subclass or instance for any other layout.
    """

    assets_url: str | None = None

    async def render_graphql_ide(self, request: Request) -> Response:
        try:
            find_assets_dir()
        except AssetsMissingError as exc:
            return PlainTextResponse(str(exc), status_code=503)
        root = request.scope.get("root_path", "").rstrip("/")
        assets_url = self.assets_url or root + ASSETS_URL_PATH
        nonce = secrets.token_urlsafe(16)
        return HTMLResponse(
            graphiql_html(assets_url, nonce),
            headers={"Content-Security-Policy": _csp(nonce)},
        )
