"""Result of importing one file, rows the importer rejects, and their texts (de, en).

The parser reports problems within a file as RowIssue. The importer adds the problems
that need the database, such as a reference to an unknown property, as ImportRejection.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from relay_graph.importing.changes import Outcome
from relay_graph.importing.errors import ImportFileError
from relay_graph.importing.messages import _language, _quote, format_file_error, format_issue
from relay_graph.importing.records import FileKind, RowIssue, Severity


class RejectionCode(enum.StrEnum):
    """Reasons why the importer rejects a row that the parser accepted."""

    UNKNOWN_PROPERTY = "UNKNOWN_PROPERTY"
    UNKNOWN_CONTACT = "UNKNOWN_CONTACT"
    VALUE_TOO_LONG = "VALUE_TOO_LONG"


@dataclass(frozen=True)
class ImportRejection:
    """A row rejected by the importer, located like a RowIssue.

    `column` is the header as written in the file and `value` the cell after cleaning.
    For VALUE_TOO_LONG, `length` and `limit` count characters.
    """

    line: int
    column: str | None
    code: RejectionCode
    value: str | None
    key: str | None = None
    length: int | None = None
    limit: int | None = None

    @property
    def severity(self) -> Severity:
        return "rejected"


ReportedIssue = RowIssue | ImportRejection


@dataclass
class FileReport:
    """Counts and issues of one imported file.

    `rejected` counts rows, so a row with two rejections counts once. `warnings` counts
    the parser's warnings, whose rows were imported or, for repeated rows, skipped.
    """

    name: str
    kind: FileKind
    row_count: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    issues: list[ReportedIssue] = field(default_factory=list)
    created_provider_types: int = 0
    categorized_contacts: int = 0

    def count(self, outcome: Outcome) -> None:
        """Add one stored row with this outcome to the counts."""
        if outcome is Outcome.CREATED:
            self.created += 1
        elif outcome is Outcome.UPDATED:
            self.updated += 1
        elif outcome is Outcome.UNCHANGED:
            self.unchanged += 1
        else:
            self.rejected += 1


_KIND_NAMES: dict[str, dict[FileKind, str]] = {
    "de": {
        FileKind.CONTACTS: "Kontakte",
        FileKind.PROPERTIES: "Liegenschaften",
        FileKind.RESPONSIBILITIES: "Zuständigkeiten",
    },
    "en": {
        FileKind.CONTACTS: "contacts",
        FileKind.PROPERTIES: "properties",
        FileKind.RESPONSIBILITIES: "responsibilities",
    },
}

_SEVERITY_NAMES: dict[str, dict[Severity, str]] = {
    "de": {"rejected": "abgelehnt", "warning": "Warnung"},
    "en": {"rejected": "rejected", "warning": "warning"},
}

_SUMMARY = {
    "de": (
        "{file} ({kind}, Zeilen: {rows}): angelegt {created}, aktualisiert {updated}, "
        "unverändert {unchanged}, abgelehnt {rejected}, Warnungen {warnings}"
    ),
    "en": (
        "{file} ({kind}, rows: {rows}): created {created}, updated {updated}, "
        "unchanged {unchanged}, rejected {rejected}, warnings {warnings}"
    ),
}

_RESPONSIBILITY_EXTRAS = {
    "de": (
        "  Neu angelegte Dienstleistertypen: {types}. Kontakte, die die Kategorie ihres neuen "
        "Dienstleistertyps erhalten haben: {contacts}."
    ),
    "en": (
        "  Provider types created: {types}. Contacts that received the category of their new "
        "provider type: {contacts}."
    ),
}

_REJECTION_TEMPLATES: dict[str, dict[RejectionCode, str]] = {
    "de": {
        RejectionCode.UNKNOWN_PROPERTY: (
            "{row}: Die Liegenschaft {value} aus der Spalte {column} ist weder gespeichert "
            "noch Teil dieses Imports. Die Zeile wurde nicht importiert. Importieren Sie die "
            "Liegenschaften mit oder korrigieren Sie die Nummer im ERP."
        ),
        RejectionCode.UNKNOWN_CONTACT: (
            "{row}: Der Kontakt {value} aus der Spalte {column} ist weder gespeichert noch "
            "Teil dieses Imports. Die Zeile wurde nicht importiert. Importieren Sie die "
            "Kontakte mit oder korrigieren Sie die Nummer im ERP."
        ),
        RejectionCode.VALUE_TOO_LONG: (
            "{row}: Der Wert in der Spalte {column} hat {length} Zeichen, erlaubt sind "
            "höchstens {limit}. Die Zeile wurde nicht importiert. Kürzen Sie den Wert im ERP."
        ),
    },
    "en": {
        RejectionCode.UNKNOWN_PROPERTY: (
            "{row}: The property {value} in column {column} is neither stored nor part of "
            "this import. The row was not imported. Import the properties as well, or "
            "correct the number in the ERP."
        ),
        RejectionCode.UNKNOWN_CONTACT: (
            "{row}: The contact {value} in column {column} is neither stored nor part of "
            "this import. The row was not imported. Import the contacts as well, or correct "
            "the number in the ERP."
        ),
        RejectionCode.VALUE_TOO_LONG: (
            "{row}: The value in column {column} has {length} characters, but at most "
            "{limit} are allowed. The row was not imported. Shorten the value in the ERP."
        ),
    },
}

_UNREADABLE = {
    "de": "Die Datei {file} kann nicht gelesen werden: {reason}. Prüfen Sie Pfad und Leserechte.",
    "en": "The file {file} cannot be read: {reason}. Check the path and the read permission.",
}

_DRY_RUN = {
    "de": "Probelauf: Alle Änderungen wurden zurückgenommen, die Datenbank ist unverändert.",
    "en": "Dry run: all changes were rolled back, so the database is unchanged.",
}


def format_rejection(rejection: ImportRejection, language: str = "de") -> str:
    """Return the message for a row the importer rejected, in German or English."""
    lang = _language(language)
    row = f"Zeile {rejection.line}" if lang == "de" else f"Line {rejection.line}"
    if rejection.key is not None:
        row = f"{row} ({rejection.key})"

    return _REJECTION_TEMPLATES[lang][rejection.code].format(
        row=row,
        column=_quote(rejection.column, lang),
        value=_quote(rejection.value, lang),
        length=rejection.length,
        limit=rejection.limit,
    )


def format_report(report: FileReport, language: str = "de") -> list[str]:
    """Return the output lines for one file: the summary, then every issue by line.

    An issue line starts with its severity and code, e.g. "abgelehnt [UNKNOWN_CONTACT]",
    followed by the message, which names the line and the column.
    """
    lang = _language(language)
    lines = [
        _SUMMARY[lang].format(
            file=report.name,
            kind=_KIND_NAMES[lang][report.kind],
            rows=report.row_count,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
            warnings=report.warnings,
        )
    ]
    if report.kind is FileKind.RESPONSIBILITIES:
        lines.append(
            _RESPONSIBILITY_EXTRAS[lang].format(
                types=report.created_provider_types, contacts=report.categorized_contacts
            )
        )

    for issue in sorted(report.issues, key=lambda issue: issue.line):
        if isinstance(issue, ImportRejection):
            message = format_rejection(issue, lang)
        else:
            message = format_issue(issue, lang)
        severity = _SEVERITY_NAMES[lang][issue.severity]
        lines.append(f"  {severity} [{issue.code}] {message}")
    return lines


def format_unreadable_file(
    name: str, error: ImportFileError | OSError, language: str = "de"
) -> str:
    """Return the message for a file that could not be read or parsed at all."""
    lang = _language(language)
    if isinstance(error, ImportFileError):
        return format_file_error(error, lang)
    reason = error.strerror or type(error).__name__
    return _UNREADABLE[lang].format(file=_quote(name, lang), reason=reason)


def format_dry_run_note(language: str = "de") -> str:
    """Return the closing line of a dry run."""
    return _DRY_RUN[_language(language)]
