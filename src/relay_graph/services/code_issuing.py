"""Issue provider codes and queue their invitation emails, in batches and race-free."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from relay_graph.db.models import Tenant
from relay_graph.domain.codes import generate_provider_code
from relay_graph.services.invitation_email import (
    InvitationSettings,
    Recipient,
    invitation_outbox_row,
    log_queued,
)
from relay_graph.services.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

# A fresh 50-bit code collides with an existing one with negligible probability;
# the retries only guard against that and never loop on a real conflict.
MAX_COLLISION_RETRIES = 5


@dataclass(frozen=True)
class IssuedCode:
    contact_id: int
    provider_code_id: int
    code: str
    expires_at: datetime


async def issue_codes(
    uow: UnitOfWork,
    tenant: Tenant,
    recipients: Sequence[Recipient],
    now: datetime,
    settings: InvitationSettings,
) -> list[IssuedCode]:
    """Create one live code and one outbox row per recipient that has no live code yet.

    Recipients that got a live code from a concurrent transaction are left out of the
    result, because the unique index on the live code per contact decides who wins.
    """
    by_contact = {recipient.contact_id: recipient for recipient in recipients}
    expires_at = now + timedelta(days=settings.ttl_days(tenant))
    await uow.provider_codes.replace_expired(list(by_contact), now)

    issued: list[IssuedCode] = []
    pending = list(by_contact)
    for _ in range(MAX_COLLISION_RETRIES):
        if not pending:
            break
        codes = [generate_provider_code() for _ in pending]
        inserted = await uow.provider_codes.insert_active(
            tenant.id, pending, codes, created_at=now, expires_at=expires_at
        )
        issued.extend(
            IssuedCode(contact_id, code_id, code, expires_at)
            for code_id, contact_id, code in inserted
        )
        missing = set(pending) - {contact_id for _, contact_id, _ in inserted}
        if not missing:
            break
        taken = await uow.provider_codes.contacts_with_active_code(sorted(missing))
        pending = sorted(missing - taken)
    else:
        if pending:
            raise RuntimeError(f"could not draw unique provider codes for {len(pending)} contacts")

    outbox_rows = [
        invitation_outbox_row(
            tenant=tenant,
            recipient=by_contact[item.contact_id],
            provider_code_id=item.provider_code_id,
            code=item.code,
            expires_at=item.expires_at,
            settings=settings,
        )
        for item in issued
    ]
    await uow.outbox.add_many(outbox_rows)
    log_queued(outbox_rows)
    return issued
