from __future__ import annotations

import enum
from datetime import datetime


class RelayStatus(enum.StrEnum):
    """Progress of a contact on its way onto Relay, derived from its data and never stored."""

    NO_CATEGORY = "NO_CATEGORY"
    NO_EMAIL = "NO_EMAIL"
    INVITABLE = "INVITABLE"
    INVITED = "INVITED"
    EXPIRED = "EXPIRED"
    REGISTERED = "REGISTERED"


class InviteSkipReason(enum.StrEnum):
    """Reason for which invite-all leaves a provider out."""

    NO_CATEGORY = "NO_CATEGORY"
    NO_EMAIL = "NO_EMAIL"
    INVALID_EMAIL = "INVALID_EMAIL"
    ALREADY_INVITED = "ALREADY_INVITED"
    REGISTERED = "REGISTERED"


INVITABLE_STATUSES = frozenset({RelayStatus.INVITABLE, RelayStatus.EXPIRED})


def derive_relay_status(
    *,
    has_category: bool,
    email_valid: bool,
    registered: bool,
    active_code_expires_at: datetime | None,
    now: datetime,
) -> RelayStatus:
    """Derive the status; the order of the checks is the precedence.

    A registered provider stays REGISTERED and a live code stays INVITED even when
    the email is removed later, because both describe something that already happened.
    The SQL expression in the contact repository must apply the same order.
    """
    if not has_category:
        return RelayStatus.NO_CATEGORY
    if registered:
        return RelayStatus.REGISTERED
    if active_code_expires_at is not None and active_code_expires_at > now:
        return RelayStatus.INVITED
    if not email_valid:
        return RelayStatus.NO_EMAIL
    if active_code_expires_at is not None:
        return RelayStatus.EXPIRED
    return RelayStatus.INVITABLE
