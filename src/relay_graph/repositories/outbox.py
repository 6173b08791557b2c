from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Insert,
    Table,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from relay_graph.db.base import UTCDateTime, utcnow
from relay_graph.db.models import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENT,
    Contact,
    EmailOutbox,
    Tenant,
)
from relay_graph.domain.read_models import QueuedEmail

OUTBOX = cast(Table, EmailOutbox.__table__)
# The columns of a new email that the caller supplies. The status, attempt count and times
# are the same for every email queued by one call.
NEW_EMAIL_COLUMNS = (
    "tenant_id",
    "contact_id",
    "provider_code_id",
    "kind",
    "recipient",
    "language",
    "template_values",
    "message_id",
)


@dataclass(frozen=True)
class FailedAttempt:
    """Outcome of one failed attempt; `retry_at` None means the email is given up."""

    outbox_id: int
    problem: str
    detail: str
    retry_at: datetime | None


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Queue emails that are due now. Each row has a value for each NEW_EMAIL_COLUMNS name.

        On PostgreSQL all rows go as one array per column into one INSERT ... SELECT FROM
        unnest(...), so the driver binds one array per column instead of one value per
        column and email. SQLite gets one executemany, whose rows its driver binds in C.
        """
        if not rows:
            return
        queued_at = utcnow()
        if self._session.get_bind().dialect.name == "postgresql":
            columns = {name: [row[name] for row in rows] for name in NEW_EMAIL_COLUMNS}
            values = {**columns, "queued_at": queued_at}
            await self._session.execute(unnest_insert_statement(), values)
            return

        common = {
            "status": OUTBOX_PENDING,
            "attempts": 0,
            "next_attempt_at": queued_at,
            "created_at": queued_at,
        }
        await self._session.execute(insert(OUTBOX), [{**row, **common} for row in rows])

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
        rows = (await self._session.execute(statement)).all()
        return {status: int(count) for status, count in rows}

    async def has_due(self, now: datetime) -> bool:
        statement = select(
            exists().where(EmailOutbox.status == OUTBOX_PENDING, EmailOutbox.next_attempt_at <= now)
        )
        return bool((await self._session.execute(statement)).scalar_one())

    async def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[int]:
        """Reserve up to `limit` due emails until `lease_until` and count an attempt for each.

        One UPDATE claims the rows. On PostgreSQL its subselect locks them with SKIP LOCKED,
        so concurrent workers claim disjoint rows without waiting for each other. SQLite
        renders no FOR UPDATE; there the write transaction's lock serializes the claims.
        """
        due = (
            select(EmailOutbox.id)
            .where(EmailOutbox.status == OUTBOX_PENDING, EmailOutbox.next_attempt_at <= now)
            .order_by(EmailOutbox.next_attempt_at, EmailOutbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(EmailOutbox)
            .where(
                EmailOutbox.id.in_(due.scalar_subquery()),
                EmailOutbox.status == OUTBOX_PENDING,
                EmailOutbox.next_attempt_at <= now,
            )
            .values(next_attempt_at=lease_until, attempts=EmailOutbox.attempts + 1)
            .returning(EmailOutbox.id)
            .execution_options(synchronize_session=False)
        )
        return sorted((await self._session.execute(statement)).scalars().all())

    async def load_queued(self, ids: Sequence[int]) -> list[QueuedEmail]:
        """Load claimed emails with the tenant's sender identity and the contact's name."""
        if not ids:
            return []
        statement = (
            select(
                EmailOutbox,
                Tenant.name.label("tenant_name"),
                Tenant.sender_name,
                Tenant.reply_to,
                Contact.first_name,
                Contact.last_name,
                Contact.company,
            )
            .join(Tenant, Tenant.id == EmailOutbox.tenant_id)
            .outerjoin(Contact, Contact.id == EmailOutbox.contact_id)
            .where(EmailOutbox.id.in_(ids))
            .order_by(EmailOutbox.id)
        )
        rows = cast(Sequence[Row[Any]], (await self._session.execute(statement)).all())
        return [queued_email(row) for row in rows]

    async def mark_sent(self, sent: Sequence[tuple[int, datetime]]) -> None:
        """Mark emails SENT, each with the time its transport accepted it."""
        if not sent:
            return
        statement = (
            update(OUTBOX)
            .where(OUTBOX.c.id == bindparam("outbox_id"), OUTBOX.c.status == OUTBOX_PENDING)
            .values(
                status=OUTBOX_SENT,
                sent_at=bindparam("sent_at", type_=UTCDateTime()),
                last_error=None,
                last_error_code=None,
            )
        )
        params = [{"outbox_id": outbox_id, "sent_at": sent_at} for outbox_id, sent_at in sent]
        await self._session.execute(statement, params)

    async def record_failures(self, failures: Sequence[FailedAttempt]) -> None:
        """Store each failure; an email with a retry time stays PENDING, the others FAILED."""
        retries = [item for item in failures if item.retry_at is not None]
        given_up = [item for item in failures if item.retry_at is None]
        if retries:
            statement = (
                update(OUTBOX)
                .where(OUTBOX.c.id == bindparam("outbox_id"), OUTBOX.c.status == OUTBOX_PENDING)
                .values(
                    next_attempt_at=bindparam("retry_at", type_=UTCDateTime()),
                    last_error=bindparam("detail"),
                    last_error_code=bindparam("problem"),
                )
            )
            params = [
                {
                    "outbox_id": item.outbox_id,
                    "retry_at": item.retry_at,
                    "detail": item.detail,
                    "problem": item.problem,
                }
                for item in retries
            ]
            await self._session.execute(statement, params)
        if given_up:
            statement = (
                update(OUTBOX)
                .where(OUTBOX.c.id == bindparam("outbox_id"), OUTBOX.c.status == OUTBOX_PENDING)
                .values(
                    status=OUTBOX_FAILED,
                    last_error=bindparam("detail"),
                    last_error_code=bindparam("problem"),
                )
            )
            params = [
                {"outbox_id": item.outbox_id, "detail": item.detail, "problem": item.problem}
                for item in given_up
            ]
            await self._session.execute(statement, params)

    async def release(self, ids: Sequence[int], now: datetime) -> None:
        """Hand claimed but unsent emails back at once; their claim counts as no attempt."""
        if not ids:
            return
        statement = (
            update(EmailOutbox)
            .where(EmailOutbox.id.in_(ids), EmailOutbox.status == OUTBOX_PENDING)
            .values(next_attempt_at=now, attempts=EmailOutbox.attempts - 1)
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(statement)


def queued_email(row: Row[Any]) -> QueuedEmail:
    email: EmailOutbox = row.EmailOutbox
    person = " ".join(part for part in (row.first_name, row.last_name) if part)
    return QueuedEmail(
        id=email.id,
        tenant_id=email.tenant_id,
        contact_id=email.contact_id,
        kind=email.kind,
        message_id=email.message_id,
        recipient=email.recipient,
        recipient_name=person or row.company,
        language=email.language,
        subject=email.subject,
        body_text=email.body_text,
        body_html=email.body_html,
        template_values=email.template_values,
        created_at=email.created_at,
        attempts=email.attempts,
        sender_name=row.sender_name or row.tenant_name,
        reply_to=row.reply_to,
    )


@cache
def unnest_insert_statement() -> Insert:
    """Build PostgreSQL's INSERT of queued emails from one array parameter per column."""
    arrays = [
        bindparam(name, type_=postgresql.ARRAY(OUTBOX.c[name].type)) for name in NEW_EMAIL_COLUMNS
    ]
    batch = func.unnest(*arrays).table_valued(*NEW_EMAIL_COLUMNS).render_derived()
    queued_at = bindparam("queued_at", type_=UTCDateTime())
    source = select(
        *(batch.c[name] for name in NEW_EMAIL_COLUMNS),
        literal(OUTBOX_PENDING),
        literal(0),
        queued_at,
        queued_at,
    )
    columns = [*NEW_EMAIL_COLUMNS, "status", "attempts", "next_attempt_at", "created_at"]
    return insert(OUTBOX).from_select(columns, source)
