"""SQL forms of the derived Relay status; they follow `derive_relay_status` exactly."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, select
from sqlalchemy.sql.elements import ColumnElement

from relay_graph.db.models import CODE_ACTIVE, Assignment, Contact, ProviderCode
from relay_graph.domain.status import InviteSkipReason, RelayStatus


@cache
def active_code_join_condition() -> ColumnElement[bool]:
    return and_(ProviderCode.contact_id == Contact.id, ProviderCode.state == CODE_ACTIVE)


# Name of the parameter for the current time in `relay_status_expression`.
RELAY_NOW = "relay_now"


def relay_status_expression(now: datetime | None) -> ColumnElement[Any]:
    """Status of the contact row; needs the outer join on the active code.

    The time is a named parameter, so a cached statement can run with another `now`.
    """
    return case(
        (Contact.category.is_(None), RelayStatus.NO_CATEGORY.value),
        (Contact.registered_at.is_not(None), RelayStatus.REGISTERED.value),
        (ProviderCode.expires_at > bindparam(RELAY_NOW, now), RelayStatus.INVITED.value),
        (Contact.email_valid.is_(False), RelayStatus.NO_EMAIL.value),
        (ProviderCode.id.is_not(None), RelayStatus.EXPIRED.value),
        else_=RelayStatus.INVITABLE.value,
    )


def holds_any_type() -> ColumnElement[bool]:
    return exists(select(Assignment.id).where(Assignment.contact_id == Contact.id))


def skip_reason_expression(now: datetime) -> ColumnElement[Any]:
    """Why invite-all would leave the contact out, or NULL if it would invite it."""
    return case(
        (Contact.category.is_(None), InviteSkipReason.NO_CATEGORY.value),
        (Contact.registered_at.is_not(None), InviteSkipReason.REGISTERED.value),
        (ProviderCode.expires_at > now, InviteSkipReason.ALREADY_INVITED.value),
        (Contact.email.is_(None), InviteSkipReason.NO_EMAIL.value),
        (Contact.email_valid.is_(False), InviteSkipReason.INVALID_EMAIL.value),
        else_=None,
    )


def is_provider() -> ColumnElement[bool]:
    """Match providers: contacts with a Relay category or with a provider type on a property."""
    return Contact.category.is_not(None) | holds_any_type()
