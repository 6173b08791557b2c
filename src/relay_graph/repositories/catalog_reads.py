"""Query side for properties and provider types."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from relay_graph.db.models import Assignment, Contact, Property, ProviderType
from relay_graph.domain.categories import RelayCategory
from relay_graph.domain.pagination import Page, PageRequest
from relay_graph.domain.read_models import PropertyView, ProviderTypeView
from relay_graph.repositories.keyset import apply_keyset, build_page


def property_view(row: Any) -> PropertyView:
    return PropertyView(row.id, row.external_id, row.name, row.street, row.postal_code, row.city)


def contact_count_subquery() -> Any:
    return (
        select(func.count(func.distinct(Assignment.contact_id)))
        .join(Contact, Contact.id == Assignment.contact_id)
        .where(Assignment.provider_type_id == ProviderType.id, Contact.archived_at.is_(None))
        .scalar_subquery()
    )


def provider_type_view(row: Any) -> ProviderTypeView:
    category = RelayCategory(row.category) if row.category else None
    return ProviderTypeView(row.id, row.name, category, int(row.contact_count))


# The columns that property_view reads.
PROPERTY_COLUMNS = (
    Property.id,
    Property.external_id,
    Property.name,
    Property.street,
    Property.postal_code,
    Property.city,
)


class CatalogReads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def property_page(
        self, tenant_id: int, search: str | None, request: PageRequest
    ) -> Page[PropertyView]:
        key = [Property.name, Property.id]
        statement = select(*PROPERTY_COLUMNS, *key).where(
            *self._property_conditions(tenant_id, search)
        )
        rows = (await self._session.execute(apply_keyset(statement, key, request))).all()
        return build_page(rows, request, len(key), property_view)

    async def property_count(self, tenant_id: int, search: str | None) -> int:
        statement = select(func.count(Property.id)).where(
            *self._property_conditions(tenant_id, search)
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def properties_by_ids(
        self, tenant_id: int, ids: Sequence[int]
    ) -> dict[int, PropertyView]:
        if not ids:
            return {}
        statement = select(*PROPERTY_COLUMNS).where(
            Property.tenant_id == tenant_id, Property.id.in_(ids)
        )
        return {
            row.id: property_view(row) for row in (await self._session.execute(statement)).all()
        }

    async def provider_type_page(
        self, tenant_id: int, category_linked: bool | None, request: PageRequest
    ) -> Page[ProviderTypeView]:
        key = [ProviderType.name, ProviderType.id]
        statement = select(
            ProviderType.id,
            ProviderType.name,
            ProviderType.category,
            contact_count_subquery().label("contact_count"),
            *key,
        ).where(*self._type_conditions(tenant_id, category_linked))
        rows = (await self._session.execute(apply_keyset(statement, key, request))).all()
        return build_page(rows, request, len(key), provider_type_view)

    async def provider_type_count(self, tenant_id: int, category_linked: bool | None) -> int:
        statement = select(func.count(ProviderType.id)).where(
            *self._type_conditions(tenant_id, category_linked)
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def provider_types_by_ids(
        self, tenant_id: int, ids: Sequence[int]
    ) -> dict[int, ProviderTypeView]:
        if not ids:
            return {}
        statement = select(
            ProviderType.id,
            ProviderType.name,
            ProviderType.category,
            contact_count_subquery().label("contact_count"),
        ).where(ProviderType.tenant_id == tenant_id, ProviderType.id.in_(ids))
        rows = (await self._session.execute(statement)).all()
        return {row.id: provider_type_view(row) for row in rows}

    @staticmethod
    def _property_conditions(tenant_id: int, search: str | None) -> list[Any]:
        conditions: list[Any] = [Property.tenant_id == tenant_id]
        if search:
            # autoescape makes % and _ in the search text match themselves.
            term = search.strip()
            conditions.append(
                Property.name.icontains(term, autoescape=True)
                | Property.street.icontains(term, autoescape=True)
                | Property.city.icontains(term, autoescape=True)
                | func.coalesce(Property.external_id, literal("", String)).icontains(
                    term, autoescape=True
                )
            )
        return conditions

    @staticmethod
    def _type_conditions(tenant_id: int, category_linked: bool | None) -> list[Any]:
        conditions: list[Any] = [ProviderType.tenant_id == tenant_id]
        if category_linked is True:
            conditions.append(ProviderType.category.is_not(None))
        elif category_linked is False:
            conditions.append(ProviderType.category.is_(None))
        return conditions
