"""Entry point: parse one ERP export file into records and row issues."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from relay_graph.importing.duplicates import DuplicateFilter
from relay_graph.importing.errors import FileErrorCode, ImportFileError
from relay_graph.importing.headers import HeaderLayout, expected_headers, recognize_headers
from relay_graph.importing.reading import (
    CsvRow,
    decode_export,
    delimiter_candidates,
    read_rows,
    split_lines,
)
from relay_graph.importing.records import (
    ContactRecord,
    FileKind,
    ImportRecord,
    IssueCode,
    ParsedFile,
    PropertyRecord,
    RowIssue,
)
from relay_graph.importing.rows import ROW_BUILDERS, RowCells
from relay_graph.importing.values import trim_cell


def parse_export(source: bytes | str | os.PathLike[str], name: str | None = None) -> ParsedFile:
    """Parse an export given as a path or as the file's bytes.

    `name` is the file name used in results and errors. It defaults to the path's file
    name and is required for bytes. Raises ImportFileError when the file as a whole
    cannot be read or is not one of the FileKind exports. Problems in single rows are
    returned as issues instead.
    """
    if isinstance(source, bytes):
        if name is None:
            raise ValueError("parse_export needs a file name when it is given bytes")
        data = source
    else:
        path = Path(source)
        data = path.read_bytes()
        name = name or path.name

    text, encoding = decode_export(data, name)
    lines = split_lines(text)
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise ImportFileError(FileErrorCode.EMPTY_FILE, {"file_name": name})

    layout, delimiter, rows = _recognize_file(lines, header_line, name)
    parsed = ParsedFile(
        name=name,
        kind=layout.kind,
        encoding=encoding,
        delimiter=delimiter,
        ignored_columns=layout.ignored,
        missing_columns=layout.missing,
        column_names=dict(layout.names),
    )
    _parse_rows(parsed, layout, rows)
    return parsed


def _recognize_file(
    lines: list[str], header_line: str, file_name: str
) -> tuple[HeaderLayout, str, Iterator[CsvRow]]:
    """Return the header layout, the delimiter and the data rows after the header."""
    candidates = delimiter_candidates(header_line) or [";"]
    found_headers: tuple[str, ...] | None = None
    for delimiter in candidates:
        rows = read_rows(lines, delimiter, file_name)
        header = next(rows, None)
        if header is None:
            continue
        layout = recognize_headers(header.cells, file_name)
        if layout is not None:
            return layout, delimiter, rows
        if found_headers is None:
            found_headers = tuple(trim_cell(cell) for cell in header.cells)

    raise ImportFileError(
        FileErrorCode.UNKNOWN_KIND,
        {
            "file_name": file_name,
            "found_headers": found_headers or (),
            "expected_headers": {kind: expected_headers(kind) for kind in FileKind},
        },
    )


def _parse_rows(parsed: ParsedFile, layout: HeaderLayout, rows: Iterator[CsvRow]) -> None:
    duplicates = DuplicateFilter(layout.names)
    build_row = ROW_BUILDERS[layout.kind]

    for row in rows:
        parsed.row_count += 1
        cells = RowCells(layout, row)

        extra = [trim_cell(cell) for cell in row.cells[layout.width :]]
        if any(extra):
            parsed.issues.append(_too_many_fields(cells, extra, parsed.delimiter))
            continue

        # A row cut short is most likely a broken export. Reading its missing cells as
        # empty would clear stored values, so the row is rejected instead.
        if len(row.cells) < layout.width:
            parsed.issues.append(_too_few_fields(cells, layout.width))
            continue

        # Checked before the row becomes a record, so that a rejected row neither gets
        # warnings about its values nor makes a later row with its key a duplicate.
        control_characters = cells.control_characters()
        if control_characters:
            parsed.issues.extend(control_characters)
            continue

        record, issues = build_row(cells)
        if record is None:
            parsed.issues.extend(issues)
            continue

        repeated = duplicates.check(record, cells.key())
        if repeated is not None:
            parsed.issues.append(repeated)
            continue

        parsed.issues.extend(issues)
        _append_record(parsed, record)


# The report quotes at most this many characters of a row's surplus cells.
SURPLUS_PREVIEW_LENGTH = 80


def _too_many_fields(cells: RowCells, extra: list[str], delimiter: str) -> RowIssue:
    surplus = delimiter.join(text for text in extra if text)
    if len(surplus) > SURPLUS_PREVIEW_LENGTH:
        surplus = surplus[:SURPLUS_PREVIEW_LENGTH] + "…"
    return RowIssue(cells.line, None, IssueCode.TOO_MANY_FIELDS, surplus, cells.key())


def _too_few_fields(cells: RowCells, header_count: int) -> RowIssue:
    return RowIssue(
        line=cells.line,
        column=None,
        code=IssueCode.TOO_FEW_FIELDS,
        value=None,
        key=cells.key(),
        cell_count=len(cells.row.cells),
        header_count=header_count,
    )


def _append_record(parsed: ParsedFile, record: ImportRecord) -> None:
    if isinstance(record, ContactRecord):
        parsed.contacts.append(record)
    elif isinstance(record, PropertyRecord):
        parsed.properties.append(record)
    else:
        parsed.responsibilities.append(record)
