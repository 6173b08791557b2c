"""Load the demo tenants into the database, once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from relay_graph.db.models import (
    CODE_ACTIVE,
    CODE_REDEEMED,
    Assignment,
    Contact,
    Property,
    ProviderCode,
    ProviderType,
    Tenant,
)
from relay_graph.demo.dataset import DemoTenant, build_demo_tenants
from relay_graph.domain.codes import generate_provider_code
from relay_graph.domain.email import is_valid_email
from relay_graph.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

DEMO_CODE_TTL_DAYS = 14


async def seed_demo(uow_factory: UnitOfWorkFactory, now: datetime) -> list[str]:
    """Create each demo tenant that does not exist yet; returns the slugs created."""
    created: list[str] = []
    for demo in build_demo_tenants():
        async with uow_factory.write() as uow:
            if await uow.tenants.get_by_slug(demo.slug) is not None:
                logger.info("demo tenant exists; left unchanged", extra={"tenant": demo.slug})
                continue
            await _insert_tenant(uow, demo, now)
            await uow.commit()
        created.append(demo.slug)
        logger.info(
            "demo tenant created", extra={"tenant": demo.slug, "contacts": len(demo.contacts)}
        )
    return created


async def _insert_tenant(uow: UnitOfWork, demo: DemoTenant, now: datetime) -> None:
    session = uow.session
    tenant = Tenant(slug=demo.slug, name=demo.name, sender_name=demo.name, default_language="de")
    session.add(tenant)
    await session.flush()

    properties = {
        item.key: Property(
            tenant_id=tenant.id,
            external_id=item.key,
            name=item.name,
            street=item.street,
            postal_code=item.postal_code,
            city=item.city,
        )
        for item in demo.properties
    }
    types = {
        item.key: ProviderType(tenant_id=tenant.id, name=item.name, category=item.category)
        for item in demo.provider_types
    }
    contacts = {
        item.key: Contact(
            tenant_id=tenant.id,
            external_id=item.key,
            salutation=item.salutation,
            first_name=item.first_name,
            last_name=item.last_name,
            company=item.company,
            email=item.email,
            email_valid=is_valid_email(item.email),
            phone=item.phone,
            street=item.street,
            postal_code=item.postal_code,
            city=item.city,
            category=item.category,
            registered_at=now - timedelta(days=3) if item.relay_state == "registered" else None,
        )
        for item in demo.contacts
    }
    session.add_all([*properties.values(), *types.values(), *contacts.values()])
    await session.flush()

    session.add_all(
        Assignment(
            tenant_id=tenant.id,
            contact_id=contacts[item.contact_key].id,
            property_id=properties[item.property_key].id,
            provider_type_id=types[item.provider_type_key].id,
        )
        for item in demo.assignments
    )
    session.add_all(
        _demo_code(tenant.id, contacts[item.key].id, item.relay_state, now)
        for item in demo.contacts
        if item.relay_state != "none"
    )
    await session.flush()


def _demo_code(tenant_id: int, contact_id: int, state: str, now: datetime) -> ProviderCode:
    """Build a code as if the invitation went out days ago; demo codes get no outbox rows."""
    created_days_ago = {"invited": 2, "expired": 20, "registered": 10}[state]
    created_at = now - timedelta(days=created_days_ago)
    return ProviderCode(
        tenant_id=tenant_id,
        contact_id=contact_id,
        code=generate_provider_code(),
        state=CODE_REDEEMED if state == "registered" else CODE_ACTIVE,
        created_at=created_at,
        expires_at=created_at + timedelta(days=DEMO_CODE_TTL_DAYS),
        redeemed_at=now - timedelta(days=3) if state == "registered" else None,
    )
