from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from tests.conftest import StatementCounter
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.db.models import Contact, ProviderType, Tenant

LINK = """
mutation Link($providerTypeId: ID!, $category: RelayCategory) {
  linkTypeCategory(providerTypeId: $providerTypeId, category: $category) {
    providerType { id name category contactCount }
    updatedContactsCount
    userErrors { field code message }
  }
}
"""


async def link(
    gql: GraphQLClient, token: str, provider_type: ProviderType, category: str | None
) -> dict[str, Any]:
    type_id = to_global_id("ProviderType", provider_type.id)
    variables = {"providerTypeId": type_id, "category": category}
    data = await gql.execute(LINK, variables, token=token)
    payload: dict[str, Any] = data["linkTypeCategory"]
    return payload


async def stored_categories(factory: Factory, *contacts: Contact) -> list[str | None]:
    async with factory.uow.read() as uow:
        loaded = [await uow.session.get(Contact, contact.id) for contact in contacts]
    return [contact.category if contact else "<missing>" for contact in loaded]


async def stored_type_category(factory: Factory, provider_type: ProviderType) -> str | None:
    async with factory.uow.read() as uow:
        loaded = await uow.session.get(ProviderType, provider_type.id)
    assert loaded is not None
    return loaded.category


async def row_pages(factory: Factory, contacts: list[Contact]) -> dict[int, int]:
    """Map each contact's id to the number of the table page that contains its current row."""
    query = text("SELECT id, (ctid::text::point)[0]::bigint FROM contact WHERE id = ANY(:ids)")
    async with factory.uow.read() as uow:
        rows = await uow.session.execute(query, {"ids": [contact.id for contact in contacts]})
    return {int(contact_id): int(page) for contact_id, page in rows.all()}


async def holder(
    factory: Factory, tenant: Tenant, provider_type: ProviderType, **values: Any
) -> Contact:
    """Create a contact of `tenant` that holds `provider_type` on a new property."""
    contact = await factory.contact(tenant, **values)
    await factory.assign(contact, await factory.property(tenant), provider_type)
    return contact


async def test_link_sets_category_on_holders(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    electrician = await factory.provider_type(demo.tenant, "Elektriker")
    uncategorised = await holder(factory, demo.tenant, electrician)
    overwritten = await holder(factory, demo.tenant, electrician, category="REINIGUNG")
    two_properties = await holder(factory, demo.tenant, electrician)
    await factory.assign(two_properties, await factory.property(demo.tenant), electrician)
    bystander = await factory.contact(demo.tenant, category="SONSTIGE")

    payload = await link(gql, demo.admin, electrician, "HANDWERKER")

    assert payload["userErrors"] == []
    assert payload["updatedContactsCount"] == 3
    assert payload["providerType"] == {
        "id": to_global_id("ProviderType", electrician.id),
        "name": "Elektriker",
        "category": "HANDWERKER",
        "contactCount": 3,
    }
    assert await stored_categories(factory, uncategorised, overwritten, two_properties) == [
        "HANDWERKER",
        "HANDWERKER",
        "HANDWERKER",
    ]
    assert await stored_categories(factory, bystander) == ["SONSTIGE"]
    assert await stored_type_category(factory, electrician) == "HANDWERKER"


async def test_link_counts_only_changed_contacts(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    caretaker = await factory.provider_type(demo.tenant, "Hausmeisterdienst")
    await holder(factory, demo.tenant, caretaker, category="HAUSMEISTER")
    await holder(factory, demo.tenant, caretaker)

    first = await link(gql, demo.admin, caretaker, "HAUSMEISTER")
    second = await link(gql, demo.admin, caretaker, "HAUSMEISTER")

    assert first["userErrors"] == []
    assert first["updatedContactsCount"] == 1
    assert second["userErrors"] == []
    assert second["updatedContactsCount"] == 0


async def test_link_relinks_to_other_category(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    cleaning = await factory.provider_type(demo.tenant, "Treppenhausreinigung")
    contact = await holder(factory, demo.tenant, cleaning)

    await link(gql, demo.admin, cleaning, "SONSTIGE")
    payload = await link(gql, demo.admin, cleaning, "REINIGUNG")

    assert payload["updatedContactsCount"] == 1
    assert payload["providerType"]["category"] == "REINIGUNG"
    assert await stored_categories(factory, contact) == ["REINIGUNG"]


async def test_link_skips_archived_contacts(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    gardening = await factory.provider_type(demo.tenant, "Gartenpflege")
    active = await holder(factory, demo.tenant, gardening)
    archived = await holder(
        factory, demo.tenant, gardening, category="SONSTIGE", archived_at=datetime.now(UTC)
    )

    payload = await link(gql, demo.admin, gardening, "GARTEN_WINTERDIENST")

    assert payload["updatedContactsCount"] == 1
    assert await stored_categories(factory, active, archived) == [
        "GARTEN_WINTERDIENST",
        "SONSTIGE",
    ]


async def test_link_leaves_other_tenant_alone(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    ours = await factory.provider_type(demo.tenant, "Elektriker")
    theirs = await factory.provider_type(other.tenant, "Elektriker")
    our_contact = await holder(factory, demo.tenant, ours)
    their_contact = await holder(factory, other.tenant, theirs)
    # Assignments across tenants should never exist. If one did, the UPDATE must
    # still not reach the other tenant's contact.
    stray = await factory.contact(other.tenant, category="SONSTIGE")
    await factory.assign(stray, await factory.property(other.tenant), ours)

    payload = await link(gql, demo.admin, ours, "HANDWERKER")

    assert payload["updatedContactsCount"] == 1
    assert await stored_categories(factory, our_contact, their_contact, stray) == [
        "HANDWERKER",
        None,
        "SONSTIGE",
    ]
    assert await stored_type_category(factory, theirs) is None


async def test_unlink_keeps_contact_categories(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    metering = await factory.provider_type(demo.tenant, "Ablesedienst", category="MESSDIENST")
    contact = await holder(factory, demo.tenant, metering, category="MESSDIENST")

    payload = await link(gql, demo.admin, metering, None)

    assert payload["userErrors"] == []
    assert payload["updatedContactsCount"] == 0
    assert payload["providerType"]["category"] is None
    assert await stored_type_category(factory, metering) is None
    assert await stored_categories(factory, contact) == ["MESSDIENST"]


async def test_link_other_tenant_type_not_found(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    theirs = await factory.provider_type(other.tenant, "Elektriker")
    their_contact = await holder(factory, other.tenant, theirs)

    payload = await link(gql, demo.admin, theirs, "HANDWERKER")

    assert payload["providerType"] is None
    assert payload["updatedContactsCount"] == 0
    assert [error["code"] for error in payload["userErrors"]] == ["NOT_FOUND"]
    assert payload["userErrors"][0]["field"] == ["providerTypeId"]
    assert await stored_type_category(factory, theirs) is None
    assert await stored_categories(factory, their_contact) == [None]


async def test_link_contact_id_is_invalid(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant)
    variables = {"providerTypeId": to_global_id("Contact", contact.id), "category": "HANDWERKER"}

    data = await gql.execute(LINK, variables, token=demo.admin)

    errors = data["linkTypeCategory"]["userErrors"]
    assert [error["code"] for error in errors] == ["INVALID_ID"]
    assert errors[0]["field"] == ["providerTypeId"]


async def test_link_viewer_forbidden(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    electrician = await factory.provider_type(demo.tenant, "Elektriker")
    contact = await holder(factory, demo.tenant, electrician)

    payload = await link(gql, demo.viewer, electrician, "HANDWERKER")

    assert payload["providerType"] is None
    assert [error["code"] for error in payload["userErrors"]] == ["FORBIDDEN"]
    assert await stored_type_category(factory, electrician) is None
    assert await stored_categories(factory, contact) == [None]


async def test_link_statements_independent_of_holders(
    gql: GraphQLClient, demo: Any, factory: Factory, statements: StatementCounter
) -> None:
    few = await factory.provider_type(demo.tenant, "Aufzugswartung")
    many = await factory.provider_type(demo.tenant, "Winterdienst")
    prop = await factory.property(demo.tenant)
    for _ in range(5):
        await factory.assign(await factory.contact(demo.tenant), prop, few)
    for _ in range(200):
        await factory.assign(await factory.contact(demo.tenant), prop, many)

    statements.reset()
    few_payload = await link(gql, demo.admin, few, "HANDWERKER")
    few_statements = list(statements.statements)
    statements.reset()
    many_payload = await link(gql, demo.admin, many, "GARTEN_WINTERDIENST")
    many_statements = list(statements.statements)

    assert few_payload["updatedContactsCount"] == 5
    assert many_payload["updatedContactsCount"] == 200
    assert len(many_statements) == len(few_statements)
    contact_updates = [
        sql for sql in many_statements if sql.lstrip().upper().startswith("UPDATE CONTACT")
    ]
    assert len(contact_updates) == 1


async def test_link_keeps_holders_on_their_pages(
    gql: GraphQLClient, demo: Any, factory: Factory, engine_name: str
) -> None:
    # A new row version on the old row's page, with no indexed column changed, is a
    # heap-only tuple, so PostgreSQL adds no entry to any of the table's indexes.
    if engine_name != "postgres":
        pytest.skip("row pages and heap-only tuples exist on PostgreSQL only")

    plumbing = await factory.provider_type(demo.tenant, "Sanitär")
    prop = await factory.property(demo.tenant)
    contacts = []
    for _ in range(150):
        contact = await factory.contact(demo.tenant)
        await factory.assign(contact, prop, plumbing)
        contacts.append(contact)
    before = await row_pages(factory, contacts)

    payload = await link(gql, demo.admin, plumbing, "HANDWERKER")

    assert payload["updatedContactsCount"] == 150
    assert len(set(before.values())) > 2
    assert await row_pages(factory, contacts) == before
