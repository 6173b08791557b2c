"""Conversion of one CSV row into a record of its kind, with the row's issues."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from relay_graph.importing.changes import find_control_characters
from relay_graph.importing.headers import (
    CONTACT_NUMBER,
    PROPERTY_NUMBER,
    PROVIDER_TYPE,
    HeaderLayout,
)
from relay_graph.importing.reading import CsvRow
from relay_graph.importing.records import (
    ContactRecord,
    FileKind,
    ImportRecord,
    IssueCode,
    PropertyRecord,
    ResponsibilityRecord,
    RowIssue,
)
from relay_graph.importing.values import (
    is_placeholder,
    parse_email,
    parse_postal_code,
    trim_cell,
)

KEY_COLUMNS: dict[FileKind, tuple[str, ...]] = {
    FileKind.CONTACTS: (CONTACT_NUMBER,),
    FileKind.PROPERTIES: (PROPERTY_NUMBER,),
    FileKind.RESPONSIBILITIES: (PROPERTY_NUMBER, CONTACT_NUMBER, PROVIDER_TYPE),
}


@dataclass(frozen=True)
class RowCells:
    """Access to the cells of one data row by column id."""

    layout: HeaderLayout
    row: CsvRow

    @property
    def line(self) -> int:
        return self.row.line

    def text(self, column_id: str) -> str:
        """Return the trimmed cell, or "" when the file has no such column or the row
        is shorter than the header."""
        position = self.layout.positions.get(column_id)
        if position is None or position >= len(self.row.cells):
            return ""
        return trim_cell(self.row.cells[position])

    def value(self, column_id: str) -> str | None:
        """Return the trimmed cell, or None when it is empty or a placeholder."""
        text = self.text(column_id)
        return None if is_placeholder(text) else text

    def key(self) -> str | None:
        """Return the row's key values that are present, joined by " / "."""
        parts = [self.value(column_id) for column_id in KEY_COLUMNS[self.layout.kind]]
        present = [part for part in parts if part is not None]
        return " / ".join(present) if present else None

    def issue(
        self, column_id: str | None, code: IssueCode, stored_value: str | None = None
    ) -> RowIssue:
        column = None if column_id is None else self.layout.names.get(column_id)
        value = None if column_id is None else self.text(column_id) or None
        return RowIssue(self.line, column, code, value, self.key(), stored_value)

    def control_characters(self) -> list[RowIssue]:
        """Return an INVALID_CHARACTER issue for each known column whose cell contains a
        control character, by the rule that the partner sync applies too.

        Tabs are allowed, and line breaks are spaces after trimming. Cells of ignored
        columns are not checked, because they are not stored.
        """
        texts = {column_id: self.text(column_id) for column_id in self.layout.positions}
        return [
            RowIssue(
                line=self.line,
                column=self.layout.names[found.field],
                code=IssueCode.INVALID_CHARACTER,
                value=texts[found.field],
                key=self.key(),
                character=found.character,
                character_position=found.position,
            )
            for found in find_control_characters(texts)
        ]


def build_contact(cells: RowCells) -> tuple[ContactRecord | None, list[RowIssue]]:
    external_id = cells.value(CONTACT_NUMBER)
    if external_id is None:
        return None, [cells.issue(CONTACT_NUMBER, IssueCode.MISSING_KEY)]

    issues: list[RowIssue] = []
    email: str | None = None
    email_valid = False
    if "email" in cells.layout.positions:
        result = parse_email(cells.text("email"))
        email, email_valid = result.email, result.valid
        if result.code is not None:
            stored = email if result.code is IssueCode.SEVERAL_EMAILS else None
            issues.append(cells.issue("email", result.code, stored))

    postal_code = _postal_code(cells, issues)
    record = ContactRecord(
        external_id=external_id,
        salutation=cells.value("salutation"),
        first_name=cells.value("first_name"),
        last_name=cells.value("last_name"),
        company=cells.value("company"),
        email=email,
        email_valid=email_valid,
        phone=cells.value("phone"),
        street=cells.value("street"),
        postal_code=postal_code,
        city=cells.value("city"),
        line=cells.line,
    )
    return record, issues


def build_property(cells: RowCells) -> tuple[PropertyRecord | None, list[RowIssue]]:
    external_id = cells.value(PROPERTY_NUMBER)
    if external_id is None:
        return None, [cells.issue(PROPERTY_NUMBER, IssueCode.MISSING_KEY)]

    issues: list[RowIssue] = []
    postal_code = _postal_code(cells, issues)
    record = PropertyRecord(
        external_id=external_id,
        name=cells.value("name"),
        street=cells.value("street"),
        postal_code=postal_code,
        city=cells.value("city"),
        line=cells.line,
    )
    return record, issues


def build_responsibility(
    cells: RowCells,
) -> tuple[ResponsibilityRecord | None, list[RowIssue]]:
    property_id = cells.value(PROPERTY_NUMBER)
    contact_id = cells.value(CONTACT_NUMBER)
    type_name = cells.value(PROVIDER_TYPE)

    issues: list[RowIssue] = []
    if property_id is None:
        issues.append(cells.issue(PROPERTY_NUMBER, IssueCode.MISSING_KEY))
    if contact_id is None:
        issues.append(cells.issue(CONTACT_NUMBER, IssueCode.MISSING_KEY))
    if type_name is None:
        issues.append(cells.issue(PROVIDER_TYPE, IssueCode.MISSING_VALUE))
    if property_id is None or contact_id is None or type_name is None:
        return None, issues

    record = ResponsibilityRecord(
        property_external_id=property_id,
        contact_external_id=contact_id,
        provider_type_name=type_name,
        line=cells.line,
    )
    return record, issues


def _postal_code(cells: RowCells, issues: list[RowIssue]) -> str | None:
    result = parse_postal_code(cells.value("postal_code"))
    if result.code is IssueCode.POSTAL_CODE_PADDED:
        issues.append(cells.issue("postal_code", result.code, result.postal_code))
    elif result.code is not None:
        issues.append(cells.issue("postal_code", result.code))
    return result.postal_code


RowBuilder = Callable[[RowCells], tuple[ImportRecord | None, list[RowIssue]]]

ROW_BUILDERS: dict[FileKind, RowBuilder] = {
    FileKind.CONTACTS: build_contact,
    FileKind.PROPERTIES: build_property,
    FileKind.RESPONSIBILITIES: build_responsibility,
}
