from __future__ import annotations

from pathlib import Path

import pytest

from relay_graph.importing import IssueCode, ParsedFile, parse_export

CONTACT_HEADER = "Kontakt-Nr;Anrede;Vorname;Nachname;Firma;E-Mail;Telefon;Straße;PLZ;Ort"
PROPERTY_HEADER = "Objekt-Nr;Bezeichnung;Straße;PLZ;Ort"
RESPONSIBILITY_HEADER = "Objekt-Nr;Kontakt-Nr;Dienstleistertyp"


def contact_row(
    number: str = "K1",
    email: str = "anna@example.de",
    postal_code: str = "10115",
    phone: str = "030 1234",
) -> str:
    return f"{number};Frau;Anna;Roth;Roth GmbH;{email};{phone};Weg 1;{postal_code};Berlin"


def parse_lines(tmp_path: Path, header: str, *rows: str) -> ParsedFile:
    path = tmp_path / "export.csv"
    path.write_bytes("\n".join([header, *rows, ""]).encode("utf-8"))
    return parse_export(path)


@pytest.mark.parametrize("placeholder", ["", "-", "--", "keine", "n/a", "k.A.", "k. A.", "None"])
def test_placeholder_means_empty(tmp_path: Path, placeholder: str) -> None:
    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row(phone=placeholder))

    assert parsed.contacts[0].phone is None
    assert parsed.issues == []


@pytest.mark.parametrize("placeholder", ["", "  ", "-", "keine", "n/a", "K.A.", "none"])
def test_placeholder_email_is_missing(tmp_path: Path, placeholder: str) -> None:
    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row(email=placeholder))

    contact = parsed.contacts[0]
    assert contact.email is None
    assert contact.email_valid is False
    (issue,) = parsed.issues
    assert issue.code is IssueCode.MISSING_EMAIL
    assert issue.severity == "warning"
    assert issue.column == "E-Mail"
    assert issue.value == (placeholder.strip() or None)


def test_email_is_lowercased_and_trimmed(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row(email="  Info@Roth-Bau.DE "))

    assert parsed.contacts[0].email == "info@roth-bau.de"
    assert parsed.contacts[0].email_valid is True
    assert parsed.issues == []


def test_internationalised_domain_is_valid(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row(email="Info@Krüger-Bau.de"))

    assert parsed.contacts[0].email == "info@krüger-bau.de"
    assert parsed.contacts[0].email_valid is True


def test_invalid_email_is_kept_with_warning(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row(email=" Info(at)Roth.de "))

    contact = parsed.contacts[0]
    assert contact.email == "Info(at)Roth.de"
    assert contact.email_valid is False
    (issue,) = parsed.issues
    assert issue.code is IssueCode.INVALID_EMAIL
    assert issue.severity == "warning"
    assert issue.line == 2
    assert issue.column == "E-Mail"
    assert issue.value == "Info(at)Roth.de"
    assert issue.key == "K1"


@pytest.mark.parametrize(
    "field",
    [
        "a@roth.de; b@roth.de",
        "a@roth.de, b@roth.de",
        "a@roth.de b@roth.de",
        "A@Roth.de;b@roth.de;",
        "kein-mail; a@roth.de",
    ],
)
def test_several_emails_take_first_valid(tmp_path: Path, field: str) -> None:
    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row(email=f'"{field}"'))

    contact = parsed.contacts[0]
    assert contact.email == "a@roth.de"
    assert contact.email_valid is True
    (issue,) = parsed.issues
    assert issue.code is IssueCode.SEVERAL_EMAILS
    assert issue.severity == "warning"
    assert issue.value == field
    assert issue.stored_value == "a@roth.de"


def test_space_inside_address_is_invalid(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row(email="roth @web.de"))

    assert parsed.contacts[0].email == "roth @web.de"
    assert [issue.code for issue in parsed.issues] == [IssueCode.INVALID_EMAIL]


def test_postal_code_keeps_leading_zero(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, PROPERTY_HEADER, "WEG-1;Haus;Weg 1;01067;Dresden")

    assert parsed.properties[0].postal_code == "01067"
    assert parsed.issues == []


def test_four_digit_postal_code_is_padded(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row(postal_code="9111"))

    assert parsed.contacts[0].postal_code == "09111"
    (issue,) = parsed.issues
    assert issue.code is IssueCode.POSTAL_CODE_PADDED
    assert issue.severity == "warning"
    assert issue.column == "PLZ"
    assert issue.value == "9111"
    assert issue.stored_value == "09111"


@pytest.mark.parametrize("postal_code", ["0111", "123", "123456", "D-80331", "8O331"])
def test_invalid_postal_code_is_kept(tmp_path: Path, postal_code: str) -> None:
    parsed = parse_lines(tmp_path, PROPERTY_HEADER, f"WEG-1;Haus;Weg 1;{postal_code};Ort")

    assert parsed.properties[0].postal_code == postal_code
    (issue,) = parsed.issues
    assert issue.code is IssueCode.INVALID_POSTAL_CODE
    assert issue.severity == "warning"
    assert issue.value == postal_code


def test_exact_duplicate_row_is_skipped(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row(), contact_row("K2"), contact_row())

    assert [contact.external_id for contact in parsed.contacts] == ["K1", "K2"]
    (issue,) = parsed.issues
    assert issue.code is IssueCode.DUPLICATE_ROW
    assert issue.severity == "warning"
    assert issue.line == 4
    assert issue.related_line == 2
    assert issue.key == "K1"
    assert parsed.rejected == []


def test_duplicate_after_cleaning_is_skipped(tmp_path: Path) -> None:
    parsed = parse_lines(
        tmp_path,
        CONTACT_HEADER,
        contact_row(email="anna@example.de"),
        contact_row(email=" ANNA@Example.de "),
    )

    assert len(parsed.contacts) == 1
    assert [issue.code for issue in parsed.issues] == [IssueCode.DUPLICATE_ROW]


def test_duplicate_row_repeats_no_warnings(tmp_path: Path) -> None:
    row = contact_row(email="roth(at)web.de")

    parsed = parse_lines(tmp_path, CONTACT_HEADER, row, row)

    codes = [issue.code for issue in parsed.issues]
    assert codes == [IssueCode.INVALID_EMAIL, IssueCode.DUPLICATE_ROW]


def test_conflicting_row_is_rejected(tmp_path: Path) -> None:
    parsed = parse_lines(
        tmp_path,
        CONTACT_HEADER,
        contact_row(email="old@example.de"),
        contact_row(email="new@example.de"),
    )

    (contact,) = parsed.contacts
    assert contact.email == "old@example.de"
    assert contact.line == 2
    (issue,) = parsed.issues
    assert issue.code is IssueCode.CONFLICTING_ROW
    assert issue.severity == "rejected"
    assert issue.line == 3
    assert issue.related_line == 2
    assert issue.key == "K1"
    assert issue.column == "E-Mail"
    assert issue.value == "new@example.de"
    assert issue.stored_value == "old@example.de"


def test_conflicting_property_names_column(tmp_path: Path) -> None:
    parsed = parse_lines(
        tmp_path, PROPERTY_HEADER, "WEG-1;Haus;Weg 1;10115;Berlin", "WEG-1;Haus;Weg 1;;Berlin"
    )

    (issue,) = parsed.issues
    assert issue.code is IssueCode.CONFLICTING_ROW
    assert issue.column == "PLZ"
    assert issue.value is None
    assert issue.stored_value == "10115"


@pytest.mark.parametrize("key", ["", "  ", "-", "n/a"])
def test_missing_contact_key_is_rejected(tmp_path: Path, key: str) -> None:
    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row(number=key))

    assert parsed.contacts == []
    (issue,) = parsed.issues
    assert issue.code is IssueCode.MISSING_KEY
    assert issue.severity == "rejected"
    assert issue.column == "Kontakt-Nr"
    assert issue.value == (key.strip() or None)
    assert issue.key is None


def test_missing_property_key_is_rejected(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, PROPERTY_HEADER, ";Haus;Weg 1;10115;Berlin")

    assert parsed.properties == []
    assert [issue.code for issue in parsed.rejected] == [IssueCode.MISSING_KEY]
    assert parsed.rejected[0].column == "Objekt-Nr"


def test_responsibility_without_type_is_rejected(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, RESPONSIBILITY_HEADER, "WEG-1;K1;-", "WEG-1;K2;Maler")

    assert [record.contact_external_id for record in parsed.responsibilities] == ["K2"]
    (issue,) = parsed.issues
    assert issue.code is IssueCode.MISSING_VALUE
    assert issue.severity == "rejected"
    assert issue.column == "Dienstleistertyp"
    assert issue.value == "-"
    assert issue.key == "WEG-1 / K1"


def test_responsibility_without_keys_is_rejected(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, RESPONSIBILITY_HEADER, ";;Maler")

    assert parsed.responsibilities == []
    assert [(issue.code, issue.column) for issue in parsed.issues] == [
        (IssueCode.MISSING_KEY, "Objekt-Nr"),
        (IssueCode.MISSING_KEY, "Kontakt-Nr"),
    ]


def test_responsibilities_share_property_and_type(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, RESPONSIBILITY_HEADER, "WEG-1;K1;Maler", "WEG-1;K2;Maler")

    assert len(parsed.responsibilities) == 2
    assert parsed.issues == []


def test_duplicate_responsibility_is_skipped(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, RESPONSIBILITY_HEADER, "WEG-1;K1;Maler", " WEG-1 ; K1 ;Maler")

    assert len(parsed.responsibilities) == 1
    (issue,) = parsed.issues
    assert issue.code is IssueCode.DUPLICATE_ROW
    assert issue.key == "WEG-1 / K1 / Maler"


def test_too_many_fields_is_rejected(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, PROPERTY_HEADER, "WEG-1;Haus;Weg 1;10115;Berlin;Mitte")

    assert parsed.properties == []
    (issue,) = parsed.issues
    assert issue.code is IssueCode.TOO_MANY_FIELDS
    assert issue.severity == "rejected"
    assert issue.value == "Mitte"
    assert issue.key == "WEG-1"


def test_long_surplus_is_shortened(tmp_path: Path) -> None:
    surplus = ";".join(["Mitte"] + ["x" * 1000] * 400)
    parsed = parse_lines(tmp_path, PROPERTY_HEADER, "WEG-1;Haus;Weg 1;10115;Berlin;" + surplus)

    (issue,) = parsed.issues
    assert issue.code is IssueCode.TOO_MANY_FIELDS
    assert issue.value == surplus[:80] + "…"


def test_trailing_empty_fields_are_accepted(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, PROPERTY_HEADER, "WEG-1;Haus;Weg 1;10115;Berlin;;")

    assert parsed.properties[0].city == "Berlin"
    assert parsed.issues == []


def test_too_few_fields_is_rejected(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, PROPERTY_HEADER, "WEG-1;Haus")

    assert parsed.properties == []
    (issue,) = parsed.issues
    assert issue.code is IssueCode.TOO_FEW_FIELDS
    assert issue.severity == "rejected"
    assert issue.line == 2
    assert issue.key == "WEG-1"
    assert (issue.cell_count, issue.header_count) == (2, 5)


def test_too_few_fields_rejects_only_that_row(tmp_path: Path) -> None:
    # A row cut off before its key cell is rejected without a key. A complete row still
    # reads an empty cell as empty, and blank lines are skipped without an issue.
    parsed = parse_lines(
        tmp_path,
        "Bezeichnung;Objekt-Nr",
        "Haus Nord;WEG-1",
        "Haus Süd",
        "",
        "   ",
        "Haus Ost;",
        "Haus West;WEG-3",
    )

    assert [record.external_id for record in parsed.properties] == ["WEG-1", "WEG-3"]
    assert [(issue.code, issue.line, issue.key) for issue in parsed.issues] == [
        (IssueCode.TOO_FEW_FIELDS, 3, None),
        (IssueCode.MISSING_KEY, 6, None),
    ]
    assert parsed.row_count == 4


def test_short_row_makes_no_duplicate(tmp_path: Path) -> None:
    # A rejected short row does not make a later full row with its key a duplicate.
    parsed = parse_lines(tmp_path, CONTACT_HEADER, "K1;Frau", contact_row("K1"))

    assert [contact.first_name for contact in parsed.contacts] == ["Anna"]
    assert [issue.code for issue in parsed.issues] == [IssueCode.TOO_FEW_FIELDS]


def test_missing_email_column_adds_no_issues(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, "Kontakt-Nr;Nachname", "K1;Roth")

    assert parsed.contacts[0].email is None
    assert parsed.missing_columns == (
        "Anrede",
        "Vorname",
        "Firma",
        "E-Mail",
        "Telefon",
        "Straße",
        "PLZ",
        "Ort",
    )
    assert parsed.issues == []


@pytest.mark.parametrize(
    ("character", "code_point"),
    [("\u0000", "U+0000"), ("\u001b", "U+001B"), ("\u202e", "U+202E"), ("\u2066", "U+2066")],
)
def test_control_character_rejects_row(tmp_path: Path, character: str, code_point: str) -> None:
    bad_row = f"K2;Herr;Jo{character}nas;Roth;Roth GmbH;jonas@example.de;030 1;Weg 1;10115;Berlin"

    parsed = parse_lines(tmp_path, CONTACT_HEADER, contact_row("K1"), bad_row, contact_row("K3"))

    assert [contact.external_id for contact in parsed.contacts] == ["K1", "K3"]
    (issue,) = parsed.issues
    assert issue.code is IssueCode.INVALID_CHARACTER
    assert issue.severity == "rejected"
    assert issue.line == 3
    assert issue.key == "K2"
    assert issue.column == "Vorname"
    assert issue.value == f"Jo{character}nas"
    assert issue.character == code_point
    assert issue.character_position == 3


def test_control_characters_reported_per_column(tmp_path: Path) -> None:
    bad_row = "K\u0000 1;Frau;Anna;Ro\u202eth;Roth GmbH;anna@example.de;030 1;Weg 1;10115;Berlin"

    parsed = parse_lines(tmp_path, CONTACT_HEADER, bad_row)

    assert parsed.contacts == []
    found = [(issue.column, issue.character, issue.character_position) for issue in parsed.issues]
    assert found == [("Kontakt-Nr", "U+0000", 2), ("Nachname", "U+202E", 3)]
    assert {issue.key for issue in parsed.issues} == {"K\u0000 1"}
    assert len(parsed.rejected) == 2


def test_control_character_in_responsibility_keys(tmp_path: Path) -> None:
    parsed = parse_lines(
        tmp_path, RESPONSIBILITY_HEADER, "WEG-1;K1;Mal\u202eer", "WEG\u0000-2;K1;Maler"
    )

    assert parsed.responsibilities == []
    found = [(issue.line, issue.column, issue.character) for issue in parsed.issues]
    assert found == [(2, "Dienstleistertyp", "U+202E"), (3, "Objekt-Nr", "U+0000")]


def test_control_character_position_after_trim(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, PROPERTY_HEADER, "WEG-1;  Haus\u0000;Weg 1;10115;Berlin")

    (issue,) = parsed.issues
    assert issue.value == "Haus\u0000"
    assert issue.character_position == 5


def test_control_character_row_has_no_warnings(tmp_path: Path) -> None:
    # Without the control character, the email and the postal code would give warnings.
    row = contact_row(email="anna(at)example.de", postal_code="9111")
    bad_row = row.replace("Anna", "An\x07na")

    parsed = parse_lines(tmp_path, CONTACT_HEADER, bad_row)

    assert [issue.code for issue in parsed.issues] == [IssueCode.INVALID_CHARACTER]


def test_later_clean_row_is_kept(tmp_path: Path) -> None:
    bad_row = contact_row().replace("Roth;", "Ro\u0000th;", 1)

    parsed = parse_lines(tmp_path, CONTACT_HEADER, bad_row, contact_row())

    (contact,) = parsed.contacts
    assert contact.line == 3
    assert contact.last_name == "Roth"
    assert [issue.code for issue in parsed.issues] == [IssueCode.INVALID_CHARACTER]


def test_tab_and_direction_marks_are_allowed(tmp_path: Path) -> None:
    # A tab is allowed as in the partner sync, and the marks U+200E and U+200F only set
    # the direction of neutral characters, which right-to-left names need.
    parsed = parse_lines(
        tmp_path, PROPERTY_HEADER, 'WEG-1;"Haus\tNord";Weg 1;10115;\u200fBerlin\u200e'
    )

    (record,) = parsed.properties
    assert record.name == "Haus\tNord"
    assert record.city == "\u200fBerlin\u200e"
    assert parsed.issues == []


def test_ignored_column_is_not_checked(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, "Objekt-Nr;Bezeichnung;Bemerkung", "WEG-1;Haus;a\u0000b")

    assert parsed.properties[0].name == "Haus"
    assert parsed.issues == []
