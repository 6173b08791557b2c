from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal


class FileKind(enum.StrEnum):
    """Kind of ERP export, recognised by the header row."""

    CONTACTS = "contacts"
    PROPERTIES = "properties"
    RESPONSIBILITIES = "responsibilities"


class IssueCode(enum.StrEnum):
    """Problems found in a single row of an export."""

    MISSING_KEY = "MISSING_KEY"
    MISSING_VALUE = "MISSING_VALUE"
    MISSING_EMAIL = "MISSING_EMAIL"
    INVALID_EMAIL = "INVALID_EMAIL"
    SEVERAL_EMAILS = "SEVERAL_EMAILS"
    POSTAL_CODE_PADDED = "POSTAL_CODE_PADDED"
    INVALID_POSTAL_CODE = "INVALID_POSTAL_CODE"
    DUPLICATE_ROW = "DUPLICATE_ROW"
    CONFLICTING_ROW = "CONFLICTING_ROW"
    TOO_MANY_FIELDS = "TOO_MANY_FIELDS"
    TOO_FEW_FIELDS = "TOO_FEW_FIELDS"
    INVALID_CHARACTER = "INVALID_CHARACTER"


Severity = Literal["rejected", "warning"]

# A rejected row produces no record. A warning leaves the record in the result, and a
# duplicate row is a warning because the first copy of it is kept.
ISSUE_SEVERITY: dict[IssueCode, Severity] = {
    IssueCode.MISSING_KEY: "rejected",
    IssueCode.MISSING_VALUE: "rejected",
    IssueCode.MISSING_EMAIL: "warning",
    IssueCode.INVALID_EMAIL: "warning",
    IssueCode.SEVERAL_EMAILS: "warning",
    IssueCode.POSTAL_CODE_PADDED: "warning",
    IssueCode.INVALID_POSTAL_CODE: "warning",
    IssueCode.DUPLICATE_ROW: "warning",
    IssueCode.CONFLICTING_ROW: "rejected",
    IssueCode.TOO_MANY_FIELDS: "rejected",
    IssueCode.TOO_FEW_FIELDS: "rejected",
    IssueCode.INVALID_CHARACTER: "rejected",
}


@dataclass(frozen=True)
class RowIssue:
    """One problem in one row, located by the row's first physical line in the file.

    `column` is the header as written in the file. `value` is the cell text after
    trimming, or None for an empty cell. `key` contains the row's key values that are
    present, joined by " / ". `stored_value` is what the record carries in place of
    `value`, and `related_line` is the earlier row that a duplicate or conflict repeats.
    For INVALID_CHARACTER, `character` is the first rejected character of the cell as
    "U+XXXX" and `character_position` its position in `value`, counted from 1. For
    TOO_FEW_FIELDS, `cell_count` is the number of cells in the row and `header_count`
    the number in the header row.
    """

    line: int
    column: str | None
    code: IssueCode
    value: str | None
    key: str | None = None
    stored_value: str | None = None
    related_line: int | None = None
    character: str | None = None
    character_position: int | None = None
    cell_count: int | None = None
    header_count: int | None = None

    @property
    def severity(self) -> Severity:
        return ISSUE_SEVERITY[self.code]


@dataclass(frozen=True)
class ContactRecord:
    """A contact (Kontakt) of the export. `email` is kept as given when it is invalid."""

    external_id: str
    salutation: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    email: str | None
    email_valid: bool
    phone: str | None
    street: str | None
    postal_code: str | None
    city: str | None
    line: int


@dataclass(frozen=True)
class PropertyRecord:
    """A property (Liegenschaft) of the export."""

    external_id: str
    name: str | None
    street: str | None
    postal_code: str | None
    city: str | None
    line: int


@dataclass(frozen=True)
class ResponsibilityRecord:
    """A responsibility (Zuständigkeit) of a contact for one provider type at a property.

    The parser cannot check that the property and the contact exist. The importer must
    check that and report unknown references with `line`.
    """

    property_external_id: str
    contact_external_id: str
    provider_type_name: str
    line: int


ImportRecord = ContactRecord | PropertyRecord | ResponsibilityRecord


@dataclass
class ParsedFile:
    """Result of parsing one export: the records of its kind and the issues per row.

    Only the list that matches `kind` is filled. `row_count` counts the data rows read,
    without the header and blank rows. `encoding` is the Python codec name that decoded
    the file ("utf-8-sig" for UTF-8 with BOM). `ignored_columns` lists headers that
    belong to no known column, and `missing_columns` lists known non-key columns absent
    from the file, whose record fields are then None. `column_names` maps the id of each
    known column present in the file (the record field name, or "contact_number",
    "property_number" and "provider_type" for the keys) to its header as written.
    """

    name: str
    kind: FileKind
    encoding: str
    delimiter: str
    row_count: int = 0
    contacts: list[ContactRecord] = field(default_factory=list)
    properties: list[PropertyRecord] = field(default_factory=list)
    responsibilities: list[ResponsibilityRecord] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()
    column_names: dict[str, str] = field(default_factory=dict)

    @property
    def records(self) -> Sequence[ImportRecord]:
        if self.kind is FileKind.CONTACTS:
            return self.contacts
        if self.kind is FileKind.PROPERTIES:
            return self.properties
        return self.responsibilities

    @property
    def rejected(self) -> list[RowIssue]:
        return [issue for issue in self.issues if issue.severity == "rejected"]

    @property
    def warnings(self) -> list[RowIssue]:
        return [issue for issue in self.issues if issue.severity == "warning"]
