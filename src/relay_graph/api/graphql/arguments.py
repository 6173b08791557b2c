"""Descriptions and conversion of the pagination arguments that every list shares."""

from __future__ import annotations

from typing import Annotated

import strawberry

from relay_graph.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest

First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size counted from the start or `after` (default {DEFAULT_PAGE_SIZE}, "
        f"at most {MAX_PAGE_SIZE})."
    ),
]
After = Annotated[str | None, strawberry.argument(description="Return items after this cursor.")]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size counted back from the end or `before` (at most {MAX_PAGE_SIZE})."
    ),
]
Before = Annotated[str | None, strawberry.argument(description="Return items before this cursor.")]


def page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return PageRequest(first=first, after=after, last=last, before=before)
