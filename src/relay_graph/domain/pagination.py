from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50

T = TypeVar("T")


class PaginationError(ValueError):
    """Invalid page request; the message names the argument to fix."""


@dataclass(frozen=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def backward(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)

    @property
    def size(self) -> int:
        requested = self.last if self.backward else self.first
        return DEFAULT_PAGE_SIZE if requested is None else requested

    def validate(self) -> None:
        if self.first is not None and self.last is not None:
            raise PaginationError("pass either `first` or `last`, not both")
        for name, value in (("first", self.first), ("last", self.last)):
            if value is None:
                continue
            if value < 0:
                raise PaginationError(f"`{name}` is {value}; it must be 0 or more")
            if value > MAX_PAGE_SIZE:
                raise PaginationError(
                    f"`{name}` is {value}; a page contains at most {MAX_PAGE_SIZE} items, "
                    "so page through with `after`/`before`"
                )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool


def encode_cursor(values: Sequence[Any]) -> str:
    """Encode the sort key of a row; the client treats it as opaque."""
    raw = json.dumps(list(values), separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


MAX_ROW_ID = 2**63 - 1


def decode_cursor(cursor: str, expected_length: int, argument: str) -> list[Any]:
    """Decode a cursor into its sort key: text values, then the row's integer id."""
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise PaginationError(_not_a_cursor(argument, cursor)) from error
    if not _is_sort_key(values):
        raise PaginationError(_not_a_cursor(argument, cursor))
    if len(values) != expected_length:
        raise PaginationError(
            f"`{argument}` is a cursor of another list or ordering: {_shown(cursor)!r}; use a "
            "cursor from the same list, requested with the same `orderBy` where the list has one"
        )
    return list(values)


def _is_sort_key(values: object) -> bool:
    if not isinstance(values, list) or len(values) < 2:
        return False
    *texts, row_id = values
    if not all(isinstance(text, str) and _could_be_stored(text) for text in texts):
        return False
    # bool is a subclass of int, and JSON true must not pass as an id.
    return type(row_id) is int and 0 < row_id <= MAX_ROW_ID


def _could_be_stored(text: str) -> bool:
    """Check that a text is valid Unicode without NUL, as every stored value is.

    JSON can carry a lone surrogate such as "\\ud800", which the database drivers cannot
    encode, and NUL, which PostgreSQL rejects and SQLite cuts the text at.
    """
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _shown(cursor: str) -> str:
    return cursor if len(cursor) <= 80 else cursor[:80] + "..."


def _not_a_cursor(argument: str, cursor: str) -> str:
    return (
        f"`{argument}` is not a cursor of this list: {_shown(cursor)!r}; "
        "use a cursor from `edges` or `pageInfo` of the same query"
    )
