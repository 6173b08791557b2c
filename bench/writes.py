"""Time the set-based mutations through the GraphQL API of an in-process app.

The app runs in this process (ASGI transport, no sockets) so tracemalloc sees every
allocation a request makes. Logging is on at INFO into a file, as `relay-graph serve`
logs, because invite-all writes one log line per queued email.
"""

from __future__ import annotations

import logging
import resource
import statistics
import time
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.seed import SeededTenant
from relay_graph.api.graphql.ids import to_global_id
from relay_graph.app import create_app
from relay_graph.config import Settings
from relay_graph.flags import INVITE_ALL_FLAG
from relay_graph.flags.fake import InMemoryFlags
from relay_graph.logging_setup import KeyValueFormatter

INVITE_ALL = "mutation { inviteAllProviders { invitedCount userErrors { code message } } }"
LINK_TYPE_CATEGORY = """
mutation Link($id: ID!, $category: RelayCategory) {
  linkTypeCategory(providerTypeId: $id, category: $category) {
    updatedContactsCount
    userErrors { code message }
  }
}
"""
# Each run flips the category, so every run changes every holder of the type.
LINK_CATEGORIES = ("HANDWERKER", "HAUSMEISTER")


@dataclass(frozen=True)
class Timing:
    seconds: float
    # CPU time of this whole process, which includes SQLite's work but not PostgreSQL's.
    cpu_seconds: float


@dataclass(frozen=True)
class InviteResult:
    contacts: int
    runs: list[Timing]
    traced_peak_bytes: int
    maxrss_delta_bytes: int

    @property
    def seconds(self) -> list[float]:
        return [run.seconds for run in self.runs]

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)


@dataclass(frozen=True)
class LinkResult:
    contacts: int
    runs: list[Timing]

    @property
    def seconds(self) -> list[float]:
        return [run.seconds for run in self.runs]

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)


def log_to_file(path: Path) -> None:
    """Send the app's INFO log to a file, formatted as `relay-graph serve` formats it."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


@asynccontextmanager
async def app_client(
    database_url: str, invite_all_slugs: set[str]
) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield an HTTP client that calls it in-process."""
    # Without the outbox worker, no delivery of the queued emails competes with the timed
    # requests. Settings ignores names it does not define.
    settings = Settings(
        database_url=database_url,
        registration_url="https://relay.example/register",
        outbox_worker=False,
    )
    app = create_app(settings, flags=InMemoryFlags({INVITE_ALL_FLAG: invite_all_slugs}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench.invalid", timeout=600
        ) as client:
            yield client


async def execute(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Post a mutation and return its payload; raise if the request or mutation failed."""
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"request failed with HTTP {response.status_code}: {body}")
    payload: dict[str, Any] = next(iter(body["data"].values()))
    if payload["userErrors"]:
        raise RuntimeError(f"mutation returned user errors: {payload['userErrors']}")
    return payload


async def invite_all(client: httpx.AsyncClient, tenant: SeededTenant, expected: int) -> Timing:
    """Invite all providers of the tenant and return how long the request took."""
    started, started_cpu = time.perf_counter(), time.process_time()
    payload = await execute(client, tenant.token, INVITE_ALL)
    timing = Timing(time.perf_counter() - started, time.process_time() - started_cpu)
    if payload["invitedCount"] != expected:
        raise RuntimeError(f"invitedCount is {payload['invitedCount']}, expected {expected}")
    return timing


def maxrss_bytes() -> int:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


async def bench_invite_all(
    client: httpx.AsyncClient, timed: list[SeededTenant], traced: SeededTenant, contacts: int
) -> InviteResult:
    """Time invite-all once per tenant in `timed`, then trace memory on `traced`.

    The maxrss delta covers the first timed run only, because later runs reuse memory
    the process already holds. tracemalloc slows Python down, so its run is not timed.
    """
    before = maxrss_bytes()
    runs = [await invite_all(client, timed[0], contacts)]
    maxrss_delta = maxrss_bytes() - before
    for tenant in timed[1:]:
        runs.append(await invite_all(client, tenant, contacts))

    tracemalloc.start()
    try:
        await invite_all(client, traced, contacts)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return InviteResult(contacts, runs, peak, maxrss_delta)


async def bench_link_type_category(
    client: httpx.AsyncClient, tenant: SeededTenant, contacts: int, runs: int
) -> LinkResult:
    """Link the type that every contact of the tenant holds, `runs` times, flipping the category."""
    if tenant.linked_type_id is None:
        raise ValueError(f"tenant {tenant.slug} has no provider type to link")

    type_id = to_global_id("ProviderType", tenant.linked_type_id)
    timings = []
    for run in range(runs):
        variables = {"id": type_id, "category": LINK_CATEGORIES[run % len(LINK_CATEGORIES)]}
        started, started_cpu = time.perf_counter(), time.process_time()
        payload = await execute(client, tenant.token, LINK_TYPE_CATEGORY, variables)
        timings.append(Timing(time.perf_counter() - started, time.process_time() - started_cpu))
        if payload["updatedContactsCount"] != contacts:
            raise RuntimeError(
                f"updatedContactsCount is {payload['updatedContactsCount']}, expected {contacts}"
            )
    return LinkResult(contacts, timings)
