from __future__ import annotations

from typing import Any

from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Contact { lastName }
    ... on Property { name }
    ... on ProviderType { name contactCount }
  }
}
"""


async def test_node_fetches_each_type(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await factory.contact(demo.tenant, last_name="Klein")
    prop = await factory.property(demo.tenant, name="WEG Lindenhof")
    provider_type = await factory.provider_type(demo.tenant, "Dachdecker")
    await factory.assign(contact, prop, provider_type)

    for type_name, database_id, expected in (
        ("Contact", contact.id, {"lastName": "Klein"}),
        ("Property", prop.id, {"name": "WEG Lindenhof"}),
        ("ProviderType", provider_type.id, {"name": "Dachdecker", "contactCount": 1}),
    ):
        global_id = to_global_id(type_name, database_id)
        data = await gql.execute(NODE, {"id": global_id}, token=demo.admin)
        assert data["node"] == {"__typename": type_name, "id": global_id, **expected}


async def test_node_of_other_tenant_is_null(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    theirs = await factory.contact(other.tenant)

    data = await gql.execute(NODE, {"id": to_global_id("Contact", theirs.id)}, token=demo.admin)

    assert data["node"] is None


async def test_node_with_garbage_id_is_null(gql: GraphQLClient, demo: Any) -> None:
    data = await gql.execute(NODE, {"id": "%%%"}, token=demo.admin)

    assert data["node"] is None


async def test_nodes_keeps_order_and_nulls(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    first = await factory.contact(demo.tenant, last_name="Erste")
    second = await factory.contact(demo.tenant, last_name="Zweite")
    theirs = await factory.contact(other.tenant)
    ids = [
        to_global_id("Contact", second.id),
        to_global_id("Contact", theirs.id),
        to_global_id("Contact", first.id),
    ]

    data = await gql.execute(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Contact { lastName } } }",
        {"ids": ids},
        token=demo.admin,
    )

    assert data["nodes"] == [{"lastName": "Zweite"}, None, {"lastName": "Erste"}]


async def test_nodes_over_limit_is_error(gql: GraphQLClient, demo: Any) -> None:
    errors = await gql.errors(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["x"] * 101}, token=demo.admin
    )

    assert errors[0]["extensions"]["code"] == "TOO_MANY_IDS"


async def test_contact_lookup(gql: GraphQLClient, demo: Any, other: Any, factory: Factory) -> None:
    mine = await factory.contact(demo.tenant, last_name="Meins")
    theirs = await factory.contact(other.tenant)
    query = "query($id: ID!) { contact(id: $id) { lastName } }"

    found = await gql.execute(query, {"id": to_global_id("Contact", mine.id)}, token=demo.admin)
    hidden = await gql.execute(query, {"id": to_global_id("Contact", theirs.id)}, token=demo.admin)

    assert found["contact"] == {"lastName": "Meins"}
    assert hidden["contact"] is None


async def test_properties_and_types_lists(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    await factory.property(demo.tenant, name="WEG B", external_id="WEG-0002")
    await factory.property(demo.tenant, name="WEG A")
    await factory.property(other.tenant, name="Fremd")
    await factory.provider_type(demo.tenant, "Maler", category="HANDWERKER")
    await factory.provider_type(demo.tenant, "Winterdienst")

    data = await gql.execute(
        """{
          properties(first: 10) { totalCount nodes { name street postalCode city externalId } }
          linked: providerTypes(categoryLinked: true) { nodes { name category } }
          all: providerTypes { totalCount nodes { name } }
          search: properties(search: "weg-0002") { nodes { name } }
        }""",
        token=demo.admin,
    )

    assert [node["name"] for node in data["properties"]["nodes"]] == ["WEG A", "WEG B"]
    assert data["properties"]["totalCount"] == 2
    assert data["properties"]["nodes"][0]["postalCode"] == "01067"
    assert data["linked"]["nodes"] == [{"name": "Maler", "category": "HANDWERKER"}]
    assert data["all"]["totalCount"] == 2
    assert data["search"]["nodes"] == [{"name": "WEG B"}]


async def test_relay_categories_have_labels(gql: GraphQLClient, demo: Any) -> None:
    german = await gql.execute(
        "{ relayCategories { value labelDe labelEn label } }", token=demo.admin
    )
    english = await gql.execute(
        "{ relayCategories { value label } }", token=demo.admin, language="en"
    )

    assert len(german["relayCategories"]) == 7
    assert german["relayCategories"][0] == {
        "value": "HANDWERKER",
        "labelDe": "Handwerker",
        "labelEn": "Tradesperson",
        "label": "Handwerker",
    }
    assert english["relayCategories"][0]["label"] == "Tradesperson"
