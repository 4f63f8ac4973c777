"""Browser-facing pieces of casehub, kept usable on air-gapped networks."""

from casehub.web.graphiql import (
    ASSETS_ENV_VAR,
    ASSETS_URL_PATH,
    AssetsMissingError,
    OfflineGraphQL,
    asset_routes,
    find_assets_dir,
    graphiql_html,
)

__all__ = [
    "ASSETS_ENV_VAR",
    "ASSETS_URL_PATH",
    "AssetsMissingError",
    "OfflineGraphQL",
    "asset_routes",
    "find_assets_dir",
    "graphiql_html",
]
