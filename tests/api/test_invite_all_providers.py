from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.conftest import StatementCounter
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
from relay_graph.domain.codes import generate_provider_code
from relay_graph.mail.rendering import email_content
from relay_graph.services import code_issuing
from relay_graph.services.invitations import INVITE_ALL_BATCH_SIZE

REASONS = ("NO_CATEGORY", "NO_EMAIL", "INVALID_EMAIL", "ALREADY_INVITED", "REGISTERED")

INVITE_ALL = """
mutation {
  inviteAllProviders {
    invitedCount
    skipped { reason count }
    userErrors { field code message }
  }
}
"""

PREVIEW = """
{
  relaySettings {
    inviteAllEnabled
    invitePreview {
      eligibleCount
      skipped { reason count }
      eligible(first: 50) { totalCount nodes { id } }
      notInvitable(first: 50) {
        totalCount
        nodes { reason contact { id } uncategorisedProviderTypes { id name } }
      }
    }
  }
}
"""


@dataclass
class Providers:
    """One contact per outcome of invite-all, plus contacts it must not see."""

    invitable: Contact
    expired: Contact
    no_category: Contact
    no_email: Contact
    invalid_email: Contact
    already_invited: Contact
    registered: Contact
    not_a_provider: Contact
    archived: Contact


async def build_providers(factory: Factory, tenant: Tenant) -> Providers:
    prop = await factory.property(tenant)
    unlinked = await factory.provider_type(tenant, "Dachdecker")
    linked = await factory.provider_type(tenant, "Elektriker", category="HANDWERKER")

    invitable = await factory.contact(tenant, category="HANDWERKER")
    await factory.assign(invitable, prop, linked)
    expired = await factory.contact(tenant, category="REINIGUNG")
    await factory.code(expired, expires_in=timedelta(days=-1))
    no_category = await factory.contact(tenant)
    await factory.assign(no_category, prop, unlinked)
    await factory.assign(no_category, prop, linked)
    no_email = await factory.contact(tenant, email=None, category="HAUSMEISTER")
    invalid_email = await factory.contact(
        tenant, email="info(at)x.de", email_valid=False, category="HAUSMEISTER"
    )
    already_invited = await factory.contact(tenant, category="SONSTIGE")
    await factory.code(already_invited)
    registered = await factory.registered_contact(tenant)
    not_a_provider = await factory.contact(tenant)
    archived = await factory.contact(tenant, category="HANDWERKER", archived_at=datetime.now(UTC))
    return Providers(
        invitable=invitable,
        expired=expired,
        no_category=no_category,
        no_email=no_email,
        invalid_email=invalid_email,
        already_invited=already_invited,
        registered=registered,
        not_a_provider=not_a_provider,
        archived=archived,
    )


async def invite_all(gql: GraphQLClient, token: str) -> dict[str, Any]:
    data = await gql.execute(INVITE_ALL, token=token)
    payload: dict[str, Any] = data["inviteAllProviders"]
    return payload


def skipped_counts(payload: dict[str, Any]) -> dict[str, int]:
    return {item["reason"]: item["count"] for item in payload["skipped"]}


def error_codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


def global_id(contact: Contact) -> str:
    return to_global_id("Contact", contact.id)


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


async def test_invite_all_invites_eligible(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    providers = await build_providers(factory, demo.tenant)

    payload = await invite_all(gql, demo.admin)

    assert payload["userErrors"] == []
    assert payload["invitedCount"] == 2
    emails = await outbox_rows(factory, demo.tenant)
    assert {email.contact_id for email in emails} == {providers.invitable.id, providers.expired.id}
    assert len(emails) == 2
    active = {
        code.id: code
        for code in await code_rows(factory, demo.tenant)
        if code.state == CODE_ACTIVE
    }
    for email in emails:
        assert email.status == OUTBOX_PENDING
        code = active[email.provider_code_id or 0]
        assert code.contact_id == email.contact_id
        assert code.code in email_content(email).text


async def test_invite_all_redraws_taken_codes(
    gql: GraphQLClient, demo: Any, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first draws repeat a code that another contact already has, so the INSERT skips
    # those rows and the contacts get fresh codes in the next round.
    holder = await factory.contact(demo.tenant, category="HANDWERKER")
    taken_code = (await factory.code(holder)).code
    contacts = [await factory.contact(demo.tenant, category="HANDWERKER") for _ in range(3)]
    repeats = iter([taken_code, taken_code, taken_code])

    def draw() -> str:
        return next(repeats, None) or generate_provider_code()

    monkeypatch.setattr(code_issuing, "generate_provider_code", draw)

    payload = await invite_all(gql, demo.admin)

    assert payload["invitedCount"] == 3
    codes = {code.contact_id: code for code in await code_rows(factory, demo.tenant)}
    assert len({code.code for code in codes.values()}) == 4
    assert codes[holder.id].code == taken_code
    emails = await outbox_rows(factory, demo.tenant)
    assert sorted(email.contact_id for email in emails) == sorted(c.id for c in contacts)
    for email in emails:
        assert email.contact_id is not None
        code = codes[email.contact_id]
        assert email.provider_code_id == code.id
        assert code.code != taken_code
        assert code.code in email_content(email).text


async def test_invite_all_skipped_counts(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    await build_providers(factory, demo.tenant)

    payload = await invite_all(gql, demo.admin)

    assert skipped_counts(payload) == {reason: 1 for reason in REASONS}


async def test_invite_all_replaces_expired_code(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    providers = await build_providers(factory, demo.tenant)

    await invite_all(gql, demo.admin)

    codes = await code_rows(factory, demo.tenant)
    expired_codes = [code for code in codes if code.contact_id == providers.expired.id]
    assert [code.state for code in expired_codes] == [CODE_REPLACED, CODE_ACTIVE]
    assert expired_codes[1].expires_at > datetime.now(UTC) + timedelta(days=13)
    invited_codes = [code for code in codes if code.contact_id == providers.already_invited.id]
    assert [code.state for code in invited_codes] == [CODE_ACTIVE]


async def test_invite_all_leaves_others_alone(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    providers = await build_providers(factory, demo.tenant)
    foreign = await factory.contact(other.tenant, category="HANDWERKER")

    await invite_all(gql, demo.admin)

    invited = {code.contact_id for code in await code_rows(factory, demo.tenant)}
    assert providers.not_a_provider.id not in invited
    assert providers.archived.id not in invited
    assert providers.no_email.id not in invited
    assert providers.registered.id not in invited
    assert await code_rows(factory, other.tenant) == []
    assert await outbox_rows(factory, other.tenant) == []
    assert foreign.id not in invited


async def test_invite_all_twice_invites_nobody(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    await build_providers(factory, demo.tenant)

    first = await invite_all(gql, demo.admin)
    second = await invite_all(gql, demo.admin)

    assert first["invitedCount"] == 2
    assert second["userErrors"] == []
    assert second["invitedCount"] == 0
    assert skipped_counts(second) == {
        "NO_CATEGORY": 1,
        "NO_EMAIL": 1,
        "INVALID_EMAIL": 1,
        "ALREADY_INVITED": 3,
        "REGISTERED": 1,
    }
    assert len(await outbox_rows(factory, demo.tenant)) == 2


async def test_invite_all_concurrent_calls(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    await build_providers(factory, demo.tenant)

    payloads = await asyncio.gather(invite_all(gql, demo.admin), invite_all(gql, demo.admin))

    assert sorted(payload["invitedCount"] for payload in payloads) == [0, 2]
    assert sorted(skipped_counts(payload)["ALREADY_INVITED"] for payload in payloads) == [1, 3]
    emails = await outbox_rows(factory, demo.tenant)
    assert len(emails) == 2
    assert len({email.contact_id for email in emails}) == 2


async def test_invite_all_email_language(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    english = await factory.contact(demo.tenant, category="HANDWERKER", language="en")
    german = await factory.contact(demo.tenant, category="HANDWERKER")

    await invite_all(gql, demo.admin)

    emails = await outbox_rows(factory, demo.tenant)
    languages = {email.contact_id: email.language for email in emails}
    assert languages == {english.id: "en", german.id: "de"}


async def test_invite_all_feature_disabled(
    gql: GraphQLClient, other: Any, factory: Factory
) -> None:
    await build_providers(factory, other.tenant)

    payload = await invite_all(gql, other.admin)
    preview = await gql.execute(PREVIEW, token=other.admin)

    assert error_codes(payload) == ["FEATURE_DISABLED"]
    assert payload["invitedCount"] == 0
    assert preview["relaySettings"]["inviteAllEnabled"] is False
    assert await outbox_rows(factory, other.tenant) == []
    assert [code.state for code in await code_rows(factory, other.tenant)] == [
        CODE_ACTIVE,
        CODE_ACTIVE,
    ]


async def test_invite_all_viewer_forbidden(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    await build_providers(factory, demo.tenant)

    payload = await invite_all(gql, demo.viewer)

    assert error_codes(payload) == ["FORBIDDEN"]
    assert payload["invitedCount"] == 0
    assert await outbox_rows(factory, demo.tenant) == []


async def test_invite_all_empty_tenant(gql: GraphQLClient, demo: Any) -> None:
    payload = await invite_all(gql, demo.admin)

    assert payload["userErrors"] == []
    assert payload["invitedCount"] == 0
    assert skipped_counts(payload) == {reason: 0 for reason in REASONS}


async def test_preview_matches_invite_all(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    providers = await build_providers(factory, demo.tenant)

    preview = (await gql.execute(PREVIEW, token=demo.admin))["relaySettings"]
    payload = await invite_all(gql, demo.admin)

    assert preview["inviteAllEnabled"] is True
    invite_preview = preview["invitePreview"]
    assert invite_preview["eligibleCount"] == payload["invitedCount"]
    assert skipped_counts(invite_preview) == skipped_counts(payload)
    eligible = invite_preview["eligible"]
    assert eligible["totalCount"] == payload["invitedCount"]
    emails = await outbox_rows(factory, demo.tenant)
    invited_ids = {to_global_id("Contact", email.contact_id or 0) for email in emails}
    assert {node["id"] for node in eligible["nodes"]} == invited_ids
    not_invitable = invite_preview["notInvitable"]
    assert not_invitable["totalCount"] == sum(skipped_counts(payload).values())
    reasons = {
        node["contact"]["id"]: (
            node["reason"],
            [provider_type["name"] for provider_type in node["uncategorisedProviderTypes"]],
        )
        for node in not_invitable["nodes"]
    }
    assert reasons == {
        global_id(providers.no_category): ("NO_CATEGORY", ["Dachdecker"]),
        global_id(providers.no_email): ("NO_EMAIL", []),
        global_id(providers.invalid_email): ("INVALID_EMAIL", []),
        global_id(providers.already_invited): ("ALREADY_INVITED", []),
        global_id(providers.registered): ("REGISTERED", []),
    }


async def test_preview_after_linking_type(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    # Linking the uncategorised type, as the preview suggests, makes the contact eligible.
    providers = await build_providers(factory, demo.tenant)
    preview = (await gql.execute(PREVIEW, token=demo.admin))["relaySettings"]["invitePreview"]
    [gap] = [
        node for node in preview["notInvitable"]["nodes"] if node["reason"] == "NO_CATEGORY"
    ]
    assert gap["contact"]["id"] == global_id(providers.no_category)
    [roofer] = gap["uncategorisedProviderTypes"]
    link = """
    mutation($id: ID!) {
      linkTypeCategory(providerTypeId: $id, category: HANDWERKER) { userErrors { code } }
    }
    """
    linked = await gql.execute(link, {"id": roofer["id"]}, token=demo.admin)
    assert linked["linkTypeCategory"]["userErrors"] == []

    after = (await gql.execute(PREVIEW, token=demo.admin))["relaySettings"]["invitePreview"]
    payload = await invite_all(gql, demo.admin)

    assert after["eligibleCount"] == 3
    assert skipped_counts(after)["NO_CATEGORY"] == 0
    assert global_id(providers.no_category) in {node["id"] for node in after["eligible"]["nodes"]}
    assert payload["invitedCount"] == 3


async def test_invite_all_statements_grow_per_batch(
    gql: GraphQLClient, demo: Any, factory: Factory, statements: StatementCounter
) -> None:
    for _ in range(30):
        await factory.contact(demo.tenant, category="HANDWERKER")
    statements.reset()
    small = await invite_all(gql, demo.admin)
    small_count = statements.count

    for _ in range(600):
        await factory.contact(demo.tenant, category="HANDWERKER")
    statements.reset()
    large = await invite_all(gql, demo.admin)
    large_count = statements.count

    assert small["invitedCount"] == 30
    assert large["invitedCount"] == 600
    assert 30 <= INVITE_ALL_BATCH_SIZE < 600 <= 2 * INVITE_ALL_BATCH_SIZE
    # A run costs a fixed number of statements: token, tenant, reason counts and the
    # final empty batch select. Each batch adds four: select the batch, retire expired
    # codes, insert codes, insert emails. PostgreSQL adds a fifth, DISCARD PLANS, so the
    # foreign-key checks of the next batch are planned for the grown table.
    # 30 contacts take one batch and 600 take two, so count(600) = count(30) + 5 at
    # most, which is below twice count(30). The +3 leaves room for a driver that
    # splits a multi-row INSERT. A count that grew per contact would exceed the bound
    # by hundreds.
    assert large_count <= small_count * 2 + 3
