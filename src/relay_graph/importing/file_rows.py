"""Conversion of parsed records into rows to store, with the rejections that need limits
or stored data: values too long for their column and unknown references."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from relay_graph.importing.changes import FieldValue, RecordRow, find_too_long
from relay_graph.importing.headers import CONTACT_NUMBER, PROPERTY_NUMBER, PROVIDER_TYPE
from relay_graph.importing.records import (
    ContactRecord,
    FileKind,
    IssueCode,
    ParsedFile,
    PropertyRecord,
    ResponsibilityRecord,
    RowIssue,
)
from relay_graph.importing.report import ImportRejection, RejectionCode

# The file column that provides a record field, where the two names differ.
_FIELD_COLUMNS = {"email_valid": "email"}


def record_rows(
    parsed: ParsedFile, fields: Sequence[str], limits: Mapping[str, int]
) -> tuple[list[RecordRow], list[ImportRejection]]:
    """Return a row per contact or property record, and the rejections of the others.

    A row carries only the fields whose column is in the file, so that stored values of
    the other fields are kept. A record with a value longer than its column allows is
    rejected with one VALUE_TOO_LONG per such value.
    """
    key_column = CONTACT_NUMBER if parsed.kind is FileKind.CONTACTS else PROPERTY_NUMBER
    present = [name for name in fields if _FIELD_COLUMNS.get(name, name) in parsed.column_names]

    rows: list[RecordRow] = []
    rejections: list[ImportRejection] = []
    records: Sequence[ContactRecord | PropertyRecord] = (
        parsed.contacts if parsed.kind is FileKind.CONTACTS else parsed.properties
    )
    for record in records:
        values: dict[str, FieldValue] = {name: getattr(record, name) for name in present}
        too_long = find_too_long({"external_id": record.external_id, **values}, limits)
        for problem in too_long:
            column_id = key_column if problem.field == "external_id" else problem.field
            rejections.append(
                ImportRejection(
                    line=record.line,
                    column=parsed.column_names.get(column_id),
                    code=RejectionCode.VALUE_TOO_LONG,
                    value=problem.value,
                    key=record.external_id,
                    length=problem.length,
                    limit=problem.limit,
                )
            )
        if not too_long:
            rows.append(RecordRow(record.line, record.external_id, values))
    return rows, rejections


def drop_invalid_email_warnings(
    issues: Sequence[RowIssue], rejections: Sequence[ImportRejection]
) -> list[RowIssue]:
    """Return the issues without INVALID_EMAIL warnings of rows that `rejections` reject.

    The warning states that the contact was imported with the address, which is wrong
    for a row that is not imported, so such a row gets only its rejections. The partner
    sync likewise reports only VALUE_TOO_LONG for a too long address.
    """
    rejected_lines = {rejection.line for rejection in rejections}
    return [
        issue
        for issue in issues
        if not (issue.code is IssueCode.INVALID_EMAIL and issue.line in rejected_lines)
    ]


def responsibility_rejections(
    parsed: ParsedFile,
    record: ResponsibilityRecord,
    contact_ids: Mapping[str, int],
    property_ids: Mapping[str, int],
    type_name_limit: int,
) -> list[ImportRejection]:
    """Return why a responsibility cannot be stored: unknown references, a long type name."""
    key = " / ".join(
        (record.property_external_id, record.contact_external_id, record.provider_type_name)
    )
    rejections: list[ImportRejection] = []
    if record.property_external_id not in property_ids:
        rejections.append(
            ImportRejection(
                line=record.line,
                column=parsed.column_names.get(PROPERTY_NUMBER),
                code=RejectionCode.UNKNOWN_PROPERTY,
                value=record.property_external_id,
                key=key,
            )
        )
    if record.contact_external_id not in contact_ids:
        rejections.append(
            ImportRejection(
                line=record.line,
                column=parsed.column_names.get(CONTACT_NUMBER),
                code=RejectionCode.UNKNOWN_CONTACT,
                value=record.contact_external_id,
                key=key,
            )
        )
    if len(record.provider_type_name) > type_name_limit:
        rejections.append(
            ImportRejection(
                line=record.line,
                column=parsed.column_names.get(PROVIDER_TYPE),
                code=RejectionCode.VALUE_TOO_LONG,
                value=record.provider_type_name,
                key=key,
                length=len(record.provider_type_name),
                limit=type_name_limit,
            )
        )
    return rejections
