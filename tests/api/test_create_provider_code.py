from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.db.models import (
    CODE_ACTIVE,
    CODE_REPLACED,
    OUTBOX_PENDING,
    Contact,
    EmailOutbox,
    ProviderCode,
    Tenant,
)
from relay_graph.mail.rendering import email_content

CODE_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")
REGISTRATION_URL = "https://relay.example/registrieren"

CREATE_CODE = """
mutation Create($contactId: ID!) {
  createProviderCode(contactId: $contactId) {
    contact { id relayStatus relay { status code invitedAt expiresAt } }
    providerCode { code expiresAt created }
    userErrors { field code message }
  }
}
"""

CONTACT_CODE = """
query Contact($id: ID!) {
  contact(id: $id) { relay { status code } }
  node(id: $id) { ... on Contact { relay { code } } }
  contacts(first: 10) { nodes { id relay { code } } }
  relaySettings {
    invitePreview {
      eligible(first: 10) { nodes { relay { code } } }
      notInvitable(first: 10) { nodes { reason contact { relay { code } } } }
    }
  }
}
"""


async def create_code(
    gql: GraphQLClient, token: str, contact: Contact, language: str | None = None
) -> dict[str, Any]:
    variables = {"contactId": to_global_id("Contact", contact.id)}
    data = await gql.execute(CREATE_CODE, variables, token=token, language=language)
    payload: dict[str, Any] = data["createProviderCode"]
    return payload


def error_codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def outbox_rows(factory: Factory, tenant: Tenant) -> list[EmailOutbox]:
    statement = (
        select(EmailOutbox).where(EmailOutbox.tenant_id == tenant.id).order_by(EmailOutbox.id)
    )
    async with factory.uow.read() as uow:
        return list((await uow.session.execute(statement)).scalars().all())


async def code_rows(factory: Factory, tenant: Tenant) -> list[ProviderCode]:
    statement = (
        select(ProviderCode).where(ProviderCode.tenant_id == tenant.id).order_by(ProviderCode.id)
    )
    async with factory.uow.read() as uow:
        return list((await uow.session.execute(statement)).scalars().all())


async def expire_codes(factory: Factory, contact: Contact) -> None:
    statement = (
        update(ProviderCode)
        .where(ProviderCode.contact_id == contact.id)
        .values(expires_at=datetime.now(UTC) - timedelta(hours=1))
    )
    async with factory.uow.write() as uow:
        await uow.session.execute(statement)
        await uow.commit()


def assert_expires_in(value: str, days: int) -> None:
    expected = datetime.now(UTC) + timedelta(days=days)
    assert abs(datetime.fromisoformat(value) - expected) < timedelta(minutes=1), value


async def test_create_code_invites_contact(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(
        demo.tenant, first_name="Jonas", last_name="Weber", category="HANDWERKER"
    )

    payload = await create_code(gql, demo.admin, contact)

    assert payload["userErrors"] == []
    provider_code = payload["providerCode"]
    assert CODE_PATTERN.fullmatch(provider_code["code"])
    assert provider_code["created"] is True
    assert_expires_in(provider_code["expiresAt"], 14)
    assert payload["contact"]["id"] == to_global_id("Contact", contact.id)
    assert payload["contact"]["relayStatus"] == "INVITED"
    assert payload["contact"]["relay"]["status"] == "INVITED"
    assert payload["contact"]["relay"]["code"] == provider_code["code"]
    assert payload["contact"]["relay"]["expiresAt"] == provider_code["expiresAt"]
    [stored] = await code_rows(factory, demo.tenant)
    assert stored.code == provider_code["code"]
    assert stored.contact_id == contact.id
    assert stored.state == CODE_ACTIVE


async def test_create_code_queues_one_email(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(
        demo.tenant, first_name="Jonas", last_name="Weber", category="HANDWERKER"
    )

    payload = await create_code(gql, demo.admin, contact)

    code = payload["providerCode"]["code"]
    link = f"{REGISTRATION_URL}?code={code}"
    [email] = await outbox_rows(factory, demo.tenant)
    [stored_code] = await code_rows(factory, demo.tenant)
    assert email.status == OUTBOX_PENDING
    assert email.recipient == contact.email
    assert email.contact_id == contact.id
    assert email.provider_code_id == stored_code.id
    assert email.language == "de"
    content = email_content(email)
    assert "Hausverwaltung Müller & Söhne" in content.subject
    assert "Relay" in content.subject
    assert code in content.text
    assert link in content.text
    assert "Jonas Weber" in content.text
    assert code in content.html
    assert f'href="{link}"' in content.html


async def test_create_code_escapes_html(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await factory.contact(
        demo.tenant,
        first_name=None,
        last_name=None,
        company="Müller & <Söhne>",
        category="HANDWERKER",
    )

    await create_code(gql, demo.admin, contact)

    [email] = await outbox_rows(factory, demo.tenant)
    content = email_content(email)
    assert "Müller &amp; &lt;Söhne&gt;" in content.html
    assert "<Söhne>" not in content.html
    assert "Hausverwaltung Müller &amp; Söhne" in content.html
    assert "Müller & <Söhne>" in content.text


async def test_create_code_tenant_validity(gql: GraphQLClient, factory: Factory) -> None:
    tenant = await factory.tenant(code_ttl_days=7)
    token = await factory.token(tenant)
    contact = await factory.contact(tenant, category="HAUSMEISTER")

    payload = await create_code(gql, token, contact)

    assert payload["userErrors"] == []
    assert_expires_in(payload["providerCode"]["expiresAt"], 7)
    [stored] = await code_rows(factory, tenant)
    assert abs(stored.expires_at - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=1)


async def test_create_code_repeat_returns_live_code(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")

    first = await create_code(gql, demo.admin, contact)
    second = await create_code(gql, demo.admin, contact)

    assert second["userErrors"] == []
    assert second["providerCode"]["code"] == first["providerCode"]["code"]
    assert second["providerCode"]["expiresAt"] == first["providerCode"]["expiresAt"]
    assert second["providerCode"]["created"] is False
    assert second["contact"]["relayStatus"] == "INVITED"
    assert len(await outbox_rows(factory, demo.tenant)) == 1
    assert len(await code_rows(factory, demo.tenant)) == 1


async def test_create_code_concurrent_calls_agree(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")

    payloads = await asyncio.gather(*(create_code(gql, demo.admin, contact) for _ in range(4)))

    assert all(payload["userErrors"] == [] for payload in payloads)
    assert len({payload["providerCode"]["code"] for payload in payloads}) == 1
    assert sorted(payload["providerCode"]["created"] for payload in payloads) == [
        False,
        False,
        False,
        True,
    ]
    assert len(await outbox_rows(factory, demo.tenant)) == 1
    assert len(await code_rows(factory, demo.tenant)) == 1


async def test_create_code_expired_code_replaced(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")
    first = await create_code(gql, demo.admin, contact)
    await expire_codes(factory, contact)

    second = await create_code(gql, demo.admin, contact)

    assert second["userErrors"] == []
    assert second["providerCode"]["created"] is True
    assert second["providerCode"]["code"] != first["providerCode"]["code"]
    assert second["contact"]["relayStatus"] == "INVITED"
    old, new = await code_rows(factory, demo.tenant)
    assert old.code == first["providerCode"]["code"]
    assert old.state == CODE_REPLACED
    assert new.code == second["providerCode"]["code"]
    assert new.state == CODE_ACTIVE
    first_email, second_email = await outbox_rows(factory, demo.tenant)
    assert first_email.provider_code_id == old.id
    assert second_email.provider_code_id == new.id
    assert new.code in email_content(second_email).text


async def test_create_code_missing_category(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant)

    payload = await create_code(gql, demo.admin, contact)

    assert payload["providerCode"] is None
    assert error_codes(payload) == ["MISSING_CATEGORY"]
    assert payload["userErrors"][0]["field"] == ["contactId"]
    assert await code_rows(factory, demo.tenant) == []
    assert await outbox_rows(factory, demo.tenant) == []


async def test_create_code_missing_email(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await factory.contact(demo.tenant, email=None, category="HANDWERKER")

    payload = await create_code(gql, demo.admin, contact)

    assert payload["providerCode"] is None
    assert error_codes(payload) == ["MISSING_EMAIL"]
    assert await code_rows(factory, demo.tenant) == []
    assert await outbox_rows(factory, demo.tenant) == []


async def test_create_code_invalid_email(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await factory.contact(
        demo.tenant, email="info(at)x.de", email_valid=False, category="HANDWERKER"
    )

    payload = await create_code(gql, demo.admin, contact)
    english = await create_code(gql, demo.admin, contact, language="en")

    assert payload["providerCode"] is None
    assert error_codes(payload) == ["INVALID_EMAIL"]
    assert error_codes(english) == ["INVALID_EMAIL"]
    assert payload["userErrors"][0]["message"] != english["userErrors"][0]["message"]
    assert await code_rows(factory, demo.tenant) == []
    assert await outbox_rows(factory, demo.tenant) == []


async def test_create_code_already_registered(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.registered_contact(demo.tenant)

    payload = await create_code(gql, demo.admin, contact)

    assert payload["providerCode"] is None
    assert error_codes(payload) == ["ALREADY_REGISTERED"]
    assert await code_rows(factory, demo.tenant) == []
    assert await outbox_rows(factory, demo.tenant) == []


async def test_create_code_other_tenant(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    foreign = await factory.contact(other.tenant, category="HANDWERKER")

    payload = await create_code(gql, demo.admin, foreign)

    assert payload["providerCode"] is None
    assert error_codes(payload) == ["NOT_FOUND"]
    assert await code_rows(factory, other.tenant) == []
    assert await outbox_rows(factory, other.tenant) == []
    assert await code_rows(factory, demo.tenant) == []
    assert await outbox_rows(factory, demo.tenant) == []


async def test_create_code_property_id_invalid(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")
    variables = {"contactId": to_global_id("Property", contact.id)}

    data = await gql.execute(CREATE_CODE, variables, token=demo.admin)

    assert error_codes(data["createProviderCode"]) == ["INVALID_ID"]
    assert await code_rows(factory, demo.tenant) == []


async def test_create_code_viewer_forbidden(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")

    payload = await create_code(gql, demo.viewer, contact)

    assert payload["providerCode"] is None
    assert error_codes(payload) == ["FORBIDDEN"]
    assert await code_rows(factory, demo.tenant) == []
    assert await outbox_rows(factory, demo.tenant) == []


async def test_create_code_english_contact(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    english = await factory.contact(demo.tenant, category="HANDWERKER", language="en")
    german = await factory.contact(demo.tenant, category="HANDWERKER")

    payload = await create_code(gql, demo.admin, english)
    await create_code(gql, demo.admin, german)

    english_email, german_email = await outbox_rows(factory, demo.tenant)
    assert (english_email.contact_id, english_email.language) == (english.id, "en")
    assert (german_email.contact_id, german_email.language) == (german.id, "de")
    english_content, german_content = email_content(english_email), email_content(german_email)
    assert '<html lang="en">' in english_content.html
    assert '<html lang="de">' in german_content.html
    assert english_content.subject != german_content.subject
    assert payload["providerCode"]["code"] in english_content.text


async def test_create_code_tenant_default_language(
    gql: GraphQLClient, factory: Factory
) -> None:
    tenant = await factory.tenant(default_language="en")
    token = await factory.token(tenant)
    without_language = await factory.contact(tenant, category="HANDWERKER")
    german = await factory.contact(tenant, category="HANDWERKER", language="de")

    await create_code(gql, token, without_language)
    await create_code(gql, token, german)

    first, second = await outbox_rows(factory, tenant)
    assert (first.contact_id, first.language) == (without_language.id, "en")
    assert '<html lang="en">' in email_content(first).html
    assert (second.contact_id, second.language) == (german.id, "de")
    assert '<html lang="de">' in email_content(second).html


async def test_create_code_request_language_ignored(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    # The email follows the recipient's language, not the admin's Accept-Language.
    contact = await factory.contact(demo.tenant, category="HANDWERKER")

    await create_code(gql, demo.admin, contact, language="en")

    [email] = await outbox_rows(factory, demo.tenant)
    assert email.language == "de"


async def test_viewer_never_sees_code(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    invited = await factory.contact(demo.tenant, last_name="Abel", category="HANDWERKER")
    code = (await create_code(gql, demo.admin, invited))["providerCode"]["code"]
    expired = await factory.contact(demo.tenant, last_name="Berg", category="REINIGUNG")
    expired_code = (await factory.code(expired, expires_in=timedelta(days=-1))).code
    variables = {"id": to_global_id("Contact", invited.id)}

    admin = await gql.execute(CONTACT_CODE, variables, token=demo.admin)
    viewer = await gql.execute(CONTACT_CODE, variables, token=demo.viewer)

    assert admin["contact"]["relay"] == {"status": "INVITED", "code": code}
    assert admin["node"]["relay"]["code"] == code
    assert [node["relay"]["code"] for node in admin["contacts"]["nodes"]] == [code, expired_code]
    admin_preview = admin["relaySettings"]["invitePreview"]
    assert [node["relay"]["code"] for node in admin_preview["eligible"]["nodes"]] == [expired_code]
    assert [
        (node["reason"], node["contact"]["relay"]["code"])
        for node in admin_preview["notInvitable"]["nodes"]
    ] == [("ALREADY_INVITED", code)]

    assert viewer["contact"]["relay"] == {"status": "INVITED", "code": None}
    assert viewer["node"]["relay"]["code"] is None
    assert [node["relay"]["code"] for node in viewer["contacts"]["nodes"]] == [None, None]
    viewer_preview = viewer["relaySettings"]["invitePreview"]
    assert [node["relay"]["code"] for node in viewer_preview["eligible"]["nodes"]] == [None]
    assert [
        (node["reason"], node["contact"]["relay"]["code"])
        for node in viewer_preview["notInvitable"]["nodes"]
    ] == [("ALREADY_INVITED", None)]
