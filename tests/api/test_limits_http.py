"""Request limits: body size, batching, nodes(ids:), page size and tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.config import Settings

MAX_BODY_BYTES = 4096
MAX_BATCH = 3
MAX_NODE_IDS = 5
CHUNK = b" " * 1024


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        registration_url="https://relay.example/registrieren",
        max_body_bytes=MAX_BODY_BYTES,
        max_batch_operations=MAX_BATCH,
        max_node_ids=MAX_NODE_IDS,
        max_tokens=200,
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def test_declared_large_body_gets_413(gql: GraphQLClient, demo: Any) -> None:
    body = b'{"query": "{ __typename }", "padding": "' + b"x" * MAX_BODY_BYTES + b'"}'

    response = await gql.http.post("/graphql", content=body, headers=auth(demo.admin))

    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"] == {
        "code": "PAYLOAD_TOO_LARGE",
        "limit": "maxBodyBytes",
        "maximum": MAX_BODY_BYTES,
    }
    assert str(MAX_BODY_BYTES) in error["message"]


async def test_streamed_large_body_stops_reading(gql: GraphQLClient, demo: Any) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for index in range(1000):
            sent.append(index)
            yield CHUNK

    response = await gql.http.post("/graphql", content=chunks(), headers=auth(demo.admin))

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    # The app stopped after the first chunk past the limit, not after 1000 of them.
    assert len(sent) <= MAX_BODY_BYTES // len(CHUNK) + 2


async def test_body_at_limit_is_served(gql: GraphQLClient, demo: Any) -> None:
    document = b'{"query": "{ __typename }"}'
    body = document[:-1] + b" " * (MAX_BODY_BYTES - len(document)) + b"}"

    response = await gql.http.post("/graphql", content=body, headers=auth(demo.admin))

    assert len(body) == MAX_BODY_BYTES
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_batch_within_limit_runs_each(gql: GraphQLClient, demo: Any) -> None:
    batch = [{"query": "{ viewer { role } }"}, {"query": "{ __typename }"}]

    response = await gql.http.post("/graphql", json=batch, headers=auth(demo.admin))

    assert response.status_code == 200
    results = response.json()
    assert [result["data"] for result in results] == [
        {"viewer": {"role": "ADMIN"}},
        {"__typename": "Query"},
    ]
    assert all("cost" in result["extensions"] for result in results)


async def test_batch_runs_operations_in_order(gql: GraphQLClient, demo: Any) -> None:
    """A partner that batches both sync mutations needs the contact before the assignment."""
    upsert = {
        "query": """mutation($p: [PropertyInput!]!, $c: [ContactInput!]!) {
            upsertProperties(items: $p) { userErrors { code } }
            upsertContacts(items: $c) { userErrors { code } } }""",
        "variables": {
            "p": [{"externalId": "WEG-B", "name": "WEG Batchweg 1"}],
            "c": [{"externalId": "K-B", "lastName": "Batch"}],
        },
    }
    assign = {
        "query": """mutation($i: [PropertyResponsibilitiesInput!]!) {
            setResponsibilities(items: $i) { results { outcome } userErrors { code } } }""",
        "variables": {
            "i": [
                {
                    "propertyExternalId": "WEG-B",
                    "responsibilities": [
                        {"contactExternalId": "K-B", "providerTypeName": "Maler"}
                    ],
                }
            ]
        },
    }
    read = {
        "query": """{ contacts(filter: {search: "Batch"}) {
            nodes { lastName assignments { providerType { name } } } } }"""
    }

    response = await gql.http.post(
        "/graphql", json=[upsert, assign, read], headers=auth(demo.admin)
    )

    results = response.json()
    assert [result.get("errors") for result in results] == [None, None, None]
    assert results[1]["data"]["setResponsibilities"] == {
        "results": [{"outcome": "UPDATED"}],
        "userErrors": [],
    }
    assert results[2]["data"]["contacts"]["nodes"] == [
        {"lastName": "Batch", "assignments": [{"providerType": {"name": "Maler"}}]}
    ]


async def test_batch_above_limit_is_rejected(gql: GraphQLClient, demo: Any) -> None:
    batch = [{"query": "{ __typename }"}] * (MAX_BATCH + 1)

    response = await gql.http.post("/graphql", json=batch, headers=auth(demo.admin))

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert f"{MAX_BATCH + 1} operations" in error["message"]
    assert "maxBatchOperations" in error["message"]


@pytest.mark.parametrize("batch", [[], ["{ __typename }"], [{"query": 5}]])
async def test_malformed_batch_is_400(gql: GraphQLClient, demo: Any, batch: list[Any]) -> None:
    response = await gql.http.post("/graphql", json=batch, headers=auth(demo.admin))

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_batching_can_be_turned_off(database_url: str, demo: Any, flags: Any) -> None:
    from asgi_lifespan import LifespanManager

    from relay_graph.app import create_app

    settings = Settings(database_url=database_url, max_batch_operations=0)
    application = create_app(settings, flags=flags)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.post(
                "/graphql", json=[{"query": "{ __typename }"}], headers=auth(demo.admin)
            )

    assert response.status_code == 400
    assert "Batching is turned off" in response.json()["errors"][0]["message"]


async def test_nodes_limit_follows_setting(gql: GraphQLClient, demo: Any) -> None:
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    at_limit = [to_global_id("Contact", index) for index in range(1, MAX_NODE_IDS + 1)]

    allowed = await gql.execute(query, {"ids": at_limit}, token=demo.admin)
    errors = await gql.errors(query, {"ids": [*at_limit, at_limit[0]]}, token=demo.admin)

    assert allowed["nodes"] == [None] * MAX_NODE_IDS
    assert errors[0]["extensions"]["code"] == "TOO_MANY_IDS"
    assert errors[0]["extensions"]["maximum"] == MAX_NODE_IDS
    assert "maxNodeIds" in errors[0]["message"]


async def test_page_size_above_100_names_limit(gql: GraphQLClient, demo: Any) -> None:
    errors = await gql.errors("{ properties(first: 101) { totalCount } }", token=demo.admin)

    assert errors[0]["extensions"]["code"] == "INVALID_PAGINATION"
    assert "100" in errors[0]["message"]


async def test_tokens_are_limited(gql: GraphQLClient, demo: Any) -> None:
    fields = " ".join("__typename" for _ in range(250))

    response = await gql.post("{ " + fields + " }", token=demo.admin)

    assert response.status_code == 200
    assert "token" in response.json()["errors"][0]["message"].lower()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"{ not json", 400),
        (b'{"query": ["array"]}', 400),
        (b'{"query": "{ __typename }", "operationName": 5}', 400),
        (b'{"query": "{ __typename }", "variables": "text"}', 400),
        (b'{"notquery": "{ __typename }"}', 400),
    ],
)
async def test_malformed_request_is_400_not_500(
    gql: GraphQLClient, demo: Any, body: bytes, status: int
) -> None:
    response = await gql.http.post("/graphql", content=body, headers=auth(demo.admin))

    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
