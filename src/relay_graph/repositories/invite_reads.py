"""Query side of the invite-all preview: who would be invited, who not and why."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from relay_graph.db.models import Assignment, Contact, ProviderCode, ProviderType
from relay_graph.domain.pagination import Page, PageRequest
from relay_graph.domain.read_models import (
    ContactFilter,
    ContactOrder,
    ContactView,
    NotInvitableView,
    ProviderTypeView,
)
from relay_graph.domain.status import InviteSkipReason
from relay_graph.repositories.contact_reads import (
    ContactReads,
    base_select,
    contact_view_from_row,
    filter_conditions,
    sort_key,
)
from relay_graph.repositories.keyset import apply_keyset, build_page
from relay_graph.repositories.relay_sql import (
    active_code_join_condition,
    is_provider,
    skip_reason_expression,
)


def eligible_conditions(now: datetime) -> list[ColumnElement[bool]]:
    return [Contact.category.is_not(None), skip_reason_expression(now).is_(None)]


class InviteReads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def reason_counts(
        self, tenant_id: int, now: datetime
    ) -> tuple[int, dict[InviteSkipReason, int]]:
        """Count the eligible providers and the skipped ones per reason."""
        reason = skip_reason_expression(now)
        statement = (
            select(reason, func.count(Contact.id))
            .outerjoin(ProviderCode, active_code_join_condition())
            .where(Contact.tenant_id == tenant_id, Contact.archived_at.is_(None), is_provider())
            .group_by(reason)
        )
        eligible = 0
        skipped = {value: 0 for value in InviteSkipReason}
        for value, count in (await self._session.execute(statement)).all():
            if value is None:
                eligible = int(count)
            else:
                skipped[InviteSkipReason(value)] = int(count)
        return eligible, skipped

    async def eligible_page(
        self, tenant_id: int, request: PageRequest, now: datetime
    ) -> Page[ContactView]:
        return await ContactReads(self._session).page(
            tenant_id, ContactFilter(), ContactOrder(), request, now, eligible_conditions(now)
        )

    async def not_invitable_page(
        self,
        tenant_id: int,
        reason: InviteSkipReason | None,
        request: PageRequest,
        now: datetime,
    ) -> Page[NotInvitableView]:
        key = sort_key(ContactOrder())
        reason_column = skip_reason_expression(now)
        conditions = [
            *filter_conditions(tenant_id, ContactFilter(), now),
            is_provider(),
            reason_column.is_not(None) if reason is None else reason_column == reason.value,
        ]
        statement = base_select(now, reason_column.label("skip_reason"), *key).where(*conditions)
        rows = (await self._session.execute(apply_keyset(statement, key, request))).all()
        return build_page(
            rows,
            request,
            len(key),
            lambda row: NotInvitableView(
                contact_view_from_row(row, row.relay_status),
                InviteSkipReason(row.skip_reason),
            ),
        )

    async def attach_uncategorised_types(self, entries: Sequence[NotInvitableView]) -> None:
        """Load, with one select, the provider types without a category that each contact holds."""
        contact_ids = [
            entry.contact.id for entry in entries if entry.reason is InviteSkipReason.NO_CATEGORY
        ]
        if not contact_ids:
            return
        statement = (
            select(Assignment.contact_id, ProviderType.id, ProviderType.name)
            .join(ProviderType, ProviderType.id == Assignment.provider_type_id)
            .where(Assignment.contact_id.in_(contact_ids), ProviderType.category.is_(None))
            .distinct()
            .order_by(Assignment.contact_id, ProviderType.name)
        )
        grouped: dict[int, list[ProviderTypeView]] = defaultdict(list)
        for contact_id, type_id, name in (await self._session.execute(statement)).all():
            grouped[contact_id].append(ProviderTypeView(type_id, name, None))
        for entry in entries:
            entry.uncategorised_types = grouped.get(entry.contact.id, [])
