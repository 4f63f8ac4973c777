"""The executor's shortcuts answer exactly as graphql-core's and strawberry's ordinary paths do.

A small schema of its own, run once with strawberry's execution context and once with casehub's,
on values the shortcut takes and on values it must hand back (nulls in non-null fields, values a
scalar refuses, items of the wrong type, resolvers and arguments next to plain fields).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import pytest
import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from casehub.schema.execution import CasehubExecutionContext, shorten_resolvers


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item(relay.Node):
    id: relay.NodeID[int]
    name: str
    count: int
    big: int | None
    when: dt.datetime
    day: dt.date | None
    colour: Colour
    data: JSON
    flag: bool

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times

    @strawberry.field
    async def later(self) -> str:
        return self.name

    @strawberry.field
    def scaled(self, info: strawberry.Info, factor: int = 2, since: dt.date | None = None, label: str = "x") -> str:
        return f"{label}:{self.count * factor}:{since}:{info.path.key}:{info.field_name}"

    @strawberry.field
    def broken(self) -> int | None:
        raise ValueError(f"no value for {self.name}")


@strawberry.type
class Other:
    name: str


def item(n: int, **changes: Any) -> Item:
    values = dict(
        id=n, name=f"item {n}", count=n, big=n, when=dt.datetime(2025, 1, n, 8, 30, n, tzinfo=dt.UTC),
        day=dt.date(2025, 2, n), colour=Colour.RED if n % 2 else Colour.BLUE, data={"n": n, "list": [n]}, flag=n > 1,
    )  # fmt: skip
    values.update(changes)
    return Item(**values)


ITEMS: dict[str, list[Any]] = {
    "plain": [item(1), item(2), item(3)],
    "null_in_non_null": [item(1), item(2, name=None), item(3)],
    "int_too_big": [item(1), item(2, big=2**40)],
    "bad_enum": [item(1, colour="green")],
    "wrong_type": [item(1), Other(name="x")],
    "null_item": [item(1), None],
    "empty": [],
}


@strawberry.type
class Query:
    @strawberry.field
    def items(self, case: str) -> list[Item | None]:
        return ITEMS[case]

    @strawberry.field
    def strict(self, case: str) -> list[Item]:
        return ITEMS[case]

    @strawberry.field
    def one(self, case: str) -> Item | None:
        return ITEMS[case][1] if len(ITEMS[case]) > 1 else None


FIELDS = "id name count big when day colour data flag __typename"
DOCUMENTS = [
    f"query($c: String!) {{ items(case: $c) {{ {FIELDS} }} }}",
    f"query($c: String!) {{ strict(case: $c) {{ {FIELDS} }} }}",
    f"query($c: String!) {{ items(case: $c) {{ {FIELDS} shout(times: 2) later }} }}",
    "query($c: String!) { one(case: $c) { id alias: name name count shout later } }",
    "query($c: String!) { items(case: $c) { ... on Item { name colour } ...F } } fragment F on Item { id when }",
    "query($c: String!, $yes: Boolean!) { items(case: $c) { name @include(if: $yes) count @skip(if: $yes) } }",
    'query($c: String!) { items(case: $c) { a: scaled b: scaled(factor: 3, since: "2025-01-02", label: "y") } }',
    "query($c: String!) { items(case: $c) { name broken } }",
]


@pytest.mark.parametrize("case", sorted(ITEMS))
@pytest.mark.parametrize("document", DOCUMENTS)
async def test_same_answers_and_errors_as_graphql_core(document: str, case: str) -> None:
    ordinary = strawberry.Schema(query=Query)
    shortcut = strawberry.Schema(query=Query, execution_context_class=CasehubExecutionContext)
    assert shorten_resolvers(shortcut) > 0
    variables = {"c": case, "yes": True}
    expected = await ordinary.execute(document, variable_values=variables)
    actual = await shortcut.execute(document, variable_values=variables)
    assert actual.data == expected.data
    assert [(e.message, e.path) for e in actual.errors or []] == [(e.message, e.path) for e in expected.errors or []]
    if actual.data is not None:  # key order too: the answer's bytes are the same
        assert list(_keys(actual.data)) == list(_keys(expected.data))


def _keys(value: Any):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from _keys(v)
