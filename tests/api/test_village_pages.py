"""A region's recipients page by id, read village by village on PostgreSQL (`filters.page_rows`), holds
what the one-query page holds, in the same order, for every role, region filter, direction and cursor."""

from __future__ import annotations

import datetime as dt

import pytest

from casehub import access
from casehub.auth import viewer_for_staff
from casehub.domain import Scheme
from casehub.policy import default_policy
from casehub.schema.recipients import filters
from casehub.schema.recipients.inputs import OrderDirection, RecipientFilterInput, RecipientOrderField
from tests.api.test_access_sql import county  # noqa: F401  (the fixture)

TODAY = dt.date(2025, 6, 30)
FILTERS = [
    None,
    *(RecipientFilterInput(region_code=c) for c in ("532922", "532922101", "532922102", "532922101002", "532922103")),
    RecipientFilterInput(region_code="532922101", schemes=[Scheme.AGENCY_PENSION]),
    RecipientFilterInput(schemes=[Scheme.AGENCY_PENSION]),
]


async def one_query_page(viewer, f, direction, after, limit):
    query = filters.filtered(viewer, f, today=TODAY, policy=default_policy())
    page, _ = filters.ordered_page(viewer, query, f, RecipientOrderField.ID, direction, after, limit)
    return [tuple(row) for row in await page.values_list(*access.PERSON_FIELDS)]


async def test_village_by_village_pages_are_the_one_query_pages(county, migrated_database, monkeypatch):  # noqa: F811
    if not migrated_database.startswith("postgres"):
        pytest.skip("village-by-village pages are PostgreSQL's")
    merged = []
    real = filters._merged_by_village

    async def counted(*args, **kwargs):
        merged.append(args[1])
        return await real(*args, **kwargs)

    monkeypatch.setattr(filters, "_merged_by_village", counted)
    seen = 0
    for member in county:
        viewer = await viewer_for_staff(member.id)
        for f in FILTERS:
            for direction in OrderDirection:
                after = None
                while True:  # every page of two, by the cursor
                    rows, annotation = await filters.page_rows(
                        viewer, f, RecipientOrderField.ID, direction, after, 2, today=TODAY, policy=default_policy()
                    )
                    assert annotation == ""
                    assert rows == await one_query_page(viewer, f, direction, after, 2), (member.username, f)
                    seen += len(rows)
                    if len(rows) < 2:
                        break
                    after = [rows[-1][0]]
    assert seen
    # the merge ran for a region filter, and for a township viewer's own scope with one; not for the
    # county's code alone (nearly everyone: the one query is the faster)
    assert ["532922101"] in merged and ["532922101", "532922102"] in merged
    assert ["532922"] not in merged
