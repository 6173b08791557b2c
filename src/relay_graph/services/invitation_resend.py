"""Send a contact's invitation again, with the code that is still live."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import Any

from relay_graph.db.models import ProviderCode, Tenant
from relay_graph.domain.errors import DomainError, ErrorCode
from relay_graph.mail.rendering import InvitationDetails, registration_link, render_invitation
from relay_graph.services.actor import Actor
from relay_graph.services.invitation_email import (
    InvitationSettings,
    Recipient,
    display_name,
    invitation_outbox_row,
)
from relay_graph.services.invitations import load_tenant, recipient_of
from relay_graph.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)


def remaining_days(expires_at: datetime, now: datetime) -> int:
    """Whole days left, rounded up, so a code with 4.2 days left 'is valid 5 days'."""
    return max(1, math.ceil((expires_at - now) / timedelta(days=1)))


def resent_outbox_row(
    tenant: Tenant,
    recipient: Recipient,
    code: ProviderCode,
    settings: InvitationSettings,
    now: datetime,
) -> dict[str, Any]:
    row = invitation_outbox_row(
        tenant=tenant,
        recipient=recipient,
        provider_code_id=code.id,
        code=code.code,
        expires_at=code.expires_at,
        settings=settings,
    )
    # invitation_outbox_row states the tenant's full validity, which an older code no
    # longer has, so the text is rendered again with the days that are left.
    details = InvitationDetails(
        tenant_name=tenant.sender_name or tenant.name,
        contact_name=display_name(recipient),
        salutation=recipient.salutation,
        code=code.code,
        registration_link=registration_link(settings.registration_url, code.code),
        expires_at=code.expires_at,
        valid_days=remaining_days(code.expires_at, now),
        reply_to=tenant.reply_to,
    )
    email = render_invitation(details, row["language"])
    return {**row, "subject": email.subject, "body_text": email.text, "body_html": email.html}


async def resend_invitation(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    contact_id: int,
    settings: InvitationSettings,
    now: datetime,
) -> None:
    """Queue a new invitation email, with a new Message-ID, for the contact's live code.

    It goes to the contact's current address, so a corrected address gets the email.
    """
    actor.require_admin()

    async with uow_factory.write() as uow:
        tenant = await load_tenant(uow, actor)
        contact = await uow.contacts.get(actor.tenant_id, contact_id)
        if contact is None:
            raise DomainError(
                ErrorCode.NOT_FOUND, ("contactId",), {"entity": "Contact", "id": contact_id}
            )
        if contact.registered_at is not None:
            raise DomainError(ErrorCode.ALREADY_REGISTERED, ("contactId",))
        code = await uow.provider_codes.get_active(contact.id)
        if code is None or code.expires_at <= now:
            raise DomainError(ErrorCode.NO_LIVE_CODE, ("contactId",))
        if not contact.email:
            raise DomainError(ErrorCode.MISSING_EMAIL, ("contactId",))
        if not contact.email_valid:
            raise DomainError(ErrorCode.INVALID_EMAIL, ("contactId",), {"email": contact.email})

        # TODO: nothing limits how often an admin resends; each call queues one more email.
        row = resent_outbox_row(tenant, recipient_of(contact), code, settings, now)
        await uow.outbox.add_many([row])
        await uow.commit()

    logger.info(
        "invitation email queued again",
        extra={"tenant_id": actor.tenant_id, "contact_id": contact_id, "provider_code_id": code.id},
    )
