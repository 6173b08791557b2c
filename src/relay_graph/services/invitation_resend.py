"""Send a contact's invitation again, with the code that is still live."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import Any

from relay_graph.db.models import ProviderCode, Tenant
from relay_graph.domain.errors import DomainError, ErrorCode
from relay_graph.services.actor import Actor
from relay_graph.services.invitation_email import (
    InvitationSettings,
    Recipient,
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
    # An older code no longer has the tenant's full validity, so the email states the
    # days that are left.
    return invitation_outbox_row(
        tenant=tenant,
        recipient=recipient,
        provider_code_id=code.id,
        code=code.code,
        expires_at=code.expires_at,
        settings=settings,
        valid_days=remaining_days(code.expires_at, now),
    )


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
