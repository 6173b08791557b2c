from __future__ import annotations

from pathlib import Path

import pytest

from relay_graph.importing import (
    FileErrorCode,
    FileKind,
    ImportFileError,
    format_file_error,
    parse_export,
)


def write_text(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_english_headers_in_shuffled_order(tmp_path: Path) -> None:
    text = (
        "City,email,Last Name,contact number,Postal Code,street,Phone,Company,First name,"
        "Salutation\n"
        "Berlin,Anna@Example.DE,Roth,K7,10115,Weg 2,0301,Roth GmbH,Anna,Frau\n"
    )

    parsed = parse_export(write_text(tmp_path, text))

    assert parsed.kind is FileKind.CONTACTS
    assert parsed.missing_columns == ()
    contact = parsed.contacts[0]
    assert contact.external_id == "K7"
    assert contact.salutation == "Frau"
    assert contact.first_name == "Anna"
    assert contact.last_name == "Roth"
    assert contact.company == "Roth GmbH"
    assert contact.email == "anna@example.de"
    assert contact.phone == "0301"
    assert contact.street == "Weg 2"
    assert contact.postal_code == "10115"
    assert contact.city == "Berlin"


def test_english_property_and_responsibility_headers(tmp_path: Path) -> None:
    properties = parse_export(
        write_text(tmp_path, "name;property number;city\nHaus;WEG-1;Bonn\n", "p.csv")
    )
    responsibilities = parse_export(
        write_text(
            tmp_path, "Provider Type;Contact Number;Property Number\nMaler;K1;WEG-1\n", "r.csv"
        )
    )

    assert properties.kind is FileKind.PROPERTIES
    assert properties.properties[0].external_id == "WEG-1"
    assert properties.properties[0].name == "Haus"
    assert properties.missing_columns == ("Straße", "PLZ")
    assert responsibilities.kind is FileKind.RESPONSIBILITIES
    record = responsibilities.responsibilities[0]
    assert record.property_external_id == "WEG-1"
    assert record.contact_external_id == "K1"
    assert record.provider_type_name == "Maler"


@pytest.mark.parametrize(
    "email_header", ["E-Mail", "Email", "e mail", " E_MAIL ", "E-Mail-Adresse"]
)
def test_email_header_spellings(tmp_path: Path, email_header: str) -> None:
    text = f"kontakt-nr;{email_header};STRASSE\nK1;a@example.de;Weg 1\n"

    contact = parse_export(write_text(tmp_path, text)).contacts[0]

    assert contact.email == "a@example.de"
    assert contact.street == "Weg 1"


def test_unknown_columns_are_ignored(tmp_path: Path) -> None:
    text = "Objekt-Nr;Baujahr;Bezeichnung;;Verwalter\nWEG-1;1970;Haus;;Frau A\n"

    parsed = parse_export(write_text(tmp_path, text))

    assert parsed.ignored_columns == ("Baujahr", "Verwalter")
    assert parsed.properties[0].name == "Haus"
    assert parsed.issues == []


def test_unknown_file_raises_with_headers(tmp_path: Path) -> None:
    text = "Rechnungs-Nr;Betrag;Datum\nR1;10,00;2024-01-01\n"

    with pytest.raises(ImportFileError) as caught:
        parse_export(write_text(tmp_path, text, "rechnungen.csv"))

    error = caught.value
    assert error.code is FileErrorCode.UNKNOWN_KIND
    assert error.params["file_name"] == "rechnungen.csv"
    assert error.params["found_headers"] == ("Rechnungs-Nr", "Betrag", "Datum")
    expected = error.params["expected_headers"]
    assert expected[FileKind.CONTACTS][0] == "Kontakt-Nr"
    assert expected[FileKind.PROPERTIES] == ("Objekt-Nr", "Bezeichnung", "Straße", "PLZ", "Ort")
    assert expected[FileKind.RESPONSIBILITIES] == ("Objekt-Nr", "Kontakt-Nr", "Dienstleistertyp")


def test_unknown_file_message_names_expected_headers(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_export(write_text(tmp_path, "Betrag,Datum\n1,2\n", "rechnungen.csv"))

    german = format_file_error(caught.value, "de")
    english = format_file_error(caught.value, "en")
    assert "„rechnungen.csv“" in german
    assert "„Betrag“, „Datum“" in german
    assert "Kontakt-Nr, Anrede, Vorname" in german
    assert "Objekt-Nr, Kontakt-Nr, Dienstleistertyp" in german
    assert '"rechnungen.csv"' in english
    assert "contact number, salutation, first name" in english
    assert "property number, name, street, postal code, city" in english


def test_both_keys_without_type_are_unknown(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_export(write_text(tmp_path, "Objekt-Nr;Kontakt-Nr\nWEG-1;K1\n"))

    assert caught.value.code is FileErrorCode.UNKNOWN_KIND


def test_duplicate_column_raises(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_export(write_text(tmp_path, "Kontakt-Nr;E-Mail;Email\nK1;a@x.de;b@x.de\n"))

    assert caught.value.code is FileErrorCode.DUPLICATE_COLUMN
    assert caught.value.params["column"] == "E-Mail"
    assert caught.value.params["headers"] == ("E-Mail", "Email")


def test_delimiter_is_chosen_by_known_headers(tmp_path: Path) -> None:
    # The header has more commas than semicolons, but only ";" yields known columns.
    text = "Objekt-Nr;Bezeichnung, lang, mit Kommas;Ort\nWEG-1;Haus, Süd, Hof;Ulm\n"

    parsed = parse_export(write_text(tmp_path, text))

    assert parsed.delimiter == ";"
    assert parsed.properties[0].city == "Ulm"
    assert parsed.ignored_columns == ("Bezeichnung, lang, mit Kommas",)


def test_header_of_only_delimiters_is_unknown(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_export(write_text(tmp_path, ";;;\n"))

    assert caught.value.code is FileErrorCode.UNKNOWN_KIND
    assert caught.value.params["found_headers"] == ()
