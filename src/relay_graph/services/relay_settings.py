"""Tenant-wide Relay settings: announcement text and the invitation email preview."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from relay_graph.db.models import Tenant
from relay_graph.domain.errors import DomainError, ErrorCode
from relay_graph.i18n import Language
from relay_graph.mail.rendering import (
    Announcement,
    RenderedEmail,
    render_announcement,
    render_invitation,
)
from relay_graph.services.actor import Actor
from relay_graph.services.invitation_email import (
    InvitationSettings,
    invitation_details,
    recipient_language,
)
from relay_graph.services.invitations import load_tenant, recipient_of
from relay_graph.services.unit_of_work import UnitOfWorkFactory

# Shown in previews instead of a real code, so a preview never reveals one.
PREVIEW_CODE = "XXXXX-XXXXX"


@dataclass(frozen=True)
class TenantSettings:
    name: str
    sender_name: str | None
    reply_to: str | None
    default_language: str
    code_ttl_days: int


async def tenant_settings(
    uow_factory: UnitOfWorkFactory, actor: Actor, settings: InvitationSettings
) -> TenantSettings:
    async with uow_factory.read() as uow:
        tenant = await load_tenant(uow, actor)
    return TenantSettings(
        name=tenant.name,
        sender_name=tenant.sender_name,
        reply_to=tenant.reply_to,
        default_language=tenant.default_language,
        code_ttl_days=settings.ttl_days(tenant),
    )


async def announcement_template(
    uow_factory: UnitOfWorkFactory, actor: Actor, language: Language, settings: InvitationSettings
) -> Announcement:
    async with uow_factory.read() as uow:
        tenant: Tenant = await load_tenant(uow, actor)
    return render_announcement(
        tenant.sender_name or tenant.name, settings.ttl_days(tenant), language
    )


async def invitation_email_preview(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    contact_id: int,
    language: Language | None,
    settings: InvitationSettings,
    now: datetime,
) -> tuple[str | None, str, RenderedEmail]:
    """Render the invitation a contact would get; returns recipient, language and email."""
    async with uow_factory.read() as uow:
        tenant = await load_tenant(uow, actor)
        contact = await uow.contacts.get(actor.tenant_id, contact_id)
    if contact is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, ("contactId",), {"entity": "Contact", "id": contact_id}
        )

    recipient = recipient_of(contact)
    if language is not None:
        recipient = replace(recipient, language=language)
    valid_days = settings.ttl_days(tenant)
    expires_at = now + timedelta(days=valid_days)
    details = invitation_details(tenant, recipient, PREVIEW_CODE, expires_at, valid_days, settings)
    chosen_language = recipient_language(recipient, tenant)
    return contact.email, chosen_language, render_invitation(details, chosen_language)
