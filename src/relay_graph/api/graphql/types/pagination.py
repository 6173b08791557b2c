from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

from relay_graph.domain.pagination import Page

T = TypeVar("T")


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow after this page.")
    has_previous_page: bool = strawberry.field(description="More items come before this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item on the page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item on the page.")


@strawberry.type(description="An item of a list with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position; pass it as `after` or `before`.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description=(
        "A page of a list. Cursors are keyset positions: they stay valid when items are "
        "added or removed elsewhere."
    )
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="Items of the page with their cursors.")
    nodes: list[T] = strawberry.field(description="Items of the page without cursors.")
    page_info: PageInfo = strawberry.field(description="Position of the page in the list.")
    total_count: int = strawberry.field(description="Number of items in the whole filtered list.")


def to_connection(page: Page[T], total_count: int | None) -> Connection[T]:
    edges = [
        Edge(cursor=cursor, node=item)
        for cursor, item in zip(page.cursors, page.items, strict=True)
    ]
    return Connection(
        edges=edges,
        nodes=list(page.items),
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        # Only read when the client selected it, and then the resolver counted it.
        total_count=total_count if total_count is not None else -1,
    )
