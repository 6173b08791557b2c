from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.config import Settings
from relay_graph.db.models import OUTBOX_FAILED, OUTBOX_SENT, EmailOutbox, Tenant
from relay_graph.mail.rendering import email_content

REGISTRATION_URL = "https://relay.example/registrieren"

UPDATE = """
mutation($input: UpdateRelaySettingsInput!) {
  updateRelaySettings(input: $input) {
    relaySettings { companyName senderName replyTo defaultLanguage codeValidityDays }
    userErrors { field code message }
  }
}
"""
RESEND = """
mutation($id: ID!) {
  resendInvitation(contactId: $id) {
    contact { relay { code delivery { state attempts sentAt reason } } }
    userErrors { field code message }
  }
}
"""
CREATE_CODE = """
mutation($id: ID!) { createProviderCode(contactId: $id) {
  providerCode { code expiresAt } userErrors { code } } }
"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The outbox must stay as the mutations leave it, so the server runs no worker.
    return Settings(
        database_url=database_url, registration_url=REGISTRATION_URL, outbox_worker=False
    )


async def update_settings(
    gql: GraphQLClient, token: str, values: dict[str, Any], language: str | None = None
) -> dict[str, Any]:
    data = await gql.execute(UPDATE, {"input": values}, token=token, language=language)
    payload: dict[str, Any] = data["updateRelaySettings"]
    return payload


async def resend(
    gql: GraphQLClient, token: str, contact: Any, language: str | None = None
) -> dict[str, Any]:
    variables = {"id": to_global_id("Contact", contact.id)}
    data = await gql.execute(RESEND, variables, token=token, language=language)
    payload: dict[str, Any] = data["resendInvitation"]
    return payload


async def stored_tenant(factory: Factory, tenant_id: int) -> Tenant:
    async with factory.uow.read() as uow:
        found = await uow.session.get(Tenant, tenant_id)
    assert found is not None
    return found


async def outbox(factory: Factory) -> list[EmailOutbox]:
    async with factory.uow.read() as uow:
        rows = await uow.session.execute(select(EmailOutbox).order_by(EmailOutbox.id))
        return list(rows.scalars())


async def test_update_settings_stores_every_value(
    gql: GraphQLClient, demo: Any
) -> None:
    payload = await update_settings(gql, demo.admin, {
        "senderName": "  Müller & Söhne Hausverwaltung ", "replyTo": "service@mueller.example",
        "defaultLanguage": "EN", "codeValidityDays": 30,
    })
    again = await gql.execute("{ relaySettings { senderName replyTo } }", token=demo.admin)

    assert payload["userErrors"] == []
    assert payload["relaySettings"] == {
        "companyName": "Hausverwaltung Müller & Söhne",
        "senderName": "Müller & Söhne Hausverwaltung",
        "replyTo": "service@mueller.example",
        "defaultLanguage": "EN",
        "codeValidityDays": 30,
    }
    assert again["relaySettings"] == {
        "senderName": "Müller & Söhne Hausverwaltung", "replyTo": "service@mueller.example",
    }


async def test_update_settings_keeps_omitted_clears_blank(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    await update_settings(gql, demo.admin, {
        "senderName": "HV Müller", "replyTo": "hilfe@mueller.example", "codeValidityDays": 21,
    })

    payload = await update_settings(gql, demo.admin, {"senderName": None, "replyTo": "  "})

    assert payload["userErrors"] == []
    tenant = await stored_tenant(factory, demo.tenant.id)
    assert (tenant.sender_name, tenant.reply_to, tenant.code_ttl_days) == (None, None, 21)
    assert payload["relaySettings"]["defaultLanguage"] == "DE"


@pytest.mark.parametrize(
    ("values", "codes"),
    [
        ({"replyTo": "kein-postfach"}, ["INVALID_REPLY_TO"]),
        # A header cannot carry umlauts before the @ without SMTPUTF8.
        ({"replyTo": "Büro@Müller-Verwaltung.de"}, ["INVALID_REPLY_TO"]),
        ({"codeValidityDays": 0}, ["INVALID_CODE_VALIDITY"]),
        ({"codeValidityDays": 366}, ["INVALID_CODE_VALIDITY"]),
        ({"senderName": "H" * 101}, ["INVALID_SENDER_NAME"]),
        ({"senderName": "Müller\r\nBcc: x@example.org"}, ["INVALID_SENDER_NAME"]),
        # A right-to-left override would show "Müller" followed by reversed text.
        ({"senderName": "Müller \u202egnutlawreV"}, ["INVALID_SENDER_NAME"]),
        ({"senderName": "Müller \u2067Verwaltung"}, ["INVALID_SENDER_NAME"]),
        (
            {"senderName": "Ok", "replyTo": "a@", "codeValidityDays": -1},
            ["INVALID_REPLY_TO", "INVALID_CODE_VALIDITY"],
        ),
    ],
)
async def test_update_settings_rejects_invalid_values(
    gql: GraphQLClient, demo: Any, factory: Factory, values: dict[str, Any], codes: list[str]
) -> None:
    payload = await update_settings(gql, demo.admin, values)

    assert payload["relaySettings"] is None
    assert [error["code"] for error in payload["userErrors"]] == codes
    assert all(error["field"][0] == "input" for error in payload["userErrors"])
    tenant = await stored_tenant(factory, demo.tenant.id)
    assert (tenant.sender_name, tenant.reply_to, tenant.code_ttl_days) == (None, None, None)


async def test_update_settings_messages_follow_language(
    gql: GraphQLClient, demo: Any
) -> None:
    german = await update_settings(gql, demo.admin, {"codeValidityDays": 400})
    english = await update_settings(gql, demo.admin, {"codeValidityDays": 400}, language="en")

    assert "400" in german["userErrors"][0]["message"]
    assert german["userErrors"][0]["message"] != english["userErrors"][0]["message"]


async def test_update_settings_is_admin_only(gql: GraphQLClient, demo: Any) -> None:
    payload = await update_settings(gql, demo.viewer, {"codeValidityDays": 30})

    assert [error["code"] for error in payload["userErrors"]] == ["FORBIDDEN"]


async def test_new_codes_use_changed_settings(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")
    await update_settings(gql, demo.admin, {
        "codeValidityDays": 30, "defaultLanguage": "EN", "replyTo": "fragen@mueller.example",
    })

    data = await gql.execute(
        CREATE_CODE, {"id": to_global_id("Contact", contact.id)}, token=demo.admin
    )

    expires_at = datetime.fromisoformat(data["createProviderCode"]["providerCode"]["expiresAt"])
    assert timedelta(days=29) < expires_at - datetime.now(UTC) <= timedelta(days=30)
    [email] = await outbox(factory)
    assert email.language == "en"
    content = email_content(email)
    assert "30 days" in content.text
    assert "fragen@mueller.example" in content.text


async def test_outbox_counts_per_delivery_state(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    for tenant, token in ((demo.tenant, demo.admin), (other.tenant, other.admin)):
        for _ in range(3):
            contact = await factory.contact(tenant, category="HANDWERKER")
            variables = {"id": to_global_id("Contact", contact.id)}
            await gql.execute(CREATE_CODE, variables, token=token)
    first, second, _ = [row.id for row in await outbox(factory) if row.tenant_id == demo.tenant.id]
    async with factory.uow.write() as uow:
        await uow.session.execute(
            update(EmailOutbox).where(EmailOutbox.id == first).values(status=OUTBOX_SENT)
        )
        await uow.session.execute(
            update(EmailOutbox).where(EmailOutbox.id == second).values(status=OUTBOX_FAILED)
        )
        await uow.commit()

    query = "{ relaySettings { outboxCounts { state count } } }"
    data = await gql.execute(query, token=demo.viewer)

    counts = {item["state"]: item["count"] for item in data["relaySettings"]["outboxCounts"]}
    assert counts == {"QUEUED": 1, "SENT": 1, "FAILED": 1}


async def test_resend_invitation_queues_new_email(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")
    created = await gql.execute(
        CREATE_CODE, {"id": to_global_id("Contact", contact.id)}, token=demo.admin
    )
    code = created["createProviderCode"]["providerCode"]["code"]
    [first] = await outbox(factory)
    async with factory.uow.write() as uow:
        await uow.session.execute(
            update(EmailOutbox).where(EmailOutbox.id == first.id)
            .values(status=OUTBOX_FAILED, attempts=1, last_error_code="RECIPIENT_REJECTED")
        )
        await uow.commit()

    payload = await resend(gql, demo.admin, contact)

    assert payload["userErrors"] == []
    assert payload["contact"]["relay"]["code"] == code
    assert payload["contact"]["relay"]["delivery"] == {
        "state": "QUEUED", "attempts": 0, "sentAt": None, "reason": None,
    }
    old, new = await outbox(factory)
    assert new.provider_code_id == old.provider_code_id
    assert new.message_id != old.message_id
    content = email_content(new)
    assert code in content.text
    assert code in content.html


async def test_resend_invitation_states_days_left(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")
    await factory.code(contact, expires_in=timedelta(days=4, hours=5))

    await resend(gql, demo.admin, contact)

    [email] = await outbox(factory)
    content = email_content(email)
    assert "5 Tage" in content.text
    assert "14 Tage" not in content.text


@pytest.mark.parametrize("expires_in", [None, timedelta(days=-1)])
async def test_resend_invitation_needs_live_code(
    gql: GraphQLClient, demo: Any, factory: Factory, expires_in: timedelta | None
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")
    if expires_in is not None:
        await factory.code(contact, expires_in=expires_in)

    german = await resend(gql, demo.admin, contact)
    english = await resend(gql, demo.admin, contact, language="en")

    assert [error["code"] for error in german["userErrors"]] == ["NO_LIVE_CODE"]
    assert german["userErrors"][0]["field"] == ["contactId"]
    assert german["userErrors"][0]["message"] != english["userErrors"][0]["message"]
    assert english["userErrors"][0]["message"]
    assert await outbox(factory) == []


async def test_resend_invitation_rejects_other_cases(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    invited = await factory.contact(demo.tenant, category="HANDWERKER")
    await factory.code(invited)
    registered = await factory.registered_contact(demo.tenant)
    foreign = await factory.contact(other.tenant, category="HANDWERKER")
    await factory.code(foreign)

    as_viewer = await resend(gql, demo.viewer, invited)
    already = await resend(gql, demo.admin, registered)
    elsewhere = await resend(gql, demo.admin, foreign)

    assert [error["code"] for error in as_viewer["userErrors"]] == ["FORBIDDEN"]
    assert [error["code"] for error in already["userErrors"]] == ["ALREADY_REGISTERED"]
    assert [error["code"] for error in elsewhere["userErrors"]] == ["NOT_FOUND"]
    assert await outbox(factory) == []


async def test_contact_page_delivery_adds_no_statement(
    gql: GraphQLClient, demo: Any, factory: Factory, statements: Any
) -> None:
    for _ in range(20):
        contact = await factory.contact(demo.tenant, category="HANDWERKER")
        variables = {"id": to_global_id("Contact", contact.id)}
        await gql.execute(CREATE_CODE, variables, token=demo.admin)
    statements.reset()

    query = "{ contacts(first: 20) { totalCount nodes { id relay { delivery { state } } } } }"
    data = await gql.execute(query, token=demo.admin)

    states = [node["relay"]["delivery"]["state"] for node in data["contacts"]["nodes"]]
    assert states == ["QUEUED"] * 20
    # Token lookup, the page with its newest emails joined in, and the total count.
    assert statements.count == 3, statements.statements
