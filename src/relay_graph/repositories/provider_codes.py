from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Insert,
    Integer,
    String,
    Table,
    any_,
    bindparam,
    func,
    literal,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from relay_graph.db.base import UTCDateTime
from relay_graph.db.models import CODE_ACTIVE, CODE_REDEEMED, CODE_REPLACED, ProviderCode

CODES = cast(Table, ProviderCode.__table__)


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
        # The table, not the mapped class, so SQLAlchemy skips the ORM's UPDATE setup,
        # which cost about 0.5 ms of CPU time per batch.
        statement = (
            update(CODES)
            .where(
                self._contact_id_in(contact_ids),
                CODES.c.state == CODE_ACTIVE,
                CODES.c.expires_at <= now,
            )
            .values(state=CODE_REPLACED)
        )
        await self._session.execute(statement)

    def _contact_id_in(self, contact_ids: Sequence[int]) -> ColumnElement[bool]:
        # The ids go as one array (PostgreSQL) or JSON (SQLite) parameter. With IN and a
        # list, SQLAlchemy coerces and renders one bound parameter per id on every call.
        if self._session.get_bind().dialect.name == "postgresql":
            ids = bindparam("contact_ids", list(contact_ids), type_=postgresql.ARRAY(Integer))
            return CODES.c.contact_id == any_(ids)
        listed = func.json_each(bindparam("contact_ids", json.dumps(list(contact_ids))))
        return CODES.c.contact_id.in_(select(listed.table_valued("value").c.value))

    async def insert_active(
        self,
        tenant_id: int,
        contact_ids: Sequence[int],
        codes: Sequence[str],
        *,
        created_at: datetime,
        expires_at: datetime,
    ) -> list[tuple[int, int, str]]:
        """Insert one live code per contact, skipping any that would break a unique index.

        Returns (id, contact_id, code) of each inserted code. A contact that already got
        a live code from a concurrent request is left out instead of failing the
        transaction, and so is a code value that already exists. The caller decides what
        to do with those contacts.
        """
        if not contact_ids:
            return []
        dialect = self._session.get_bind().dialect.name
        values: dict[str, Any] = {
            "tenant_id": tenant_id,
            "created_at": created_at,
            "expires_at": expires_at,
        }
        if dialect == "postgresql":
            values |= {"contact_ids": list(contact_ids), "codes": list(codes)}
        else:
            values["rows"] = json.dumps(list(zip(contact_ids, codes, strict=True)))
        rows = (await self._session.execute(insert_active_statement(dialect), values)).all()
        if len(contact_ids) > 1 and dialect == "postgresql":
            await self._discard_plans()
        return [(int(code_id), int(contact_id), str(code)) for code_id, contact_id, code in rows]

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

    async def contacts_with_active_code(self, contact_ids: Sequence[int]) -> set[int]:
        statement = select(ProviderCode.contact_id).where(
            self._contact_id_in(contact_ids), ProviderCode.state == CODE_ACTIVE
        )
        return set((await self._session.execute(statement)).scalars().all())


@cache
def insert_active_statement(dialect: str) -> Insert:
    """Build the INSERT ... SELECT that inserts a batch of live codes.

    The batch goes as two arrays on PostgreSQL and as one JSON array of [contact_id, code]
    pairs on SQLite, so the driver binds seven values at most per statement instead of
    six per code, and SQLAlchemy compiles the statement once.
    """
    contact_id: ColumnElement[Any]
    code: ColumnElement[Any]
    if dialect == "postgresql":
        batch = (
            func.unnest(
                bindparam("contact_ids", type_=postgresql.ARRAY(Integer)),
                bindparam("codes", type_=postgresql.ARRAY(String)),
            )
            .table_valued("contact_id", "code")
            .render_derived()
        )
        contact_id, code = batch.c.contact_id, batch.c.code
    else:
        batch = func.json_each(bindparam("rows", type_=String)).table_valued("value")
        contact_id = func.json_extract(batch.c.value, "$[0]")
        code = func.json_extract(batch.c.value, "$[1]")

    # SQLite parses ON CONFLICT after INSERT ... SELECT only when the SELECT has a WHERE
    # clause. On PostgreSQL the condition changes nothing.
    source = (
        select(
            bindparam("tenant_id", type_=Integer),
            contact_id,
            code,
            literal(CODE_ACTIVE),
            bindparam("created_at", type_=UTCDateTime()),
            bindparam("expires_at", type_=UTCDateTime()),
        )
        .select_from(batch)
        .where(true())
    )
    columns = ["tenant_id", "contact_id", "code", "state", "created_at", "expires_at"]
    returned = (CODES.c.id, CODES.c.contact_id, CODES.c.code)
    if dialect == "postgresql":
        insert_postgresql = postgresql.insert(CODES).from_select(columns, source)
        return insert_postgresql.on_conflict_do_nothing().returning(*returned)
    insert_sqlite = sqlite.insert(CODES).from_select(columns, source)
    return insert_sqlite.on_conflict_do_nothing().returning(*returned)
