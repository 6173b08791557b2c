"""Completion plans return graphql-core's results, including errors, on a schema of their own.

Each document runs twice on a fresh plan cache: once with plans and once with
`PlanningExecutor.plans_enabled` off, which is graphql-core's own execution. The results
(data and errors) must be equal, and the tests check which selections got a plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from strawberry.types import Info

from relay_graph.api.graphql import compiled
from relay_graph.api.graphql.compiled import PlanCache, PlanningExecutor


@dataclass
class BookRow:
    id: int
    title: str | None
    tags: list[str] | None
    author: AuthorRow | None


@dataclass
class AuthorRow:
    name: str


@strawberry.type
class Author:
    name: str


@strawberry.type
class Book:
    title: str
    tags: list[str] | None
    author: Author | None

    @strawberry.field
    @staticmethod
    def code(root: BookRow) -> str:
        return f"B{root.id}"

    @strawberry.field
    def shout(self, info: Info) -> str:
        # Takes `info`, so it always runs through graphql-core.
        return f"{info.field_name}:{self.title}".upper()


BOOKS = [
    BookRow(1, "Anna", ["a", "b"], AuthorRow("Ines")),
    BookRow(2, "Bert", None, None),
    BookRow(3, "Carl", [], AuthorRow("Jan")),
]


@strawberry.type
class Query:
    @strawberry.field
    def books(self) -> list[Book]:
        return BOOKS  # type: ignore[return-value]

    @strawberry.field
    def broken_books(self) -> list[Book]:
        # The second book has no title although `title` is non-null.
        return [BOOKS[0], BookRow(9, None, None, None), BOOKS[2]]  # type: ignore[list-item]


schema = strawberry.Schema(query=Query, execution_context_class=PlanningExecutor)


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> Iterator[PlanCache]:
    cache = PlanCache()
    monkeypatch.setattr(compiled, "shared_plans", cache)
    yield cache


def run(document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    result = schema.execute_sync(document, variable_values=variables)
    return {
        "data": result.data,
        "errors": [(error.message, error.path) for error in result.errors or []],
    }


def both_ways(
    monkeypatch: pytest.MonkeyPatch, document: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    planned = run(document, variables)
    with monkeypatch.context() as patch:
        patch.setattr(PlanningExecutor, "plans_enabled", False)
        reference = run(document, variables)
    assert planned == reference
    return planned


def test_plan_plain_selection(monkeypatch: pytest.MonkeyPatch, plans: PlanCache) -> None:
    document = """
      query { books { __typename code t: title tags ...A } }
      fragment A on Book { author { name } title }
    """
    result = both_ways(monkeypatch, document)
    assert result["errors"] == []
    assert result["data"]["books"][0] == {
        "__typename": "Book",
        "code": "B1",
        "t": "Anna",
        "tags": ["a", "b"],
        "author": {"name": "Ines"},
        "title": "Anna",
    }
    assert result["data"]["books"][1]["author"] is None
    assert plans.planned_types() == ["[Book!]!"]


def test_plan_skips_info_resolver(
    monkeypatch: pytest.MonkeyPatch, plans: PlanCache
) -> None:
    result = both_ways(monkeypatch, "{ books { title shout author { name } } }")
    assert result["data"]["books"][0]["shout"] == "SHOUT:ANNA"
    # The list has no plan, but each book's author still does.
    assert plans.planned_types() == ["Author"]


def test_plan_null_in_non_null_field(
    monkeypatch: pytest.MonkeyPatch, plans: PlanCache
) -> None:
    result = both_ways(monkeypatch, "{ brokenBooks { code title } }")
    assert result["data"] is None
    assert result["errors"] == [
        ("Cannot return null for non-nullable field Book.title.", ["brokenBooks", 1, "title"])
    ]


def test_plan_directives_per_request(
    monkeypatch: pytest.MonkeyPatch, plans: PlanCache
) -> None:
    document = "query ($t: Boolean!) { books { code title @include(if: $t) } }"
    with_title = both_ways(monkeypatch, document, {"t": True})
    without_title = both_ways(monkeypatch, document, {"t": False})
    assert with_title["data"]["books"][0] == {"code": "B1", "title": "Anna"}
    assert without_title["data"]["books"][0] == {"code": "B1"}
    # Plans that depend on variables live for one request only.
    assert plans.planned_types() == []


def test_plan_cache_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = PlanCache(size=2)
    monkeypatch.setattr(compiled, "shared_plans", cache)
    for number in range(3):
        assert run(f"{{ books {{ title n{number}: code }} }}")["errors"] == []
    assert len(cache.planned_types()) == 2
