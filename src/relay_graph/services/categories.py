"""Set Relay categories, on one contact or through a provider type."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from relay_graph.domain.categories import RelayCategory
from relay_graph.domain.errors import DomainError, ErrorCode
from relay_graph.services.actor import Actor
from relay_graph.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkResult:
    provider_type_id: int
    updated_contacts_count: int


async def set_contact_category(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    contact_id: int,
    category: RelayCategory | None,
    now: datetime,
) -> int:
    """Set or clear (None) the Relay category of one contact; returns its id."""
    actor.require_admin()

    async with uow_factory.write() as uow:
        contact = await uow.contacts.get(actor.tenant_id, contact_id)
        if contact is None:
            raise DomainError(
                ErrorCode.NOT_FOUND, ("contactId",), {"entity": "Contact", "id": contact_id}
            )

        contact.category = None if category is None else category.value
        contact.updated_at = now
        await uow.commit()

    logger.info(
        "contact category set", extra={"tenant_id": actor.tenant_id, "contact_id": contact_id}
    )
    return contact_id


async def link_type_category(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    provider_type_id: int,
    category: RelayCategory | None,
    now: datetime,
) -> LinkResult:
    """Link a provider type to a category and give that category to all holders of the type.

    Unlinking (None) removes the link and leaves the contacts' categories as they are.
    """
    actor.require_admin()

    async with uow_factory.write() as uow:
        provider_type = await uow.provider_types.get(actor.tenant_id, provider_type_id)
        if provider_type is None:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                ("providerTypeId",),
                {"entity": "ProviderType", "id": provider_type_id},
            )

        provider_type.category = None if category is None else category.value
        updated = 0
        if category is not None:
            updated = await uow.contacts.set_category_for_type(
                actor.tenant_id, provider_type_id, category.value, now
            )
        await uow.commit()

    logger.info(
        "provider type linked",
        extra={
            "tenant_id": actor.tenant_id,
            "provider_type_id": provider_type_id,
            "updated": updated,
        },
    )
    return LinkResult(provider_type_id, updated)
