"""Build test data directly in the database, so each test states what it needs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relay_graph.db.models import (
    CODE_ACTIVE,
    Assignment,
    Contact,
    Property,
    ProviderCode,
    ProviderType,
    Tenant,
)
from relay_graph.domain.codes import generate_provider_code
from relay_graph.domain.email import is_valid_email
from relay_graph.domain.roles import Role
from relay_graph.services.tokens import create_token
from relay_graph.services.unit_of_work import UnitOfWorkFactory

_sequence = itertools.count(1)


class Factory:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory
        self.uow = UnitOfWorkFactory(session_factory)

    async def _save(self, *objects: Any) -> None:
        async with self._sessions() as session:
            session.add_all(objects)
            await session.commit()

    async def tenant(
        self, slug: str | None = None, name: str = "Hausverwaltung Test GmbH", **values: Any
    ) -> Tenant:
        tenant = Tenant(slug=slug or f"tenant-{next(_sequence)}", name=name, **values)
        await self._save(tenant)
        return tenant

    async def token(self, tenant: Tenant, role: Role = Role.ADMIN, user_id: str = "tester") -> str:
        return await create_token(self.uow, tenant.slug, role, user_id)

    async def contact(self, tenant: Tenant, **values: Any) -> Contact:
        number = next(_sequence)
        values.setdefault("first_name", "Erika")
        values.setdefault("last_name", f"Mustermann {number:04d}")
        values.setdefault("email", f"erika.{number}@beispiel.example")
        values.setdefault("email_valid", is_valid_email(values["email"]))
        contact = Contact(tenant_id=tenant.id, **values)
        await self._save(contact)
        return contact

    async def property(self, tenant: Tenant, **values: Any) -> Property:
        number = next(_sequence)
        values.setdefault("name", f"WEG Teststraße {number}")
        values.setdefault("street", f"Teststraße {number}")
        values.setdefault("postal_code", "01067")
        values.setdefault("city", "Dresden")
        prop = Property(tenant_id=tenant.id, **values)
        await self._save(prop)
        return prop

    async def provider_type(
        self, tenant: Tenant, name: str | None = None, category: str | None = None
    ) -> ProviderType:
        provider_type = ProviderType(
            tenant_id=tenant.id, name=name or f"Gewerk {next(_sequence)}", category=category
        )
        await self._save(provider_type)
        return provider_type

    async def assign(
        self, contact: Contact, prop: Property, provider_type: ProviderType
    ) -> Assignment:
        assignment = Assignment(
            tenant_id=contact.tenant_id,
            contact_id=contact.id,
            property_id=prop.id,
            provider_type_id=provider_type.id,
        )
        await self._save(assignment)
        return assignment

    async def code(
        self,
        contact: Contact,
        *,
        expires_in: timedelta = timedelta(days=14),
        state: str = CODE_ACTIVE,
    ) -> ProviderCode:
        now = datetime.now(UTC)
        code = ProviderCode(
            tenant_id=contact.tenant_id,
            contact_id=contact.id,
            code=generate_provider_code(),
            state=state,
            created_at=now,
            expires_at=now + expires_in,
        )
        await self._save(code)
        return code

    async def registered_contact(self, tenant: Tenant, **values: Any) -> Contact:
        values.setdefault("category", "HANDWERKER")
        return await self.contact(
            tenant, registered_at=datetime.now(UTC) - timedelta(days=1), **values
        )
