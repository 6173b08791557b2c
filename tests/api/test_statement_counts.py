from __future__ import annotations

from typing import Any

import pytest
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

PAGE = """
query Page($first: Int!) {
  contacts(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id displayName email relayStatus
      relay { status code expiresAt }
      assignments { property { id name city } providerType { id name category } }
    }
  }
}
"""


async def seed(factory: Factory, tenant: Any, count: int) -> None:
    types = [await factory.provider_type(tenant, f"Gewerk {index}") for index in range(3)]
    properties = [await factory.property(tenant) for _ in range(3)]
    for index in range(count):
        contact = await factory.contact(tenant, category="HANDWERKER" if index % 2 else None)
        await factory.assign(contact, properties[index % 3], types[index % 3])
        await factory.assign(contact, properties[(index + 1) % 3], types[(index + 2) % 3])


@pytest.mark.parametrize("page_size", [10, 50, 100])
async def test_contact_page_uses_constant_statements(
    gql: GraphQLClient, demo: Any, factory: Factory, statements: Any, page_size: int
) -> None:
    await seed(factory, demo.tenant, 100)
    statements.reset()

    data = await gql.execute(PAGE, {"first": page_size}, token=demo.admin)

    assert len(data["contacts"]["nodes"]) == page_size
    assert all(len(node["assignments"]) == 2 for node in data["contacts"]["nodes"])
    # Token lookup, the page, its assignments and the total count.
    assert statements.count == 4, statements.statements


async def test_page_without_nested_fields_skips_their_queries(
    gql: GraphQLClient, demo: Any, factory: Factory, statements: Any
) -> None:
    await seed(factory, demo.tenant, 5)
    statements.reset()

    await gql.execute("{ contacts(first: 5) { nodes { id } } }", token=demo.admin)

    # Token lookup and the page only: no assignments, no count.
    assert statements.count == 2, statements.statements


LIST = """
query List($first: Int!) {
  contacts(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id displayName email relayStatus } }
    nodes {
      id displayName email relayStatus
      assignments { property { id name city } providerType { id name category } }
    }
  }
}
"""


@pytest.mark.parametrize("page_size", [10, 100])
async def test_json_list_one_select_per_page(
    gql: GraphQLClient, demo: Any, factory: Factory, statements: Any, page_size: int
) -> None:
    await seed(factory, demo.tenant, 100)
    statements.reset()

    data = await gql.execute(LIST, {"first": page_size}, token=demo.admin)

    assert len(data["contacts"]["edges"]) == page_size
    assert all(len(node["assignments"]) == 2 for node in data["contacts"]["nodes"])
    # Token lookup, the page with both selections of a contact as JSON, the total count.
    assert statements.count == 3, statements.statements
