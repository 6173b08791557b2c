"""The floor for the contacts read: Starlette, one LATERAL-join query, orjson.

The endpoint returns the same JSON as relay-graph's `contacts(first: 50)` query with
assignments, property names and provider type names, so the gap to relay-graph is the cost
of everything relay-graph does beyond fetching the rows and writing JSON. It authenticates
the bearer token as relay-graph does (SHA-256 of the token, revoked tokens rejected) and
rejects an unknown token with HTTP 401.

- PostgreSQL: one statement per request. It finds the token's tenant, takes the first page
  of the tenant's contacts in a LATERAL subquery, and builds each contact's assignments as
  JSON in a second LATERAL subquery with `json_agg`.
- SQLite: two statements per request, the token lookup and then the page, whose
  assignments a correlated subquery builds with `json_group_array`. SQLite has no LATERAL,
  and a statement that ran in the same process costs no network round trip.

It talks to the database through asyncpg and aiosqlite directly rather than through
SQLAlchemy's async engine: that skips SQLAlchemy's greenlet bridge, its statement
compilation and its row processing, and asyncpg prepares the statement once per
connection. The assignments arrive as JSON text and go into the response as
`orjson.Fragment`, without being parsed. Serve it with uvicorn, with as many workers as
relay-graph runs:

    RELAY_DATABASE_URL=... RELAY_WORKERS=2 uvicorn bench.floor:app --workers 2 --port 8001

RELAY_WORKERS sizes each worker's share of RELAY_DB_POOL_SIZE connections, as in
relay-graph; on SQLite each worker opens SQLITE_CONNECTIONS connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
import orjson
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.api.http.auth import bearer_token
from relay_graph.app import pool_options
from relay_graph.config import Settings
from relay_graph.db.engine import SQLITE_BUSY_TIMEOUT_MS
from relay_graph.services.tokens import hash_token

PAGE_SIZE = 50
# SQLAlchemy's default pool size, which relay-graph's engine uses on SQLite.
SQLITE_CONNECTIONS = 5

# Both statements return the columns id, first_name, last_name, company, email, category
# and the assignments as JSON text. The contact order is relay-graph's default order,
# written with the same expressions as the ix_contact_order_name index so that both
# databases read the page from it. Assignments are ordered as relay-graph orders them.
# The page size is part of the SQL text: as a parameter, it made PostgreSQL plan the
# prepared statement anew for every request.
#
# PostgreSQL reads each name with a scalar subquery, a primary-key lookup per assignment.
# With property joined instead, PostgreSQL 15 hashed the whole property table for every
# contact, which tripled the database's CPU time per request.
POSTGRES_PAGE = f"""
SELECT c.id, c.first_name, c.last_name, c.company, c.email, c.category,
       coalesce(a.assignments, '[]'::json)
FROM api_token AS t
LEFT JOIN LATERAL (
    SELECT id, first_name, last_name, company, email, category,
           coalesce(last_name, company, '') AS name_key,
           coalesce(first_name, '') AS first_name_key
    FROM contact
    WHERE tenant_id = t.tenant_id AND archived_at IS NULL
    ORDER BY coalesce(last_name, company, ''), coalesce(first_name, ''), id
    LIMIT {PAGE_SIZE}
) AS c ON true
LEFT JOIN LATERAL (
    SELECT json_agg(
               json_build_object(
                   'property', json_build_object('name', x.property_name),
                   'providerType', json_build_object('name', x.type_name)
               )
               ORDER BY x.property_name, x.type_name, x.id
           ) AS assignments
    FROM (
        SELECT asg.id,
               (SELECT name FROM property WHERE id = asg.property_id) AS property_name,
               (SELECT name FROM provider_type WHERE id = asg.provider_type_id) AS type_name
        FROM assignment AS asg
        WHERE asg.contact_id = c.id
    ) AS x
) AS a ON true
WHERE t.token_hash = $1 AND t.revoked_at IS NULL
ORDER BY c.name_key, c.first_name_key, c.id
"""

SQLITE_TOKEN = "SELECT tenant_id FROM api_token WHERE token_hash = ? AND revoked_at IS NULL"

# json() keeps each item JSON: a value loses its JSON subtype when it leaves a subquery.
# SQLite before 3.44 has no ORDER BY inside an aggregate, so the rows come ordered from
# the subquery, which SQLite does not flatten into an aggregate query.
SQLITE_PAGE = f"""
SELECT c.id, c.first_name, c.last_name, c.company, c.email, c.category,
       (SELECT json_group_array(json(item)) FROM (
            SELECT json_object(
                       'property', json_object('name', p.name),
                       'providerType', json_object('name', pt.name)
                   ) AS item
            FROM assignment AS a
            JOIN property AS p ON p.id = a.property_id
            JOIN provider_type AS pt ON pt.id = a.provider_type_id
            WHERE a.contact_id = c.id
            ORDER BY p.name, pt.name, a.id
       ))
FROM contact AS c
WHERE c.tenant_id = ? AND c.archived_at IS NULL
ORDER BY coalesce(c.last_name, c.company, ''), coalesce(c.first_name, ''), c.id
LIMIT {PAGE_SIZE}
"""


class ContactPages(Protocol):
    async def first_page(self, token_hash: str) -> Sequence[Sequence[Any]] | None:
        """Return the first page's rows, or None if no active token has this hash."""

    async def close(self) -> None: ...


class PostgresContactPages:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, settings: Settings) -> PostgresContactPages:
        url = make_url(settings.database_url).set(drivername="postgresql")
        size = pool_options(settings)["pool_size"]
        dsn = url.render_as_string(hide_password=False)
        pool = await asyncpg.create_pool(dsn, min_size=size, max_size=size)
        return cls(pool)

    async def first_page(self, token_hash: str) -> Sequence[Sequence[Any]] | None:
        rows: list[Sequence[Any]] = await self._pool.fetch(POSTGRES_PAGE, token_hash)
        if not rows:
            return None
        # A tenant without contacts still gets the token's row, with nulls for the contact.
        return [] if rows[0][0] is None else rows

    async def close(self) -> None:
        await self._pool.close()


class SqliteContactPages:
    def __init__(self, connections: list[aiosqlite.Connection]) -> None:
        self._connections = connections
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for connection in connections:
            self._idle.put_nowait(connection)

    @classmethod
    async def open(cls, settings: Settings) -> SqliteContactPages:
        path = make_url(settings.database_url).database
        if not path:
            raise ValueError(f"RELAY_DATABASE_URL {settings.database_url!r} names no file")
        connections = []
        for _ in range(SQLITE_CONNECTIONS):
            connection = await aiosqlite.connect(path, isolation_level=None)
            await connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            connections.append(connection)
        return cls(connections)

    async def first_page(self, token_hash: str) -> Sequence[Sequence[Any]] | None:
        connection = await self._idle.get()
        try:
            tokens = await connection.execute_fetchall(SQLITE_TOKEN, (token_hash,))
            if not tokens:
                return None
            tenant_id = next(iter(tokens))[0]
            rows = await connection.execute_fetchall(SQLITE_PAGE, (tenant_id,))
        finally:
            self._idle.put_nowait(connection)
        return list(rows)

    async def close(self) -> None:
        for connection in self._connections:
            await connection.close()


def contact_json(row: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": to_global_id("Contact", row[0]),
        "firstName": row[1],
        "lastName": row[2],
        "company": row[3],
        "email": row[4],
        "category": row[5],
        "assignments": orjson.Fragment(row[6]),
    }


async def contacts(request: Request) -> Response:
    token = bearer_token(request)
    if token is None:
        return Response(status_code=401)

    pages: ContactPages = request.app.state.pages
    rows = await pages.first_page(hash_token(token))
    if rows is None:
        return Response(status_code=401)

    body = {"data": {"contacts": {"nodes": [contact_json(row) for row in rows]}}}
    return Response(orjson.dumps(body), media_type="application/json")


async def health(_request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    settings = Settings()
    backend = make_url(settings.database_url).get_backend_name()
    pages: ContactPages
    if backend == "postgresql":
        pages = await PostgresContactPages.open(settings)
    elif backend == "sqlite":
        pages = await SqliteContactPages.open(settings)
    else:
        raise ValueError(f"the floor supports PostgreSQL and SQLite, not {backend!r}")
    app.state.pages = pages
    try:
        yield
    finally:
        await pages.close()


app = Starlette(
    routes=[Route("/contacts", contacts, methods=["POST"]), Route("/healthz", health)],
    lifespan=lifespan,
)
