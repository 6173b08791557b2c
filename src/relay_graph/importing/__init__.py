"""Parsing of ERP CSV exports (contacts, properties, responsibilities) into records.

The package reads files only. It uses no database, so references between files, for
example a responsibility naming an unknown contact, are left to the importer.
"""

from __future__ import annotations

from relay_graph.importing.errors import FileErrorCode, ImportFileError
from relay_graph.importing.messages import SUPPORTED_LANGUAGES, format_file_error, format_issue
from relay_graph.importing.parser import parse_export
from relay_graph.importing.records import (
    ContactRecord,
    FileKind,
    ImportRecord,
    IssueCode,
    ParsedFile,
    PropertyRecord,
    ResponsibilityRecord,
    RowIssue,
    Severity,
)

__all__ = [
    "SUPPORTED_LANGUAGES",
    "ContactRecord",
    "FileErrorCode",
    "FileKind",
    "ImportFileError",
    "ImportRecord",
    "IssueCode",
    "ParsedFile",
    "PropertyRecord",
    "ResponsibilityRecord",
    "RowIssue",
    "Severity",
    "format_file_error",
    "format_issue",
    "parse_export",
]
