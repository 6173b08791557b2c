"""Checks on the sample ERP exports in the folder shared/data beside the repository.

The expected counts were verified by reading the files with the csv module.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from relay_graph.importing import FileKind, IssueCode, parse_export

SAMPLE_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not SAMPLE_DIR.is_dir(), reason=f"sample folder {SAMPLE_DIR} is absent"
)


def test_contacts_sample_counts() -> None:
    parsed = parse_export(SAMPLE_DIR / "kontakte.csv")

    assert parsed.kind is FileKind.CONTACTS
    assert parsed.encoding == "cp1252"
    assert parsed.delimiter == ";"
    assert parsed.row_count == 406
    assert len(parsed.contacts) == 400
    assert len({contact.external_id for contact in parsed.contacts}) == 400
    assert parsed.rejected == []
    codes = Counter(issue.code for issue in parsed.issues)
    assert codes == {
        IssueCode.DUPLICATE_ROW: 6,
        IssueCode.MISSING_EMAIL: 30,
        IssueCode.INVALID_EMAIL: 15,
        IssueCode.SEVERAL_EMAILS: 11,
    }


def test_contacts_sample_repeated_rows() -> None:
    parsed = parse_export(SAMPLE_DIR / "kontakte.csv")

    duplicates = [issue for issue in parsed.issues if issue.code is IssueCode.DUPLICATE_ROW]
    assert [issue.line for issue in duplicates] == [410, 411, 412, 413, 414, 415]
    assert [issue.key for issue in duplicates] == [
        "K00060",
        "K00236",
        "K00332",
        "K00187",
        "K00292",
        "K00051",
    ]
    assert [issue.related_line for issue in duplicates] == [63, 242, 339, 193, 299, 54]


def test_contacts_sample_values() -> None:
    contacts = {
        contact.external_id: contact
        for contact in parse_export(SAMPLE_DIR / "kontakte.csv").contacts
    }

    assert contacts["K00001"].email == "info@schluesseldienst-hoffmann-gmbh.de"
    assert contacts["K00001"].postal_code == "09111"
    assert contacts["K00001"].company == "Schlüsseldienst Hoffmann GmbH"
    assert contacts["K00140"].email == "info@krüger-bau.de"
    assert contacts["K00140"].email_valid is True
    assert contacts["K00012"].email == "lukas.schaefer@outlook.de"
    assert contacts["K00009"].street == "Ludwigstraße 14 Hinterhaus"
    assert contacts["K00009"].line == 10
    assert contacts["K00010"].line == 12
    assert contacts["K00009"].email is None
    assert contacts["K00014"].email == "oezdemir @web.de"
    assert contacts["K00014"].email_valid is False
    assert contacts["K00075"].email == "yusuf.weber@web.de"


def test_contacts_sample_valid_emails_lowercase() -> None:
    parsed = parse_export(SAMPLE_DIR / "kontakte.csv")

    valid = [contact.email for contact in parsed.contacts if contact.email_valid]
    assert len(valid) == 355
    assert all(email is not None and email == email.lower() for email in valid)


def test_contacts_sample_multiline_streets() -> None:
    parsed = parse_export(SAMPLE_DIR / "kontakte.csv")

    joined = [
        c.external_id for c in parsed.contacts if c.street and c.street.endswith(" Hinterhaus")
    ]
    assert len(joined) == 8
    assert all("\n" not in (contact.street or "") for contact in parsed.contacts)


def test_properties_sample() -> None:
    parsed = parse_export(SAMPLE_DIR / "liegenschaften.csv")

    assert parsed.kind is FileKind.PROPERTIES
    assert parsed.encoding == "utf-8-sig"
    assert parsed.delimiter == ","
    assert len(parsed.properties) == 40
    assert parsed.issues == []
    first = parsed.properties[0]
    assert first.external_id == "WEG-0001"
    assert first.postal_code == "09111"
    assert first.line == 2


def test_responsibilities_sample() -> None:
    parsed = parse_export(SAMPLE_DIR / "zustaendigkeiten.csv")

    assert parsed.kind is FileKind.RESPONSIBILITIES
    assert parsed.encoding == "utf-8"
    assert parsed.delimiter == ";"
    assert parsed.row_count == 278
    assert len(parsed.responsibilities) == 277
    (issue,) = parsed.issues
    assert issue.code is IssueCode.DUPLICATE_ROW
    assert issue.line == 279
    assert issue.related_line == 5
    assert issue.key == "WEG-0001 / K00036 / Schlüsseldienst"


def test_responsibilities_sample_unknown_references() -> None:
    contacts = parse_export(SAMPLE_DIR / "kontakte.csv").contacts
    properties = parse_export(SAMPLE_DIR / "liegenschaften.csv").properties
    responsibilities = parse_export(SAMPLE_DIR / "zustaendigkeiten.csv").responsibilities
    contact_ids = {contact.external_id for contact in contacts}
    property_ids = {record.external_id for record in properties}

    unknown_property = [
        (record.line, record.property_external_id)
        for record in responsibilities
        if record.property_external_id not in property_ids
    ]
    unknown_contact = [
        (record.line, record.contact_external_id)
        for record in responsibilities
        if record.contact_external_id not in contact_ids
    ]
    assert unknown_property == [(277, "WEG-9999")]
    assert unknown_contact == [(278, "K99999")]
