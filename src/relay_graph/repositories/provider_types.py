from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relay_graph.db.models import ProviderType


class ProviderTypeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: int, provider_type_id: int) -> ProviderType | None:
        statement = select(ProviderType).where(
            ProviderType.tenant_id == tenant_id, ProviderType.id == provider_type_id
        )
        return (await self._session.execute(statement)).scalar_one_or_none()
