"""The floor for the contacts read: a plain Starlette endpoint without GraphQL.

It sends the same SQL as relay-graph's `contacts(first: 50)` query with assignments (the
token lookup, the page select and the assignments select, built by the same repository
code) and returns the same JSON, so the gap to relay-graph is the cost of the GraphQL and
service layers. Serve it with uvicorn:

    RELAY_DATABASE_URL=... uvicorn bench.floor:app --host 127.0.0.1 --port 8001
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.api.http.auth import bearer_token
from relay_graph.config import Settings
from relay_graph.db.engine import create_engine, create_session_factory
from relay_graph.domain.pagination import PageRequest
from relay_graph.domain.read_models import ContactFilter, ContactOrder, ContactView
from relay_graph.repositories.contact_reads import ContactReads
from relay_graph.repositories.tenants import TokenRepository
from relay_graph.services.tokens import hash_token

PAGE_SIZE = 50


def contact_json(contact: ContactView) -> dict[str, Any]:
    return {
        "id": to_global_id("Contact", contact.id),
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "company": contact.company,
        "email": contact.email,
        "category": None if contact.category is None else contact.category.value,
        "assignments": [
            {
                "property": {"name": assignment.property.name},
                "providerType": {"name": assignment.provider_type.name},
            }
            for assignment in contact.assignments
        ],
    }


async def contacts(request: Request) -> Response:
    token = bearer_token(request)
    if token is None:
        return Response(status_code=401)

    async with request.app.state.sessions() as session:
        found = await TokenRepository(session).find_active(hash_token(token))
        if found is None:
            return Response(status_code=401)
        _, tenant = found
        reads = ContactReads(session)
        page = await reads.page(
            tenant.id,
            ContactFilter(),
            ContactOrder(),
            PageRequest(first=PAGE_SIZE),
            datetime.now(UTC),
        )
        await reads.attach_assignments(page.items)

    body = {"data": {"contacts": {"nodes": [contact_json(item) for item in page.items]}}}
    return Response(orjson.dumps(body), media_type="application/json")


async def health(_request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    engine = create_engine(Settings().database_url)
    app.state.sessions = create_session_factory(engine)
    try:
        yield
    finally:
        await engine.dispose()


app = Starlette(
    routes=[Route("/contacts", contacts, methods=["POST"]), Route("/healthz", health)],
    lifespan=lifespan,
)
