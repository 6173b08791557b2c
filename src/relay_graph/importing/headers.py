"""Column names of the three ERP export kinds, and recognition of a file's header row."""

from __future__ import annotations

from dataclasses import dataclass

from relay_graph.importing.errors import FileErrorCode, ImportFileError
from relay_graph.importing.records import FileKind


@dataclass(frozen=True)
class ColumnSpec:
    """A known column: its id, its header in German and English, and accepted spellings.

    The spellings are compared after `normalize_header`.
    """

    id: str
    german: str
    english: str
    spellings: frozenset[str]


def _column(column_id: str, german: str, english: str, *others: str) -> ColumnSpec:
    spellings = {normalize_header(german), normalize_header(english)}
    spellings.update(normalize_header(other) for other in others)
    return ColumnSpec(column_id, german, english, frozenset(spellings))


def normalize_header(text: str) -> str:
    """Reduce a header to lower-case letters and digits, so "E-Mail" equals "e mail".

    casefold() also turns "ß" into "ss", so "Straße" equals "Strasse".
    """
    return "".join(character for character in text.casefold() if character.isalnum())


# Column ids other than the three keys equal the record field names.
CONTACT_NUMBER = "contact_number"
PROPERTY_NUMBER = "property_number"
PROVIDER_TYPE = "provider_type"

COLUMNS: dict[str, ColumnSpec] = {
    spec.id: spec
    for spec in (
        _column(CONTACT_NUMBER, "Kontakt-Nr", "contact number", "Kontaktnummer", "contact no"),
        _column("salutation", "Anrede", "salutation"),
        _column("first_name", "Vorname", "first name", "given name"),
        _column("last_name", "Nachname", "last name", "surname", "family name"),
        _column("company", "Firma", "company"),
        _column("email", "E-Mail", "email", "E-Mail-Adresse", "email address"),
        _column("phone", "Telefon", "phone", "Telefonnummer", "phone number", "telephone"),
        _column("street", "Straße", "street"),
        _column("postal_code", "PLZ", "postal code", "Postleitzahl", "zip code", "postcode"),
        _column("city", "Ort", "city"),
        _column(PROPERTY_NUMBER, "Objekt-Nr", "property number", "Objektnummer", "property no"),
        _column("name", "Bezeichnung", "name"),
        _column(PROVIDER_TYPE, "Dienstleistertyp", "provider type"),
    )
}

KIND_COLUMNS: dict[FileKind, tuple[str, ...]] = {
    FileKind.CONTACTS: (
        CONTACT_NUMBER,
        "salutation",
        "first_name",
        "last_name",
        "company",
        "email",
        "phone",
        "street",
        "postal_code",
        "city",
    ),
    FileKind.PROPERTIES: (PROPERTY_NUMBER, "name", "street", "postal_code", "city"),
    FileKind.RESPONSIBILITIES: (PROPERTY_NUMBER, CONTACT_NUMBER, PROVIDER_TYPE),
}


def expected_headers(kind: FileKind, language: str = "de") -> tuple[str, ...]:
    """Return the header names of a kind in German ("de") or English ("en")."""
    if language == "en":
        return tuple(COLUMNS[column_id].english for column_id in KIND_COLUMNS[kind])
    return tuple(COLUMNS[column_id].german for column_id in KIND_COLUMNS[kind])


@dataclass(frozen=True)
class HeaderLayout:
    """Positions and names of the known columns in a recognised file.

    `positions` maps column ids to cell indexes, and `names` maps them to the headers
    as written in the file. `width` is the number of cells in the header row.
    """

    kind: FileKind
    width: int
    positions: dict[str, int]
    names: dict[str, str]
    ignored: tuple[str, ...]
    missing: tuple[str, ...]


def _column_id_of(header: str) -> str | None:
    normalized = normalize_header(header)
    for spec in COLUMNS.values():
        if normalized in spec.spellings:
            return spec.id
    return None


def _kind_of(column_ids: set[str]) -> FileKind | None:
    # A file with both key numbers but no provider type is rejected as unknown instead
    # of being read as contacts or properties, because it is most likely a damaged
    # responsibilities export.
    has_contact = CONTACT_NUMBER in column_ids
    has_property = PROPERTY_NUMBER in column_ids
    if has_contact and has_property:
        return FileKind.RESPONSIBILITIES if PROVIDER_TYPE in column_ids else None
    if has_contact:
        return FileKind.CONTACTS
    if has_property:
        return FileKind.PROPERTIES
    return None


def recognize_headers(headers: list[str], file_name: str) -> HeaderLayout | None:
    """Map a header row to a HeaderLayout, or return None if no kind matches.

    Raises ImportFileError(DUPLICATE_COLUMN) when two headers name the same column of
    the recognised kind.
    """
    column_ids = [_column_id_of(header) for header in headers]
    kind = _kind_of({column_id for column_id in column_ids if column_id is not None})
    if kind is None:
        return None

    expected_columns = KIND_COLUMNS[kind]
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    for index, (header, column_id) in enumerate(zip(headers, column_ids, strict=True)):
        if column_id is None or column_id not in expected_columns:
            if header.strip():
                ignored.append(header.strip())
            continue
        if column_id in positions:
            raise ImportFileError(
                FileErrorCode.DUPLICATE_COLUMN,
                {
                    "file_name": file_name,
                    "column": COLUMNS[column_id].german,
                    "headers": (names[column_id], header.strip()),
                },
            )
        positions[column_id] = index
        names[column_id] = header.strip()

    missing = tuple(
        COLUMNS[column_id].german for column_id in expected_columns if column_id not in positions
    )
    return HeaderLayout(kind, len(headers), positions, names, tuple(ignored), missing)
