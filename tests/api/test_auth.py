from __future__ import annotations

from typing import Any

import httpx
from tests.support.graphql import GraphQLClient

VIEWER_QUERY = "{ viewer { tenantSlug role language } }"


async def test_missing_token_is_401(gql: GraphQLClient) -> None:
    response = await gql.post(VIEWER_QUERY, token=None)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_unknown_token_is_401(gql: GraphQLClient, demo: Any) -> None:
    response = await gql.post(VIEWER_QUERY, token="rg_not-a-real-token")

    assert response.status_code == 401


async def test_malformed_authorization_header_is_401(http: httpx.AsyncClient, demo: Any) -> None:
    response = await http.post(
        "/graphql", json={"query": VIEWER_QUERY}, headers={"Authorization": demo.admin}
    )

    assert response.status_code == 401


async def test_401_message_follows_accept_language(gql: GraphQLClient) -> None:
    german = await gql.post(VIEWER_QUERY, token=None)
    english = await gql.post(VIEWER_QUERY, token=None, language="en-US,en;q=0.9")

    assert "Anmeldung" in german.json()["errors"][0]["message"]
    assert "Authentication" in english.json()["errors"][0]["message"]


async def test_token_maps_to_tenant_and_role(gql: GraphQLClient, demo: Any) -> None:
    admin = await gql.execute(VIEWER_QUERY, token=demo.admin)
    viewer = await gql.execute(VIEWER_QUERY, token=demo.viewer, language="en")

    assert admin["viewer"] == {"tenantSlug": "demo", "role": "ADMIN", "language": "DE"}
    assert viewer["viewer"] == {"tenantSlug": "demo", "role": "VIEWER", "language": "EN"}


async def test_graphiql_page_loads_without_token(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_get_query_without_token_is_401(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": VIEWER_QUERY})

    assert response.status_code == 401


async def test_health_endpoints(http: httpx.AsyncClient) -> None:
    live = await http.get("/healthz")
    ready = await http.get("/readyz")

    assert live.json() == {"status": "ok"}
    assert ready.json() == {"status": "ok", "database": "ok"}
