"""Change the tenant's Relay settings: sender name, reply-to, language and code validity."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from relay_graph.db.models import Tenant
from relay_graph.domain.email import is_valid_reply_to
from relay_graph.domain.errors import DomainError, ErrorCode
from relay_graph.domain.text import is_control_character
from relay_graph.i18n import is_language
from relay_graph.services.actor import Actor
from relay_graph.services.invitations import load_tenant
from relay_graph.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)

SENDER_NAME_MAX_LENGTH = 100
REPLY_TO_MAX_LENGTH = 320
CODE_VALIDITY_DAYS = range(1, 366)


class Keep(enum.Enum):
    """Marks a setting that the change leaves as it is."""

    KEEP = "KEEP"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class RelaySettingsChange:
    """New values; KEEP leaves a setting unchanged, and None or blank text clears it."""

    sender_name: str | Keep | None = KEEP
    reply_to: str | Keep | None = KEEP
    default_language: str | Keep = KEEP
    code_validity_days: int | Keep = KEEP


class InvalidSettings(Exception):
    """Every rejected value of one change; nothing was stored."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(", ".join(error.code.value for error in errors))
        self.errors = errors


def blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def has_control_characters(text: str) -> bool:
    """Check for control characters, bidirectional controls included (domain/text.py)."""
    return any(is_control_character(character) for character in text)


def validation_errors(change: RelaySettingsChange) -> list[DomainError]:
    errors: list[DomainError] = []
    if isinstance(change.sender_name, str):
        name = change.sender_name.strip()
        if len(name) > SENDER_NAME_MAX_LENGTH or has_control_characters(name):
            errors.append(DomainError(
                ErrorCode.INVALID_SENDER_NAME, ("input", "senderName"),
                {"max_length": SENDER_NAME_MAX_LENGTH},
            ))
    if isinstance(change.reply_to, str):
        address = change.reply_to.strip()
        if address and (len(address) > REPLY_TO_MAX_LENGTH or not is_valid_reply_to(address)):
            errors.append(DomainError(
                ErrorCode.INVALID_REPLY_TO, ("input", "replyTo"), {"value": address}
            ))
    if change.default_language is not KEEP and not is_language(change.default_language):
        errors.append(DomainError(
            ErrorCode.INVALID_LANGUAGE, ("input", "defaultLanguage"),
            {"value": change.default_language},
        ))
    days = change.code_validity_days
    if days is not KEEP and days not in CODE_VALIDITY_DAYS:
        errors.append(DomainError(
            ErrorCode.INVALID_CODE_VALIDITY, ("input", "codeValidityDays"),
            {"min_days": CODE_VALIDITY_DAYS.start, "max_days": CODE_VALIDITY_DAYS.stop - 1,
             "value": days},
        ))
    return errors


def apply_change(tenant: Tenant, change: RelaySettingsChange) -> list[str]:
    """Write the change onto the tenant; returns the names of the settings it set."""
    changed: list[str] = []
    if change.sender_name is not KEEP:
        tenant.sender_name = blank_to_none(change.sender_name)
        changed.append("sender_name")
    if change.reply_to is not KEEP:
        tenant.reply_to = blank_to_none(change.reply_to)
        changed.append("reply_to")
    if change.default_language is not KEEP:
        tenant.default_language = change.default_language
        changed.append("default_language")
    if change.code_validity_days is not KEEP:
        tenant.code_ttl_days = change.code_validity_days
        changed.append("code_ttl_days")
    return changed


async def update_relay_settings(
    uow_factory: UnitOfWorkFactory, actor: Actor, change: RelaySettingsChange
) -> None:
    """Validate every value first, then store all of them; raises InvalidSettings if any fails.

    Emails queued earlier keep their text, but their From and Reply-To headers take the new
    sender name and reply-to, because those are read when an email is sent.
    """
    actor.require_admin()
    errors = validation_errors(change)
    if errors:
        raise InvalidSettings(errors)

    async with uow_factory.write() as uow:
        tenant = await load_tenant(uow, actor)
        changed = apply_change(tenant, change)
        await uow.commit()

    # Names of the settings only: the reply-to value is an email address.
    logger.info(
        "relay settings changed",
        extra={"tenant_id": actor.tenant_id, "settings": ",".join(changed) or "none"},
    )
