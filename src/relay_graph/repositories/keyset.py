from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

from sqlalchemy import Integer, Select, SQLColumnExpression, bindparam, tuple_
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import ColumnElement

from relay_graph.domain.pagination import Page, PageRequest, decode_cursor, encode_cursor

T = TypeVar("T")


def apply_keyset(
    statement: Select[*tuple[Any, ...]],
    sort_key: Sequence[SQLColumnExpression[Any]],
    request: PageRequest,
    *,
    descending: bool = False,
) -> Select[*tuple[Any, ...]]:
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


def apply_keyset_parameters(
    statement: Select[*tuple[Any, ...]],
    sort_key: Sequence[ColumnElement[Any]],
    *,
    backward: bool,
    has_after: bool,
    has_before: bool,
    descending: bool = False,
) -> Select[*tuple[Any, ...]]:
    """Do what `apply_keyset` does with bound parameters in place of the request's values.

    The statement depends only on the request's shape, so it can be built once and
    cached. `keyset_parameters` returns the values to execute it with.
    """
    key = tuple_(*sort_key)
    scan_descending = descending != backward
    if has_after:
        values = tuple_(*_bounds("after", sort_key))
        statement = statement.where(key < values if descending else key > values)
    if has_before:
        values = tuple_(*_bounds("before", sort_key))
        statement = statement.where(key > values if descending else key < values)
    order = [column.desc() if scan_descending else column.asc() for column in sort_key]
    # The limit goes into the SQL text at execution. As a parameter, PostgreSQL cannot
    # use a generic plan and plans the page select anew on every request.
    limit = bindparam("keyset_limit", type_=Integer, literal_execute=True)
    return statement.order_by(*order).limit(limit)


def keyset_parameters(request: PageRequest, key_length: int) -> dict[str, Any]:
    """Decode the request's cursors into the parameters of `apply_keyset_parameters`."""
    parameters: dict[str, Any] = {"keyset_limit": request.size + 1}
    for name, cursor in (("after", request.after), ("before", request.before)):
        if cursor is not None:
            values = decode_cursor(cursor, key_length, name)
            parameters.update(
                {f"keyset_{name}_{index}": value for index, value in enumerate(values)}
            )
    return parameters


def _bounds(name: str, sort_key: Sequence[ColumnElement[Any]]) -> list[Any]:
    return [
        bindparam(f"keyset_{name}_{index}", type_=column.type)
        for index, column in enumerate(sort_key)
    ]


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
    cursors = Cursors(window, key_length)
    if request.backward:
        return Page(
            items, cursors, has_next_page=request.before is not None, has_previous_page=has_more
        )
    return Page(items, cursors, has_next_page=has_more, has_previous_page=request.after is not None)


class Cursors(Sequence[str]):
    """The cursors of a page's rows, each encoded when first read.

    A client that selects only `pageInfo` needs two of them, and one that selects only
    `nodes` none.
    """

    def __init__(self, rows: Sequence[Row[Any]], key_length: int) -> None:
        self._rows = rows
        self._key_length = key_length
        self._encoded: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        position = index + len(self._rows) if index < 0 else index
        if not 0 <= position < len(self._rows):
            raise IndexError(index)
        cursor = self._encoded.get(position)
        if cursor is None:
            cursor = encode_cursor(tuple(self._rows[position])[-self._key_length :])
            self._encoded[position] = cursor
        return cursor
