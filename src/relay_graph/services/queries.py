"""Read use cases: each opens one read-only unit of work and returns plain read models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from relay_graph.domain.pagination import Page, PageRequest
from relay_graph.domain.projections import Members
from relay_graph.domain.read_models import (
    ContactFilter,
    ContactOrder,
    ContactView,
    NotInvitableView,
    PropertyView,
    ProviderTypeView,
)
from relay_graph.domain.status import InviteSkipReason, RelayStatus
from relay_graph.services.actor import Actor
from relay_graph.services.unit_of_work import UnitOfWorkFactory

T = TypeVar("T")


@dataclass(frozen=True)
class Listing(Generic[T]):
    page: Page[T]
    total_count: int | None


def hide_codes(actor: Actor, contacts: Sequence[ContactView]) -> None:
    """Viewers never see provider codes."""
    if actor.is_admin:
        return
    for contact in contacts:
        if contact.relay is not None:
            contact.relay.code = None


async def list_contacts(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    contact_filter: ContactFilter,
    order: ContactOrder,
    request: PageRequest,
    now: datetime,
    *,
    with_assignments: bool,
    with_total: bool,
) -> Listing[ContactView]:
    request.validate()
    async with uow_factory.read(snapshot=with_assignments or with_total) as uow:
        page = await uow.contact_reads.page(actor.tenant_id, contact_filter, order, request, now)
        if with_assignments:
            await uow.contact_reads.attach_assignments(page.items)
        total = (
            await uow.contact_reads.count(actor.tenant_id, contact_filter, now)
            if with_total
            else None
        )
    hide_codes(actor, page.items)
    return Listing(page, total)


async def list_contact_json(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    contact_filter: ContactFilter,
    order: ContactOrder,
    request: PageRequest,
    now: datetime,
    projections: Sequence[Members],
    *,
    with_total: bool,
) -> Listing[tuple[str, ...]]:
    """List contacts as JSON text built by the database, one text per projection.

    Projections cannot select provider codes, so viewers need no masking here.
    """
    request.validate()
    async with uow_factory.read(snapshot=with_total) as uow:
        page = await uow.contact_json.page(
            actor.tenant_id, contact_filter, order, request, now, projections
        )
        total = (
            await uow.contact_reads.count(actor.tenant_id, contact_filter, now)
            if with_total
            else None
        )
    return Listing(page, total)


async def contacts_by_ids(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    ids: Sequence[int],
    now: datetime,
    *,
    with_assignments: bool = True,
) -> dict[int, ContactView]:
    async with uow_factory.read(snapshot=with_assignments) as uow:
        found = await uow.contact_reads.by_ids(actor.tenant_id, ids, now)
        if with_assignments:
            await uow.contact_reads.attach_assignments(list(found.values()))
    hide_codes(actor, list(found.values()))
    return found


async def list_properties(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    search: str | None,
    request: PageRequest,
    *,
    with_total: bool,
) -> Listing[PropertyView]:
    request.validate()
    async with uow_factory.read(snapshot=with_total) as uow:
        page = await uow.catalog_reads.property_page(actor.tenant_id, search, request)
        total = (
            await uow.catalog_reads.property_count(actor.tenant_id, search) if with_total else None
        )
    return Listing(page, total)


async def properties_by_ids(
    uow_factory: UnitOfWorkFactory, actor: Actor, ids: Sequence[int]
) -> dict[int, PropertyView]:
    async with uow_factory.read() as uow:
        return await uow.catalog_reads.properties_by_ids(actor.tenant_id, ids)


async def list_provider_types(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    category_linked: bool | None,
    request: PageRequest,
    *,
    with_total: bool,
) -> Listing[ProviderTypeView]:
    request.validate()
    async with uow_factory.read(snapshot=with_total) as uow:
        page = await uow.catalog_reads.provider_type_page(actor.tenant_id, category_linked, request)
        total = (
            await uow.catalog_reads.provider_type_count(actor.tenant_id, category_linked)
            if with_total
            else None
        )
    return Listing(page, total)


async def provider_types_by_ids(
    uow_factory: UnitOfWorkFactory, actor: Actor, ids: Sequence[int]
) -> dict[int, ProviderTypeView]:
    async with uow_factory.read() as uow:
        return await uow.catalog_reads.provider_types_by_ids(actor.tenant_id, ids)


async def relay_status_counts(
    uow_factory: UnitOfWorkFactory, actor: Actor, now: datetime
) -> dict[RelayStatus, int]:
    async with uow_factory.read() as uow:
        return await uow.contact_reads.status_counts(actor.tenant_id, now)


async def invite_reason_counts(
    uow_factory: UnitOfWorkFactory, actor: Actor, now: datetime
) -> tuple[int, dict[InviteSkipReason, int]]:
    async with uow_factory.read() as uow:
        return await uow.invite_reads.reason_counts(actor.tenant_id, now)


async def list_eligible(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    request: PageRequest,
    now: datetime,
    *,
    with_assignments: bool,
) -> Listing[ContactView]:
    request.validate()
    async with uow_factory.read(snapshot=with_assignments) as uow:
        page = await uow.invite_reads.eligible_page(actor.tenant_id, request, now)
        if with_assignments:
            await uow.contact_reads.attach_assignments(page.items)
    hide_codes(actor, page.items)
    return Listing(page, None)


async def list_not_invitable(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    reason: InviteSkipReason | None,
    request: PageRequest,
    now: datetime,
    *,
    with_assignments: bool,
) -> Listing[NotInvitableView]:
    request.validate()
    async with uow_factory.read(snapshot=True) as uow:
        page = await uow.invite_reads.not_invitable_page(actor.tenant_id, reason, request, now)
        await uow.invite_reads.attach_uncategorised_types(page.items)
        if with_assignments:
            await uow.contact_reads.attach_assignments([entry.contact for entry in page.items])
    hide_codes(actor, [entry.contact for entry in page.items])
    return Listing(page, None)
