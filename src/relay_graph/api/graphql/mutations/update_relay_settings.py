from __future__ import annotations

from typing import Annotated, cast

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import UserError, user_error
from relay_graph.api.graphql.queries.relay_settings import resolve_relay_settings
from relay_graph.api.graphql.types.enums import Language
from relay_graph.api.graphql.types.relay_settings import RelaySettings
from relay_graph.domain.errors import DomainError
from relay_graph.services.relay_settings_changes import (
    KEEP,
    InvalidSettings,
    RelaySettingsChange,
    update_relay_settings,
)


@strawberry.input(description="Relay settings to change; a field left out keeps its value.")
class UpdateRelaySettingsInput:
    sender_name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Name that invitation emails show as their sender and use in their text, at most "
            "100 characters on one line. Null or empty: your company's name."
        ),
    )
    reply_to: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Reply-To address of invitation emails. Null or empty: no Reply-To header, so "
            "replies go to the server's sender address (RELAY_MAIL_FROM)."
        ),
    )
    default_language: Language | None = strawberry.field(
        default=strawberry.UNSET,
        description="Language of emails to contacts without one of their own; null keeps it.",
    )
    code_validity_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Days a new provider code stays valid, 1 to 365; null keeps it.",
    )

    def to_change(self) -> RelaySettingsChange:
        language = self.default_language
        days = self.code_validity_days
        return RelaySettingsChange(
            sender_name=KEEP if self.sender_name is strawberry.UNSET else self.sender_name,
            reply_to=KEEP if self.reply_to is strawberry.UNSET else self.reply_to,
            # Strawberry types an enum member's value as its definition; at run time it is the str.
            default_language=cast(str, language.value) if isinstance(language, Language) else KEEP,
            code_validity_days=days if isinstance(days, int) else KEEP,
        )


@strawberry.type(description="Result of updateRelaySettings.")
class UpdateRelaySettingsPayload:
    relay_settings: RelaySettings | None = strawberry.field(
        description="The settings after the change; null if it was rejected."
    )
    user_errors: list[UserError] = strawberry.field(
        description="One entry per rejected value; nothing is stored if there is any."
    )


async def resolve_update_relay_settings(
    info: Info,
    input: Annotated[
        UpdateRelaySettingsInput, strawberry.argument(description="The settings to change.")
    ],
) -> UpdateRelaySettingsPayload:
    context = info.context
    try:
        await update_relay_settings(context.uow, context.actor, input.to_change())
    except DomainError as error:
        return UpdateRelaySettingsPayload(
            relay_settings=None, user_errors=[user_error(error, context.language)]
        )
    except InvalidSettings as rejected:
        return UpdateRelaySettingsPayload(
            relay_settings=None,
            user_errors=[user_error(error, context.language) for error in rejected.errors],
        )
    settings = await resolve_relay_settings(info)
    return UpdateRelaySettingsPayload(relay_settings=settings, user_errors=[])


update_relay_settings_field = strawberry.mutation(
    resolver=resolve_update_relay_settings,
    description=(
        "Change your tenant's sender name, reply-to address, default language and code "
        "validity (admins only). New codes and emails use the new values."
    ),
)
