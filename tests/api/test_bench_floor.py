"""The benchmark's floor must return exactly the JSON relay-graph returns for the
benchmark query, or the comparison in `make bench` measures different work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from bench import floor
from bench.reads import RELAY_GRAPH_QUERY
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient


@pytest.fixture
async def floor_http(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("RELAY_DATABASE_URL", database_url)
    monkeypatch.setenv("RELAY_WORKERS", "1")
    async with LifespanManager(floor.app):
        transport = httpx.ASGITransport(app=floor.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://floor") as client:
            yield client


async def floor_contacts(http: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await http.post("/contacts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def relay_graph_contacts(gql: GraphQLClient, token: str) -> dict[str, Any]:
    return {"data": await gql.execute(RELAY_GRAPH_QUERY, token=token)}


async def test_floor_matches_relay_graph_json(
    gql: GraphQLClient, floor_http: httpx.AsyncClient, demo: Any, other: Any, factory: Factory
) -> None:
    tenant = demo.tenant
    # More contacts than one page, so the order decides which 50 are returned.
    for number in range(52):
        await factory.contact(tenant, last_name=f"Name {number % 7}", first_name=f"F{number}")
    await factory.contact(tenant, last_name=None, company="Aaab Haustechnik", first_name=None)
    await factory.contact(tenant, last_name="Name 0", first_name=None, category="HAUSMEISTER")
    await factory.contact(tenant, last_name="Aaa", archived_at=datetime.now(UTC))
    await factory.contact(other.tenant, last_name="Aab")
    holder = await factory.contact(tenant, last_name="Aac", category="HANDWERKER")
    # Two properties with one name, so the type name and then the id order the assignments.
    first = await factory.property(tenant, name="WEG Ahornweg 1")
    second = await factory.property(tenant, name="WEG Ahornweg 1")
    plumber = await factory.provider_type(tenant, "Sanitär")
    electrician = await factory.provider_type(tenant, "Elektriker")
    for prop, provider_type in [
        (second, plumber),
        (first, plumber),
        (second, electrician),
        (first, electrician),
    ]:
        await factory.assign(holder, prop, provider_type)

    expected = await relay_graph_contacts(gql, demo.admin)
    actual = await floor_contacts(floor_http, demo.admin)

    nodes = actual["data"]["contacts"]["nodes"]
    assert len(nodes) == 50
    assert [node["lastName"] for node in nodes[:2]] == [None, "Aac"]
    assert len(nodes[1]["assignments"]) == 4
    assert actual == expected


async def test_floor_empty_tenant_page(
    gql: GraphQLClient, floor_http: httpx.AsyncClient, demo: Any
) -> None:
    expected = await relay_graph_contacts(gql, demo.admin)
    actual = await floor_contacts(floor_http, demo.admin)

    assert actual == {"data": {"contacts": {"nodes": []}}}
    assert actual == expected


async def test_floor_rejects_unknown_token(floor_http: httpx.AsyncClient, demo: Any) -> None:
    unknown = await floor_http.post("/contacts", headers={"Authorization": "Bearer rg_unknown"})
    missing = await floor_http.post("/contacts")

    assert unknown.status_code == 401
    assert missing.status_code == 401
