"""Concurrent mutations over real HTTP against the app under uvicorn, on the test engine.

The server runs in its own thread with its own event loop and connection pool, so the
requests reach the database as concurrent transactions, as they do in production.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from tests.support.factories import Factory

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.app import create_app
from relay_graph.config import Settings
from relay_graph.db.models import (
    CODE_ACTIVE,
    Assignment,
    Contact,
    EmailOutbox,
    ProviderCode,
    Tenant,
)
from relay_graph.flags.fake import InMemoryFlags

SERVER_START_TIMEOUT_S = 20.0
REQUEST_TIMEOUT_S = 120.0

CREATE_CODE = """
mutation Create($contactId: ID!) {
  createProviderCode(contactId: $contactId) {
    providerCode { code created }
    userErrors { field code }
  }
}
"""

INVITE_ALL = """
mutation {
  inviteAllProviders {
    invitedCount
    skipped { reason count }
    userErrors { field code }
  }
}
"""


@pytest.fixture
async def server_url(settings: Settings, flags: InMemoryFlags) -> AsyncIterator[str]:
    """Serve the app with uvicorn on a free loopback port in a background thread."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, flags=flags), log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()

    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped during startup; see the captured log")
        if time.monotonic() > deadline:
            raise TimeoutError(f"uvicorn did not start within {SERVER_START_TIMEOUT_S} s")
        await asyncio.sleep(0.02)

    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, SERVER_START_TIMEOUT_S)
        listener.close()
    assert not thread.is_alive(), "uvicorn did not shut down"


async def post_concurrently(
    url: str, token: str, query: str, variables: dict[str, Any], count: int
) -> list[httpx.Response]:
    """Send `count` identical GraphQL requests at once, each on its own connection."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    headers = {"Authorization": f"Bearer {token}"}
    body = {"query": query, "variables": variables}
    async with httpx.AsyncClient(
        base_url=url, limits=limits, timeout=REQUEST_TIMEOUT_S, headers=headers
    ) as client:
        requests = [client.post("/graphql", json=body) for _ in range(count)]
        return list(await asyncio.gather(*requests))


def payloads(responses: list[httpx.Response], field: str) -> list[dict[str, Any]]:
    """Assert that every response is a 200 without GraphQL errors, and return the payloads."""
    statuses = [response.status_code for response in responses]
    assert statuses == [200] * len(responses), [r.text for r in responses if r.status_code != 200]
    bodies = [response.json() for response in responses]
    assert [body.get("errors") for body in bodies] == [None] * len(bodies), bodies
    return [body["data"][field] for body in bodies]


async def count_rows(factory: Factory, statement: Any) -> int:
    async with factory.uow.read() as uow:
        return int((await uow.session.execute(statement)).scalar_one())


async def eligible_contacts(factory: Factory, tenant: Tenant, count: int) -> list[Contact]:
    return [await factory.contact(tenant, category="HANDWERKER") for _ in range(count)]


async def test_concurrent_create_code_issues_one_code(factory: Factory, server_url: str) -> None:
    tenant = await factory.tenant("demo")
    token = await factory.token(tenant)
    contact = await factory.contact(tenant, category="HANDWERKER")

    responses = await post_concurrently(
        server_url, token, CREATE_CODE, {"contactId": to_global_id("Contact", contact.id)}, 50
    )

    results = payloads(responses, "createProviderCode")
    assert [result["userErrors"] for result in results] == [[]] * 50
    codes = {result["providerCode"]["code"] for result in results}
    assert len(codes) == 1, codes
    assert sum(result["providerCode"]["created"] for result in results) == 1
    active_codes = select(func.count(ProviderCode.id)).where(
        ProviderCode.contact_id == contact.id, ProviderCode.state == CODE_ACTIVE
    )
    assert await count_rows(factory, active_codes) == 1
    all_codes = select(func.count(ProviderCode.id)).where(ProviderCode.contact_id == contact.id)
    assert await count_rows(factory, all_codes) == 1
    emails = select(func.count(EmailOutbox.id)).where(EmailOutbox.contact_id == contact.id)
    assert await count_rows(factory, emails) == 1


async def test_concurrent_invite_all_invites_each_once(factory: Factory, server_url: str) -> None:
    tenant = await factory.tenant("demo")
    token = await factory.token(tenant)
    contacts = await eligible_contacts(factory, tenant, 200)
    no_email = await factory.contact(tenant, category="HANDWERKER", email=None)
    registered = await factory.registered_contact(tenant)

    responses = await post_concurrently(server_url, token, INVITE_ALL, {}, 5)

    results = payloads(responses, "inviteAllProviders")
    assert [result["userErrors"] for result in results] == [[]] * 5
    assert sum(result["invitedCount"] for result in results) == 200
    for result in results:
        skipped = {entry["reason"]: entry["count"] for entry in result["skipped"]}
        # A request that lost the race reports the contacts it found invited already.
        assert result["invitedCount"] + skipped["ALREADY_INVITED"] == 200, result
        assert skipped["NO_EMAIL"] == 1, result
        assert skipped["REGISTERED"] == 1, result

    live_per_contact = (
        select(ProviderCode.contact_id, func.count(ProviderCode.id))
        .where(ProviderCode.tenant_id == tenant.id, ProviderCode.state == CODE_ACTIVE)
        .group_by(ProviderCode.contact_id)
    )
    async with factory.uow.read() as uow:
        rows = await uow.session.execute(live_per_contact)
        live = {contact_id: count for contact_id, count in rows}
    assert live == {contact.id: 1 for contact in contacts}
    assert no_email.id not in live
    assert registered.id not in live

    all_codes = select(func.count(ProviderCode.id)).where(ProviderCode.tenant_id == tenant.id)
    assert await count_rows(factory, all_codes) == 200
    emails = select(func.count(EmailOutbox.id)).where(EmailOutbox.tenant_id == tenant.id)
    assert await count_rows(factory, emails) == 200
    emailed_codes = select(func.count(func.distinct(EmailOutbox.provider_code_id))).where(
        EmailOutbox.tenant_id == tenant.id
    )
    assert await count_rows(factory, emailed_codes) == 200


SET_RESPONSIBILITIES = """
mutation Set($items: [PropertyResponsibilitiesInput!]!) {
  setResponsibilities(items: $items) { results { outcome } userErrors { code } }
}
"""


async def test_concurrent_set_responsibilities_keeps_one_list(
    factory: Factory, server_url: str
) -> None:
    """Each call replaces the property's list; concurrent calls must not merge theirs."""
    tenant = await factory.tenant("demo")
    token = await factory.token(tenant)
    prop = await factory.property(tenant, external_id="SOLO1")
    await factory.contact(tenant, external_id="K1")
    calls = 10
    limits = httpx.Limits(max_connections=calls, max_keepalive_connections=calls)
    async with httpx.AsyncClient(
        base_url=server_url,
        limits=limits,
        timeout=REQUEST_TIMEOUT_S,
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        bodies = [
            {
                "query": SET_RESPONSIBILITIES,
                "variables": {
                    "items": [
                        {
                            "propertyExternalId": "SOLO1",
                            "responsibilities": [
                                {"contactExternalId": "K1", "providerTypeName": f"Solo {number}"}
                            ],
                        }
                    ]
                },
            }
            for number in range(calls)
        ]
        responses = await asyncio.gather(
            *(client.post("/graphql", json=body) for body in bodies)
        )

    results = payloads(list(responses), "setResponsibilities")
    assert [result["userErrors"] for result in results] == [[]] * calls
    assignment_count = select(func.count(Assignment.id)).where(
        Assignment.property_id == prop.id
    )
    assert await count_rows(factory, assignment_count) == 1
