from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id


async def test_settings_show_tenant_and_flag(gql: GraphQLClient, demo: Any, other: Any) -> None:
    query = "{ relaySettings { companyName inviteAllEnabled codeValidityDays defaultLanguage } }"

    on = await gql.execute(query, token=demo.admin)
    off = await gql.execute(query, token=other.admin)

    assert on["relaySettings"] == {
        "companyName": "Hausverwaltung Müller & Söhne",
        "inviteAllEnabled": True,
        "codeValidityDays": 14,
        "defaultLanguage": "DE",
    }
    assert off["relaySettings"]["inviteAllEnabled"] is False


async def test_status_counts_cover_every_status(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    await factory.contact(demo.tenant)
    await factory.contact(demo.tenant, category="HAUSMEISTER", email=None)
    invited = await factory.contact(demo.tenant, category="HAUSMEISTER")
    await factory.code(invited)
    await factory.registered_contact(demo.tenant)

    data = await gql.execute(
        "{ relaySettings { statusCounts { status count } } }", token=demo.admin
    )
    counts = {item["status"]: item["count"] for item in data["relaySettings"]["statusCounts"]}

    assert counts == {
        "NO_CATEGORY": 1,
        "NO_EMAIL": 1,
        "INVITABLE": 0,
        "INVITED": 1,
        "EXPIRED": 0,
        "REGISTERED": 1,
    }


async def test_preview_lists_reasons_and_uncategorised_types(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    unlinked = await factory.provider_type(demo.tenant, "Aufzugswartung")
    linked = await factory.provider_type(demo.tenant, "Elektriker", category="HANDWERKER")
    building = await factory.property(demo.tenant)
    no_category = await factory.contact(demo.tenant, last_name="Ohne")
    await factory.assign(no_category, building, unlinked)
    await factory.contact(demo.tenant, last_name="Kein Anbieter")
    eligible = await factory.contact(demo.tenant, last_name="Bereit", category="HANDWERKER")
    await factory.assign(eligible, building, linked)
    expired = await factory.contact(demo.tenant, last_name="Abgelaufen", category="HANDWERKER")
    await factory.code(expired, expires_in=timedelta(days=-2))
    await factory.contact(demo.tenant, last_name="Kaputt", category="REINIGUNG", email="x@")

    data = await gql.execute(
        """{ relaySettings { invitePreview {
              eligibleCount
              skipped { reason count }
              eligible(first: 10) { totalCount nodes { lastName relayStatus } }
              notInvitable(first: 10) { totalCount nodes { reason contact { lastName }
                                                         uncategorisedProviderTypes { name } } }
              noCategory: notInvitable(reason: NO_CATEGORY) { totalCount }
        } } }""",
        token=demo.admin,
    )
    preview = data["relaySettings"]["invitePreview"]
    skipped = {item["reason"]: item["count"] for item in preview["skipped"]}

    assert preview["eligibleCount"] == 2
    assert preview["eligible"]["nodes"] == [
        {"lastName": "Abgelaufen", "relayStatus": "EXPIRED"},
        {"lastName": "Bereit", "relayStatus": "INVITABLE"},
    ]
    assert skipped == {
        "NO_CATEGORY": 1,
        "NO_EMAIL": 0,
        "INVALID_EMAIL": 1,
        "ALREADY_INVITED": 0,
        "REGISTERED": 0,
    }
    assert preview["notInvitable"]["nodes"] == [
        {
            "reason": "INVALID_EMAIL",
            "contact": {"lastName": "Kaputt"},
            "uncategorisedProviderTypes": [],
        },
        {
            "reason": "NO_CATEGORY",
            "contact": {"lastName": "Ohne"},
            "uncategorisedProviderTypes": [{"name": "Aufzugswartung"}],
        },
    ]
    assert preview["notInvitable"]["totalCount"] == 2
    assert preview["noCategory"]["totalCount"] == 1


async def test_announcement_in_both_languages(gql: GraphQLClient, demo: Any) -> None:
    query = (
        "query($language: Language) { relaySettings { announcementTemplate(language: $language) "
        "{ language subject body } } }"
    )

    german = await gql.execute(query, token=demo.admin)
    english = await gql.execute(query, {"language": "EN"}, token=demo.admin)

    de = german["relaySettings"]["announcementTemplate"]
    en = english["relaySettings"]["announcementTemplate"]
    assert de["language"] == "DE"
    assert "Hausverwaltung Müller & Söhne" in de["subject"]
    assert "Hausverwaltung Müller & Söhne" in de["body"]
    assert en["language"] == "EN"
    assert en["body"] != de["body"]
    assert "14" in en["body"]


async def test_invitation_preview_hides_code(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    contact = await factory.contact(
        demo.tenant,
        first_name="Jörg",
        last_name="Weiß",
        company="Weiß & <Söhne>",
        category="HANDWERKER",
    )
    await factory.code(contact)
    theirs = await factory.contact(other.tenant)
    query = (
        "query($id: ID!, $language: Language) { relaySettings {\n"
        "        invitationEmailPreview(contactId: $id, language: $language) "
        "{ recipient language subject text html } } }"
    )

    german = await gql.execute(query, {"id": to_global_id("Contact", contact.id)}, token=demo.admin)
    english = await gql.execute(
        query, {"id": to_global_id("Contact", contact.id), "language": "EN"}, token=demo.admin
    )
    missing = await gql.execute(query, {"id": to_global_id("Contact", theirs.id)}, token=demo.admin)

    preview = german["relaySettings"]["invitationEmailPreview"]
    assert preview["recipient"] == contact.email
    assert preview["language"] == "DE"
    assert "XXXXX-XXXXX" in preview["text"]
    assert "Jörg Weiß" in preview["text"]
    assert "https://relay.example/registrieren?code=XXXXX-XXXXX" in preview["text"]
    assert english["relaySettings"]["invitationEmailPreview"]["language"] == "EN"
    assert english["relaySettings"]["invitationEmailPreview"]["subject"] != preview["subject"]
    assert missing["relaySettings"]["invitationEmailPreview"] is None
