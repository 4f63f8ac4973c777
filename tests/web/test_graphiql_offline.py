"""GraphiQL's page names only same-origin files, and the server serves them all."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from casehub.web.graphiql import ASSETS_ENV_VAR, AssetsMissingError, find_assets_dir

HTML = {"Accept": "text/html"}
ATTR_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def page_urls(page: str) -> list[str]:
    return ATTR_URL.findall(page)


def test_page_has_no_external_url_and_every_asset_is_served(graphiql_app):
    client = TestClient(graphiql_app)
    resp = client.get("/graphql", headers=HTML)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    page = resp.text
    assert "http://" not in page and "https://" not in page
    assert "default-src 'none'" in resp.headers["content-security-policy"]

    urls = page_urls(page)
    assets = [u for u in urls if not u.startswith("data:")]
    assert len(assets) == 4, urls  # graphiql css+js, react, react-dom
    for url in assets:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url
        asset = client.get(url)
        assert asset.status_code == 200, (url, asset.text[:200])
        assert len(asset.content) > 1000, url
        kind = "text/css" if url.endswith(".css") else "javascript"
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
        etag = asset.headers["etag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # The bundles name their source maps; browser dev tools fetch them.
    assert client.get("/static/graphiql/graphiql.min.js.map").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/static/graphiql/package.json",
        "/static/graphiql/..%2Fgraphiql%2Fpackage.json",
        "/static/graphiql/%2E%2E/%2E%2E/web/package.json",
        "/static/graphiql/../../../etc/passwd",
        "/static/graphiql/",
    ],
)
def test_only_whitelisted_files_are_served(graphiql_app, path):
    assert TestClient(graphiql_app).get(path).status_code == 404


def test_asset_urls_follow_a_mount_prefix(web_assets, demo_app):
    client = TestClient(Starlette(routes=[Mount("/api", app=demo_app)]))
    page = client.get("/api/graphql", headers=HTML).text
    assets = [u for u in page_urls(page) if not u.startswith("data:")]
    assert assets and all(u.startswith("/api/static/graphiql/") for u in assets)
    for url in assets:
        assert client.get(url).status_code == 200, url


def test_missing_assets_give_the_install_command(tmp_path, monkeypatch, demo_app):
    monkeypatch.setenv(ASSETS_ENV_VAR, str(tmp_path))
    with pytest.raises(AssetsMissingError, match=r"npm ci --prefix web"):
        find_assets_dir()
    client = TestClient(demo_app)
    for path in ("/graphql", "/static/graphiql/graphiql.min.js"):
        resp = client.get(path, headers=HTML)
        assert resp.status_code == 503
        assert "make assets" in resp.text
    # The API itself keeps working without the IDE's files.
    assert client.post("/graphql", json={"query": "{ hello }"}).json() == {"data": {"hello": "Hello, world!"}}
