from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from relay_graph.db.models import Assignment, Contact, ProviderCode
from relay_graph.repositories.relay_sql import active_code_join_condition, skip_reason_expression


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: int, contact_id: int) -> Contact | None:
        statement = select(Contact).where(
            Contact.tenant_id == tenant_id,
            Contact.id == contact_id,
            Contact.archived_at.is_(None),
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def set_category_for_type(
        self, tenant_id: int, provider_type_id: int, category: str, now: datetime
    ) -> int:
        """Set the category on every contact holding the type, in one UPDATE.

        Returns the number of contacts whose category changed.
        """
        holders = select(Assignment.contact_id).where(
            Assignment.provider_type_id == provider_type_id
        )
        statement = (
            update(Contact)
            .where(
                Contact.tenant_id == tenant_id,
                Contact.archived_at.is_(None),
                Contact.id.in_(holders),
                Contact.category.is_distinct_from(category),
            )
            .values(category=category, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        result: CursorResult[Any] = await self._session.execute(statement)  # type: ignore[assignment]
        return int(result.rowcount)

    async def eligible_batch(
        self, tenant_id: int, after_id: int, limit: int, now: datetime
    ) -> Sequence[Any]:
        """Fetch the next invitable contacts (category, valid email, no live code) by id.

        Each row is (id, email, salutation, first_name, last_name, company, language).
        """
        statement = (
            select(
                Contact.id,
                Contact.email,
                Contact.salutation,
                Contact.first_name,
                Contact.last_name,
                Contact.company,
                Contact.language,
            )
            .outerjoin(ProviderCode, active_code_join_condition())
            .where(
                Contact.tenant_id == tenant_id,
                Contact.archived_at.is_(None),
                Contact.id > after_id,
                Contact.category.is_not(None),
                skip_reason_expression(now).is_(None),
            )
            .order_by(Contact.id)
            .limit(limit)
        )
        return (await self._session.execute(statement)).all()
