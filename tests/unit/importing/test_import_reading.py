from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from relay_graph.importing import FileErrorCode, FileKind, ImportFileError, parse_export

CONTACT_HEADER = "Kontakt-Nr;Anrede;Vorname;Nachname;Firma;E-Mail;Telefon;Straße;PLZ;Ort"


def write_bytes(tmp_path: Path, data: bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_cp1252_file_is_decoded(tmp_path: Path) -> None:
    text = (
        CONTACT_HEADER + "\r\nK1;Herr;Jürgen;Müller;;j@example.de;;Große Straße 1;80331;München\r\n"
    )
    path = write_bytes(tmp_path, text.encode("cp1252"))

    parsed = parse_export(path)

    assert parsed.encoding == "cp1252"
    assert parsed.kind is FileKind.CONTACTS
    contact = parsed.contacts[0]
    assert contact.last_name == "Müller"
    assert contact.street == "Große Straße 1"
    assert contact.city == "München"


def test_utf8_is_not_read_as_cp1252(tmp_path: Path) -> None:
    text = CONTACT_HEADER + "\nK1;;Jürgen;Müller;;;;;;\n"
    path = write_bytes(tmp_path, text.encode("utf-8"))

    parsed = parse_export(path)

    assert parsed.encoding == "utf-8"
    assert parsed.contacts[0].last_name == "Müller"


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    text = "Objekt-Nr,Bezeichnung,Straße,PLZ,Ort\nWEG-1,Haus,Weg 1,01067,Dresden\n"
    path = write_bytes(tmp_path, codecs.BOM_UTF8 + text.encode("utf-8"))

    parsed = parse_export(path)

    assert parsed.encoding == "utf-8-sig"
    assert parsed.kind is FileKind.PROPERTIES
    assert parsed.properties[0].external_id == "WEG-1"


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    text = "Objekt-Nr\tBezeichnung\r\nWEG-1\tHaus Süd\r\n"
    path = write_bytes(tmp_path, text.encode("utf-16"))

    parsed = parse_export(path)

    assert parsed.encoding == "utf-16"
    assert parsed.delimiter == "\t"
    assert parsed.properties[0].name == "Haus Süd"


def test_undecodable_bytes_raise(tmp_path: Path) -> None:
    # 0x81 is invalid as UTF-8 here and undefined in Windows-1252.
    data = b"Objekt-Nr;Bezeichnung\nWEG-1;Haus \x81\n"
    path = write_bytes(tmp_path, data)

    with pytest.raises(ImportFileError) as caught:
        parse_export(path)

    assert caught.value.code is FileErrorCode.UNKNOWN_ENCODING
    assert caught.value.params["position"] == data.index(b"\x81")


def test_utf8_with_cp1252_line_raises(tmp_path: Path) -> None:
    # Read as Windows-1252, the UTF-8 rows would be stored as "JÃ¶rg MÃ¼ller".
    data = (
        (CONTACT_HEADER + "\r\nK1;;Jörg;Müller;;;;;;\r\n").encode("utf-8")
        + "K2;;Jürgen;Weiß;;;;;;\r\n".encode("cp1252")
        + "K3;;Zoë;Groß;;;;;;\r\n".encode()
    )
    path = write_bytes(tmp_path, data)

    with pytest.raises(ImportFileError) as caught:
        parse_export(path)

    assert caught.value.code is FileErrorCode.INVALID_UTF8
    assert caught.value.params["line"] == 3
    assert caught.value.params["position"] == data.index("ü".encode("cp1252"))


def test_utf8_bom_invalid_byte_raises(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + b"Objekt-Nr;Bezeichnung\nWEG-1;Haus\nWEG-2;Stra\xdfe\n"
    path = write_bytes(tmp_path, data)

    with pytest.raises(ImportFileError) as caught:
        parse_export(path)

    assert caught.value.code is FileErrorCode.INVALID_UTF8
    assert caught.value.params["line"] == 3


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_wide_encodings_raise(tmp_path: Path, encoding: str) -> None:
    # "utf-32" writes a byte order mark, the others write none.
    text = CONTACT_HEADER + "\r\nK1;;Jörg;Müller;;;;;;\r\n"
    path = write_bytes(tmp_path, text.encode(encoding))

    with pytest.raises(ImportFileError) as caught:
        parse_export(path)

    assert caught.value.code is FileErrorCode.UNSUPPORTED_ENCODING


def test_nul_cell_rejects_only_its_row(tmp_path: Path) -> None:
    text = CONTACT_HEADER + "\nK1;;Jörg;M\x00ller;;;;;;\n"
    path = write_bytes(tmp_path, text.encode())

    parsed = parse_export(path)

    assert parsed.encoding == "utf-8"
    assert [issue.code.value for issue in parsed.issues] == ["INVALID_CHARACTER"]


def test_crlf_line_ends_are_removed(tmp_path: Path) -> None:
    text = CONTACT_HEADER + "\r\nK1;;;Meier;;;;;;Köln\r\nK2;;;Schulz;;;;;;Bonn\r\n"
    path = write_bytes(tmp_path, text.encode("utf-8"))

    parsed = parse_export(path)

    assert [contact.city for contact in parsed.contacts] == ["Köln", "Bonn"]
    assert [contact.line for contact in parsed.contacts] == [2, 3]


def test_multiline_quoted_field_is_joined(tmp_path: Path) -> None:
    text = (
        CONTACT_HEADER
        + '\r\nK1;;;Weber;;;;"Ludwigstraße 14\r\nHinterhaus";90402;Nürnberg\r\n'
        + "K2;;;Lange;;;;Am Markt 1;90402;Nürnberg\r\n"
    )
    path = write_bytes(tmp_path, text.encode("cp1252"))

    parsed = parse_export(path)

    first, second = parsed.contacts
    assert first.street == "Ludwigstraße 14 Hinterhaus"
    assert first.line == 2
    assert second.line == 4


def test_multiline_field_with_lf_in_crlf_file(tmp_path: Path) -> None:
    text = CONTACT_HEADER + '\r\nK1;;;Weber;;;;"Weg 1\n  Hinterhaus  ";90402;Nürnberg\r\n'
    path = write_bytes(tmp_path, text.encode("utf-8"))

    parsed = parse_export(path)

    assert parsed.contacts[0].street == "Weg 1 Hinterhaus"


def test_issue_line_of_row_after_multiline_field(tmp_path: Path) -> None:
    text = CONTACT_HEADER + '\nK1;;;A;;a@example.de;;"Weg 1\nHof\nHinterhaus";;\n;;;B;;;;;;\n'
    path = write_bytes(tmp_path, text.encode("utf-8"))

    parsed = parse_export(path)

    assert [issue.line for issue in parsed.issues] == [5]


def test_comma_delimiter_is_detected(tmp_path: Path) -> None:
    text = 'Objekt-Nr,Bezeichnung,Straße,PLZ,Ort\nWEG-1,"Haus Nord; Süd",Weg 1,10115,Berlin\n'
    path = write_bytes(tmp_path, text.encode("utf-8"))

    parsed = parse_export(path)

    assert parsed.delimiter == ","
    assert parsed.properties[0].name == "Haus Nord; Süd"
    assert parsed.properties[0].city == "Berlin"


def test_semicolon_delimiter_with_commas_in_values(tmp_path: Path) -> None:
    text = CONTACT_HEADER + "\nK1;;;Meier;Meier, Schulz & Co.;;;;;\n"
    path = write_bytes(tmp_path, text.encode("utf-8"))

    parsed = parse_export(path)

    assert parsed.delimiter == ";"
    assert parsed.contacts[0].company == "Meier, Schulz & Co."


def test_surrounding_spaces_are_stripped(tmp_path: Path) -> None:
    text = CONTACT_HEADER + "\n  K1 ; Frau ;  Anna ; Roth ;; ; 0171 1 ; Weg 2 ; 10115 ; Berlin \n"
    path = write_bytes(tmp_path, text.encode("utf-8"))

    contact = parse_export(path).contacts[0]

    assert contact.external_id == "K1"
    assert contact.salutation == "Frau"
    assert contact.first_name == "Anna"
    assert contact.phone == "0171 1"
    assert contact.postal_code == "10115"
    assert contact.city == "Berlin"


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    text = "\n" + CONTACT_HEADER + "\n\nK1;;;A;;;;;;\n;;;;;;;;;\nK2;;;B;;;;;;\n"
    path = write_bytes(tmp_path, text.encode("utf-8"))

    parsed = parse_export(path)

    assert parsed.row_count == 2
    assert [contact.line for contact in parsed.contacts] == [4, 6]


def test_unclosed_quote_raises(tmp_path: Path) -> None:
    text = CONTACT_HEADER + '\nK1;;;A;;;;Weg 1;;\nK2;;;B;;;;"Weg 2;;\nK3;;;C;;;;Weg 3;;\n'
    path = write_bytes(tmp_path, text.encode("utf-8"))

    with pytest.raises(ImportFileError) as caught:
        parse_export(path)

    assert caught.value.code is FileErrorCode.MALFORMED_CSV
    assert caught.value.params["line"] == 3


def test_cell_over_field_limit_raises(tmp_path: Path) -> None:
    text = CONTACT_HEADER + "\nK1;;;Meier;;;;;;\nK2;;;" + "x" * 200_000 + ";;;;;;\n"
    path = write_bytes(tmp_path, text.encode())

    with pytest.raises(ImportFileError) as caught:
        parse_export(path)

    assert caught.value.code is FileErrorCode.CELL_TOO_LONG
    assert caught.value.params["line"] == 3
    assert caught.value.params["limit"] == 131072


def test_stray_quote_in_last_row_is_accepted(tmp_path: Path) -> None:
    text = 'Objekt-Nr;Bezeichnung\nWEG-1;Lager 3" Rohre'
    path = write_bytes(tmp_path, text.encode("utf-8"))

    parsed = parse_export(path)

    assert parsed.properties[0].name == 'Lager 3" Rohre'


def test_empty_file_raises(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, codecs.BOM_UTF8 + b" \r\n\r\n")

    with pytest.raises(ImportFileError) as caught:
        parse_export(path)

    assert caught.value.code is FileErrorCode.EMPTY_FILE
    assert caught.value.params["file_name"] == "export.csv"


def test_header_only_file_has_no_records(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, (CONTACT_HEADER + "\r\n").encode("utf-8"))

    parsed = parse_export(path)

    assert parsed.kind is FileKind.CONTACTS
    assert parsed.row_count == 0
    assert parsed.contacts == []
    assert parsed.issues == []


def test_bytes_source_needs_name() -> None:
    data = (CONTACT_HEADER + "\nK1;;;A;;;;;;\n").encode("utf-8")

    parsed = parse_export(data, name="upload.csv")

    assert parsed.name == "upload.csv"
    assert parsed.contacts[0].external_id == "K1"
    with pytest.raises(ValueError, match="file name"):
        parse_export(data)
