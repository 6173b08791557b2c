from __future__ import annotations

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.types.enums import Language
from relay_graph.api.graphql.types.relay_settings import RelaySettings
from relay_graph.services import relay_settings


async def resolve_relay_settings(info: Info) -> RelaySettings:
    context = info.context
    settings = await relay_settings.tenant_settings(
        context.uow, context.actor, context.invitation_settings
    )
    return RelaySettings(
        company_name=settings.name,
        sender_name=settings.sender_name,
        reply_to=settings.reply_to,
        default_language=Language(settings.default_language),
        code_validity_days=settings.code_ttl_days,
    )


relay_settings_field = strawberry.field(
    resolver=resolve_relay_settings,
    description="Relay settings of your tenant: beta switch, counts, preview and texts.",
)
