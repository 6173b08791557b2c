from __future__ import annotations

import pytest

from relay_graph.importing import (
    SUPPORTED_LANGUAGES,
    FileErrorCode,
    FileKind,
    ImportFileError,
    IssueCode,
    RowIssue,
    format_file_error,
    format_issue,
)

SAMPLE_ISSUES = {
    IssueCode.MISSING_KEY: RowIssue(7, "Kontakt-Nr", IssueCode.MISSING_KEY, "-"),
    IssueCode.MISSING_VALUE: RowIssue(
        7, "Dienstleistertyp", IssueCode.MISSING_VALUE, None, key="WEG-1 / K1"
    ),
    IssueCode.MISSING_EMAIL: RowIssue(7, "E-Mail", IssueCode.MISSING_EMAIL, "keine", key="K1"),
    IssueCode.INVALID_EMAIL: RowIssue(7, "E-Mail", IssueCode.INVALID_EMAIL, "a(at)b.de", key="K1"),
    IssueCode.SEVERAL_EMAILS: RowIssue(
        7, "E-Mail", IssueCode.SEVERAL_EMAILS, "a@b.de; c@d.de", key="K1", stored_value="a@b.de"
    ),
    IssueCode.POSTAL_CODE_PADDED: RowIssue(
        7, "PLZ", IssueCode.POSTAL_CODE_PADDED, "9111", key="K1", stored_value="09111"
    ),
    IssueCode.INVALID_POSTAL_CODE: RowIssue(
        7, "PLZ", IssueCode.INVALID_POSTAL_CODE, "D-80331", key="K1"
    ),
    IssueCode.DUPLICATE_ROW: RowIssue(
        7, None, IssueCode.DUPLICATE_ROW, None, key="K1", related_line=3
    ),
    IssueCode.CONFLICTING_ROW: RowIssue(
        7,
        "E-Mail",
        IssueCode.CONFLICTING_ROW,
        "new@b.de",
        key="K1",
        stored_value="old@b.de",
        related_line=3,
    ),
    IssueCode.TOO_MANY_FIELDS: RowIssue(7, None, IssueCode.TOO_MANY_FIELDS, "Mitte", key="K1"),
    IssueCode.TOO_FEW_FIELDS: RowIssue(
        7, None, IssueCode.TOO_FEW_FIELDS, None, key="K1", cell_count=2, header_count=10
    ),
    IssueCode.INVALID_CHARACTER: RowIssue(
        7,
        "Vorname",
        IssueCode.INVALID_CHARACTER,
        "An\u0000na",
        key="K1",
        character="U+0000",
        character_position=3,
    ),
}

SAMPLE_FILE_ERRORS = {
    FileErrorCode.EMPTY_FILE: ImportFileError(FileErrorCode.EMPTY_FILE, {"file_name": "a.csv"}),
    FileErrorCode.UNKNOWN_ENCODING: ImportFileError(
        FileErrorCode.UNKNOWN_ENCODING, {"file_name": "a.csv", "position": 17}
    ),
    FileErrorCode.INVALID_UTF8: ImportFileError(
        FileErrorCode.INVALID_UTF8, {"file_name": "a.csv", "line": 3, "position": 17}
    ),
    FileErrorCode.UNSUPPORTED_ENCODING: ImportFileError(
        FileErrorCode.UNSUPPORTED_ENCODING, {"file_name": "a.csv"}
    ),
    FileErrorCode.CELL_TOO_LONG: ImportFileError(
        FileErrorCode.CELL_TOO_LONG, {"file_name": "a.csv", "line": 2, "limit": 131072}
    ),
    FileErrorCode.UNKNOWN_KIND: ImportFileError(
        FileErrorCode.UNKNOWN_KIND, {"file_name": "a.csv", "found_headers": ("Betrag",)}
    ),
    FileErrorCode.DUPLICATE_COLUMN: ImportFileError(
        FileErrorCode.DUPLICATE_COLUMN,
        {"file_name": "a.csv", "column": "E-Mail", "headers": ("E-Mail", "email")},
    ),
    FileErrorCode.MALFORMED_CSV: ImportFileError(
        FileErrorCode.MALFORMED_CSV, {"file_name": "a.csv", "line": 12, "detail": "x"}
    ),
}


def test_samples_cover_every_code() -> None:
    assert set(SAMPLE_ISSUES) == set(IssueCode)
    assert set(SAMPLE_FILE_ERRORS) == set(FileErrorCode)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("code", list(IssueCode))
def test_issue_message_names_line_and_value(code: IssueCode, language: str) -> None:
    issue = SAMPLE_ISSUES[code]

    message = format_issue(issue, language)

    assert message.startswith("Zeile 7" if language == "de" else "Line 7")
    assert "{" not in message
    if issue.key is not None:
        assert f"({issue.key})" in message
    if issue.column is not None:
        assert issue.column in message
    # An INVALID_CHARACTER message names the character and its position, not the value.
    if issue.value is not None and code is not IssueCode.INVALID_CHARACTER:
        assert issue.value in message
    if issue.stored_value is not None:
        assert issue.stored_value in message
    if issue.related_line is not None:
        assert str(issue.related_line) in message


def test_messages_differ_per_language() -> None:
    issue = SAMPLE_ISSUES[IssueCode.INVALID_EMAIL]

    german = format_issue(issue)
    english = format_issue(issue, "en")

    assert german == (
        "Zeile 7 (K1): „a(at)b.de“ in der Spalte „E-Mail“ ist keine gültige E-Mail-Adresse. "
        "Der Kontakt wurde mit dieser Adresse importiert und als ungültig markiert. "
        "Korrigieren Sie die Adresse im ERP."
    )
    assert english == (
        'Line 7 (K1): "a(at)b.de" in column "E-Mail" is not a valid email address. '
        "The contact was imported with this address and marked as invalid. "
        "Correct the address in the ERP."
    )


def test_control_character_message_names_character() -> None:
    issue = SAMPLE_ISSUES[IssueCode.INVALID_CHARACTER]

    german = format_issue(issue)
    english = format_issue(issue, "en")

    assert german == (
        "Zeile 7 (K1): Der Wert in der Spalte „Vorname“ enthält an Stelle 3 das Steuerzeichen "
        "U+0000. Die Zeile wurde nicht importiert. Entfernen Sie das Zeichen im ERP und "
        "exportieren Sie die Datei erneut."
    )
    assert english == (
        'Line 7 (K1): The value in column "Vorname" contains the control character U+0000 at '
        "position 3. The row was not imported. Remove the character in the ERP and export the "
        "file again."
    )


def test_too_few_fields_message_names_both_counts() -> None:
    issue = SAMPLE_ISSUES[IssueCode.TOO_FEW_FIELDS]

    german = format_issue(issue)
    english = format_issue(issue, "en")

    assert german == (
        "Zeile 7 (K1): Die Zeile hat nur 2 Felder, die Kopfzeile hat 10 Felder. Meist ist die "
        "Datei abgeschnitten oder die Zeile mit einem anderen Trennzeichen geschrieben. Die "
        "Zeile wurde nicht importiert, gespeicherte Daten bleiben unverändert. Prüfen Sie den "
        "Export und das Trennzeichen und exportieren Sie die Datei erneut."
    )
    assert english == (
        "Line 7 (K1): The row has only 2 fields, but the header has 10 fields. Usually the "
        "file was cut off or the row uses a different delimiter. The row was not imported, so "
        "stored data is unchanged. Check the export and its delimiter and export the file "
        "again."
    )


def test_too_few_fields_message_singular() -> None:
    issue = RowIssue(5, None, IssueCode.TOO_FEW_FIELDS, None, cell_count=1, header_count=3)

    assert format_issue(issue).startswith(
        "Zeile 5: Die Zeile hat nur 1 Feld, die Kopfzeile hat 3 Felder."
    )
    assert format_issue(issue, "en").startswith(
        "Line 5: The row has only 1 field, but the header has 3 fields."
    )


@pytest.mark.parametrize("character", ["\u0000", "\u001b", "\u202e", "\u2066"])
def test_message_escapes_control_characters(character: str) -> None:
    code_point = f"<U+{ord(character):04X}>"
    issue = RowIssue(
        7,
        "Dienstleistertyp",
        IssueCode.INVALID_CHARACTER,
        f"Haus{character}meister",
        key=f"WEG-1 / K1 / Haus{character}meister",
        character=code_point[1:-1],
        character_position=5,
    )
    # The parser reports surplus cells before it checks the characters of a row.
    surplus = RowIssue(7, None, IssueCode.TOO_MANY_FIELDS, f"Mit{character}te", key="K1")

    for language in SUPPORTED_LANGUAGES:
        message = format_issue(issue, language)
        assert f"(WEG-1 / K1 / Haus{code_point}meister)" in message
        assert character not in message
        surplus_message = format_issue(surplus, language)
        assert f"Mit{code_point}te" in surplus_message
        assert character not in surplus_message


def test_empty_cell_is_named_in_message() -> None:
    issue = RowIssue(4, "Kontakt-Nr", IssueCode.MISSING_KEY, None)

    assert "Das Feld ist leer." in format_issue(issue, "de")
    assert "The cell is empty." in format_issue(issue, "en")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("code", list(FileErrorCode))
def test_file_error_message_names_file(code: FileErrorCode, language: str) -> None:
    message = format_file_error(SAMPLE_FILE_ERRORS[code], language)

    assert "a.csv" in message
    assert "{" not in message
    assert "None" not in message


@pytest.mark.parametrize(("language", "line"), [("de", "Zeile 3"), ("en", "line 3")])
def test_invalid_utf8_message_names_line(language: str, line: str) -> None:
    message = format_file_error(SAMPLE_FILE_ERRORS[FileErrorCode.INVALID_UTF8], language)

    assert line in message
    assert "17" in message
    assert "UTF-8" in message
    assert "Windows-1252" in message


@pytest.mark.parametrize("language", ["de", "en"])
def test_unsupported_encoding_message_names_encodings(language: str) -> None:
    error = SAMPLE_FILE_ERRORS[FileErrorCode.UNSUPPORTED_ENCODING]

    message = format_file_error(error, language)

    assert "UTF-32" in message
    assert "UTF-8" in message
    assert "Windows-1252" in message


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "im Datensatz ab Zeile 2 ein Feld mit mehr als 131072 Zeichen"),
        ("en", "more than 131072 characters in the row that starts on line 2"),
    ],
)
def test_cell_too_long_message_names_limit(language: str, expected: str) -> None:
    error = SAMPLE_FILE_ERRORS[FileErrorCode.CELL_TOO_LONG]

    message = format_file_error(error, language)

    assert expected in message


def test_unknown_kind_message_lists_every_kind() -> None:
    message = format_file_error(SAMPLE_FILE_ERRORS[FileErrorCode.UNKNOWN_KIND], "en")

    for kind in FileKind:
        assert kind.value in message
    assert '"Betrag"' in message
    assert "provider type" in message


def test_locale_tag_selects_language() -> None:
    issue = SAMPLE_ISSUES[IssueCode.DUPLICATE_ROW]

    assert format_issue(issue, "en-US") == format_issue(issue, "en")
    assert format_issue(issue, "de_DE") == format_issue(issue, "de")


def test_unsupported_language_raises() -> None:
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        format_issue(SAMPLE_ISSUES[IssueCode.DUPLICATE_ROW], "fr")
