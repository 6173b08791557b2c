from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from relay_graph.i18n import Language
from relay_graph.mail.rendering import (
    INVITATION_KIND,
    InvitationDetails,
    email_content,
    invitation_from_values,
    invitation_values,
    registration_link,
    render_announcement,
    render_invitation,
)

DETAILS = InvitationDetails(
    tenant_name="Hausverwaltung Müller & Söhne",
    contact_name="Jördis Weiß",
    salutation="Frau",
    code="7KQ2M-XH4PD",
    registration_link="https://relay.example/register?code=7KQ2M-XH4PD",
    expires_at=datetime(2026, 12, 18, 13, 32, 5, 123456, tzinfo=UTC),
    valid_days=14,
    reply_to="service@mueller-soehne.example",
)


@dataclass(frozen=True)
class Row:
    """The outbox fields that `email_content` reads."""

    kind: str = INVITATION_KIND
    language: str = "de"
    subject: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    template_values: str | None = None
    id: int = 7


def test_invitation_values_round_trip() -> None:
    assert invitation_from_values(invitation_values(DETAILS)) == DETAILS


def test_invitation_values_without_optional_fields() -> None:
    details = InvitationDetails(
        tenant_name="HV",
        contact_name="info@example.org",
        salutation=None,
        code="7KQ2M-XH4PD",
        registration_link="https://relay.example/register?code=7KQ2M-XH4PD",
        expires_at=datetime(2026, 12, 18, 23, 30, tzinfo=timezone(timedelta(hours=1))),
        valid_days=1,
        reply_to=None,
    )

    loaded = invitation_from_values(invitation_values(details))

    assert loaded == details
    assert loaded.expires_at.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize("language", ["de", "en"])
def test_email_content_renders_template_values(language: Language) -> None:
    row = Row(language=language, template_values=invitation_values(DETAILS))

    content = email_content(row)

    assert content == render_invitation(DETAILS, language)
    assert f'<html lang="{language}">' in content.html


def test_email_content_keeps_stored_text() -> None:
    row = Row(subject="Einladung", body_text="Text", body_html="<p>Text</p>")

    content = email_content(row)

    assert (content.subject, content.text, content.html) == ("Einladung", "Text", "<p>Text</p>")


def test_email_content_rejects_unknown_kind() -> None:
    row = Row(kind="NEWSLETTER", template_values=invitation_values(DETAILS))

    with pytest.raises(ValueError, match="NEWSLETTER"):
        email_content(row)


def test_email_content_rejects_unknown_language() -> None:
    row = Row(language="fr", template_values=invitation_values(DETAILS))

    with pytest.raises(ValueError, match="'fr'"):
        email_content(row)


def test_email_content_needs_text_or_values() -> None:
    with pytest.raises(ValueError, match="outbox row 7"):
        email_content(Row(subject="Einladung"))


def test_invitation_values_missing_key_raises() -> None:
    values = orjson.loads(invitation_values(DETAILS))
    del values["code"]

    with pytest.raises(KeyError):
        invitation_from_values(orjson.dumps(values).decode())


@pytest.mark.parametrize(
    ("base_url", "code", "expected"),
    [
        ("https://relay.example/register", "7KQ2M-XH4PD",
         "https://relay.example/register?code=7KQ2M-XH4PD"),
        ("https://relay.example/register?ref=hv", "7KQ2M-XH4PD",
         "https://relay.example/register?ref=hv&code=7KQ2M-XH4PD"),
        ("https://relay.example/register#start", "7KQ2M-XH4PD",
         "https://relay.example/register?code=7KQ2M-XH4PD#start"),
        ("https://relay.example/r?a=1#top", "A B&C", "https://relay.example/r?a=1&code=A+B%26C#top"),
    ],
)
def test_registration_link_keeps_query_and_fragment(
    base_url: str, code: str, expected: str
) -> None:
    assert registration_link(base_url, code) == expected


@pytest.mark.parametrize(
    ("language", "question_line"),
    [
        ("de", "Bei Fragen wenden Sie sich bitte direkt an Hausverwaltung Müller"),
        ("en", "If you have questions, please contact Hausverwaltung Müller"),
    ],
)
def test_invitation_without_reply_to_names_company(language: Language, question_line: str) -> None:
    # Without a Reply-To header, a reply would reach the platform's sender address.
    details = replace(DETAILS, reply_to=None)

    content = render_invitation(details, language)

    assert question_line in content.text
    assert question_line in content.html
    assert "simply reply" not in content.text
    assert "antworten Sie einfach" not in content.text


@pytest.mark.parametrize(
    ("language", "days", "phrase"),
    [
        ("de", 1, "Der Code gilt 1 Tag,"),
        ("de", 14, "Der Code gilt 14 Tage,"),
        ("en", 1, "valid for 1 day,"),
        ("en", 14, "valid for 14 days,"),
    ],
)
def test_announcement_says_day_or_days(language: Language, days: int, phrase: str) -> None:
    announcement = render_announcement("Hausverwaltung Müller", days, language)

    assert phrase in announcement.body
