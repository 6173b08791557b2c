"""Rate limiting per token, in memory and shared through Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from tests.support.graphql import GraphQLClient

from relay_graph.api.http.rate_limit import rate_limit_storage
from relay_graph.app import create_app
from relay_graph.config import Settings

BURST = 5
# 5 requests per 50 s: nothing leaves the window while a test runs.
RATE = 0.1
REDIS_URL = os.environ.get("RELAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
QUERY = {"query": "{ __typename }"}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        registration_url="https://relay.example/registrieren",
        rate_limit_per_second=RATE,
        rate_limit_burst=BURST,
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_burst_then_429_with_retry_after(gql: GraphQLClient, demo: Any) -> None:
    statuses = [
        (await gql.http.post("/graphql", json=QUERY, headers=auth(demo.admin))).status_code
        for _ in range(BURST)
    ]
    rejected = await gql.http.post("/graphql", json=QUERY, headers=auth(demo.admin))

    assert statuses == [200] * BURST
    assert rejected.status_code == 429
    retry_after = int(rejected.headers["retry-after"])
    assert 1 <= retry_after <= 50
    error = rejected.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfterSeconds"] == retry_after
    assert rejected.headers["x-request-id"]


async def test_tokens_have_separate_budgets(gql: GraphQLClient, demo: Any) -> None:
    for _ in range(BURST):
        await gql.http.post("/graphql", json=QUERY, headers=auth(demo.admin))

    admin = await gql.http.post("/graphql", json=QUERY, headers=auth(demo.admin))
    viewer = await gql.http.post("/graphql", json=QUERY, headers=auth(demo.viewer))

    assert admin.status_code == 429
    assert viewer.status_code == 200


async def test_health_probes_are_not_limited(gql: GraphQLClient) -> None:
    statuses = [(await gql.http.get("/healthz")).status_code for _ in range(BURST * 2)]

    assert statuses == [200] * (BURST * 2)


async def test_requests_without_token_share_client_budget(gql: GraphQLClient) -> None:
    statuses = [(await gql.http.post("/graphql", json=QUERY)).status_code for _ in range(BURST + 1)]

    assert statuses == [401] * BURST + [429]


async def require_redis() -> None:
    storage = rate_limit_storage(REDIS_URL, f"relay-test-probe-{uuid.uuid4().hex}")
    try:
        reachable = await asyncio.wait_for(storage.check(), timeout=5)
    except (TimeoutError, OSError):
        reachable = False
    if reachable:
        return
    message = f"Redis at {REDIS_URL} is unreachable"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


@asynccontextmanager
async def client_of(settings: Settings, flags: Any) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings, flags=flags)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_redis_budget_is_shared_by_instances(
    database_url: str, demo: Any, flags: Any
) -> None:
    await require_redis()
    prefix = f"relay-test-{uuid.uuid4().hex}"
    settings = Settings(
        database_url=database_url,
        rate_limit_per_second=RATE,
        rate_limit_burst=BURST,
        redis_url=REDIS_URL,
        rate_limit_key_prefix=prefix,
    )

    try:
        async with client_of(settings, flags) as first, client_of(settings, flags) as second:
            statuses = []
            for index in range(BURST):
                client = first if index % 2 == 0 else second
                statuses.append(
                    (
                        await client.post("/graphql", json=QUERY, headers=auth(demo.admin))
                    ).status_code
                )
            rejected_first = await first.post("/graphql", json=QUERY, headers=auth(demo.admin))
            rejected_second = await second.post("/graphql", json=QUERY, headers=auth(demo.admin))
    finally:
        removed = await rate_limit_storage(REDIS_URL, prefix).reset()

    assert statuses == [200] * BURST
    assert rejected_first.status_code == 429
    assert rejected_second.status_code == 429
    assert int(rejected_second.headers["retry-after"]) >= 1
    assert removed is not None
    assert removed >= 1


async def test_unreachable_redis_lets_requests_pass(
    database_url: str, demo: Any, flags: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Port 9 (discard) has no Redis on this machine, so every storage call fails.
    settings = Settings(
        database_url=database_url,
        rate_limit_per_second=RATE,
        rate_limit_burst=1,
        redis_url="redis://127.0.0.1:9/0",
    )

    async with client_of(settings, flags) as client:
        statuses = [
            (await client.post("/graphql", json=QUERY, headers=auth(demo.admin))).status_code
            for _ in range(3)
        ]

    assert statuses == [200, 200, 200]
    failures = [
        record for record in caplog.records if "rate limit storage failed" in record.message
    ]
    assert len(failures) == 1
