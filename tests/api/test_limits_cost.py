"""Query cost analysis: the cost each response reports and the rejection above the maximum."""

from __future__ import annotations

from typing import Any

import pytest
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.compiled import PlanningExecutor
from relay_graph.api.graphql.ids import to_global_id
from relay_graph.config import Settings
from relay_graph.services import queries

MAX_COST = 250


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        registration_url="https://relay.example/registrieren",
        max_query_cost=MAX_COST,
    )


async def cost_of(gql: GraphQLClient, token: str, query: str, variables: Any = None) -> Any:
    response = await gql.post(query, variables, token=token)
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["extensions"]["cost"]


async def test_scalar_only_query_costs_nothing(gql: GraphQLClient, demo: Any) -> None:
    cost = await cost_of(gql, demo.admin, "{ __typename }")

    assert cost == {"requested": 0, "actual": 0, "maximum": MAX_COST}


async def test_object_field_costs_one(gql: GraphQLClient, demo: Any) -> None:
    cost = await cost_of(gql, demo.admin, "{ viewer { role tenantSlug } }")

    assert cost["requested"] == 1
    assert cost["actual"] == 1


async def test_connection_costs_page_size_times_children(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    for _ in range(3):
        await factory.contact(demo.tenant)

    cost = await cost_of(gql, demo.admin, "{ contacts(first: 10) { nodes { id } } }")

    # 10 x (1 + nodes 1); three contacts came back: 3 x 2.
    assert cost["requested"] == 20
    assert cost["actual"] == 6


async def test_actual_cost_alike_when_database_builds_the_json(
    gql: GraphQLClient, demo: Any, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contact list's JSON from the database counts as graphql-core's completion does."""
    prop = await factory.property(demo.tenant)
    provider_type = await factory.provider_type(demo.tenant)
    for _ in range(3):
        await factory.assign(await factory.contact(demo.tenant), prop, provider_type)
    query = "{ contacts(first: 10) { nodes { id assignments { property { name } } } } }"

    built_in_database = await cost_of(gql, demo.admin, query)
    monkeypatch.setattr(PlanningExecutor, "plans_enabled", False)
    completed_by_graphql_core = await cost_of(gql, demo.admin, query)

    # 10 x (1 + nodes 1 + assignments 1 + property 1); three contacts came back.
    assert built_in_database == completed_by_graphql_core
    assert built_in_database["requested"] == 40
    assert built_in_database["actual"] == 12


async def test_connection_default_page_size_is_50(gql: GraphQLClient, demo: Any) -> None:
    cost = await cost_of(gql, demo.admin, "{ contacts { totalCount } }")

    assert cost["requested"] == 50
    assert cost["actual"] == 0


async def test_cost_follows_fragments_and_variables(gql: GraphQLClient, demo: Any) -> None:
    query = """
    query Page($size: Int = 20, $withAssignments: Boolean!) {
      contacts(last: $size) { edges { node { ...Row } } }
    }
    fragment Row on Contact {
      displayName
      assignments @include(if: $withAssignments) { property { name } }
    }
    """

    without = await cost_of(gql, demo.admin, query, {"withAssignments": False})
    with_assignments = await cost_of(gql, demo.admin, query, {"size": 4, "withAssignments": True})

    # edges 1 + node 1 (+ assignments 1 + property 1), times the page size, plus one.
    assert without["requested"] == 20 * (1 + 2)
    assert with_assignments["requested"] == 4 * (1 + 4)


async def test_cost_of_repeated_document_follows_its_variables(
    gql: GraphQLClient, demo: Any
) -> None:
    """The walk's memo is shared by a document's requests, but page sizes are not."""
    query = "query($n: Int) { contacts(first: $n) { nodes { assignments { property { id } } } } }"

    costs = [(await cost_of(gql, demo.admin, query, {"n": n}))["requested"] for n in (2, 7, 2)]

    # n x (1 + nodes 1 + assignments 1 + property 1)
    assert costs == [8, 28, 8]


async def test_interface_counts_most_expensive_fragment(gql: GraphQLClient, demo: Any) -> None:
    query = """
    query One($id: ID!) {
      node(id: $id) {
        ... on Contact { assignments { property { name } providerType { name } } }
        ... on Property { name }
      }
    }
    """

    cost = await cost_of(gql, demo.admin, query, {"id": to_global_id("Contact", 1)})

    # node 1 + assignments 1 + property 1 + providerType 1; the Property fragment adds 0.
    assert cost["requested"] == 4
    assert cost["actual"] == 0


async def test_nodes_cost_scales_with_ids(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    contact = await factory.contact(demo.tenant)
    ids = [to_global_id("Contact", contact.id), to_global_id("Contact", 999_999)]

    cost = await cost_of(
        gql, demo.admin, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}
    )

    assert cost["requested"] == 2
    assert cost["actual"] == 1


async def test_mutation_costs_ten_plus_payload(gql: GraphQLClient, demo: Any) -> None:
    query = """
    mutation { setContactCategory(contactId: "x", category: HANDWERKER) { userErrors { code } } }
    """

    cost = await cost_of(gql, demo.admin, query)

    assert cost["requested"] == 11
    assert cost["actual"] == 11


async def test_cost_above_maximum_is_rejected_before_execution(
    gql: GraphQLClient, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []

    async def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        raise AssertionError("no resolver may run for a rejected operation")

    monkeypatch.setattr(queries, "list_contacts", recording)
    query = (
        "{ contacts(first: 100) { edges { node { assignments { property { name } "
        "providerType { name } } } } } }"
    )

    response = await gql.post(query, token=demo.admin)
    body = response.json()

    assert response.status_code == 200
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    # 100 x (1 + edges 1 + node 1 + assignments 1 + property 1 + providerType 1)
    assert error["extensions"]["cost"] == {"requested": 600, "maximum": MAX_COST}
    assert "600" in error["message"]
    assert str(MAX_COST) in error["message"]
    assert body["extensions"]["cost"] == {"requested": 600, "actual": 0, "maximum": MAX_COST}
    assert calls == []


async def test_rejected_mutation_changes_nothing(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant)
    contact_id = to_global_id("Contact", contact.id)
    # 20 x (10 + contact 1 + assignments 1 + property 1) = 260
    calls = " ".join(
        f'm{index}: setContactCategory(contactId: "{contact_id}", category: HAUSMEISTER) '
        "{ contact { assignments { property { name } } } }"
        for index in range(20)
    )

    response = await gql.post("mutation { " + calls + " }", token=demo.admin)
    after = await gql.execute(
        "query($id: ID!) { contact(id: $id) { category } }", {"id": contact_id}, token=demo.admin
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert after["contact"]["category"] is None


async def test_rejection_is_400_for_graphql_response_json(gql: GraphQLClient, demo: Any) -> None:
    response = await gql.http.post(
        "/graphql",
        json={
            "query": "{ contacts(first: 100) { edges { node { assignments { __typename } } } } }"
        },
        headers={
            "Authorization": f"Bearer {demo.admin}",
            "Accept": "application/graphql-response+json",
        },
    )
    body = response.json()

    assert response.status_code == 400
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


async def test_invalid_document_reports_no_requested_cost(gql: GraphQLClient, demo: Any) -> None:
    body = (await gql.post("{ noSuchField }", token=demo.admin)).json()

    assert body["errors"]
    assert body["extensions"]["cost"] == {"requested": None, "actual": 0, "maximum": MAX_COST}
