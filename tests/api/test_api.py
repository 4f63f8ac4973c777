"""The API as a whole: the committed SDL matches the code, health, regions."""

from __future__ import annotations

from pathlib import Path

from casehub.schema import build_schema
from tests.api.conftest import ADMIN

ROOT = Path(__file__).resolve().parents[2]


def test_schema_graphql_is_up_to_date():
    exported = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert exported == build_schema().as_str() + "\n", "run `make schema` and commit schema.graphql"


async def test_healthz_checks_the_database(world):
    response = await world.client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_regions_by_level_and_parent(world):
    townships = await world.ok(ADMIN, "{ regions(level: TOWNSHIP) { code name children { code } } }")
    assert townships["regions"] == [
        {"code": "532922101", "name": "苍山西镇", "children": [{"code": "532922101001"}, {"code": "532922101002"}]},
        {"code": "532922102", "name": "漾江镇", "children": [{"code": "532922102001"}]},
    ]
    villages = await world.ok(ADMIN, '{ regions(parentCode: "532922101") { code } region(code: "532922109") { code } }')
    assert villages == {"regions": [{"code": "532922101001"}, {"code": "532922101002"}], "region": None}
