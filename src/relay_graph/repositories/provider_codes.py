from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from relay_graph.db.models import CODE_ACTIVE, CODE_REDEEMED, CODE_REPLACED, ProviderCode


class ProviderCodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_active(self, contact_id: int) -> ProviderCode | None:
        statement = select(ProviderCode).where(
            ProviderCode.contact_id == contact_id, ProviderCode.state == CODE_ACTIVE
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def find_active_by_code(self, code: str) -> ProviderCode | None:
        statement = select(ProviderCode).where(
            ProviderCode.code == code, ProviderCode.state == CODE_ACTIVE
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def replace_expired(self, contact_ids: Sequence[int], now: datetime) -> None:
        """Retire expired active codes of these contacts so new ones can take their place."""
        if not contact_ids:
            return
        statement = (
            update(ProviderCode)
            .where(
                ProviderCode.contact_id.in_(contact_ids),
                ProviderCode.state == CODE_ACTIVE,
                ProviderCode.expires_at <= now,
            )
            .values(state=CODE_REPLACED)
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(statement)

    async def insert_new(self, rows: Sequence[dict[str, Any]]) -> list[Any]:
        """Insert codes, skipping any that would break a unique index.

        A contact that already got a live code from a concurrent request is left out of
        the returned rows instead of failing the transaction, and so is a code value that
        already exists. The caller decides what to do with those contacts.
        """
        if not rows:
            return []
        # The rows go as parameters of one cached statement, which SQLAlchemy sends as
        # multi-row INSERTs. A `.values(rows)` statement would be compiled anew per batch.
        statement = self._insert().on_conflict_do_nothing().returning(
            ProviderCode.id, ProviderCode.contact_id, ProviderCode.code, ProviderCode.expires_at
        )
        inserted = list((await self._session.execute(statement, list(rows))).all())
        if len(rows) > 1 and self._session.get_bind().dialect.name == "postgresql":
            await self._discard_plans()
        return inserted

    async def mark_redeemed(self, code: ProviderCode, now: datetime) -> None:
        code.state = CODE_REDEEMED
        code.redeemed_at = now
        await self._session.flush()

    async def _discard_plans(self) -> None:
        # PostgreSQL caches per connection the plan of each foreign-key check, such as the
        # one every email_outbox row runs against provider_code. A plan made while the table
        # was small scans the whole table, and a batch of 500 new codes leaves it in place,
        # so the emails of one 10,000-code invite read 50 million rows. DISCARD PLANS makes
        # the next checks plan again for the table's current size.
        await self._session.execute(text("DISCARD PLANS"))

    def _insert(self) -> Any:
        dialect = self._session.get_bind().dialect.name
        module = postgresql if dialect == "postgresql" else sqlite
        # The table, not the mapped class, so SQLAlchemy skips its ORM bulk-insert path.
        insert_statement: Insert = module.insert(ProviderCode.__table__)
        return insert_statement

    async def contacts_with_active_code(self, contact_ids: Sequence[int]) -> set[int]:
        statement = select(ProviderCode.contact_id).where(
            ProviderCode.contact_id.in_(contact_ids), ProviderCode.state == CODE_ACTIVE
        )
        return set((await self._session.execute(statement)).scalars().all())
