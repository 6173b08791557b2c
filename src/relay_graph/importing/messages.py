"""User-facing texts for row issues and file errors, in German (default) and English."""

from __future__ import annotations

from relay_graph.domain.text import is_control_character
from relay_graph.importing.errors import FileErrorCode, ImportFileError
from relay_graph.importing.headers import expected_headers
from relay_graph.importing.records import FileKind, IssueCode, RowIssue

SUPPORTED_LANGUAGES = ("de", "en")

_ISSUE_TEMPLATES: dict[str, dict[IssueCode, str]] = {
    "de": {
        IssueCode.MISSING_KEY: (
            "{row}: In der Spalte {column} fehlt die Nummer. {found} Die Zeile wurde nicht "
            "importiert. Tragen Sie die Nummer im ERP ein und exportieren Sie die Datei erneut."
        ),
        IssueCode.MISSING_VALUE: (
            "{row}: In der Spalte {column} fehlt der Wert. {found} Die Zeile wurde nicht "
            "importiert. Tragen Sie den Wert im ERP ein und exportieren Sie die Datei erneut."
        ),
        IssueCode.MISSING_EMAIL: (
            "{row}: Der Kontakt hat keine E-Mail-Adresse in der Spalte {column}. {found} Er "
            "wurde ohne Adresse importiert. Tragen Sie die Adresse im ERP nach, damit der "
            "Kontakt per E-Mail erreichbar ist."
        ),
        IssueCode.INVALID_EMAIL: (
            "{row}: {value} in der Spalte {column} ist keine gültige E-Mail-Adresse. Der "
            "Kontakt wurde mit dieser Adresse importiert und als ungültig markiert. "
            "Korrigieren Sie die Adresse im ERP."
        ),
        IssueCode.SEVERAL_EMAILS: (
            "{row}: Die Spalte {column} enthält mehr als eine Adresse oder zusätzlichen Text: "
            "{value}. Übernommen wurde die erste gültige Adresse, {stored_value}. Tragen Sie im "
            "ERP nur eine Adresse ein, falls eine andere gelten soll."
        ),
        IssueCode.POSTAL_CODE_PADDED: (
            "{row}: Die Postleitzahl {value} in der Spalte {column} hat nur vier Ziffern, "
            "vermutlich fehlt die führende Null. Gespeichert wurde {stored_value}. Prüfen Sie "
            "die Postleitzahl und exportieren Sie sie als Text, damit die Null erhalten bleibt."
        ),
        IssueCode.INVALID_POSTAL_CODE: (
            "{row}: {value} in der Spalte {column} ist keine gültige deutsche Postleitzahl "
            "aus fünf Ziffern. Der Wert wurde unverändert übernommen. Korrigieren Sie die "
            "Postleitzahl im ERP."
        ),
        IssueCode.DUPLICATE_ROW: (
            "{row}: Die Zeile wiederholt Zeile {related_line} und wurde übersprungen. Dabei "
            "gingen keine Daten verloren, Sie müssen nichts tun."
        ),
        IssueCode.CONFLICTING_ROW: (
            "{row}: Derselbe Schlüssel steht schon in Zeile {related_line}, aber mit anderen "
            "Daten. Die erste abweichende Spalte ist {column} mit {value} in dieser Zeile und "
            "{stored_value} in Zeile {related_line}. Übernommen wurde Zeile {related_line}, "
            "diese Zeile wurde nicht importiert. Bereinigen Sie den doppelten Eintrag im ERP "
            "und exportieren Sie die Datei erneut."
        ),
        IssueCode.TOO_MANY_FIELDS: (
            "{row}: Die Zeile hat mehr Felder als die Kopfzeile, überzählig ist {value}. Meist "
            "enthält ein Wert das Trennzeichen, ohne in Anführungszeichen zu stehen. Die Zeile "
            "wurde nicht importiert. Setzen Sie den Wert in Anführungszeichen oder exportieren "
            "Sie die Datei erneut."
        ),
        IssueCode.TOO_FEW_FIELDS: (
            "{row}: Die Zeile hat nur {cell_count}, die Kopfzeile hat {header_count}. Meist "
            "ist die Datei abgeschnitten oder die Zeile mit einem anderen Trennzeichen "
            "geschrieben. Die Zeile wurde nicht importiert, gespeicherte Daten bleiben "
            "unverändert. Prüfen Sie den Export und das Trennzeichen und exportieren Sie die "
            "Datei erneut."
        ),
        IssueCode.INVALID_CHARACTER: (
            "{row}: Der Wert in der Spalte {column} enthält an Stelle {position} das "
            "Steuerzeichen {character}. Die Zeile wurde nicht importiert. Entfernen Sie das "
            "Zeichen im ERP und exportieren Sie die Datei erneut."
        ),
    },
    "en": {
        IssueCode.MISSING_KEY: (
            "{row}: The number in column {column} is missing. {found} The row was not "
            "imported. Enter the number in the ERP and export the file again."
        ),
        IssueCode.MISSING_VALUE: (
            "{row}: The value in column {column} is missing. {found} The row was not "
            "imported. Enter the value in the ERP and export the file again."
        ),
        IssueCode.MISSING_EMAIL: (
            "{row}: The contact has no email address in column {column}. {found} It was "
            "imported without an address. Add the address in the ERP so that the contact can "
            "be reached by email."
        ),
        IssueCode.INVALID_EMAIL: (
            "{row}: {value} in column {column} is not a valid email address. The contact was "
            "imported with this address and marked as invalid. Correct the address in the ERP."
        ),
        IssueCode.SEVERAL_EMAILS: (
            "{row}: Column {column} contains more than one address or extra text: {value}. "
            "The first valid address, {stored_value}, was imported. Enter only one address in "
            "the ERP if another one should be used."
        ),
        IssueCode.POSTAL_CODE_PADDED: (
            "{row}: The postal code {value} in column {column} has only four digits, most "
            "likely because its leading zero was lost. It was stored as {stored_value}. Check "
            "the postal code and export it as text so that the zero is kept."
        ),
        IssueCode.INVALID_POSTAL_CODE: (
            "{row}: {value} in column {column} is not a valid German postal code of five "
            "digits. The value was imported unchanged. Correct the postal code in the ERP."
        ),
        IssueCode.DUPLICATE_ROW: (
            "{row}: The row repeats line {related_line} and was skipped. No data was lost, "
            "so no action is needed."
        ),
        IssueCode.CONFLICTING_ROW: (
            "{row}: The same key already appears in line {related_line} with different data. "
            "The first differing column is {column}, with {value} in this row and "
            "{stored_value} in line {related_line}. Line {related_line} was imported and this "
            "row was not. Remove the duplicate entry in the ERP and export the file again."
        ),
        IssueCode.TOO_MANY_FIELDS: (
            "{row}: The row has more fields than the header, the surplus is {value}. Usually "
            "a value contains the delimiter without being quoted. The row was not imported. "
            "Quote the value or export the file again."
        ),
        IssueCode.TOO_FEW_FIELDS: (
            "{row}: The row has only {cell_count}, but the header has {header_count}. "
            "Usually the file was cut off or the row uses a different delimiter. The row was "
            "not imported, so stored data is unchanged. Check the export and its delimiter "
            "and export the file again."
        ),
        IssueCode.INVALID_CHARACTER: (
            "{row}: The value in column {column} contains the control character {character} "
            "at position {position}. The row was not imported. Remove the character in the "
            "ERP and export the file again."
        ),
    },
}

_FILE_TEMPLATES: dict[str, dict[FileErrorCode, str]] = {
    "de": {
        FileErrorCode.EMPTY_FILE: (
            "Die Datei {file} ist leer. Exportieren Sie die Daten erneut, mit Kopfzeile."
        ),
        FileErrorCode.UNKNOWN_ENCODING: (
            "Die Datei {file} ist weder als UTF-8 noch als Windows-1252 lesbar, das Byte an "
            "Position {position} ist ungültig. Speichern Sie die Datei als UTF-8 und laden "
            "Sie sie erneut hoch."
        ),
        FileErrorCode.INVALID_UTF8: (
            "Die Datei {file} ist als UTF-8 gespeichert, aber Zeile {line} ist kein gültiges "
            "UTF-8, das Byte an Position {position} ist ungültig. Vermutlich wurde diese Zeile "
            "in einer anderen Kodierung wie Windows-1252 eingefügt. Es wurde nichts aus der "
            "Datei importiert, damit keine Umlaute verfälscht gespeichert werden. Korrigieren "
            "Sie die Zeile oder exportieren Sie die Datei erneut als UTF-8."
        ),
        FileErrorCode.UNSUPPORTED_ENCODING: (
            "Die Datei {file} ist in einer Kodierung gespeichert, die der Import nicht lesen "
            "kann, vermutlich UTF-32 oder UTF-16 ohne Byte Order Mark. Es wurde nichts aus der "
            "Datei importiert. Exportieren Sie die Datei als UTF-8 oder Windows-1252 und "
            "importieren Sie sie erneut."
        ),
        FileErrorCode.UNKNOWN_KIND: (
            "Die Kopfzeile der Datei {file} passt zu keinem bekannten ERP-Export. Gefundene "
            "Spalten: {found_headers}. Erwartet werden die Spalten für Kontakte ({contacts}), "
            "Liegenschaften ({properties}) oder Zuständigkeiten ({responsibilities}). Die "
            "Nummernspalten und bei Zuständigkeiten der Dienstleistertyp sind Pflicht. "
            "Reihenfolge sowie Groß- und Kleinschreibung spielen keine Rolle. Prüfen Sie, ob "
            "Sie die richtige Datei mit Kopfzeile gewählt haben."
        ),
        FileErrorCode.DUPLICATE_COLUMN: (
            "Die Datei {file} enthält die Spalte {column} mehrfach ({headers}). Entfernen Sie "
            "eine der Spalten und laden Sie die Datei erneut hoch."
        ),
        FileErrorCode.MALFORMED_CSV: (
            "Die Datei {file} lässt sich ab Zeile {line} nicht als CSV lesen, meist wegen "
            "eines Anführungszeichens, das nicht geschlossen wird. Korrigieren Sie die Zeile "
            "oder exportieren Sie die Datei erneut."
        ),
        FileErrorCode.CELL_TOO_LONG: (
            "Die Datei {file} enthält im Datensatz ab Zeile {line} ein Feld mit mehr als "
            "{limit} Zeichen. Es wurde nichts aus der Datei importiert. Meist fehlt "
            "ein schließendes Anführungszeichen, sonst ist der Wert selbst zu lang. "
            "Korrigieren Sie die Zeile oder kürzen Sie den Wert im ERP und exportieren Sie die "
            "Datei erneut."
        ),
    },
    "en": {
        FileErrorCode.EMPTY_FILE: (
            "The file {file} is empty. Export the data again, with a header row."
        ),
        FileErrorCode.UNKNOWN_ENCODING: (
            "The file {file} is neither valid UTF-8 nor Windows-1252, the byte at position "
            "{position} is invalid. Save the file as UTF-8 and upload it again."
        ),
        FileErrorCode.INVALID_UTF8: (
            "The file {file} is saved as UTF-8, but line {line} is not valid UTF-8, the byte "
            "at position {position} is invalid. Most likely this line was added in another "
            "encoding such as Windows-1252. Nothing was imported from the file, so that no "
            "umlauts are stored garbled. Correct the line or export the file again as UTF-8."
        ),
        FileErrorCode.UNSUPPORTED_ENCODING: (
            "The file {file} is saved in an encoding that the import cannot read, most likely "
            "UTF-32 or UTF-16 without a byte order mark. Nothing was imported from the file. "
            "Export the file as UTF-8 or Windows-1252 and import it again."
        ),
        FileErrorCode.UNKNOWN_KIND: (
            "The header row of the file {file} matches no known ERP export. Columns found: "
            "{found_headers}. Expected are the columns for contacts ({contacts}), properties "
            "({properties}) or responsibilities ({responsibilities}). The number columns, "
            "and the provider type for responsibilities, are required. Order and case do not "
            "matter. Check that you chose the right file and that it has a header row."
        ),
        FileErrorCode.DUPLICATE_COLUMN: (
            "The file {file} contains the column {column} more than once ({headers}). Remove "
            "one of them and upload the file again."
        ),
        FileErrorCode.MALFORMED_CSV: (
            "The file {file} cannot be read as CSV from line {line} on, usually because a "
            "quotation mark is never closed. Correct the line or export the file again."
        ),
        FileErrorCode.CELL_TOO_LONG: (
            "The file {file} contains a cell of more than {limit} characters in the row that "
            "starts on line {line}. Nothing was imported from the file. Usually a closing "
            "quotation mark is missing, otherwise the value itself is too long. Correct the "
            "line or shorten the value in the ERP and export the file again."
        ),
    },
}


def format_issue(issue: RowIssue, language: str = "de") -> str:
    """Return the message for a row issue in German ("de") or English ("en")."""
    lang = _language(language)
    row = f"Zeile {issue.line}" if lang == "de" else f"Line {issue.line}"
    if issue.key is not None:
        row = f"{row} ({_escape_control_characters(issue.key)})"

    return _ISSUE_TEMPLATES[lang][issue.code].format(
        row=row,
        column=_quote(issue.column, lang),
        value=_quote(issue.value, lang),
        stored_value=_quote(issue.stored_value, lang),
        related_line=issue.related_line,
        found=_found(issue.value, lang),
        character=issue.character,
        position=issue.character_position,
        cell_count=_fields(issue.cell_count, lang),
        header_count=_fields(issue.header_count, lang),
    )


def format_file_error(error: ImportFileError, language: str = "de") -> str:
    """Return the message for an ImportFileError in German ("de") or English ("en")."""
    lang = _language(language)
    params = error.params
    found_headers = params.get("found_headers") or ()
    return _FILE_TEMPLATES[lang][error.code].format(
        file=_quote(params.get("file_name"), lang),
        position=params.get("position"),
        line=params.get("line"),
        limit=params.get("limit"),
        column=_quote(params.get("column"), lang),
        headers=", ".join(_quote(header, lang) for header in params.get("headers", ())),
        found_headers=_list(found_headers, lang),
        contacts=", ".join(expected_headers(FileKind.CONTACTS, lang)),
        properties=", ".join(expected_headers(FileKind.PROPERTIES, lang)),
        responsibilities=", ".join(expected_headers(FileKind.RESPONSIBILITIES, lang)),
    )


def _language(language: str) -> str:
    # Accept locale tags such as "de-DE" or "en_US" by their primary language.
    primary = language.replace("_", "-").split("-")[0].lower()
    if primary not in SUPPORTED_LANGUAGES:
        supported = ", ".join(SUPPORTED_LANGUAGES)
        raise ValueError(f"unsupported language {language!r}, expected one of: {supported}")
    return primary


def _quote(value: str | None, lang: str) -> str:
    if value is None:
        return "leer" if lang == "de" else "empty"
    text = _escape_control_characters(value)
    return f"„{text}“" if lang == "de" else f'"{text}"'


def _escape_control_characters(text: str) -> str:
    """Replace each control character with its code point, e.g. NUL with "<U+0000>".

    Printed as is, a bidirectional override would reorder the rest of the report line, and
    an escape character could start a terminal control sequence.
    """
    return "".join(
        f"<U+{ord(character):04X}>" if is_control_character(character) else character
        for character in text
    )


def _found(value: str | None, lang: str) -> str:
    if value is None:
        return "Das Feld ist leer." if lang == "de" else "The cell is empty."
    if lang == "de":
        return f"Das Feld enthält nur den Platzhalter {_quote(value, lang)}."
    return f"The cell contains only the placeholder {_quote(value, lang)}."


def _fields(count: int | None, lang: str) -> str:
    if lang == "de":
        return f"{count} Feld" if count == 1 else f"{count} Felder"
    return f"{count} field" if count == 1 else f"{count} fields"


def _list(values: tuple[str, ...] | list[str], lang: str) -> str:
    if not values:
        return "keine" if lang == "de" else "none"
    return ", ".join(_quote(value, lang) for value in values)
