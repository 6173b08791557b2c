from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from relay_graph.db.models import EmailOutbox


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert queued emails; SQLAlchemy sends them as multi-row INSERTs."""
        if rows:
            await self._session.execute(insert(EmailOutbox), list(rows))

    async def count_for_code(self, provider_code_id: int) -> int:
        statement = select(func.count(EmailOutbox.id)).where(
            EmailOutbox.provider_code_id == provider_code_id
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def status_counts(self, tenant_id: int) -> dict[str, int]:
        statement = (
            select(EmailOutbox.status, func.count(EmailOutbox.id))
            .where(EmailOutbox.tenant_id == tenant_id)
            .group_by(EmailOutbox.status)
        )
        return {status: int(count) for status, count in (await self._session.execute(statement)).all()}
