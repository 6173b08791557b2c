"""Rules shared by the file import and the partner sync: what a row changes, and limits.

A source (a CSV row or an API item) gives values for some fields of a record that is
stored under its ERP number. Fields the source does not give keep their stored values,
so an export without a phone column leaves the stored phone numbers alone.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from relay_graph.domain.email import is_valid_email
from relay_graph.domain.text import is_control_character

FieldValue = str | bool | None

# A responsibility as database ids: (contact_id, property_id, provider_type_id).
AssignmentKey = tuple[int, int, int]


class Outcome(enum.StrEnum):
    """Result of storing one row or item."""

    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class RecordRow:
    """A contact or property to store under its ERP number, with the values its source gave.

    `position` locates the source: the line in a file, or the index in a sync call.
    """

    position: int
    external_id: str
    values: dict[str, FieldValue]


@dataclass(frozen=True)
class RecordChange:
    """The decision for one row: its outcome and, unless UNCHANGED, the values to write.

    `values` contains every stored field, so that all rows of a batch can be written with
    one multi-row statement.
    """

    outcome: Outcome
    values: dict[str, FieldValue]


def decide_change(
    source_values: Mapping[str, FieldValue],
    stored: Mapping[str, FieldValue] | None,
    defaults: Mapping[str, FieldValue],
) -> RecordChange:
    """Compare a source's values with the stored record, or with `defaults` for a new one.

    `defaults` must name every stored field. A new record takes the defaults for the
    fields that `source_values` leaves out.
    """
    if stored is None:
        return RecordChange(Outcome.CREATED, {**defaults, **source_values})

    merged = {**defaults, **stored, **source_values}
    if all(stored.get(name) == value for name, value in source_values.items()):
        return RecordChange(Outcome.UNCHANGED, merged)
    return RecordChange(Outcome.UPDATED, merged)


@dataclass(frozen=True)
class TooLong:
    """A text value longer than its database column allows, in characters."""

    field: str
    value: str
    length: int
    limit: int


def find_too_long(values: Mapping[str, Any], limits: Mapping[str, int]) -> list[TooLong]:
    """Return the text values that exceed their limit, in the order of `values`."""
    found: list[TooLong] = []
    for name, value in values.items():
        limit = limits.get(name)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            found.append(TooLong(name, value, len(value), limit))
    return found


# Tab, line feed and carriage return are allowed in a text. Other control characters are
# rejected, NUL above all, which PostgreSQL cannot store, and so are bidirectional controls
# (domain/text.py).
_ALLOWED_CONTROLS = frozenset("\t\n\r")


@dataclass(frozen=True)
class ControlCharacter:
    """A text value with a control character: the field, the character and its position."""

    field: str
    character: str
    position: int


def find_control_characters(values: Mapping[str, Any]) -> list[ControlCharacter]:
    """Return, per text value, the first control character other than tab and line breaks.

    Bidirectional controls count as control characters here (domain/text.py).
    """
    found: list[ControlCharacter] = []
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        for position, character in enumerate(value, start=1):
            if is_control_character(character, _ALLOWED_CONTROLS):
                found.append(ControlCharacter(name, f"U+{ord(character):04X}", position))
                break
    return found


def clean_text(value: str | None) -> str | None:
    """Strip a text value and turn an empty one into None."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def clean_email(value: str | None) -> tuple[str | None, bool]:
    """Return the address to store and whether it is valid.

    A valid address is lower-cased, as the file import does, so that both sources store
    one spelling per address. An invalid one is kept as given so that a person can fix it.
    """
    text = clean_text(value)
    if text is None:
        return None, False
    if is_valid_email(text):
        return text.lower(), True
    return text, False


def api_field_name(field: str) -> str:
    """Turn a record field name into its GraphQL spelling, e.g. postal_code → postalCode."""
    head, *rest = field.split("_")
    return head + "".join(part.capitalize() for part in rest)
