"""Seed large benchmark tenants with set-based INSERT ... SELECT statements.

Each table is filled by one statement over a recursive number series, so 50,000 contacts
take seconds on both engines. The same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Boolean, Integer, String, bindparam, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from relay_graph.db.base import UTCDateTime
from relay_graph.db.engine import create_session_factory
from relay_graph.db.models import ProviderType, Tenant
from relay_graph.domain.roles import Role
from relay_graph.services.tokens import create_token
from relay_graph.services.unit_of_work import UnitOfWorkFactory

FIRST_NAMES = ("Anna", "Bernd", "Carla", "Dieter", "Elif", "Frank", "Greta", "Hakan")
LINKED_TYPE_NAME = "Gewerk 0"

# Rows 1..:count, written as a recursive CTE because SQLite has no generate_series.
NUMBERS = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :count) "


@dataclass(frozen=True)
class SeededTenant:
    tenant_id: int
    slug: str
    token: str
    linked_type_id: int | None = None


def _first_name_case() -> str:
    branches = " ".join(f"WHEN {index} THEN '{name}'" for index, name in enumerate(FIRST_NAMES))
    return f"CASE n % {len(FIRST_NAMES)} {branches} END"


CONTACTS = text(
    NUMBERS
    + "INSERT INTO contact (tenant_id, external_id, salutation, first_name, last_name, company,"
    " email, email_valid, phone, street, postal_code, city, language, category,"
    " created_at, updated_at) "
    "SELECT :tenant_id, :prefix || n,"
    " CASE WHEN n % 2 = 0 THEN 'Frau' ELSE 'Herr' END,"
    f" {_first_name_case()},"
    # A multiplicative hash spreads the names, so the sort order differs from the id order.
    " 'Muster' || ((n * 7919) % 100003),"
    " CASE WHEN n % 5 = 0 THEN 'Betrieb ' || n || ' GmbH' END,"
    " CASE WHEN n % :no_email_every = 0 THEN NULL ELSE 'kontakt' || n || '@bench.example' END,"
    " CASE WHEN n % :no_email_every = 0 THEN :invalid ELSE :valid END,"
    " '+49 351 ' || n, 'Benchstraße ' || (n % 200 + 1), '01067', 'Dresden',"
    " CASE WHEN n % 4 = 0 THEN 'en' ELSE 'de' END,"
    " :category, :now, :now "
    "FROM seq"
).bindparams(
    bindparam("count", type_=Integer),
    bindparam("tenant_id", type_=Integer),
    bindparam("prefix", type_=String),
    bindparam("no_email_every", type_=Integer),
    bindparam("valid", type_=Boolean),
    bindparam("invalid", type_=Boolean),
    bindparam("category", type_=String),
    bindparam("now", type_=UTCDateTime()),
)

PROPERTIES = text(
    NUMBERS
    + "INSERT INTO property (tenant_id, external_id, name, street, postal_code, city, created_at) "
    "SELECT :tenant_id, 'P' || (n - 1), 'WEG Benchstraße ' || n, 'Benchstraße ' || n,"
    " '01067', 'Dresden', :now FROM seq"
).bindparams(
    bindparam("count", type_=Integer),
    bindparam("tenant_id", type_=Integer),
    bindparam("now", type_=UTCDateTime()),
)

PROVIDER_TYPES = text(
    NUMBERS + "INSERT INTO provider_type (tenant_id, name, category, created_at) "
    "SELECT :tenant_id, 'Gewerk ' || (n - 1), NULL, :now FROM seq"
).bindparams(
    bindparam("count", type_=Integer),
    bindparam("tenant_id", type_=Integer),
    bindparam("now", type_=UTCDateTime()),
)

# Every contact holds the linked type "Gewerk 0" on one property ...
LINKED_ASSIGNMENTS = text(
    "INSERT INTO assignment (tenant_id, contact_id, property_id, provider_type_id) "
    "SELECT c.tenant_id, c.id, p.id, t.id FROM contact c "
    "JOIN property p ON p.tenant_id = c.tenant_id AND p.external_id = 'P' || (c.id % :properties) "
    "JOIN provider_type t ON t.tenant_id = c.tenant_id AND t.name = :linked_type "
    "WHERE c.tenant_id = :tenant_id"
).bindparams(
    bindparam("tenant_id", type_=Integer),
    bindparam("properties", type_=Integer),
    bindparam("linked_type", type_=String),
)

# ... and two of three contacts hold one more type on another property.
OTHER_ASSIGNMENTS = text(
    "INSERT INTO assignment (tenant_id, contact_id, property_id, provider_type_id) "
    "SELECT c.tenant_id, c.id, p.id, t.id FROM contact c "
    "JOIN property p ON p.tenant_id = c.tenant_id"
    " AND p.external_id = 'P' || ((c.id * 7) % :properties) "
    "JOIN provider_type t ON t.tenant_id = c.tenant_id"
    " AND t.name = 'Gewerk ' || (1 + c.id % (:types - 1)) "
    "WHERE c.tenant_id = :tenant_id AND c.id % 3 <> 0"
).bindparams(
    bindparam("tenant_id", type_=Integer),
    bindparam("properties", type_=Integer),
    bindparam("types", type_=Integer),
)

# Every tenth contact has a live code, so the Relay status join finds some rows.
LIVE_CODES = text(
    "INSERT INTO provider_code (tenant_id, contact_id, code, state, created_at, expires_at) "
    "SELECT c.tenant_id, c.id, 'BENCH' || c.id, 'ACTIVE', :now, :expires_at FROM contact c "
    "WHERE c.tenant_id = :tenant_id AND c.id % 10 = 0"
).bindparams(
    bindparam("tenant_id", type_=Integer),
    bindparam("now", type_=UTCDateTime()),
    bindparam("expires_at", type_=UTCDateTime()),
)


async def _insert_tenant(connection: AsyncConnection, slug: str) -> int:
    tenant_id = await connection.scalar(
        insert(Tenant)
        .values(slug=slug, name=f"Hausverwaltung {slug}", default_language="de")
        .returning(Tenant.id)
    )
    if tenant_id is None:
        raise RuntimeError(f"inserting tenant {slug!r} returned no id")
    return int(tenant_id)


async def _admin_token(engine: AsyncEngine, slug: str) -> str:
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    return await create_token(uow_factory, slug, Role.ADMIN, "bench")


async def seed_invite_tenant(engine: AsyncEngine, slug: str, eligible: int) -> SeededTenant:
    """Create a tenant whose `eligible` contacts all can be invited.

    One more contact per ten eligible ones has no email, so invite-all skips it.
    """
    if eligible % 10 != 0:
        raise ValueError(f"eligible is {eligible}; use a multiple of 10")

    now = datetime.now(UTC)
    without_email = eligible // 10
    async with engine.begin() as connection:
        tenant_id = await _insert_tenant(connection, slug)
        # Every 11th of the eligible + eligible / 10 rows has no email.
        await connection.execute(
            CONTACTS,
            {
                "count": eligible + without_email,
                "tenant_id": tenant_id,
                "prefix": "K",
                "no_email_every": 11,
                "valid": True,
                "invalid": False,
                "category": "HANDWERKER",
                "now": now,
            },
        )
    return SeededTenant(tenant_id, slug, await _admin_token(engine, slug))


async def seed_directory_tenant(
    engine: AsyncEngine, slug: str, contacts: int, properties: int = 500, types: int = 20
) -> SeededTenant:
    """Create a tenant with `contacts` contacts without category, all holding one type.

    Every contact holds the type "Gewerk 0", two of three hold a second type, and every
    tenth contact has a live code. Every 20th contact has no email.
    """
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        tenant_id = await _insert_tenant(connection, slug)
        await connection.execute(
            PROPERTIES, {"count": properties, "tenant_id": tenant_id, "now": now}
        )
        await connection.execute(
            PROVIDER_TYPES, {"count": types, "tenant_id": tenant_id, "now": now}
        )
        await connection.execute(
            CONTACTS,
            {
                "count": contacts,
                "tenant_id": tenant_id,
                "prefix": "K",
                "no_email_every": 20,
                "valid": True,
                "invalid": False,
                "category": None,
                "now": now,
            },
        )
        # Fresh statistics let PostgreSQL hash-join the 50,000 contacts below instead of
        # running a nested loop that takes seconds.
        for table in ("contact", "property", "provider_type"):
            await connection.execute(text(f"ANALYZE {table}"))
        await connection.execute(
            LINKED_ASSIGNMENTS,
            {"tenant_id": tenant_id, "properties": properties, "linked_type": LINKED_TYPE_NAME},
        )
        await connection.execute(
            OTHER_ASSIGNMENTS, {"tenant_id": tenant_id, "properties": properties, "types": types}
        )
        await connection.execute(
            LIVE_CODES,
            {"tenant_id": tenant_id, "now": now, "expires_at": now + timedelta(days=14)},
        )
        linked_type_id = await connection.scalar(
            select(ProviderType.id).where(
                ProviderType.tenant_id == tenant_id, ProviderType.name == LINKED_TYPE_NAME
            )
        )
    if linked_type_id is None:
        raise RuntimeError(f"provider type {LINKED_TYPE_NAME!r} of tenant {slug!r} is missing")
    return SeededTenant(tenant_id, slug, await _admin_token(engine, slug), int(linked_type_id))


async def settle(engine: AsyncEngine) -> None:
    """Bring the tables into the state autovacuum would leave them in before measuring.

    PostgreSQL gets VACUUM ANALYZE (statistics, visibility map, hint bits), so no
    autovacuum run or first-read hint-bit writes land inside a timed request. SQLite gets
    ANALYZE.
    """
    if engine.dialect.name == "postgresql":
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        async with autocommit.connect() as connection:
            await connection.execute(text("VACUUM ANALYZE"))
        return
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
