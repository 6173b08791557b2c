from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from relay_graph.db.models import Tenant
from relay_graph.i18n import DEFAULT_LANGUAGE, Language, is_language
from relay_graph.mail.rendering import (
    INVITATION_KIND,
    InvitationDetails,
    invitation_values,
    registration_link,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InvitationSettings:
    registration_url: str
    default_code_ttl_days: int
    mail_domain: str = "relay-graph.invalid"

    def ttl_days(self, tenant: Tenant) -> int:
        return tenant.code_ttl_days or self.default_code_ttl_days


@dataclass(frozen=True)
class Recipient:
    contact_id: int
    email: str
    salutation: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    language: str | None


def display_name(recipient: Recipient) -> str:
    person = " ".join(part for part in (recipient.first_name, recipient.last_name) if part)
    return person or recipient.company or recipient.email


def recipient_language(recipient: Recipient, tenant: Tenant) -> Language:
    if is_language(recipient.language):
        return recipient.language
    if is_language(tenant.default_language):
        return tenant.default_language
    return DEFAULT_LANGUAGE


def invitation_details(
    tenant: Tenant,
    recipient: Recipient,
    code: str,
    expires_at: datetime,
    valid_days: int,
    settings: InvitationSettings,
) -> InvitationDetails:
    """Collect what the invitation templates print for one recipient and code."""
    return InvitationDetails(
        tenant_name=tenant.sender_name or tenant.name,
        contact_name=display_name(recipient),
        salutation=recipient.salutation,
        code=code,
        registration_link=registration_link(settings.registration_url, code),
        expires_at=expires_at,
        valid_days=valid_days,
        reply_to=tenant.reply_to,
    )


def invitation_outbox_row(
    *,
    tenant: Tenant,
    recipient: Recipient,
    provider_code_id: int,
    code: str,
    expires_at: datetime,
    settings: InvitationSettings,
    valid_days: int | None = None,
) -> dict[str, Any]:
    """Build the outbox row of one invitation, ready for `OutboxRepository.add_many`.

    The row keeps the template values instead of the text, and the outbox worker renders
    the email when it sends it. `valid_days` defaults to the tenant's full validity.
    """
    details = invitation_details(
        tenant,
        recipient,
        code,
        expires_at,
        settings.ttl_days(tenant) if valid_days is None else valid_days,
        settings,
    )
    return {
        "tenant_id": tenant.id,
        "contact_id": recipient.contact_id,
        "provider_code_id": provider_code_id,
        "kind": INVITATION_KIND,
        "recipient": recipient.email,
        "language": recipient_language(recipient, tenant),
        "template_values": invitation_values(details),
        "message_id": f"<{uuid.uuid4()}@{settings.mail_domain}>",
    }


def log_queued(rows: list[dict[str, Any]]) -> None:
    # One INFO line per batch, because invite-all queues up to 500 emails per batch and
    # the email_outbox rows already record each one. Each email's ids follow at DEBUG.
    # The lines name ids only, never the address or the code.
    if not rows:
        return
    logger.info(
        "invitation emails queued", extra={"tenant_id": rows[0]["tenant_id"], "count": len(rows)}
    )
    if not logger.isEnabledFor(logging.DEBUG):
        return
    for row in rows:
        logger.debug(
            "invitation email queued",
            extra={"tenant_id": row["tenant_id"], "contact_id": row["contact_id"],
                   "provider_code_id": row["provider_code_id"]},
        )
