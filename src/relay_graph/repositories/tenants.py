from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from relay_graph.db.models import ApiToken, Tenant


@dataclass(frozen=True)
class TokenOwner:
    """The owner of an active token: the columns a request needs to build its actor."""

    tenant_id: int
    tenant_slug: str
    role: str
    user_id: str


class TenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: int) -> Tenant | None:
        return await self._session.get(Tenant, tenant_id)

    async def get_by_slug(self, slug: str) -> Tenant | None:
        statement = select(Tenant).where(Tenant.slug == slug)
        return (await self._session.execute(statement)).scalar_one_or_none()

    def add(self, tenant: Tenant) -> None:
        self._session.add(tenant)

    async def flush(self) -> None:
        await self._session.flush()


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, token: ApiToken) -> None:
        self._session.add(token)

    async def find_active(self, token_hash: str) -> tuple[ApiToken, Tenant] | None:
        statement = (
            select(ApiToken, Tenant)
            .join(Tenant, Tenant.id == ApiToken.tenant_id)
            .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
        )
        row = (await self._session.execute(statement)).first()
        return None if row is None else (row[0], row[1])

    async def find_owner(self, token_hash: str) -> TokenOwner | None:
        """Look up an active token's owner with one plain select and no ORM objects."""
        parameters = {"token_hash": token_hash}
        row = (await self._session.execute(owner_statement(), parameters)).first()
        return None if row is None else TokenOwner(*row)


@cache
def owner_statement() -> Select[int, str, str, str]:
    """Select the owner of the active token whose hash is the parameter `token_hash`.

    Every request runs it, so it is built once.
    """
    return (
        select(Tenant.id, Tenant.slug, ApiToken.role, ApiToken.user_id)
        .join(Tenant, Tenant.id == ApiToken.tenant_id)
        .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
    )
