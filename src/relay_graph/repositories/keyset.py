from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import ColumnElement

from relay_graph.domain.pagination import Page, PageRequest, decode_cursor, encode_cursor

T = TypeVar("T")


def apply_keyset(
    statement: Select[Any],
    sort_key: Sequence[ColumnElement[Any]],
    request: PageRequest,
    *,
    descending: bool = False,
) -> Select[Any]:
    """Restrict and order a select to one page, fetching one extra row to see if more follow.

    The sort key must end with a unique column, so every cursor names one position
    and stays valid when rows are inserted or deleted elsewhere in the list.
    """
    key = tuple_(*sort_key)
    scan_descending = descending != request.backward

    if request.after is not None:
        values = decode_cursor(request.after, len(sort_key), "after")
        statement = statement.where(key < tuple_(*values) if descending else key > tuple_(*values))
    if request.before is not None:
        values = decode_cursor(request.before, len(sort_key), "before")
        statement = statement.where(key > tuple_(*values) if descending else key < tuple_(*values))

    order = [column.desc() if scan_descending else column.asc() for column in sort_key]
    return statement.order_by(*order).limit(request.size + 1)


def build_page(
    rows: Sequence[Row[Any]],
    request: PageRequest,
    key_length: int,
    to_item: Callable[[Row[Any]], T],
) -> Page[T]:
    """Turn the rows of an `apply_keyset` select into a page in display order.

    The select's last `key_length` columns must be the sort key's values.
    """
    has_more = len(rows) > request.size
    window = list(rows[: request.size])
    if request.backward:
        window.reverse()

    items = [to_item(row) for row in window]
    cursors = [encode_cursor(tuple(row)[-key_length:]) for row in window]
    if request.backward:
        return Page(items, cursors, has_next_page=request.before is not None, has_previous_page=has_more)
    return Page(items, cursors, has_next_page=has_more, has_previous_page=request.after is not None)
