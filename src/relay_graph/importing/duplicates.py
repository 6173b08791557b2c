"""Detection of rows that repeat an earlier key of the same file."""

from __future__ import annotations

import dataclasses

from relay_graph.importing.records import (
    ImportRecord,
    IssueCode,
    ResponsibilityRecord,
    RowIssue,
)

# Left out of the comparison: the line, which always differs, the key, which is equal
# by construction, and email_valid, which follows from email.
_NOT_COMPARED = frozenset({"line", "external_id", "email_valid"})


def record_key(record: ImportRecord) -> tuple[str, ...]:
    """Return the identity of a record within its file.

    A responsibility is identified by all three of its values, because a property can
    have several contacts for one provider type. So two responsibility rows can only be
    duplicates and never conflict.
    """
    if isinstance(record, ResponsibilityRecord):
        return (
            record.property_external_id,
            record.contact_external_id,
            record.provider_type_name,
        )
    return (record.external_id,)


class DuplicateFilter:
    """Keep the first record per key, and report later rows with that key.

    A later row whose cleaned values equal the first one is a DUPLICATE_ROW warning. A
    later row with other values is rejected as CONFLICTING_ROW, and the first row
    stays. The parser cannot tell which of the two versions is correct, and letting the
    later row win would silently discard data that a person may still need. The issue
    names the first differing column, its value in this row, and in `stored_value` the
    value that was kept.
    """

    def __init__(self, column_names: dict[str, str]) -> None:
        self._column_names = column_names
        self._first: dict[tuple[str, ...], ImportRecord] = {}

    def check(self, record: ImportRecord, key: str | None) -> RowIssue | None:
        """Remember a new key and return None, or return the issue for a repeated key."""
        identity = record_key(record)
        first = self._first.get(identity)
        if first is None:
            self._first[identity] = record
            return None

        differing = _first_differing_field(first, record)
        if differing is None:
            return RowIssue(
                line=record.line,
                column=None,
                code=IssueCode.DUPLICATE_ROW,
                value=None,
                key=key,
                related_line=first.line,
            )

        return RowIssue(
            line=record.line,
            column=self._column_names.get(differing, differing),
            code=IssueCode.CONFLICTING_ROW,
            value=getattr(record, differing),
            key=key,
            stored_value=getattr(first, differing),
            related_line=first.line,
        )


def _first_differing_field(first: ImportRecord, later: ImportRecord) -> str | None:
    for field in dataclasses.fields(first):
        if field.name in _NOT_COMPARED:
            continue
        if getattr(first, field.name) != getattr(later, field.name):
            return field.name
    return None
