"""Query side for contacts: Core selects into plain read models, a fixed number per page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, String, exists, func, literal_column, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from relay_graph.db.models import (
    OUTBOX_FAILED,
    OUTBOX_SENT,
    Assignment,
    Contact,
    EmailOutbox,
    Property,
    ProviderCode,
    ProviderType,
)
from relay_graph.domain.categories import RelayCategory
from relay_graph.domain.pagination import Page, PageRequest
from relay_graph.domain.read_models import (
    AssignmentView,
    ContactFilter,
    ContactOrder,
    ContactSortField,
    ContactView,
    DeliveryState,
    DeliveryView,
    PropertyView,
    ProviderTypeView,
    RelayView,
    SortDirection,
)
from relay_graph.domain.status import RelayStatus
from relay_graph.repositories.keyset import apply_keyset, build_page
from relay_graph.repositories.relay_sql import active_code_join_condition, relay_status_expression

CONTACT_COLUMNS = (
    Contact.id,
    Contact.external_id,
    Contact.salutation,
    Contact.first_name,
    Contact.last_name,
    Contact.company,
    Contact.email,
    Contact.email_valid,
    Contact.phone,
    Contact.street,
    Contact.postal_code,
    Contact.city,
    Contact.category,
    Contact.registered_at,
    ProviderCode.code,
    ProviderCode.created_at,
    ProviderCode.expires_at,
    EmailOutbox.status.label("delivery_status"),
    EmailOutbox.created_at.label("delivery_queued_at"),
    EmailOutbox.attempts.label("delivery_attempts"),
    EmailOutbox.next_attempt_at.label("delivery_next_attempt_at"),
    EmailOutbox.sent_at.label("delivery_sent_at"),
    EmailOutbox.last_error_code.label("delivery_problem"),
    EmailOutbox.last_error.label("delivery_detail"),
)

DELIVERY_STATES = {OUTBOX_SENT: DeliveryState.SENT, OUTBOX_FAILED: DeliveryState.FAILED}


@cache
def newest_email_of_code() -> ColumnElement[bool]:
    """Join condition for the newest outbox row of the joined provider code.

    Only invitations name a provider code, so this is the newest invitation email.
    """
    other = aliased(EmailOutbox)
    newest_id = (
        select(func.max(other.id))
        .where(other.provider_code_id == ProviderCode.id)
        .correlate(ProviderCode)
        .scalar_subquery()
    )
    return EmailOutbox.id == newest_id


def delivery_view_from_row(row: Row[Any]) -> DeliveryView | None:
    if row.delivery_status is None:
        return None
    state = DELIVERY_STATES.get(row.delivery_status, DeliveryState.QUEUED)
    return DeliveryView(
        state=state,
        queued_at=row.delivery_queued_at,
        attempts=row.delivery_attempts,
        next_attempt_at=row.delivery_next_attempt_at if state is DeliveryState.QUEUED else None,
        sent_at=row.delivery_sent_at,
        problem=row.delivery_problem,
        detail=row.delivery_detail,
    )


@cache
def sort_key(order: ContactOrder) -> tuple[ColumnElement[Any], ...]:
    """Build the keyset sort key; it must match the ix_contact_order_* indexes exactly.

    The empty string is written into the SQL instead of being bound, because a database
    uses an expression index only for the identical expression.
    """
    empty = literal_column("''", String)
    if order.field is ContactSortField.COMPANY:
        columns = [func.coalesce(Contact.company, empty), func.coalesce(Contact.last_name, empty)]
    elif order.field is ContactSortField.EXTERNAL_ID:
        columns = [func.coalesce(Contact.external_id, empty)]
    else:
        columns = [
            func.coalesce(Contact.last_name, Contact.company, empty),
            func.coalesce(Contact.first_name, empty),
        ]
    unique: ColumnElement[Any] = Contact.id.expression
    return (*columns, unique)


# Plain dict lookups per row, because calling an Enum by its value is several times slower.
CATEGORY_BY_VALUE = {category.value: category for category in RelayCategory}
STATUS_BY_VALUE = {status.value: status for status in RelayStatus}


def contact_view_from_row(row: Row[Any], status: str) -> ContactView:
    category = CATEGORY_BY_VALUE[row.category] if row.category else None
    relay_status = STATUS_BY_VALUE[status]
    relay = None
    if category is not None:
        relay = RelayView(
            status=relay_status,
            code=row.code,
            invited_at=row.created_at,
            expires_at=row.expires_at,
            registered_at=row.registered_at,
            delivery=delivery_view_from_row(row),
        )
    return ContactView(
        id=row.id,
        external_id=row.external_id,
        salutation=row.salutation,
        first_name=row.first_name,
        last_name=row.last_name,
        company=row.company,
        email=row.email,
        email_valid=row.email_valid,
        phone=row.phone,
        street=row.street,
        postal_code=row.postal_code,
        city=row.city,
        category=category,
        relay_status=relay_status,
        relay=relay,
    )


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_conditions(
    tenant_id: int, contact_filter: ContactFilter, now: datetime
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Contact.tenant_id == tenant_id,
        Contact.archived_at.is_(None),
    ]
    if contact_filter.search:
        # Every word must occur in one of the searchable columns.
        for word in contact_filter.search.split():
            pattern = f"%{escape_like(word)}%"
            conditions.append(
                or_(
                    *(
                        column.ilike(pattern, escape="\\")
                        for column in (
                            Contact.first_name,
                            Contact.last_name,
                            Contact.company,
                            Contact.email,
                            Contact.external_id,
                        )
                    )
                )
            )
    if contact_filter.category is not None:
        conditions.append(Contact.category == contact_filter.category.value)
    if contact_filter.relay_status is not None:
        conditions.append(relay_status_expression(now) == contact_filter.relay_status.value)
    if contact_filter.has_email is not None:
        conditions.append(Contact.email_valid.is_(contact_filter.has_email))
    if contact_filter.provider_type_id is not None:
        conditions.append(
            exists().where(
                Assignment.contact_id == Contact.id,
                Assignment.provider_type_id == contact_filter.provider_type_id,
            )
        )
    if contact_filter.property_id is not None:
        conditions.append(
            exists().where(
                Assignment.contact_id == Contact.id,
                Assignment.property_id == contact_filter.property_id,
            )
        )
    return conditions


def base_select(now: datetime, *extra: ColumnElement[Any]) -> Select[Any]:
    status = relay_status_expression(now).label("relay_status")
    return (
        select(*CONTACT_COLUMNS, status, *extra)
        .outerjoin(ProviderCode, active_code_join_condition())
        .outerjoin(EmailOutbox, newest_email_of_code())
    )


class ContactReads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(
        self,
        tenant_id: int,
        contact_filter: ContactFilter,
        order: ContactOrder,
        request: PageRequest,
        now: datetime,
        extra_conditions: Sequence[ColumnElement[bool]] = (),
    ) -> Page[ContactView]:
        key = sort_key(order)
        conditions = [*filter_conditions(tenant_id, contact_filter, now), *extra_conditions]
        statement = base_select(now, *key).where(*conditions)
        statement = apply_keyset(
            statement, key, request, descending=order.direction is SortDirection.DESC
        )
        rows = (await self._session.execute(statement)).all()
        return build_page(
            rows, request, len(key), lambda row: contact_view_from_row(row, row.relay_status)
        )

    async def count(
        self,
        tenant_id: int,
        contact_filter: ContactFilter,
        now: datetime,
        extra_conditions: Sequence[ColumnElement[bool]] = (),
    ) -> int:
        conditions = [*filter_conditions(tenant_id, contact_filter, now), *extra_conditions]
        statement = (
            select(func.count(Contact.id))
            .outerjoin(ProviderCode, active_code_join_condition())
            .where(*conditions)
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def by_ids(
        self, tenant_id: int, ids: Sequence[int], now: datetime
    ) -> dict[int, ContactView]:
        if not ids:
            return {}
        # The API treats archived contacts as deleted, as the lists and the mutations do.
        statement = base_select(now).where(
            Contact.tenant_id == tenant_id, Contact.id.in_(ids), Contact.archived_at.is_(None)
        )
        rows = (await self._session.execute(statement)).all()
        return {row.id: contact_view_from_row(row, row.relay_status) for row in rows}

    async def status_counts(self, tenant_id: int, now: datetime) -> dict[RelayStatus, int]:
        status = relay_status_expression(now)
        statement = (
            select(status, func.count(Contact.id))
            .outerjoin(ProviderCode, active_code_join_condition())
            .where(Contact.tenant_id == tenant_id, Contact.archived_at.is_(None))
            .group_by(status)
        )
        counts = {value: 0 for value in RelayStatus}
        for value, count in (await self._session.execute(statement)).all():
            counts[RelayStatus(value)] = int(count)
        return counts

    async def attach_assignments(self, contacts: Sequence[ContactView]) -> None:
        """Load the provider types and properties of all given contacts with one select."""
        if not contacts:
            return
        statement = (
            select(
                Assignment.contact_id,
                Property.id.label("property_id"),
                Property.external_id,
                Property.name.label("property_name"),
                Property.street,
                Property.postal_code,
                Property.city,
                ProviderType.id.label("type_id"),
                ProviderType.name.label("type_name"),
                ProviderType.category,
            )
            .join(Property, Property.id == Assignment.property_id)
            .join(ProviderType, ProviderType.id == Assignment.provider_type_id)
            .where(Assignment.contact_id.in_([contact.id for contact in contacts]))
            .order_by(Assignment.contact_id, Property.name, ProviderType.name, Assignment.id)
        )
        grouped: dict[int, list[AssignmentView]] = defaultdict(list)
        properties: dict[int, PropertyView] = {}
        types: dict[int, ProviderTypeView] = {}
        for row in (await self._session.execute(statement)).all():
            prop = properties.get(row.property_id)
            if prop is None:
                prop = PropertyView(
                    row.property_id,
                    row.external_id,
                    row.property_name,
                    row.street,
                    row.postal_code,
                    row.city,
                )
                properties[row.property_id] = prop
            provider_type = types.get(row.type_id)
            if provider_type is None:
                category = CATEGORY_BY_VALUE[row.category] if row.category else None
                provider_type = ProviderTypeView(row.type_id, row.type_name, category)
                types[row.type_id] = provider_type
            grouped[row.contact_id].append(AssignmentView(prop, provider_type))
        for contact in contacts:
            contact.assignments = grouped.get(contact.id, [])
