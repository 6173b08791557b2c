from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.db.models import Contact

SET_CATEGORY = """
mutation Set($contactId: ID!, $category: RelayCategory) {
  setContactCategory(contactId: $contactId, category: $category) {
    contact { id category relayStatus relay { status } }
    userErrors { field code message }
  }
}
"""


async def stored_category(factory: Factory, contact_id: int) -> str | None:
    async with factory.uow.read() as uow:
        contact = await uow.session.get(Contact, contact_id)
    assert contact is not None
    return contact.category


async def set_category(
    gql: GraphQLClient,
    token: str,
    contact_id: str,
    category: str | None,
    language: str | None = None,
) -> dict[str, Any]:
    variables = {"contactId": contact_id, "category": category}
    data = await gql.execute(SET_CATEGORY, variables, token=token, language=language)
    payload: dict[str, Any] = data["setContactCategory"]
    return payload


async def test_set_category_on_contact(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await factory.contact(demo.tenant)
    contact_id = to_global_id("Contact", contact.id)

    payload = await set_category(gql, demo.admin, contact_id, "HANDWERKER")

    assert payload["userErrors"] == []
    assert payload["contact"] == {
        "id": contact_id,
        "category": "HANDWERKER",
        "relayStatus": "INVITABLE",
        "relay": {"status": "INVITABLE"},
    }
    assert await stored_category(factory, contact.id) == "HANDWERKER"


async def test_set_category_changes_existing(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")

    payload = await set_category(gql, demo.admin, to_global_id("Contact", contact.id), "REINIGUNG")

    assert payload["userErrors"] == []
    assert payload["contact"]["category"] == "REINIGUNG"
    assert await stored_category(factory, contact.id) == "REINIGUNG"


async def test_set_category_null_clears(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await factory.contact(demo.tenant, category="HAUSMEISTER")

    payload = await set_category(gql, demo.admin, to_global_id("Contact", contact.id), None)

    assert payload["userErrors"] == []
    assert payload["contact"]["category"] is None
    assert payload["contact"]["relayStatus"] == "NO_CATEGORY"
    assert payload["contact"]["relay"] is None
    assert await stored_category(factory, contact.id) is None


async def test_set_category_omitted_clears(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await factory.contact(demo.tenant, category="HAUSMEISTER")
    document = """
    mutation Clear($contactId: ID!) {
      setContactCategory(contactId: $contactId) { contact { category } userErrors { code } }
    }
    """

    data = await gql.execute(
        document, {"contactId": to_global_id("Contact", contact.id)}, token=demo.admin
    )

    assert data["setContactCategory"] == {"contact": {"category": None}, "userErrors": []}
    assert await stored_category(factory, contact.id) is None


async def test_set_category_unknown_id(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    payload = await set_category(gql, demo.admin, to_global_id("Contact", 987654), "HANDWERKER")

    assert payload["contact"] is None
    assert [error["code"] for error in payload["userErrors"]] == ["NOT_FOUND"]
    assert payload["userErrors"][0]["field"] == ["contactId"]


async def test_set_category_other_tenant(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    foreign = await factory.contact(other.tenant, category="SONSTIGE")

    payload = await set_category(gql, demo.admin, to_global_id("Contact", foreign.id), "HANDWERKER")

    assert payload["contact"] is None
    assert [error["code"] for error in payload["userErrors"]] == ["NOT_FOUND"]
    assert await stored_category(factory, foreign.id) == "SONSTIGE"


async def test_set_category_archived_contact(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    archived = await factory.contact(demo.tenant, archived_at=datetime.now(UTC))

    archived_id = to_global_id("Contact", archived.id)

    payload = await set_category(gql, demo.admin, archived_id, "HANDWERKER")

    assert [error["code"] for error in payload["userErrors"]] == ["NOT_FOUND"]
    assert await stored_category(factory, archived.id) is None


@pytest.mark.parametrize("kind", ["malformed", "non-numeric id", "property id"])
async def test_set_category_invalid_id(
    gql: GraphQLClient, demo: Any, factory: Factory, kind: str
) -> None:
    contact = await factory.contact(demo.tenant)
    value = {
        "malformed": "not-an-id",
        "non-numeric id": base64.b64encode(b"Contact:abc").decode(),
        # Same database id as the contact, so only the type name distinguishes them.
        "property id": to_global_id("Property", contact.id),
    }[kind]

    payload = await set_category(gql, demo.admin, value, "HANDWERKER")

    assert payload["contact"] is None
    assert [error["code"] for error in payload["userErrors"]] == ["INVALID_ID"]
    assert payload["userErrors"][0]["field"] == ["contactId"]
    assert await stored_category(factory, contact.id) is None


async def test_set_category_viewer_forbidden(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant, category="HANDWERKER")

    payload = await set_category(gql, demo.viewer, to_global_id("Contact", contact.id), None)

    assert payload["contact"] is None
    assert [error["code"] for error in payload["userErrors"]] == ["FORBIDDEN"]
    assert await stored_category(factory, contact.id) == "HANDWERKER"


@pytest.mark.parametrize("kind", ["not found", "invalid id", "forbidden"])
async def test_set_category_message_language(
    gql: GraphQLClient, demo: Any, factory: Factory, kind: str
) -> None:
    contact = await factory.contact(demo.tenant)
    token, contact_id, expected_code = {
        "not found": (demo.admin, to_global_id("Contact", 987654), "NOT_FOUND"),
        "invalid id": (demo.admin, "not-an-id", "INVALID_ID"),
        "forbidden": (demo.viewer, to_global_id("Contact", contact.id), "FORBIDDEN"),
    }[kind]

    german = await set_category(gql, token, contact_id, "HANDWERKER")
    english = await set_category(gql, token, contact_id, "HANDWERKER", language="en")
    explicit_german = await set_category(gql, token, contact_id, "HANDWERKER", language="de-DE")

    [german_error] = german["userErrors"]
    [english_error] = english["userErrors"]
    assert german_error["code"] == expected_code
    assert english_error["code"] == expected_code
    assert german_error["message"] != english_error["message"]
    assert explicit_german["userErrors"][0]["message"] == german_error["message"]
